#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "cli/cli_docs.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "sources/git_source.hpp"

namespace leakhound {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// When the command (or the subcommand of a command that needs one) is not one leakhound has,
// says so on `err` with the closest name and the list; returns whether it did.
bool UnknownCommand(const CLI::App& app, int argc, const char* const* argv, std::ostream& err) {
  const CLI::App* cmd = &app;
  std::string path = "leakhound";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return false;  // options: CLI11 judges the rest
    const auto subs = cmd->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return false;
    const CLI::App* found = nullptr;
    for (const CLI::App* s : subs)
      if (s->get_name() == word) found = s;
    if (found) {
      if (found->get_require_subcommand_min() == 0) return false;  // the rest is its arguments
      path += " " + word;
      cmd = found;
      continue;
    }
    std::string best, names;
    size_t best_distance = 3;  // suggest only a close name
    for (const CLI::App* s : subs) {
      if (s->get_group().empty()) continue;  // hidden
      names += (names.empty() ? "" : ", ") + s->get_name();
      const size_t d = EditDistance(word, s->get_name());
      if (d < best_distance || (s->get_name().rfind(word, 0) == 0 && best.empty())) {
        best_distance = std::min(d, best_distance);
        best = s->get_name();
      }
    }
    err << "leakhound: unknown command '" << (path == "leakhound" ? "" : path.substr(10) + " ")
        << word << "'";
    if (!best.empty()) err << "; did you mean '" << best << "'?";
    err << "\nCommands: " << names << "\nRun `" << path << " --help` for more.\n";
    return true;
  }
  return false;
}

}  // namespace

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

  // A bare `leakhound` prints the help; an unknown command says what it may have meant.
  if (argc == 1) {
    app.name(argv[0]);
    out << app.help();
    return kExitClean;
  }
  if (UnknownCommand(app, argc, argv, err)) return kExitError;

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
