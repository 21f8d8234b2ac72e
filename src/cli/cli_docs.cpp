#include "cli/cli_docs.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <sstream>

namespace leakhound {
namespace {

std::vector<std::string> SplitOn(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

OptionDoc DescribeOption(const CLI::Option& o) {
  OptionDoc d;
  for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
  if (!o.nonpositional()) d.positional = o.get_name(true);
  d.group = o.get_group();
  d.description = o.get_description();
  d.takes_value = o.get_expected_max() > 0;  // a flag expects no value
  d.repeatable = d.takes_value && o.get_expected_max() > 1;
  d.required = o.get_required();
  // CLI11 appends each validator's description to the type name: "TEXT:{human,json}".
  const std::string full = o.get_type_name();
  d.type = full.substr(0, full.find(':'));
  const size_t open = full.find('{'), close = full.rfind('}');
  if (open != std::string::npos && close != std::string::npos && close > open)
    d.choices = SplitOn(full.substr(open + 1, close - open - 1), ',');
  return d;
}

CommandDoc Describe(const CLI::App& app, std::vector<std::string> path) {
  CommandDoc d;
  d.path = path;
  d.description = app.get_description();
  d.footer = app.get_footer();
  d.requires_subcommand = app.get_require_subcommand_min() > 0;
  for (const CLI::Option* o : app.get_options())
    if (!o->get_group().empty()) d.options.push_back(DescribeOption(*o));
  for (const CLI::App* sub :
       app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
    auto p = path;
    p.push_back(sub->get_name());
    d.subcommands.push_back(Describe(*sub, p));
  }
  return d;
}

void Walk(const CommandDoc& c, const std::function<void(const CommandDoc&)>& f) {
  f(c);
  for (const auto& s : c.subcommands) Walk(s, f);
}

bool IsHelp(const OptionDoc& o) {
  for (const auto& n : o.names)
    if (n == "--help") return true;
  return false;
}

// What a value or positional completes to: @file, @dir, @rule, a list of choices, or nothing.
std::string CompletionKind(const OptionDoc& o) {
  if (!o.choices.empty()) return Join(o.choices, " ");
  if (o.type == "FILE" || o.type == "PATH") return "@file";
  if (o.type == "DIR") return "@dir";
  if (o.type == "ID") return "@rule";
  return "";
}

// ---- roff ----

std::string Roff(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else if ((c == '.' || c == '\'') && (i == 0 || text[i - 1] == '\n')) out += "\\&" + std::string(1, c);
    else out.push_back(c);
  }
  return out;
}

std::string Usage(const CommandDoc& c) {
  std::string s = "leakhound";
  for (const auto& p : c.path) s += " " + p;
  bool has_options = false;
  for (const auto& o : c.options) has_options = has_options || (!o.names.empty() && !IsHelp(o));
  if (has_options) s += " [OPTIONS]";
  for (const auto& o : c.options) {
    if (o.positional.empty()) continue;
    const std::string name = o.type.empty() || o.type == "TEXT" ? o.positional : o.type;
    s += o.required ? " " + name : " [" + name + "]";
    if (o.repeatable) s += "...";
  }
  if (!c.subcommands.empty()) s += c.requires_subcommand ? " COMMAND" : " [COMMAND]";
  return s;
}

std::string OptionLabel(const OptionDoc& o) {
  std::string s;
  if (!o.positional.empty()) return "\\fI" + Roff(o.positional) + "\\fR";
  for (size_t i = 0; i < o.names.size(); ++i) s += (i ? ", " : "") + ("\\fB" + Roff(o.names[i]) + "\\fR");
  if (o.takes_value) {
    std::string value = o.type.empty() || o.type == "TEXT" ? "VALUE" : o.type;
    if (!o.choices.empty()) value = Join(o.choices, "|");
    s += " \\fI" + Roff(value) + "\\fR";
  }
  return s;
}

// A footer: "Heading:" lines, indented example lines, and plain text.
void FooterToRoff(const std::string& footer, bool top_level, std::ostream& out) {
  bool in_example = false;
  for (const auto& line : SplitOn(footer, '\n')) {
    if (line.empty()) continue;
    const bool example = line.rfind("  ", 0) == 0;
    if (example && !in_example) out << ".PP\n.RS 4\n.nf\n";
    if (!example && in_example) out << ".fi\n.RE\n";
    in_example = example;
    if (example) {
      out << Roff(line.substr(2)) << "\n";
    } else if (line.back() == ':' && line.find(' ') == std::string::npos) {
      if (top_level) {
        std::string h = line.substr(0, line.size() - 1);
        for (auto& ch : h) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out << ".SH " << (h == "EXIT" ? "\"EXIT STATUS\"" : h) << "\n";
      } else {
        out << ".PP\n\\fB" << Roff(line) << "\\fR\n";
      }
    } else if (line.rfind("Exit codes:", 0) == 0 && top_level) {
      out << ".SH \"EXIT STATUS\"\n" << Roff(line.substr(12)) << "\n";
    } else {
      out << ".PP\n" << Roff(line) << "\n";
    }
  }
  if (in_example) out << ".fi\n.RE\n";
}

void CommandToRoff(const CommandDoc& c, std::ostream& out) {
  out << ".SS \"" << Roff(Usage(c)) << "\"\n" << Roff(c.description) << "\n";
  std::vector<std::string> groups;
  for (const auto& o : c.options) {
    if (IsHelp(o)) continue;
    const std::string g = o.positional.empty() ? o.group : "Arguments";
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  // Positionals first, then the option groups in the order they were declared.
  std::stable_partition(groups.begin(), groups.end(), [](const std::string& g) { return g == "Arguments"; });
  for (const auto& g : groups) {
    out << ".PP\n\\fI" << Roff(g == "Options" ? "Options" : g) << ":\\fR\n";
    for (const auto& o : c.options) {
      if (IsHelp(o) || (o.positional.empty() ? o.group : "Arguments") != g) continue;
      out << ".TP\n" << OptionLabel(o) << "\n" << Roff(o.description);
      if (o.repeatable && !o.names.empty() && o.description.find("repeatable") == std::string::npos)
        out << " (repeatable)";
      out << "\n";
    }
  }
  if (!c.footer.empty()) FooterToRoff(c.footer, false, out);
}

// ---- shell ----

std::string Key(const CommandDoc& c) { return Join(c.path, " "); }

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string FunctionSuffix(const CommandDoc& c) {
  std::string s;
  for (const auto& p : c.path) s += "_" + p;
  for (auto& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Text inside an _arguments [description]: no brackets or colons unescaped.
std::string ZshDescription(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

std::string ZshAction(const OptionDoc& o) {
  const std::string kind = CompletionKind(o);
  if (kind == "@file") return "_files";
  if (kind == "@dir") return "_files -/";
  if (kind == "@rule") return "_leakhound_rule_ids";
  if (!kind.empty()) return "(" + kind + ")";
  return " ";
}

}  // namespace

CommandDoc DescribeApp(const CLI::App& app) { return Describe(app, {}); }

std::string ManPage(const CLI::App& app, const std::string& version) {
  const CommandDoc root = DescribeApp(app);
  std::ostringstream out;
  std::string summary = root.description;
  if (summary.rfind("leakhound: ", 0) == 0) summary = summary.substr(11);
  out << ".\\\" Generated by `leakhound help --man` from the command-line definition; do not edit.\n"
      << ".TH LEAKHOUND 1 \"\" \"leakhound " << Roff(version) << "\" \"User Commands\"\n"
      << ".SH NAME\nleakhound \\- " << Roff(summary) << "\n"
      << ".SH SYNOPSIS\n";
  bool first = true;
  Walk(root, [&](const CommandDoc& c) {
    if (c.path.empty() || !c.subcommands.empty()) return;
    if (!first) out << ".br\n";
    first = false;
    out << Roff(Usage(c)) << "\n";
  });
  out << ".SH DESCRIPTION\n" << Roff(root.description)
      << ". Each command below is also described by \\fBleakhound\\fR \\fICOMMAND\\fR "
         "\\fB\\-\\-help\\fR.\n";
  out << ".PP\n\\fIGlobal options:\\fR\n";
  for (const auto& o : root.options) out << ".TP\n" << OptionLabel(o) << "\n" << Roff(o.description) << "\n";
  out << ".SH COMMANDS\n";
  Walk(root, [&](const CommandDoc& c) {
    if (!c.path.empty()) CommandToRoff(c, out);
  });
  FooterToRoff(root.footer, true, out);
  out << ".SH FILES\n"
         ".TP\n.I .leakhound.yaml\nProject configuration, read from the first scanned path, the top of "
         "the git work tree, or \\fB\\-\\-config\\fR (\\fBleakhound init\\fR writes a starter).\n"
         ".TP\n.I .leakhound\\-baseline\nAccepted findings' fingerprints "
         "(\\fBleakhound baseline create\\fR); the git hooks read it when present.\n"
         ".TP\n.I $XDG_CACHE_HOME/leakhound\nThe compiled-rule cache (else ~/.cache/leakhound).\n"
         ".SH ENVIRONMENT\n"
         ".TP\n.B LEAKHOUND_NO_CACHE\nWhen set and not empty, the rule cache is neither read nor "
         "written (like \\fB\\-\\-no\\-cache\\fR).\n"
         ".TP\n.B LEAKHOUND_CHECK_ARGS\nWhen set and not empty, leakhound checks its command line "
         "and exits (0 when it is accepted, 2 when not) without running anything: for checking "
         "scripts and CI templates.\n"
         ".TP\n.B LEAKHOUND_POLICY\nThe policy file of a central gate when \\fB\\-\\-policy\\fR is "
         "not given: what the scanned repository may not change (inline allow comments, its "
         "config, baselines, the failing severity, required rules).\n"
         ".TP\n.B NO_COLOR\nNo colour in the human report with \\fB\\-\\-color auto\\fR.\n"
         ".TP\n.B XDG_CACHE_HOME\nWhere the rule cache lives.\n"
         ".SH \"SEE ALSO\"\n.BR git (1),\n.BR githooks (5)\n";
  return out.str();
}

std::string BashCompletion(const CLI::App& app) {
  const CommandDoc root = DescribeApp(app);
  std::ostringstream subs, opts, takes, values, positional;
  Walk(root, [&](const CommandDoc& c) {
    const std::string key = "\"" + Key(c) + "\"";
    std::vector<std::string> names;
    for (const auto& s : c.subcommands) names.push_back(s.path.back());
    if (!names.empty()) subs << "    " << key << ") echo " << ShellQuote(Join(names, " ")) << " ;;\n";
    std::vector<std::string> all, with_value;
    for (const auto& o : c.options) {
      if (!o.positional.empty()) {
        const std::string kind = CompletionKind(o);
        if (!kind.empty()) positional << "    " << key << ") echo " << ShellQuote(kind) << " ;;\n";
        continue;
      }
      all.insert(all.end(), o.names.begin(), o.names.end());
      if (!o.takes_value) continue;
      for (const auto& n : o.names) with_value.push_back("\"" + Key(c) + "|" + n + "\"");
      const std::string kind = CompletionKind(o);
      std::vector<std::string> pats;
      for (const auto& n : o.names) pats.push_back("\"" + Key(c) + "|" + n + "\"");
      if (!kind.empty()) values << "    " << Join(pats, "|") << ") echo " << ShellQuote(kind) << " ;;\n";
    }
    if (!all.empty()) opts << "    " << key << ") echo " << ShellQuote(Join(all, " ")) << " ;;\n";
    if (!with_value.empty()) takes << "    " << Join(with_value, "|") << ") return 0 ;;\n";
  });
  std::ostringstream out;
  out << "# bash completion for leakhound                          -*- shell-script -*-\n"
         "# Generated by `leakhound help --completions bash` from the command-line definition.\n"
         "\n_leakhound_subcommands() {\n  case \"$1\" in\n" << subs.str() << "  esac\n}\n"
      << "\n_leakhound_options() {\n  case \"$1\" in\n" << opts.str() << "  esac\n}\n"
      << "\n_leakhound_takes_value() {\n  case \"$1|$2\" in\n" << takes.str()
      << "  esac\n  return 1\n}\n"
      << "\n_leakhound_values() {\n  case \"$1|$2\" in\n" << values.str() << "  esac\n}\n"
      << "\n_leakhound_positional() {\n  case \"$1\" in\n" << positional.str() << "  esac\n}\n";
  out << R"SH(
# Completes a word of a kind: @file, @dir, @rule (rule ids), or a list of words.
_leakhound_complete_kind() {
  local kind="$1" cur="$2"
  case "$kind" in
    '') ;;
    @file) COMPREPLY+=($(compgen -f -- "$cur")) ;;
    @dir) COMPREPLY+=($(compgen -d -- "$cur")) ;;
    @rule) COMPREPLY+=($(compgen -W "$("${COMP_WORDS[0]}" rules list 2>/dev/null | awk 'NF > 2 {print $1}')" -- "$cur")) ;;
    *) COMPREPLY+=($(compgen -W "$kind" -- "$cur")) ;;
  esac
}

_leakhound() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" word="" i skip=0 pending=""
  COMPREPLY=()
  # Walk the words before the cursor: follow subcommands, skip option values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    if [[ "$word" == "=" ]]; then skip=1; continue; fi
    if ((skip)); then skip=0; pending=""; continue; fi
    case "$word" in
      -*=*) ;;
      -*) if _leakhound_takes_value "$cmd" "$word"; then skip=1; pending="$word"; fi ;;
      *) if [[ " $(_leakhound_subcommands "$cmd") " == *" $word "* ]]; then cmd="${cmd:+$cmd }$word"; fi ;;
    esac
  done
  if ((skip)) && [[ -n "$pending" ]]; then
    [[ "$cur" == "=" ]] && cur=""
    _leakhound_complete_kind "$(_leakhound_values "$cmd" "$pending")" "$cur"
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_leakhound_options "$cmd")" -- "$cur"))
    return 0
  fi
  COMPREPLY=($(compgen -W "$(_leakhound_subcommands "$cmd")" -- "$cur"))
  _leakhound_complete_kind "$(_leakhound_positional "$cmd")" "$cur"
  return 0
}
complete -o filenames -o bashdefault -F _leakhound leakhound
)SH";
  return out.str();
}

std::string ZshCompletion(const CLI::App& app) {
  const CommandDoc root = DescribeApp(app);
  std::ostringstream out;
  out << "#compdef leakhound\n"
         "# zsh completion for leakhound. Generated by `leakhound help --completions zsh` from\n"
         "# the command-line definition.\n\n"
         "_leakhound_rule_ids() {\n"
         "  local -a ids\n"
         "  ids=(${(f)\"$(_call_program rules leakhound rules list 2>/dev/null | awk 'NF > 2 {print $1}')\"})\n"
         "  _describe -t rules 'rule id' ids\n"
         "}\n";
  Walk(root, [&](const CommandDoc& c) {
    out << "\n_leakhound_cmd" << FunctionSuffix(c) << "() {\n";
    const bool has_subs = !c.subcommands.empty();
    if (has_subs)
      out << "  local curcontext=\"$curcontext\" state line\n  typeset -A opt_args\n";
    out << "  _arguments -s -S" << (has_subs ? " -C" : "");
    for (const auto& o : c.options) {
      if (!o.positional.empty()) continue;
      std::vector<std::string> specs;
      for (const auto& n : o.names) {
        const bool long_name = n.rfind("--", 0) == 0;
        specs.push_back(n + (o.takes_value ? (long_name ? "=" : "+") : ""));
      }
      std::string desc = "[" + ZshDescription(o.description) + "]";
      if (o.takes_value) desc += ":" + (o.type.empty() ? std::string("value") : o.type) + ":" + ZshAction(o);
      std::string prefix;
      if (o.repeatable) prefix = "*";
      else if (o.names.size() > 1) prefix = "(" + Join(o.names, " ") + ")";
      out << " \\\n    ";
      if (specs.size() == 1) {
        out << ShellQuote(prefix + specs[0] + desc);
      } else {
        out << ShellQuote(prefix) << "{" << Join(specs, ",") << "}" << ShellQuote(desc);
      }
    }
    if (has_subs) {
      out << " \\\n    '1: :->cmd' \\\n    '*:: :->args'\n"
          << "  case $state in\n    cmd)\n      local -a cmds\n      cmds=(";
      for (const auto& s : c.subcommands)
        out << "\n        " << ShellQuote(s.path.back() + ":" + s.description);
      out << "\n      )\n      _describe -t commands 'leakhound command' cmds ;;\n"
          << "    args)\n      curcontext=\"${curcontext%:*:*}:leakhound-$line[1]:\"\n"
          << "      case $line[1] in\n";
      for (const auto& s : c.subcommands)
        out << "        " << s.path.back() << ") _leakhound_cmd" << FunctionSuffix(s) << " ;;\n";
      out << "      esac ;;\n  esac\n}\n";
    } else {
      int index = 1;
      for (const auto& o : c.options) {
        if (o.positional.empty()) continue;
        const std::string pos = o.repeatable ? "*" : std::to_string(index++);
        out << " \\\n    " << ShellQuote(pos + ":" + o.positional + ":" + ZshAction(o));
      }
      out << "\n}\n";
    }
  });
  out << "\n_leakhound_cmd \"$@\"\n";
  return out.str();
}

namespace {

class Formatter : public CLI::Formatter {
 public:
  // CLI11's layout, with one blank line (not two) between option groups.
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::stringstream out;
    out << make_description(app) << make_usage(app, name) << make_positionals(app);
    for (const std::string& group : app->get_groups()) {
      auto opts = app->get_options([&](const CLI::Option* o) {
        return o->get_group() == group && o->nonpositional();
      });
      if (!group.empty() && !opts.empty()) out << make_group(group, false, opts);
    }
    out << make_subcommands(app, mode) << '\n' << make_footer(app);
    return out.str();
  }
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    return Row(make_option_name(opt, is_positional) + make_option_opts(opt), make_option_desc(opt));
  }
  std::string make_option_opts(const CLI::Option* opt) const override {
    std::string s = CLI::Formatter::make_option_opts(opt);
    const size_t at = s.find(" TEXT:{");  // a choice needs no type: " {human,json}"
    if (at != std::string::npos) s.erase(at + 1, 5);
    return s;
  }
  std::string make_description(const CLI::App* app) const override {
    const std::string d = app->get_description();
    return d.empty() ? d : Wrap(d, 0);
  }
  std::string make_subcommand(const CLI::App* sub) const override {
    return Row(sub->get_display_name(true), sub->get_description());
  }

 private:
  static constexpr size_t kWidth = 100;
  // "  name    description", the description wrapped at kWidth and aligned on the column.
  std::string Row(const std::string& name, const std::string& desc) const {
    const size_t col = get_column_width();
    std::string out = "  " + name;
    if (out.size() + 1 > col) out += "\n" + std::string(col, ' ');
    else out += std::string(col - out.size(), ' ');
    return out + Wrap(desc, col);
  }
  // `text` wrapped at kWidth, continuation lines indented by `indent`; ends with a newline.
  static std::string Wrap(const std::string& text, size_t indent) {
    std::string out;
    size_t line = indent;
    std::istringstream words(text);
    std::string word;
    bool first = true;
    while (words >> word) {
      if (!first && line + 1 + word.size() > kWidth) {
        out += "\n" + std::string(indent, ' ');
        line = indent;
        first = true;
      }
      if (!first) {
        out += ' ';
        ++line;
      }
      out += word;
      line += word.size();
      first = false;
    }
    return out + "\n";
  }
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> HelpFormatter() {
  auto f = std::make_shared<Formatter>();
  f->column_width(32);
  return f;
}

}  // namespace leakhound
