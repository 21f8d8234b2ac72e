// Documentation generated from the CLI11 app definition in cli.cpp, so that `--help`, the man
// page leakhound(1) and the bash and zsh completions come from one source and cannot drift:
// each walks the App tree (subcommands, options, option groups, descriptions, footers).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
class FormatterBase;
}  // namespace CLI

namespace leakhound {

// One option or positional of a command, as the generators see it.
struct OptionDoc {
  std::vector<std::string> names;  // "-f", "--format"; empty for a positional
  std::string positional;          // the positional's name, empty for an option
  std::string group;               // CLI11 option group ("Report", "Scanning", ...)
  std::string description;
  std::string type;                   // "FILE", "DIR", "SIZE", ... without the validator part
  std::vector<std::string> choices;   // from an IsMember check: "human", "json", ...
  bool takes_value = false;
  bool repeatable = false;
  bool required = false;
};

// One command of the tree: the root (path empty) or a subcommand.
struct CommandDoc {
  std::vector<std::string> path;  // {"rules", "check"}
  std::string description;
  std::string footer;  // examples
  std::vector<OptionDoc> options;
  std::vector<CommandDoc> subcommands;  // visible ones only (hidden: CLI11 group "")
  bool requires_subcommand = false;
};

CommandDoc DescribeApp(const CLI::App& app);

// roff source of leakhound(1).
std::string ManPage(const CLI::App& app, const std::string& version);
// bash: source it, or install it as share/bash-completion/completions/leakhound.
std::string BashCompletion(const CLI::App& app);
// zsh: install it as _leakhound in a directory of $fpath.
std::string ZshCompletion(const CLI::App& app);

// The --help formatter: CLI11's, with one blank line between option groups.
std::shared_ptr<CLI::FormatterBase> HelpFormatter();

}  // namespace leakhound
