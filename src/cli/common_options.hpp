// What the scanning commands share: the rule and scan options and the steps from a parsed
// command line to a report and an exit code (config, rules, setup, sources, baseline, report).
// Each command (scan_cmd.cpp, git_cmd.cpp, ...) builds on these.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/analyzers.hpp"
#include "config/config.hpp"
#include "config/glob.hpp"
#include "leakhound/report.hpp"
#include "leakhound/ruleset.hpp"
#include "leakhound/scan_job.hpp"
#include "sources/git_source.hpp"

namespace leakhound {

// --rules, --disable-rule, --config, --no-cache, --policy, --no-repo-config.
struct RuleOptions {
  std::vector<std::string> rules_dirs;
  std::vector<std::string> disabled;
  std::string config_path;
  bool no_cache = false;
  std::string policy_path;  // --policy; empty: $LEAKHOUND_POLICY, else none
  bool no_repo_config = false;  // --no-repo-config: no .leakhound.yaml from the project
};

// The scanning and report flags of the commands that scan.
struct ScanCliOptions {
  std::vector<std::string> paths;
  std::string format = "human";
  std::string output;
  std::string fail_on;
  std::string baseline;
  std::string max_file_size;
  std::string color = "auto";
  bool show_secrets = false;
  size_t redact_keep = kDefaultRedactKeep;
  std::string min_confidence;  // --min-confidence; empty: the config's, else medium
  bool allow_incomplete = false;
  bool scan_binary = false;
  bool follow_symlinks = false;
  bool quiet = false;
  bool verbose = false;  // --verbose: list the dropped candidates on stderr
  int jobs = 0;
  size_t max_matches = ScanLimits{}.max_matches;
  std::string checks;  // --checks; empty: the config's, else the command's default
  std::vector<std::string> excludes;  // --exclude, added to the config's exclude_paths
  bool respect_gitignore = false;
  bool honor_gitleaks_allow = false;
  bool no_baseline = false;  // --no-baseline: not even the default .leakhound-baseline
  bool ignore_inline_allow = false;  // --ignore-inline-allow: leakhound:allow comments do nothing
  bool show_suppressed = false;      // --show-suppressed: the human report lists them
  std::string stdin_name;    // --stdin-name: the path `-` (standard input) is reported as
};

// The image flags of `image` (all of them) and `registry` (the archive depth).
struct ImageCliOptions {
  std::string path;
  std::string image_ref;
  std::string platform;
  int max_archive_depth = 2;
  std::string max_archive_bytes;
};

// `git`'s history flags (repository, refs, ranges); `baseline create --git` takes them too.
struct GitCliOptions {
  std::string repo = ".";
  std::vector<std::string> branches;
  std::vector<std::string> ranges;
  std::string since_commit;
  bool all_refs = false;
  bool no_history = false;
  bool worktree = false;
  std::string max_blob_size;
};

void AddRuleOptions(CLI::App* cmd, RuleOptions* o);
// The scanning flags; the report flags too when `report_options`; the `paths` positional when
// `positional_paths`.
void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options,
                    bool positional_paths = true);

// --fail-on SEVERITY|none, case-insensitive.
void AddFailOn(CLI::App* cmd, std::string* fail_on, const std::string& description);
// The failing severity: --fail-on, else the config's fail_on, else low; nullopt with *never set
// for --fail-on none. A policy's min_fail_on caps it (and turns `none` into it); *capped says so.
std::optional<Severity> FailOn(const Config& config, const std::string& flag, bool* never,
                               bool* capped = nullptr);

// Loads built-in, configured and --rules rules, minus the disabled ones. Under a policy: a
// required rule cannot be disabled (--disable-rule: an error; a config's disable_rules: ignored,
// with a note in config->notes) or replaced (an error naming the file), and a repository
// config's rule may not reuse a built-in id (an error naming the file). Throws ConfigError.
std::unique_ptr<RuleSet> LoadRuleSet(const RuleOptions& ro, Config* config, std::ostream& err);

// The one rule for every command: --config FILE, else the .leakhound.yaml at the top of the git
// work tree that holds the current directory (ProjectRoot), else the current directory's
// (neither with --no-repo-config); none (base_dir: the project root) when there is none. Under
// a policy (--policy, else $LEAKHOUND_POLICY), the config ApplyPolicy makes. Throws ConfigError.
Config ResolveConfig(const RuleOptions& ro);

// --baseline, else (unless --no-baseline) .leakhound-baseline in `root` (default: the top of the
// work tree that holds the current directory) when `look_in_root` and it exists, else "". ""
// with a note in config->notes when the policy forbids baselines.
std::string DefaultBaseline(const ScanCliOptions& so, Config* config, bool look_in_root = true,
                            const std::string& root = "");

// Where a repository's config and baseline live: its work tree, or the git dir when bare.
std::string ConfigRoot(const GitRepo& repo);

// The scan options of one run, with the allow-list and excludes they point to.
struct ScanSetup {
  ScanOptions options;
  Checks checks;
  std::unique_ptr<AllowList> allow;
  std::unique_ptr<PathMatcher> exclude;
  std::string exclude_base;  // the directory the exclude globs are relative to
  FsOptions fs;
  size_t redact_keep = kDefaultRedactKeep;
  Confidence min_confidence = Confidence::kMedium;
};

// Options shared by every scanning command; keeps the allow-list and excludes alive.
std::unique_ptr<ScanSetup> MakeSetup(const Config& config, const ScanCliOptions& so,
                                     const char* default_checks = "secrets");

// Drops the findings a baseline file accepts (none when `baseline` is empty); each is added to
// the summary's dropped candidates (for --verbose), its secret redacted keeping `redact_keep`.
void ApplyBaseline(Report* report, const std::string& baseline,
                   size_t redact_keep = kDefaultRedactKeep);

// Runs the sources; returns the report with `add` run on it (findings a source adds after the
// scan), then the checks that are off and the baseline applied.
Report RunSources(const RuleSet& rules, const ScanSetup& setup,
                  std::vector<std::unique_ptr<Source>>& sources, const std::string& baseline,
                  std::ostream& err, const std::function<void(Report*)>& add = nullptr);

// Scans so.paths (default: .; `-` is standard input) as `scan` does, with `baseline` applied;
// the named paths that cannot be found are added to `missing` with why (they are in the
// report's errors too).
Report RunScan(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
               const std::string& baseline, std::ostream& err,
               std::vector<ScanIssue>* missing);

// Writes the report as asked (naming the config used) and turns it into an exit code: 2 when
// an input named on the command line is `missing` (even with --allow-incomplete; each is
// printed as "leakhound: PATH: MESSAGE"). With -o, a
// one-line summary goes to `err` unless -q.
int WriteAndExit(Report& report, const RuleSet& rules, const Config& config,
                 const ScanCliOptions& so, std::ostream& out, std::ostream& err,
                 const std::vector<ScanIssue>& missing = {});

}  // namespace leakhound
