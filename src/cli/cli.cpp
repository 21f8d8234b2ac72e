#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <string>

#include "cli/cli_docs.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "sources/git_source.hpp"

namespace leakhound {

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"leakhound: find leaked secrets in files, git history and container images"};
  app.formatter(HelpFormatter());  // before the subcommands, which inherit it
  app.set_version_flag("-V,--version", std::string("leakhound ") + LEAKHOUND_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 error or incomplete scan.\n"
      "Examples:\n"
      "  leakhound init                  # a commented .leakhound.yaml; offers the git hooks\n"
      "  leakhound scan .\n  leakhound scan --format sarif -o leakhound.sarif src/\n"
      "  leakhound baseline create -o .leakhound-baseline .\n  leakhound rules check ./my-rules\n"
      "  leakhound git .                 # full history of every ref\n"
      "  leakhound image app.tar --fail-on high   # a docker save / OCI image\n"
      "  leakhound image registry.example.com/team/app:1.2   # straight from a registry\n"
      "  leakhound registry https://registry.example.com --state audit.db\n"
      "  leakhound hook install --pre-push --pre-commit\n"
      "Run `leakhound COMMAND --help` for the options and examples of a command.");


  // In the order --help lists them; each in its own file (commands.hpp).
  CommandTable commands;
  AddScanCommand(&app, &commands);
  AddRulesCommand(&app, &commands);
  AddBaselineCommand(&app, &commands);
  AddGitCommand(&app, &commands);
  AddHookCommand(&app, &commands);
  AddImageCommand(&app, &commands);
  AddRegistryCommand(&app, &commands);
  AddReportCommand(&app, &commands);
  AddVersionCommand(&app, &commands);
  AddInitCommand(&app, &commands);
  AddHelpCommand(&app, &commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitClean : kExitError;
  }
  // Checks a command line without running it (scripts, CI templates, the README snippet test).
  if (const char* check_args = std::getenv("LEAKHOUND_CHECK_ARGS"); check_args && *check_args) {
    out << "leakhound: arguments accepted\n";
    return kExitClean;
  }
  try {
    if (const CommandTable::Run* run = commands.Chosen()) return (*run)(out, err);
  } catch (const GitError& e) {
    err << "leakhound: " << e.what() << "\n";
    return kExitError;
  } catch (const ConfigError& e) {
    err << "leakhound: " << e.what() << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    err << "leakhound: internal error: " << e.what() << "\n";
    return kExitError;
  }
  return kExitError;
}

}  // namespace leakhound
