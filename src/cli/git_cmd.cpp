// `git [DIR]`: a repository's history, and optionally its work tree.
#include <sys/stat.h>

#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "sources/git_source.hpp"

namespace leakhound {

std::shared_ptr<GitRepo> OpenRepoForScan(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw ConfigError(path + ": no such directory");
  try {
    return std::make_shared<GitRepo>(path);
  } catch (const GitError&) {
    throw ConfigError(path + ": not a git repository (or any parent up to /); to scan its " +
                      "files, use `leakhound scan " + path + "`");
  }
}

Report RunGit(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
              const GitCliOptions& go, const std::string& baseline, std::ostream& err) {
  auto repo = OpenRepoForScan(go.repo);
  auto setup = MakeSetup(config, so);
  GitHistoryOptions h;
  h.max_blob_bytes = go.max_blob_size.empty() ? setup->options.max_file_size
                                              : ParseSize(go.max_blob_size);
  setup->options.max_file_size = std::max(setup->options.max_file_size, h.max_blob_bytes);
  h.exclude_paths = setup->fs.exclude;
  h.head_only = go.no_history;
  if (go.all_refs && (!go.branches.empty() || !go.ranges.empty()))
    throw ConfigError("--all-refs cannot be combined with --branch or a range");
  // A revision that does not resolve is an error naming it, before anything is scanned (a
  // --since-commit typo would otherwise scan the whole history).
  auto check = [&](const std::string& flag, const std::string& rev) {
    if (!repo->ResolvesToCommit(rev))
      throw ConfigError(flag + ": unknown revision '" + rev + "' in " + go.repo);
  };
  for (const auto& b : go.branches) check("--branch", b);
  h.include = go.branches;
  for (const auto& r : go.ranges) {
    const size_t dots = r.find("..");
    if (dots == std::string::npos || r.find("...") != std::string::npos)
      throw ConfigError("bad range '" + r + "' (want A..B)");
    const std::string a = r.substr(0, dots), b = r.substr(dots + 2);
    if (!a.empty()) check("--range", a);
    if (!b.empty()) check("--range", b);
    h.include.push_back(b.empty() ? "HEAD" : b);
    if (!a.empty()) h.exclude.push_back(a);
  }
  if (!go.since_commit.empty()) {
    check("--since-commit", go.since_commit);
    h.exclude.push_back(go.since_commit);
  }
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::make_unique<GitHistorySource>(repo, h));
  if (go.worktree) {
    sources.push_back(std::make_unique<GitWorktreeSource>(repo, setup->fs));
    setup->options.git_blob_ids = true;  // work tree files then match the blobs in history
  }
  return RunSources(rules, *setup, sources, baseline, err);
}

namespace {

int GitCommand(const RuleOptions& ro, const ScanCliOptions& so, const GitCliOptions& go,
               std::ostream& out, std::ostream& err) {
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  const std::string baseline = DefaultBaseline(so, &config);
  Report report = RunGit(*rules, config, so, go, baseline, err);
  return WriteAndExit(report, *rules, config, so, out, err);
}

}  // namespace

void AddGitCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    GitCliOptions go;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  GitCliOptions& go = o->go;
  auto* git = app->add_subcommand(
      "git", "Scan a git repository's history: every blob reachable from every ref, each once");
  git->add_option("repo", go.repo, "Repository, or a path inside its work tree (default: .)")
      ->type_name("DIR");
  git->footer(
      "Examples:\n"
      "  leakhound git .                             # every blob of every ref, each once\n"
      "  leakhound git --since-commit v1.2.0 .       # only what came after a tag\n"
      "  leakhound git --no-history --worktree .     # HEAD's tree and uncommitted changes");
  AddGitHistoryOptions(git, &go);
  git->add_flag("--all-refs", go.all_refs,
                "Every branch, tag, remote-tracking ref and the stash (the default)")
      ->group("History");
  git->add_flag("--no-history", go.no_history, "Scan only HEAD's tree")->group("History");
  git->add_flag("--worktree", go.worktree,
                "Also scan uncommitted changes in the work tree (staged or not, and untracked)")
      ->group("History");
  git->add_option("--max-blob-size", go.max_blob_size,
                  "Skip blobs larger than this (default: --max-file-size, 100MB)")
      ->type_name("SIZE")->group("History");
  AddRuleOptions(git, &ro);
  AddScanOptions(git, &so, true, false);
  commands->Add(git, [o](std::ostream& out, std::ostream& err) {
    return GitCommand(o->ro, o->so, o->go, out, err);
  });
}

void AddGitHistoryOptions(CLI::App* cmd, GitCliOptions* o) {
  GitCliOptions& go = *o;
  auto* git = cmd;
  git->add_option("--branch", go.branches, "Scan the history of REF only (repeatable)")
      ->type_name("REF")->allow_extra_args(false)->group("History");
  git->add_option("--range", go.ranges, "Scan the commits in A..B (repeatable)")
      ->type_name("A..B")->allow_extra_args(false)->group("History");
  git->add_option("--since-commit", go.since_commit,
                  "Scan only commits after SHA (not reachable from it)")
      ->type_name("SHA")->group("History");
}

}  // namespace leakhound
