// .leakhound.yaml: project configuration, and the allow-list built from it.
//
//   exclude_paths: ["vendor/**", "*.min.js"]   # gitignore-style globs, relative to the root
//   disable_rules: [generic.password]
//   rules_dirs: [tools/leak-rules]               # extra rule directories, relative to this file
//   rules: [ ...rule definitions, as in rules/*.yaml... ]
//   allow:
//     values: ["a-known-test-token"]          # exact secrets never reported
//     regexes: ["^sk_test_"]                   # RE2, matched against the secret
//   fail_on: medium
//   min_confidence: low                      # report generic findings down to low (default medium)
//   max_file_size: 10MB
//   checks: [secrets, hardening]              # which checks run (default: see --checks)
//
// A policy (--policy FILE, LEAKHOUND_POLICY) is the same YAML plus what the scanned repository
// may change; it belongs to whoever runs the gate, never to the repository:
//   allow_inline: false          # leakhound:allow (and gitleaks:allow) comments are ignored
//   allow_repo_config: false     # or [exclude_paths, rules]: the keys a .leakhound.yaml may set
//   allow_baseline: false        # no baseline is applied, not even --baseline
//   min_fail_on: high            # --fail-on / fail_on may not be set above this
//   required_rules: ["aws.*"]    # ids or globs that cannot be disabled or replaced
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "leakhound/finding.hpp"
#include "leakhound/rule.hpp"

namespace re2 {
class RE2;
}

namespace leakhound {

// Thrown for a bad config file or a bad command-line value; caught in Main.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string source;  // the file it came from, empty when none
  // The directory exclude_paths are relative to: the config file's, else the project root.
  std::string base_dir;
  std::vector<std::string> exclude_paths;
  std::vector<std::string> disabled_rules;
  std::vector<std::string> rules_dirs;  // already resolved against the config's directory
  std::vector<Rule> rules;
  std::vector<std::string> allow_values;
  std::vector<std::string> allow_regexes;
  // Where each allow entry, disabled rule and exclude pattern was set, parallel to the lists
  // above: "allow.values entry in .leakhound.yaml:7"; the file alone for disable_rules.
  std::vector<std::string> allow_value_sources;
  std::vector<std::string> allow_regex_sources;
  std::vector<std::string> disabled_rule_sources;
  std::vector<std::string> exclude_sources;
  std::vector<std::string> rules_dir_sources;  // the config file each rules_dirs entry is from
  std::vector<std::string> keys;  // the top-level keys the file set
  std::optional<Severity> fail_on;
  std::optional<Confidence> min_confidence;
  std::optional<uint64_t> max_file_size;
  std::vector<std::string> checks;  // empty: the command's default

  // What a policy (if any) imposes on everything else; set by ResolveConfig.
  std::string policy_source;  // the policy file, empty when none
  bool allow_inline = true;     // leakhound:allow / gitleaks:allow comments honoured
  bool allow_baseline = true;   // a baseline may be applied
  std::optional<Severity> min_fail_on;
  std::vector<std::string> required_rules;  // ids or globs
  // Under a policy: the repository config whose rules may not reuse a built-in id, and whether
  // its disable_rules may not turn off rules of severity high or above.
  std::string guarded_source;
  bool guard_high_rules = false;
  std::vector<std::string> notes;  // what the policy refused, for the report's warnings
};

// A gate's policy file: its own config (trusted, like --config) and the restrictions.
struct Policy {
  std::string source;
  Config config;
  bool allow_inline = true;
  bool allow_baseline = true;
  bool allow_repo_config = true;
  // Set when allow_repo_config is a list: the only keys a repository's config may set.
  std::optional<std::vector<std::string>> repo_config_keys;
  std::optional<Severity> min_fail_on;
  std::vector<std::string> required_rules;
};

// True when `rule_id` matches one of `required` (ids or globs such as "aws.*").
bool RuleRequired(const std::vector<std::string>& required, std::string_view rule_id);

// Parses a policy file; throws ConfigError naming the file and what is wrong.
Policy LoadPolicyFile(const std::string& path);

// The config a run uses under `policy`: the policy's own config, then `trusted` (--config FILE;
// may be null), then the repository's `repo` config (may be null) as far as the policy lets it
// (allow_repo_config); what was refused is listed in `notes`. Without a policy (null), the
// trusted config, else the repository's, as before.
Config ApplyPolicy(const Policy* policy, const Config* trusted, const Config* repo,
                   const std::string& base_dir);

// Parses a config file; throws ConfigError naming the file and what is wrong.
Config LoadConfigFile(const std::string& path);
// The config found at `<root>/.leakhound.yaml` (or .leakhound.yml), if any.
std::optional<Config> FindConfig(const std::string& root);
// Where a project's .leakhound.yaml and .leakhound-baseline are read from: the top of the git
// work tree that holds `dir` (the nearest directory upwards with a `.git`), else `dir` itself;
// an absolute path.
std::string ProjectRoot(const std::string& dir = ".");

// Which checks run: `secrets` (every rule not tagged hardening) and `hardening` (rules tagged
// hardening: Dockerfile, compose and image checks).
struct Checks {
  bool secrets = true;
  bool hardening = false;
};
// Items like "secrets", "hardening", "secrets,hardening" or "all"; throws ConfigError.
Checks ParseChecks(const std::vector<std::string>& items);

// "100MB", "64k", "1GiB", "1234" -> bytes; throws ConfigError.
uint64_t ParseSize(const std::string& text);

// Exact values and RE2 patterns a secret may be allowed by. Immutable after construction;
// thread-safe to query.
class AllowList {
 public:
  // `value_sources` and `regex_sources`, parallel to the lists when given, say where each entry
  // was set ("allow.values entry in .leakhound.yaml:7"; Config's *_sources).
  AllowList(const std::vector<std::string>& values, const std::vector<std::string>& regexes,
            const std::vector<std::string>& value_sources = {},
            const std::vector<std::string>& regex_sources = {});
  ~AllowList();
  bool Allows(std::string_view secret) const { return Allows(secret, nullptr); }
  // With `why`: the entry that allows it (kind allow_value or allow_regex, and its source).
  bool Allows(std::string_view secret, Suppression* why) const;
  bool empty() const { return values_.empty() && regexes_.empty(); }

 private:
  std::unordered_map<std::string, std::string> values_;  // value -> its source
  std::vector<std::pair<std::unique_ptr<re2::RE2>, std::string>> regexes_;
};

}  // namespace leakhound
