// `hook install | uninstall`, and the hooks themselves (`hook pre-push`, `hook pre-commit`).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "sources/git_source.hpp"

namespace leakhound {
namespace {

constexpr const char* kHookMarker = "# leakhound-hook v1";

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "leakhound";
}

// `from_path`: call `leakhound` from PATH, never this binary's absolute path (a hooks directory
// committed to the repository is shared by machines where that path means nothing).
std::string HookScript(const std::string& kind, bool from_path) {
  std::string s = "#!/bin/sh\n";
  s += std::string(kHookMarker) + " (" + kind + ")\n";
  s += "# Installed by `leakhound hook install`; remove it with `leakhound hook uninstall`.\n";
  s += "# Blocks " + std::string(kind == "pre-push" ? "a push" : "a commit") +
       " that carries a secret. Skip once with `git " +
       (kind == "pre-push" ? "push" : "commit") + " --no-verify`.\n";
  if (from_path) {
    s += "LEAKHOUND=leakhound\n";
  } else {
    s += "LEAKHOUND='" + SelfPath() + "'\n";
    s += "[ -x \"$LEAKHOUND\" ] || LEAKHOUND=leakhound\n";
  }
  if (kind == "pre-push") {
    s += "input=$(cat)\n";
    s += "if [ -x \"$0.leakhound-chained\" ]; then\n"
         "  printf '%s\\n' \"$input\" | \"$0.leakhound-chained\" \"$@\" || exit $?\n"
         "fi\n";
    s += "printf '%s\\n' \"$input\" | exec \"$LEAKHOUND\" hook pre-push \"$@\"\n";
  } else {
    s += "if [ -x \"$0.leakhound-chained\" ]; then \"$0.leakhound-chained\" \"$@\" || exit $?; fi\n";
    s += "exec \"$LEAKHOUND\" hook pre-commit\n";
  }
  return s;
}

bool IsOurHook(const std::string& path) {
  std::string text;
  return ReadWholeFile(path, &text) && text.find(kHookMarker) != std::string::npos;
}

int HookUninstallCommand(const std::string& repo_path, std::ostream& out) {
  GitRepo repo(repo_path);
  const std::string dir = repo.HooksDir();
  for (const std::string kind : {"pre-push", "pre-commit"}) {
    const std::string path = dir + "/" + kind;
    const std::string chained = path + ".leakhound-chained";
    if (!std::filesystem::exists(path)) continue;
    if (!IsOurHook(path)) {
      out << path << ": not installed by leakhound; left alone\n";
      continue;
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (std::filesystem::exists(chained)) {
      std::filesystem::rename(chained, path, ec);
      out << "restored the previous " << kind << " hook\n";
    }
    out << "removed " << path << "\n";
  }
  return kExitClean;
}

// Scans what a hook guards; prints a short redacted report and what to do on stderr.
// `make_sources` gets the scan's setup, so that the sources apply its exclude_paths.
int RunHook(const std::string& kind, const RuleOptions& ro, ScanCliOptions so,
            std::shared_ptr<GitRepo> repo,
            const std::function<std::vector<std::unique_ptr<Source>>(const PathMatcher*)>&
                make_sources,
            std::ostream& err) {
  const std::string root = ConfigRoot(*repo);
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  auto setup = MakeSetup(config, so);
  std::vector<std::unique_ptr<Source>> sources = make_sources(setup->fs.exclude);
  const std::string baseline = DefaultBaseline(so, &config, true, root);
  for (const auto& note : config.notes)
    if (!so.quiet) err << "leakhound: policy: " << note << "\n";
  Report report = RunSources(*rules, *setup, sources, baseline, err);
  bool never = false;
  const std::optional<Severity> fail_on = FailOn(config, so.fail_on, &never);
  size_t blocking = 0;
  if (fail_on)
    for (const auto& f : report.findings) blocking += rules->rule(f.rule).severity >= *fail_on;
  // Interrupted: the push or commit is blocked (git aborts it anyway on a signal).
  const bool incomplete = !report.summary.errors.empty() || report.summary.interrupted;
  if (blocking == 0 && !incomplete) {
    if (!so.quiet)
      err << "leakhound: " << kind << ": no secrets in " << report.summary.blobs_scanned
          << " new blob(s)\n";
    return kExitClean;
  }
  ReportOptions ropts;
  ropts.color = ::isatty(2) && !std::getenv("NO_COLOR");
  WriteHumanReport(report, ropts, err);
  if (incomplete && blocking == 0) {
    err << "leakhound: " << kind << " blocked: the scan is incomplete (see above)\n";
    return kExitError;
  }
  const bool push = kind == "pre-push";
  err << "\nleakhound: " << (push ? "push" : "commit") << " blocked: " << blocking
      << " secret(s) in " << (push ? "the commits being pushed" : "the staged changes") << ".\n"
      << "  1. Rotate each secret at its provider: once pushed anywhere, assume it is copied.\n";
  if (push)
    err << "  2. Remove it from the commits (git rebase -i <base>, or git commit --amend for the\n"
           "     last one), then push again.\n";
  else
    err << "  2. Remove it from the file (read it from the environment or a secret manager),\n"
           "     then git add and commit again.\n";
  // The baseline must come from the same source as the finding: the history for a push.
  err << "  3. Not a secret? Add `leakhound:allow` in a comment on its line, or accept it with\n"
      << (push ? "     `leakhound baseline create --git -o .leakhound-baseline` (fingerprints shown above).\n"
               : "     `leakhound baseline create -o .leakhound-baseline .` (fingerprints shown above).\n")
      << "  To " << (push ? "push" : "commit") << " anyway: git " << (push ? "push" : "commit")
      << " --no-verify (not recommended).\n";
  return kExitFindings;
}

int HookPrePushCommand(const RuleOptions& ro, const ScanCliOptions& so,
                       const std::vector<std::string>& args, std::istream& in, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(".");
  const std::string remote = args.empty() ? "" : args[0];
  GitHistoryOptions h;
  const char* from = std::getenv("PRE_COMMIT_FROM_REF");
  const char* to = std::getenv("PRE_COMMIT_TO_REF");
  if (to && *to) {
    // The pre-commit framework passes the range in its environment, not on stdin.
    const char* name = std::getenv("PRE_COMMIT_REMOTE_NAME");
    std::vector<PushUpdate> updates = {{"", to, "", from && *from ? from : std::string(40, '0')}};
    h = PushedCommits(*repo, name ? name : remote, updates);
  } else {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    h = PushedCommits(*repo, remote, ParsePrePushInput(text));
  }
  if (h.include.empty()) return kExitClean;  // only deletions
  return RunHook(
      "pre-push", ro, so, repo,
      [&](const PathMatcher* exclude) {
        h.exclude_paths = exclude;  // exclude_paths apply to the pushed history too
        std::vector<std::unique_ptr<Source>> sources;
        sources.push_back(std::make_unique<GitHistorySource>(repo, h));
        return sources;
      },
      err);
}

int HookPreCommitCommand(const RuleOptions& ro, const ScanCliOptions& so, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(".");
  return RunHook(
      "pre-commit", ro, so, repo,
      [&](const PathMatcher* exclude) {
        std::vector<std::unique_ptr<Source>> sources;
        sources.push_back(std::make_unique<GitIndexSource>(repo, 100ull << 20, exclude));
        return sources;
      },
      err);
}

}  // namespace

int HookInstallCommand(const std::string& repo_path, bool pre_push, bool pre_commit, bool force,
                       std::ostream& out) {
  GitRepo repo(repo_path);
  const std::string dir = repo.HooksDir();
  // A core.hooksPath inside the work tree (husky's .husky, say) is usually committed: say that
  // tracked files change, and write no absolute path there.
  const std::string top = repo.workdir();
  const bool in_tree = !repo.HooksPathSetting().empty() && !top.empty() && dir.rfind(top, 0) == 0;
  if (in_tree)
    out << "warning: core.hooksPath is " << repo.HooksPathSetting()
        << ", inside the work tree: the hooks written there may be tracked files that others "
           "share; they call `leakhound` from PATH\n";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!pre_push && !pre_commit) pre_push = true;
  for (const std::string kind : {"pre-push", "pre-commit"}) {
    if ((kind == "pre-push" && !pre_push) || (kind == "pre-commit" && !pre_commit)) continue;
    const std::string path = dir + "/" + kind;
    const std::string chained = path + ".leakhound-chained";
    if (std::filesystem::exists(path) && !IsOurHook(path)) {
      if (force) {
        out << "replacing the existing " << kind << " hook (--force)\n";
      } else if (std::filesystem::exists(chained)) {
        throw ConfigError(path + ": an existing hook is in the way and " + chained +
                          " exists already; use --force to replace it");
      } else {
        std::filesystem::rename(path, chained, ec);
        if (ec) throw ConfigError(path + ": cannot move aside: " + ec.message());
        out << "kept the existing " << kind << " hook: it runs first, from " << chained << "\n";
      }
    }
    if (!WriteFileAtomic(path, HookScript(kind, in_tree))) throw ConfigError(path + ": cannot write");
    ::chmod(path.c_str(), 0755);
    out << "installed " << path << "\n";
  }
  return kExitClean;
}

void AddHookCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    bool pre_push = false, pre_commit = false, force = false;
    std::string repo = ".";
    std::vector<std::string> pre_push_args;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  bool& hook_pre_push = o->pre_push;
  bool& hook_pre_commit = o->pre_commit;
  bool& hook_force = o->force;
  std::string& hook_repo = o->repo;
  std::vector<std::string>& pre_push_args = o->pre_push_args;
  auto* hook = app->add_subcommand("hook", "Git hooks: install, uninstall, and the hooks themselves");
  hook->require_subcommand(1);
  hook->footer(
      "Examples:\n  leakhound hook install                          # pre-push\n"
      "  leakhound hook install --pre-push --pre-commit\n  leakhound hook uninstall");
  auto* install = hook->add_subcommand(
      "install", "Install the hooks (default: pre-push); an existing hook is kept and run first");
  install->add_flag("--pre-push", hook_pre_push, "Install the pre-push hook")->group("Hooks");
  install->add_flag("--pre-commit", hook_pre_commit, "Install the pre-commit hook")->group("Hooks");
  install->add_flag("--force", hook_force, "Replace an existing hook instead of chaining it")
      ->group("Hooks");
  install->add_option("--repo", hook_repo, "Repository (default: .)")->type_name("DIR")->group("Hooks");
  install->footer(
      "Examples:\n  leakhound hook install\n  leakhound hook install --pre-commit --repo ../service");
  auto* uninstall = hook->add_subcommand("uninstall", "Remove leakhound's hooks, restoring chained ones");
  uninstall->add_option("--repo", hook_repo, "Repository (default: .)")->type_name("DIR")->group("Hooks");
  uninstall->footer("Examples:\n  leakhound hook uninstall");
  auto* pre_push = hook->add_subcommand(
      "pre-push", "Run as git's pre-push hook: reads git's ref lines on stdin, scans only the "
                  "commits being pushed");
  pre_push->add_option("remote", pre_push_args, "Remote name and URL, as git passes them");
  AddRuleOptions(pre_push, &ro);
  AddScanOptions(pre_push, &so, false, false);
  AddFailOn(pre_push, &so.fail_on, "Block on findings at or above this severity");
  pre_push->add_option("--baseline", so.baseline,
                       "Baseline file (default: .leakhound-baseline in the repository, if any)")
      ->type_name("FILE")->group("Report");
  pre_push->footer("Installed by `leakhound hook install`; git runs it with the pushed refs on stdin.");
  auto* pre_commit = hook->add_subcommand("pre-commit", "Run as git's pre-commit hook: scans the staged changes");
  AddRuleOptions(pre_commit, &ro);
  AddScanOptions(pre_commit, &so, false, false);
  AddFailOn(pre_commit, &so.fail_on, "Block on findings at or above this severity");
  pre_commit->add_option("--baseline", so.baseline,
                         "Baseline file (default: .leakhound-baseline in the repository, if any)")
      ->type_name("FILE")->group("Report");
  pre_commit->footer("Installed by `leakhound hook install --pre-commit`; git runs it before each commit.");
  commands->Add(install, [o](std::ostream& out, std::ostream&) {
    return HookInstallCommand(o->repo, o->pre_push, o->pre_commit, o->force, out);
  });
  commands->Add(uninstall, [o](std::ostream& out, std::ostream&) {
    return HookUninstallCommand(o->repo, out);
  });
  commands->Add(pre_push, [o](std::ostream&, std::ostream& err) {
    return HookPrePushCommand(o->ro, o->so, o->pre_push_args, std::cin, err);
  });
  commands->Add(pre_commit, [o](std::ostream&, std::ostream& err) {
    return HookPreCommitCommand(o->ro, o->so, err);
  });
}

}  // namespace leakhound
