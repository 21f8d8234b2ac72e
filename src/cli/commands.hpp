// The commands of the command line, one file each: scan_cmd.cpp, git_cmd.cpp, hook_cmd.cpp,
// image_cmd.cpp, registry_cmd.cpp, rules_cmd.cpp, baseline_cmd.cpp, report_cmd.cpp,
// init_cmd.cpp, help_cmd.cpp. Each Add*Command adds its subcommand, with its options and
// footer, to the CLI11 app and registers what runs it; Main (cli.cpp) adds them in the order
// --help lists them, parses, and runs the one chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/common_options.hpp"
#include "cli/registry_cmd.hpp"

namespace leakhound {

// The runnable (sub)commands of an app. Not thread-safe; lives as long as the app it refers to.
class CommandTable {
 public:
  // Runs a command: its report to `out`, diagnostics to `err`; returns an exit code. May throw
  // ConfigError, GitError (Main turns them into a message and exit 2).
  using Run = std::function<int(std::ostream& out, std::ostream& err)>;

  // `run` runs when `cmd` is the subcommand the command line chose.
  void Add(const CLI::App* cmd, Run run) { entries_.emplace_back(cmd, std::move(run)); }
  // The chosen command's run, after parsing; null when none was chosen.
  const Run* Chosen() const {
    for (const auto& [cmd, run] : entries_)
      if (cmd->parsed()) return &run;
    return nullptr;
  }

 private:
  std::vector<std::pair<const CLI::App*, Run>> entries_;
};

void AddScanCommand(CLI::App* app, CommandTable* commands);
void AddRulesCommand(CLI::App* app, CommandTable* commands);     // rules list, rules check
void AddBaselineCommand(CLI::App* app, CommandTable* commands);  // baseline create
void AddGitCommand(CLI::App* app, CommandTable* commands);
void AddHookCommand(CLI::App* app, CommandTable* commands);  // install, uninstall, the hooks
void AddImageCommand(CLI::App* app, CommandTable* commands);
void AddRegistryCommand(CLI::App* app, CommandTable* commands);
void AddReportCommand(CLI::App* app, CommandTable* commands);  // report merge
void AddVersionCommand(CLI::App* app, CommandTable* commands);
void AddInitCommand(CLI::App* app, CommandTable* commands);
// `help`: the man page and completions of `app` as it is when the command runs.
void AddHelpCommand(CLI::App* app, CommandTable* commands);

// --branch, --range, --since-commit (git_cmd.cpp); `git` and `baseline create --git`.
void AddGitHistoryOptions(CLI::App* cmd, GitCliOptions* o);
// The repository at `path` for a scan; throws ConfigError: "no such directory", or not a
// repository (suggesting `leakhound scan`).
std::shared_ptr<GitRepo> OpenRepoForScan(const std::string& path);
// `git`'s scan (git_cmd.cpp), with `baseline` applied. Throws ConfigError for a revision that
// does not resolve.
Report RunGit(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
              const GitCliOptions& go, const std::string& baseline, std::ostream& err);
// `image`'s scan (image_cmd.cpp), with `baseline` applied; io.path goes to `missing` when no
// image could be opened at all. Throws ConfigError for a local path that does not exist.
Report RunImage(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
                const ImageCliOptions& io, const RegistryCliOptions& rc,
                const std::string& baseline, std::ostream& err, std::vector<ScanIssue>* missing);

// `hook install` (hook_cmd.cpp), which `init` offers too.
int HookInstallCommand(const std::string& repo_path, bool pre_push, bool pre_commit, bool force,
                       std::ostream& out);

}  // namespace leakhound
