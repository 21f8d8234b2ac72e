#include "base/yaml_safe.hpp"
#include "config/config.hpp"

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

Config LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read config file");
  std::stringstream ss;
  ss << in.rdbuf();
  Config c;
  c.source = path;
  {
    std::error_code ec;
    const auto abs = std::filesystem::absolute(path, ec);
    c.base_dir = (ec ? std::filesystem::path(path) : abs).parent_path().lexically_normal().string();
  }
  try {
    YAML::Node root = SafeLoad(ss.str());
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw ConfigError("expected a mapping at the top level");
    static const char* known[] = {"exclude_paths", "disable_rules", "rules_dirs", "rules",
                                  "allow",         "fail_on",       "max_file_size", "checks",
                                  "min_confidence"};
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (const char* k : known) ok = ok || key == k;
      if (!ok) throw ConfigError("unknown key '" + key + "'");
    }
    c.exclude_paths = Strings(root["exclude_paths"], "exclude_paths");
    c.disabled_rules = Strings(root["disable_rules"], "disable_rules");
    const auto dir = std::filesystem::path(path).parent_path();
    for (const auto& d : Strings(root["rules_dirs"], "rules_dirs")) {
      std::filesystem::path p(d);
      c.rules_dirs.push_back((p.is_absolute() ? p : dir / p).lexically_normal().string());
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
    }
    if (root["fail_on"]) {
      std::string name = root["fail_on"].as<std::string>();
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto s = ParseSeverity(name);
      if (!s) throw ConfigError("fail_on must be critical, high, medium, low or info");
      c.fail_on = s;
    }
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
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw ConfigError(path + ": " + what);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": invalid YAML: " + e.what());
  }
  // Check the allow-list regexes now, so a typo is an error rather than a silent no-op.
  for (const auto& r : c.allow_regexes) {
    RE2 re(r, RE2::Quiet);
    if (!re.ok()) throw ConfigError(path + ": allow.regexes: bad regex '" + r + "': " + re.error());
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
                     const std::vector<std::string>& regexes)
    : values_(values.begin(), values.end()) {
  for (const auto& r : regexes) {
    auto re = std::make_unique<RE2>(r, RE2::Quiet);
    if (re->ok()) regexes_.push_back(std::move(re));
  }
}

AllowList::~AllowList() = default;

bool AllowList::Allows(std::string_view secret) const {
  if (values_.count(std::string(secret))) return true;
  for (const auto& re : regexes_)
    if (RE2::PartialMatch(secret, *re)) return true;
  return false;
}

}  // namespace leakhound
