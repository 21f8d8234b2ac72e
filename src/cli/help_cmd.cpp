// `help` (hidden: the man page and completions, generated from the app) and `version`.
#include <memory>

#include "cli/cli.hpp"
#include "cli/cli_docs.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "leakhound/rule.hpp"

namespace leakhound {
namespace {

// `help [COMMAND...]`: the --help of the app or of a command; `help --man | --completions
// SHELL`: generated from the App tree (src/cli/cli_docs.cpp).
int HelpCommand(const CLI::App& app, const std::vector<std::string>& command, bool man,
                const std::string& shell, const std::string& output, std::ostream& out) {
  if (man && !shell.empty()) throw ConfigError("help: give either --man or --completions SHELL");
  if (!man && shell.empty()) {
    if (!output.empty()) throw ConfigError("help: -o goes with --man or --completions");
    const CLI::App* cmd = &app;
    std::string prev;  // "leakhound rules" for `rules list`, as --help prints it
    for (const auto& name : command) {
      const CLI::App* sub = nullptr;
      try {
        sub = cmd->get_subcommand(name);
      } catch (const CLI::Error&) {
      }
      if (!sub || sub->get_group().empty())
        throw ConfigError("help: unknown command '" + name + "'");
      prev = prev.empty() ? cmd->get_name() : prev + " " + cmd->get_name();
      cmd = sub;
    }
    // The formatter itself: App::help() would hand over to the command chosen, `help` here.
    out << cmd->get_formatter()->make_help(cmd, prev.empty() ? cmd->get_name()
                                                             : prev + " " + cmd->get_name(),
                                           CLI::AppFormatMode::Normal);
    return kExitClean;
  }
  if (!command.empty()) throw ConfigError("help: a COMMAND does not go with --man or --completions");
  const std::string text = man ? ManPage(app, LEAKHOUND_VERSION)
                               : shell == "bash" ? BashCompletion(app) : ZshCompletion(app);
  if (output.empty() || output == "-") {
    out << text;
  } else if (!WriteFileAtomic(output, text)) {
    throw ConfigError(output + ": cannot write");
  }
  return kExitClean;
}

}  // namespace

void AddVersionCommand(CLI::App* app, CommandTable* commands) {
  auto* version = app->add_subcommand("version", "Print the version");
  version->footer("");
  commands->Add(version, [](std::ostream& out, std::ostream&) {
    out << "leakhound " << LEAKHOUND_VERSION << "\n";
    return kExitClean;
  });
}

void AddHelpCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    bool man = false;
    std::string shell, output;
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Options>();
  bool& help_man = o->man;
  std::string& help_shell = o->shell;
  std::string& help_out = o->output;
  auto* help_cmd = app->add_subcommand("help", "Print the help of leakhound or of a command, or "
                                               "generated documentation");
  help_cmd->group("");  // hidden from the command list
  help_cmd->add_option("command", o->command, "The command whose help to print")
      ->type_name("COMMAND");
  help_cmd->add_flag("--man", help_man, "The man page leakhound(1), in roff");
  help_cmd->add_option("--completions", help_shell, "The completion script for SHELL")
      ->check(CLI::IsMember({"bash", "zsh"}));
  help_cmd->add_option("-o,--output", help_out, "Write to FILE instead of stdout")->type_name("FILE");
  commands->Add(help_cmd, [o, app](std::ostream& out, std::ostream&) {
    return HelpCommand(*app, o->command, o->man, o->shell, o->output, out);
  });
}

}  // namespace leakhound
