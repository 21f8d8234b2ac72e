// Shared helpers for the test binaries.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound::testing {

// The built-in rule set, compiled once per test binary.
const RuleSet& BuiltinRules();

// Builds a rule set from a YAML rules document; fails the test on any error.
std::unique_ptr<RuleSet> RulesFromYaml(const std::string& yaml);

// Runs `command` with /bin/sh; returns its exit code (-1 if it did not exit) and stdout.
struct ShellResult {
  int code;
  std::string out;
  std::string err;  // filled by RunShellWithStderr only
};
ShellResult RunShell(const std::string& command);
// The same, and stderr too (through a temporary file).
ShellResult RunShellWithStderr(const std::string& command);
// `command` run by /bin/sh in `dir` with a fixed git identity, no system git config, no
// LEAKHOUND_POLICY from the caller's environment, $LEAKHOUND set to `leakhound_binary`; stderr
// is discarded. For the end-to-end tests that build git repositories.
ShellResult RunInGitDir(const std::string& dir, const std::string& command,
                        const std::string& leakhound_binary);

// `s` in single quotes for /bin/sh (a quote inside becomes '\'').
std::string ShellQuote(const std::string& s);

// Runs `binary args --format json` in `cwd`; the test fails unless stdout is a JSON report.
struct JsonRun {
  int code = -1;
  nlohmann::json report;
  std::string err;  // stderr
};
JsonRun RunJsonReport(const std::string& binary, const std::string& args,
                      const std::string& cwd = ".");

// A location's attribute in a JSON report ("" when it has none).
std::string LocationAttr(const nlohmann::json& loc, const std::string& key);

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/rel (creating directories); returns the full path.
  std::string Write(const std::string& rel, const std::string& content) const;

 private:
  std::string path_;
};

// Fake secrets, generated from a seeded generator: valid in format, never real.
class FakeSecrets {
 public:
  explicit FakeSecrets(uint32_t seed = 1) : rng_(seed) {}
  std::string Chars(const std::string& alphabet, size_t n);
  std::string Base62(size_t n);
  // A GitHub-style token with a correct (or deliberately wrong) CRC-32 checksum.
  std::string GithubToken(const std::string& prefix = "ghp_", bool valid_checksum = true);

 private:
  std::mt19937 rng_;
};

}  // namespace leakhound::testing
