#include "base/yaml_safe.hpp"
#include "config/config.hpp"
#include "config/glob.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace leakhound {
namespace {

std::vector<std::string> Strings(const YAML::Node& node, const std::string& what) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) throw ConfigError(what + " must be a list");
  for (const auto& n : node) {
    if (!n.IsScalar()) throw ConfigError(what + " must hold strings");
    out.push_back(n.as<std::string>());
  }
  return out;
}

}  // namespace

Checks ParseChecks(const std::vector<std::string>& items) {
  Checks c{false, false};
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      const size_t comma = std::min(item.find(',', start), item.size());
      std::string name = item.substr(start, comma - start);
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (name == "secrets") c.secrets = true;
      else if (name == "hardening") c.hardening = true;
      else if (name == "all") c.secrets = c.hardening = true;
      else throw ConfigError("checks: unknown check '" + name + "' (secrets, hardening, all)");
      start = comma + 1;
    }
  }
  if (!c.secrets && !c.hardening) throw ConfigError("checks: name secrets, hardening or both");
  return c;
}

uint64_t ParseSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) throw ConfigError("bad size '" + text + "' (e.g. 100MB, 512k, 1GiB)");
  uint64_t value = 0;
  for (size_t k = 0; k < i; ++k) {
    if (value > (UINT64_MAX - 9) / 10) throw ConfigError("size '" + text + "' is too large");
    value = value * 10 + static_cast<uint64_t>(text[k] - '0');
  }
  std::string unit;
  for (size_t k = i; k < text.size(); ++k)
    if (!std::isspace(static_cast<unsigned char>(text[k])))
      unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[k]))));
  uint64_t mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1ull << 30;
  else throw ConfigError("bad size unit in '" + text + "' (use k, MB, GiB...)");
  if (value > UINT64_MAX / mult) throw ConfigError("size '" + text + "' is too large");
  return value * mult;
}

namespace {

const char* const kConfigKeys[] = {"exclude_paths", "disable_rules", "rules_dirs", "rules",
                                   "allow",         "fail_on",       "max_file_size", "checks",
                                   "min_confidence"};
const char* const kPolicyKeys[] = {"allow_inline", "allow_repo_config", "allow_baseline",
                                   "min_fail_on", "required_rules"};

bool IsConfigKey(const std::string& key) {
  for (const char* k : kConfigKeys)
    if (key == k) return true;
  return false;
}

std::string ReadConfigText(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "allow.values entry in FILE:LINE" for each item of a list node.
std::vector<std::string> EntrySources(const YAML::Node& node, const std::string& what,
                                      const std::string& path) {
  std::vector<std::string> out;
  if (!node || !node.IsSequence()) return out;
  for (const auto& n : node)
    out.push_back(what + " entry in " + path + ":" + std::to_string(n.Mark().line + 1));
  return out;
}

Severity SeverityKey(const YAML::Node& node, const char* key) {
  std::string name = node.as<std::string>();
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto s = ParseSeverity(name);
  if (!s) throw ConfigError(std::string(key) + " must be critical, high, medium, low or info");
  return *s;
}

bool BoolKey(const YAML::Node& node, const char* key) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value))
    throw ConfigError(std::string(key) + " must be true or false");
  return value;
}

// The config keys of `root` (a mapping); other keys are the caller's to check.
Config ParseConfig(const YAML::Node& root, const std::string& path) {
  Config c;
  c.source = path;
  {
    std::error_code ec;
    const auto abs = std::filesystem::absolute(path, ec);
    c.base_dir = (ec ? std::filesystem::path(path) : abs).parent_path().lexically_normal().string();
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (IsConfigKey(key)) c.keys.push_back(key);
  }
  c.exclude_paths = Strings(root["exclude_paths"], "exclude_paths");
  c.exclude_sources = EntrySources(root["exclude_paths"], "exclude_paths", path);
  c.disabled_rules = Strings(root["disable_rules"], "disable_rules");
  c.disabled_rule_sources = EntrySources(root["disable_rules"], "disable_rules", path);
  const auto dir = std::filesystem::path(path).parent_path();
  for (const auto& d : Strings(root["rules_dirs"], "rules_dirs")) {
    std::filesystem::path p(d);
    c.rules_dirs.push_back((p.is_absolute() ? p : dir / p).lexically_normal().string());
    c.rules_dir_sources.push_back(path);
  }
  if (root["rules"]) {
    YAML::Node wrapper;
    wrapper["rules"] = root["rules"];
    std::vector<RuleError> errors;
    c.rules = LoadRulesFromYaml(YAML::Dump(wrapper), path, &errors);
    if (!errors.empty()) throw ConfigError(errors.front().ToString());
  }
  if (const auto allow = root["allow"]) {
    if (!allow.IsMap()) throw ConfigError("allow must be a mapping (values, regexes)");
    c.allow_values = Strings(allow["values"], "allow.values");
    c.allow_regexes = Strings(allow["regexes"], "allow.regexes");
    c.allow_value_sources = EntrySources(allow["values"], "allow.values", path);
    c.allow_regex_sources = EntrySources(allow["regexes"], "allow.regexes", path);
  }
  if (root["fail_on"]) c.fail_on = SeverityKey(root["fail_on"], "fail_on");
  if (root["min_confidence"]) {
    const auto conf = ParseConfidence(root["min_confidence"].as<std::string>());
    if (!conf) throw ConfigError("min_confidence must be high, medium or low");
    c.min_confidence = conf;
  }
  if (root["checks"]) {
    if (root["checks"].IsScalar()) c.checks = {root["checks"].as<std::string>()};
    else c.checks = Strings(root["checks"], "checks");
    ParseChecks(c.checks);  // names them, or throws
  }
  if (root["max_file_size"]) c.max_file_size = ParseSize(root["max_file_size"].as<std::string>());
  return c;
}

// Runs `parse` on the file's YAML mapping, naming the file in every error; then checks the
// allow-list regexes, so a typo is an error rather than a silent no-op.
template <typename Parse>
auto LoadYamlFile(const std::string& path, const char* what, Parse parse) {
  const std::string text = ReadConfigText(path, what);
  try {
    YAML::Node root = SafeLoad(text);
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) throw ConfigError("expected a mapping at the top level");
    return parse(root);
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    if (msg.rfind(path, 0) == 0) throw;
    throw ConfigError(path + ": " + msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": invalid YAML: " + e.what());
  }
}

void CheckAllowRegexes(const Config& c, const std::string& path) {
  for (const auto& r : c.allow_regexes) {
    RE2 re(r, RE2::Quiet);
    if (!re.ok()) throw ConfigError(path + ": allow.regexes: bad regex '" + r + "': " + re.error());
  }
}

}  // namespace

Config LoadConfigFile(const std::string& path) {
  Config c = LoadYamlFile(path, "config file", [&](const YAML::Node& root) {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (!IsConfigKey(key)) {
        for (const char* k : kPolicyKeys)
          if (key == k)
            throw ConfigError("'" + key + "' is a policy key: it belongs in the file given to "
                              "--policy, not in a config file");
        throw ConfigError("unknown key '" + key + "'");
      }
    }
    return ParseConfig(root, path);
  });
  CheckAllowRegexes(c, path);
  return c;
}

bool RuleRequired(const std::vector<std::string>& required, std::string_view rule_id) {
  for (const auto& r : required)
    if (r == rule_id || GlobMatch(r, rule_id)) return true;
  return false;
}

Policy LoadPolicyFile(const std::string& path) {
  Policy p = LoadYamlFile(path, "policy file", [&](const YAML::Node& root) {
    Policy policy;
    policy.source = path;
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      bool ok = IsConfigKey(key);
      for (const char* k : kPolicyKeys) ok = ok || key == k;
      if (!ok) throw ConfigError("unknown key '" + key + "'");
    }
    policy.config = ParseConfig(root, path);
    if (root["allow_inline"]) policy.allow_inline = BoolKey(root["allow_inline"], "allow_inline");
    if (root["allow_baseline"])
      policy.allow_baseline = BoolKey(root["allow_baseline"], "allow_baseline");
    if (const auto repo = root["allow_repo_config"]) {
      if (repo.IsSequence()) {
        std::vector<std::string> keys = Strings(repo, "allow_repo_config");
        for (const auto& k : keys)
          if (!IsConfigKey(k))
            throw ConfigError("allow_repo_config: '" + k + "' is not a config key");
        policy.repo_config_keys = std::move(keys);
      } else {
        policy.allow_repo_config = BoolKey(repo, "allow_repo_config (true, false or a list of keys)");
      }
    }
    if (root["min_fail_on"]) policy.min_fail_on = SeverityKey(root["min_fail_on"], "min_fail_on");
    policy.required_rules = Strings(root["required_rules"], "required_rules");
    if (policy.min_fail_on && policy.config.fail_on && *policy.config.fail_on > *policy.min_fail_on)
      throw ConfigError("fail_on is above min_fail_on");
    return policy;
  });
  CheckAllowRegexes(p.config, path);
  return p;
}

namespace {

template <typename T>
void Append(std::vector<T>* to, const std::vector<T>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

// Adds `over`'s settings to `into`: lists are joined, a scalar `over` sets wins.
void Overlay(Config* into, const Config& over) {
  Append(&into->exclude_paths, over.exclude_paths);
  Append(&into->exclude_sources, over.exclude_sources);
  Append(&into->disabled_rules, over.disabled_rules);
  Append(&into->disabled_rule_sources, over.disabled_rule_sources);
  Append(&into->rules_dirs, over.rules_dirs);
  Append(&into->rules_dir_sources, over.rules_dir_sources);
  Append(&into->rules, over.rules);
  Append(&into->allow_values, over.allow_values);
  Append(&into->allow_value_sources, over.allow_value_sources);
  Append(&into->allow_regexes, over.allow_regexes);
  Append(&into->allow_regex_sources, over.allow_regex_sources);
  if (over.fail_on) into->fail_on = over.fail_on;
  if (over.min_confidence) into->min_confidence = over.min_confidence;
  if (over.max_file_size) into->max_file_size = over.max_file_size;
  if (!over.checks.empty()) into->checks = over.checks;
}

// `repo` without the keys `allowed` does not list, each named in `notes`.
Config KeepKeys(const Config& repo, const std::vector<std::string>& allowed,
                const std::string& policy, std::vector<std::string>* notes) {
  Config kept;
  kept.source = repo.source;
  kept.base_dir = repo.base_dir;
  auto has = [&](const char* k) { return std::find(allowed.begin(), allowed.end(), k) != allowed.end(); };
  for (const auto& key : repo.keys) {
    if (has(key.c_str())) {
      kept.keys.push_back(key);
      continue;
    }
    notes->push_back(repo.source + ": '" + key + "' ignored: the policy " + policy +
                     " does not let a repository's config set it");
  }
  if (has("exclude_paths")) {
    kept.exclude_paths = repo.exclude_paths;
    kept.exclude_sources = repo.exclude_sources;
  }
  if (has("disable_rules")) {
    kept.disabled_rules = repo.disabled_rules;
    kept.disabled_rule_sources = repo.disabled_rule_sources;
  }
  if (has("rules_dirs")) {
    kept.rules_dirs = repo.rules_dirs;
    kept.rules_dir_sources = repo.rules_dir_sources;
  }
  if (has("rules")) kept.rules = repo.rules;
  if (has("allow")) {
    kept.allow_values = repo.allow_values;
    kept.allow_value_sources = repo.allow_value_sources;
    kept.allow_regexes = repo.allow_regexes;
    kept.allow_regex_sources = repo.allow_regex_sources;
  }
  if (has("fail_on")) kept.fail_on = repo.fail_on;
  if (has("min_confidence")) kept.min_confidence = repo.min_confidence;
  if (has("max_file_size")) kept.max_file_size = repo.max_file_size;
  if (has("checks")) kept.checks = repo.checks;
  return kept;
}

}  // namespace

Config ApplyPolicy(const Policy* policy, const Config* trusted, const Config* repo,
                   const std::string& base_dir) {
  Config c;
  c.base_dir = base_dir;
  if (!policy) {
    if (trusted) return *trusted;
    if (repo) return *repo;
    return c;
  }
  c = policy->config;
  c.keys.clear();
  c.policy_source = policy->source;
  c.allow_inline = policy->allow_inline;
  c.allow_baseline = policy->allow_baseline;
  c.min_fail_on = policy->min_fail_on;
  c.required_rules = policy->required_rules;
  c.base_dir = base_dir;
  c.source.clear();
  if (trusted) {
    Overlay(&c, *trusted);
    c.source = trusted->source;
    c.base_dir = trusted->base_dir;
  }
  if (repo) {
    if (!policy->allow_repo_config) {
      c.notes.push_back(repo->source + ": ignored: the policy " + policy->source +
                        " does not let a repository's config apply (allow_repo_config: false)");
    } else {
      const Config kept = policy->repo_config_keys
                              ? KeepKeys(*repo, *policy->repo_config_keys, policy->source, &c.notes)
                              : *repo;
      Overlay(&c, kept);
      c.source = repo->source;
      c.base_dir = repo->base_dir;
      c.guarded_source = repo->source;
      c.guard_high_rules = policy->repo_config_keys.has_value();
    }
  }
  // The policy's floor on the failing severity holds whatever set fail_on.
  if (c.min_fail_on && c.fail_on && *c.fail_on > *c.min_fail_on) {
    c.notes.push_back("fail_on " + std::string(SeverityName(*c.fail_on)) + " lowered to " +
                      std::string(SeverityName(*c.min_fail_on)) + ": the policy " +
                      policy->source + " sets min_fail_on");
    c.fail_on = c.min_fail_on;
  }
  return c;
}

std::optional<Config> FindConfig(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::is_directory(root, ec) ? fs::path(root) : fs::path(root).parent_path();
  for (const char* name : {".leakhound.yaml", ".leakhound.yml"}) {
    const fs::path p = dir / name;
    if (fs::is_regular_file(p, ec)) return LoadConfigFile(p.string());
  }
  return std::nullopt;
}

std::string ProjectRoot(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path start = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (ec) start = fs::absolute(dir);
  for (fs::path p = start;; p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p.string();
    if (p == p.parent_path()) break;
  }
  return start.string();
}

AllowList::AllowList(const std::vector<std::string>& values,
                     const std::vector<std::string>& regexes,
                     const std::vector<std::string>& value_sources,
                     const std::vector<std::string>& regex_sources) {
  for (size_t i = 0; i < values.size(); ++i)
    values_.emplace(values[i], i < value_sources.size() ? value_sources[i] : "allow.values");
  for (size_t i = 0; i < regexes.size(); ++i) {
    auto re = std::make_unique<RE2>(regexes[i], RE2::Quiet);
    if (re->ok())
      regexes_.emplace_back(std::move(re),
                            i < regex_sources.size() ? regex_sources[i] : "allow.regexes");
  }
}

AllowList::~AllowList() = default;

bool AllowList::Allows(std::string_view secret, Suppression* why) const {
  if (auto it = values_.find(std::string(secret)); it != values_.end()) {
    if (why) *why = {"allow_value", it->second};
    return true;
  }
  for (const auto& [re, source] : regexes_)
    if (RE2::PartialMatch(secret, *re)) {
      if (why) *why = {"allow_regex", source};
      return true;
    }
  return false;
}

}  // namespace leakhound
