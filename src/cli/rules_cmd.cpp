// `rules list` and `rules check [DIR]`.
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/rule_check.hpp"
#include "cli/rule_timing.hpp"

namespace leakhound {
namespace {

int RulesListCommand(const RuleOptions& ro, const std::string& format, std::ostream& out,
                     std::ostream& err) {
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  if (format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : rules->rules()) {
      arr.push_back({{"id", r.id},
                     {"name", r.name},
                     {"description", r.description},
                     {"severity", SeverityName(r.severity)},
                     {"pattern", r.pattern},
                     {"secret_group", r.secret_group},
                     {"keywords", r.keywords},
                     {"stopwords", r.stopwords},
                     {"min_entropy", r.min_entropy},
                     {"checksum", ChecksumName(r.checksum)},
                     {"placeholder_filter", r.placeholder_filter},
                     {"max_length", r.max_length},
                     {"priority", r.priority},
                     {"references", r.references},
                     {"tags", r.tags},
                     {"analyzer", r.analyzer},
                     {"remediation", r.remediation},
                     {"source", r.source}});
    }
    out << arr.dump(2) << "\n";
    return kExitClean;
  }
  size_t width = 0;
  for (const auto& r : rules->rules()) width = std::max(width, r.id.size());
  for (const auto& r : rules->rules()) {
    std::string sev(SeverityName(r.severity));
    out << r.id << std::string(width + 2 - r.id.size(), ' ') << sev
        << std::string(10 - sev.size(), ' ') << r.name << "\n";
  }
  out << rules->size() << " rules\n";
  return kExitClean;
}

// `rules check [DIR] [--timing]`: exit 0 when every rule passes, 1 when any has a problem.
int RulesCheckCommand(const std::string& dir, bool timing, size_t timing_top, std::ostream& out) {
  std::vector<RuleError> load_errors;
  std::vector<Rule> checked = dir.empty() ? LoadBuiltinRules(&load_errors)
                                          : LoadRulesFromDirectory(dir, &load_errors);
  std::vector<Rule> context;
  if (!dir.empty()) {
    std::vector<RuleError> ignored;
    context = LoadBuiltinRules(&ignored);
  }
  RuleCheckResult result = CheckRules(checked, context);
  std::vector<std::string> problems;
  for (const auto& e : load_errors) problems.push_back(e.ToString());
  problems.insert(problems.end(), result.problems.begin(), result.problems.end());
  if (timing) {
    const RuleTimingReport report = TimeRules(checked, context);
    out << FormatRuleTiming(report, timing_top);
    problems.insert(problems.end(), report.problems.begin(), report.problems.end());
  }
  for (const auto& p : problems) out << p << "\n";
  out << result.rules << " rules, " << result.examples << " examples checked, "
      << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << "\n";
  return problems.empty() ? kExitClean : kExitFindings;
}

}  // namespace

void AddRulesCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    std::string list_format = "human";
    std::string check_dir;
    bool timing = false;
    size_t timing_top = 15;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  std::string& list_format = o->list_format;
  std::string& check_dir = o->check_dir;
  auto* rules_cmd = app->add_subcommand("rules", "List or check rules");
  rules_cmd->require_subcommand(1);
  rules_cmd->footer("Examples:\n  leakhound rules list\n  leakhound rules check ./my-rules");
  auto* list = rules_cmd->add_subcommand("list", "List the rules in effect");
  list->footer("Examples:\n  leakhound rules list --rules ./my-rules --format json");
  AddRuleOptions(list, &ro);
  // `human`, as everywhere else; `text` stays accepted (the name it had).
  list->add_option("-f,--format", list_format, "human or json")
      ->transform(CLI::Validator(
          [](std::string& v) {
            if (v == "text") v = "human";
            return std::string();
          },
          "", "text-alias"))
      ->check(CLI::IsMember({"human", "json"}));
  auto* check = rules_cmd->add_subcommand(
      "check", "Check rules (built-in, or the *.yaml files in DIR): patterns compile in both "
               "engines, examples fire, negative examples do not");
  check->add_option("dir", check_dir, "Rules directory (default: the built-in rules)")
      ->type_name("DIR");
  check->add_flag("--timing", o->timing,
                  "Also time each rule alone (compile, and a scan of a fixed corpus); a rule "
                  "10x over the median rule, or over 1 MiB of Hyperscan bytecode, is a problem");
  check->add_option("--timing-top", o->timing_top, "How many of the costliest rules to list")
      ->type_name("N");
  check->footer("Exit 1 when a rule has a problem.\nExamples:\n  leakhound rules check ./my-rules\n"
                "  leakhound rules check --timing");
  commands->Add(list, [o](std::ostream& out, std::ostream& err) {
    return RulesListCommand(o->ro, o->list_format, out, err);
  });
  commands->Add(check, [o](std::ostream& out, std::ostream&) {
    return RulesCheckCommand(o->check_dir, o->timing, o->timing_top, out);
  });
}

}  // namespace leakhound
