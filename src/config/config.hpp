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
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

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
  std::optional<Severity> fail_on;
  std::optional<Confidence> min_confidence;
  std::optional<uint64_t> max_file_size;
  std::vector<std::string> checks;  // empty: the command's default
};

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
  AllowList(const std::vector<std::string>& values, const std::vector<std::string>& regexes);
  ~AllowList();
  bool Allows(std::string_view secret) const;
  bool empty() const { return values_.empty() && regexes_.empty(); }

 private:
  std::unordered_set<std::string> values_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
};

}  // namespace leakhound
