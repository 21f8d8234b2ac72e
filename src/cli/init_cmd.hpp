// `leakhound init`: a commented starter .leakhound.yaml, and in a git repository the offer to
// install the hooks.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

namespace leakhound {

// The starter config `init` writes: every key the config loader knows, commented, with values
// that change nothing (an empty list, the defaults) and an example of each in a comment.
const std::string& StarterConfig();

struct InitOptions {
  std::string dir;      // where to write .leakhound.yaml; empty: the git work tree's top, or .
  bool force = false;   // overwrite an existing .leakhound.yaml
  bool hooks = false;   // install the hooks without asking
  bool no_hooks = false;  // do not install them, do not ask
};

// Installs the hooks in the repository at `repo`; returns an exit code (the `hook install` code).
using InstallHooks = std::function<int(const std::string& repo)>;

// Writes the config; offers the hooks (asks on `in` only when `interactive`). Returns an exit
// code; throws ConfigError for what the user must fix.
int InitCommand(const InitOptions& options, std::istream& in, bool interactive, std::ostream& out,
                const InstallHooks& install_hooks);

}  // namespace leakhound
