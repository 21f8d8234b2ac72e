// What the scanning commands share: the rule and scan options and the steps from a parsed
// command line to a report and an exit code (config, rules, setup, sources, baseline, report).
// Each command (scan_cmd.cpp, git_cmd.cpp, ...) builds on these.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
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

// --rules, --disable-rule, --config, --no-cache.
struct RuleOptions {
  std::vector<std::string> rules_dirs;
  std::vector<std::string> disabled;
  std::string config_path;
  bool no_cache = false;
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
  bool allow_incomplete = false;
  bool scan_binary = false;
  bool follow_symlinks = false;
  bool quiet = false;
  int jobs = 0;
  size_t max_matches = ScanLimits{}.max_matches;
  std::string checks;  // --checks; empty: the config's, else the command's default
};

// The image flags of `image` (all of them) and `registry` (the archive depth).
struct ImageCliOptions {
  std::string path;
  std::string image_ref;
  std::string platform;
  int max_archive_depth = 2;
  std::string max_archive_bytes;
};

void AddRuleOptions(CLI::App* cmd, RuleOptions* o);
// The scanning flags; the report flags too when `report_options`; the `paths` positional when
// `positional_paths`.
void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options,
                    bool positional_paths = true);

// Loads built-in, configured and --rules rules, minus the disabled ones. Throws ConfigError.
std::unique_ptr<RuleSet> LoadRuleSet(const RuleOptions& ro, const Config& config,
                                     std::ostream& err);

// --config, else the .leakhound.yaml found from the first of `paths` (else none).
Config ResolveConfig(const RuleOptions& ro, const std::vector<std::string>& paths);

// Where a repository's config and baseline live: its work tree, or the git dir when bare.
std::string ConfigRoot(const GitRepo& repo);

// The scan options of one run, with the allow-list and excludes they point to.
struct ScanSetup {
  ScanOptions options;
  Checks checks;
  std::unique_ptr<AllowList> allow;
  std::unique_ptr<PathMatcher> exclude;
  FsOptions fs;
};

// Options shared by every scanning command; keeps the allow-list and excludes alive.
std::unique_ptr<ScanSetup> MakeSetup(const Config& config, const ScanCliOptions& so,
                                     const char* default_checks = "secrets");

// Drops the findings a baseline file accepts (none when `baseline` is empty).
void ApplyBaseline(Report* report, const std::string& baseline);

// Runs the sources; returns the report with `add` run on it (findings a source adds after the
// scan), then the checks that are off and the baseline applied.
Report RunSources(const RuleSet& rules, const ScanSetup& setup,
                  std::vector<std::unique_ptr<Source>>& sources, const std::string& baseline,
                  std::ostream& err, const std::function<void(Report*)>& add = nullptr);

// Scans so.paths (default: .) as `scan` does, with so.baseline applied.
Report RunScan(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
               std::ostream& err);

// Writes the report as asked and turns it into an exit code.
int WriteAndExit(const Report& report, const RuleSet& rules, const Config& config,
                 const ScanCliOptions& so, std::ostream& out, std::ostream& err);

}  // namespace leakhound
