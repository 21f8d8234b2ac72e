#include "cli/init_cmd.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "sources/git_source.hpp"
#include "leakhound/rule.hpp"

namespace leakhound {

const std::string& StarterConfig() {
  static const std::string text = R"(# .leakhound.yaml: leakhound's settings for this project (written by `leakhound init`).
#
# Every command reads it the same way: `--config FILE`, else this file at the top of the git
# work tree that holds the current directory, else the current directory's; the report names
# the file it used. Command-line flags win over it. Unknown keys are errors, so a typo does not
# go unnoticed. Each setting below is at its default; the comment above it shows an example.

# Paths never scanned: gitignore-style globs relative to this file's directory; `!` re-includes.
# `--exclude GLOB` adds more for one run; `--respect-gitignore` skips what git ignores too.
# exclude_paths: ["vendor/**", "*.min.js", "testdata/", "!testdata/keep.txt"]
exclude_paths: []

# Rules turned off by id (`leakhound rules list` prints every rule).
# disable_rules: [generic.password]
disable_rules: []

# Extra rule directories (*.yaml files in the rules format), relative to this file.
# `leakhound rules check DIR` checks them. A rule with a built-in id replaces it.
# rules_dirs: [tools/leak-rules]
rules_dirs: []

# Values that are not secrets. For one line, a `leakhound:allow` comment on it is simpler; to
# accept everything found today, use a baseline: leakhound baseline create -o .leakhound-baseline
allow:
  # values: ["a-known-test-value"]   # exact secrets never reported
  values: []
  # regexes: ["^sk_test_"]           # RE2, matched against the secret
  regexes: []

# Exit 1 only for findings at or above this severity: critical, high, medium, low or info.
# fail_on: high
fail_on: low

# Files (and git blobs) larger than this are skipped, and counted in the summary.
# max_file_size: 10MB
max_file_size: 100MB

# Which checks run: secrets, hardening (Dockerfile, compose and image hardening checks) or both.
# Left unset, each command uses its default: secrets for scan and git, both for image.
# checks: [secrets, hardening]
)";
  return text;
}

namespace {

// The repository containing `dir`, or nullptr when there is none.
std::unique_ptr<GitRepo> FindRepo(const std::string& dir) {
  try {
    return std::make_unique<GitRepo>(dir);
  } catch (const GitError&) {
    return nullptr;
  }
}

bool AskYesNo(const std::string& question, std::istream& in, std::ostream& out) {
  out << question << " [Y/n] " << std::flush;
  std::string answer;
  if (!std::getline(in, answer)) {
    out << "\n";
    return false;
  }
  return answer.empty() || answer[0] == 'y' || answer[0] == 'Y';
}

}  // namespace

int InitCommand(const InitOptions& options, std::istream& in, bool interactive, std::ostream& out,
                const InstallHooks& install_hooks) {
  namespace fs = std::filesystem;
  if (options.hooks && options.no_hooks) throw ConfigError("--hooks and --no-hooks exclude each other");
  const std::string start = options.dir.empty() ? "." : options.dir;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) throw ConfigError(start + ": not a directory");
  std::unique_ptr<GitRepo> repo = FindRepo(start);
  const bool work_tree = repo && !repo->bare();
  if (options.hooks && !work_tree)
    throw ConfigError(start + ": not in a git work tree, so there is nowhere to install hooks");

  // Without a DIR, the config goes where `leakhound git` and the hooks look: the work tree's top.
  fs::path dir = options.dir.empty() && work_tree ? fs::path(repo->workdir()) : fs::path(start);
  const std::string path = (dir / ".leakhound.yaml").lexically_normal().string();
  if (fs::exists(path, ec) && !options.force)
    throw ConfigError(path + " exists already; not overwritten (--force replaces it" +
                      std::string(work_tree ? "; `leakhound hook install` adds the hooks)" : ")"));
  if (!WriteFileAtomic(path, StarterConfig())) throw ConfigError(path + ": cannot write");
  LoadConfigFile(path);  // what we wrote must load; throws ConfigError naming the file if not
  out << "wrote " << path << " (every setting at its default, each explained)\n";

  int code = 0;
  if (work_tree && !options.no_hooks) {
    const std::string top = repo->workdir();
    bool install = options.hooks;
    if (!install && interactive)
      install = AskYesNo("Install a pre-push hook in " + top +
                             " that blocks pushing commits that add a secret?",
                         in, out);
    if (install) {
      code = install_hooks(top);
    } else if (!interactive) {
      out << "git repository: `leakhound hook install` (or `leakhound init --hooks`) adds a "
             "pre-push hook that blocks pushing a secret\n";
    }
  }
  out << "next: leakhound scan " << (options.dir.empty() ? "." : options.dir)
      << (work_tree ? "   (and `leakhound git` for the whole history)" : "") << "\n";
  return code;
}

void AddInitCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    InitOptions init_opts;
  };
  auto o = std::make_shared<Options>();
  InitOptions& init_opts = o->init_opts;
  // ---- init: a starter config, and the hooks (src/cli/init_cmd.cpp) ----
  auto* init = app->add_subcommand(
      "init", "Write a commented starter .leakhound.yaml; in a git repository, offer the hooks");
  init->add_option("dir", init_opts.dir,
                   "Where to write it (default: the top of the git work tree, else .)")
      ->type_name("DIR");
  init->add_flag("--force", init_opts.force, "Overwrite an existing .leakhound.yaml");
  init->add_flag("--hooks", init_opts.hooks, "Install the pre-push hook without asking")
      ->group("Hooks");
  init->add_flag("--no-hooks", init_opts.no_hooks, "Neither install the hook nor ask")
      ->group("Hooks");
  init->footer(
      "Asks about the hook only when stdin is a terminal.\n"
      "Examples:\n  leakhound init\n  leakhound init --hooks\n  leakhound init --force --no-hooks .");
  commands->Add(init, [o](std::ostream& out, std::ostream&) {
    return InitCommand(o->init_opts, std::cin, ::isatty(0), out, [&out](const std::string& repo) {
      return HookInstallCommand(repo, true, false, false, out);
    });
  });
}

}  // namespace leakhound
