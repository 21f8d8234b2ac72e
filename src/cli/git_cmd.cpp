// `git [DIR]`: a repository's history, and optionally its work tree.
#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "sources/git_source.hpp"

namespace leakhound {
namespace {

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

int GitCommand(const RuleOptions& ro, const ScanCliOptions& so, const GitCliOptions& go,
               std::ostream& out, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(go.repo);
  const Config config = ResolveConfig(ro, {ConfigRoot(*repo)});
  auto rules = LoadRuleSet(ro, config, err);
  auto setup = MakeSetup(config, so);
  GitHistoryOptions h;
  h.max_blob_bytes = go.max_blob_size.empty() ? setup->options.max_file_size
                                              : ParseSize(go.max_blob_size);
  setup->options.max_file_size = std::max(setup->options.max_file_size, h.max_blob_bytes);
  h.exclude_paths = setup->fs.exclude;
  h.head_only = go.no_history;
  if (go.all_refs && (!go.branches.empty() || !go.ranges.empty()))
    throw ConfigError("--all-refs cannot be combined with --branch or a range");
  h.include = go.branches;
  for (const auto& r : go.ranges) {
    const size_t dots = r.find("..");
    if (dots == std::string::npos || r.find("...") != std::string::npos)
      throw ConfigError("bad range '" + r + "' (want A..B)");
    const std::string a = r.substr(0, dots), b = r.substr(dots + 2);
    h.include.push_back(b.empty() ? "HEAD" : b);
    if (!a.empty()) h.exclude.push_back(a);
  }
  if (!go.since_commit.empty()) h.exclude.push_back(go.since_commit);
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::make_unique<GitHistorySource>(repo, h));
  if (go.worktree) {
    sources.push_back(std::make_unique<GitWorktreeSource>(repo, setup->fs));
    setup->options.git_blob_ids = true;  // work tree files then match the blobs in history
  }
  Report report = RunSources(*rules, *setup, sources, so.baseline, err);
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
  git->add_option("--branch", go.branches, "Scan the history of REF only (repeatable)")
      ->type_name("REF")->group("History");
  git->add_option("--range", go.ranges, "Scan the commits in A..B (repeatable)")
      ->type_name("A..B")->group("History");
  git->add_option("--since-commit", go.since_commit,
                  "Scan only commits after SHA (not reachable from it)")
      ->type_name("SHA")->group("History");
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

}  // namespace leakhound
