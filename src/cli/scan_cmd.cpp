// `scan PATH...`: files and directories.
#include <memory>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"

namespace leakhound {
namespace {

int ScanCommand(const RuleOptions& ro, const ScanCliOptions& so, std::ostream& out,
                std::ostream& err) {
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  const std::string baseline = DefaultBaseline(so, &config);
  std::vector<ScanIssue> missing;
  Report report = RunScan(*rules, config, so, baseline, err, &missing);
  return WriteAndExit(report, *rules, config, so, out, err, missing);
}

}  // namespace

void AddScanCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  auto* scan = app->add_subcommand("scan", "Scan files and directories");
  scan->footer(
      "Examples:\n"
      "  leakhound scan .                                    # exit 1 when it finds something\n"
      "  leakhound scan --format sarif -o leakhound.sarif .  # for GitHub code scanning\n"
      "  leakhound scan --fail-on high --format json src/ config/\n"
      "  leakhound scan --baseline .leakhound-baseline .     # only findings not accepted before\n"
      "  git diff | leakhound scan - --stdin-name changes.diff  # standard input");
  AddRuleOptions(scan, &ro);
  AddScanOptions(scan, &so, true);
  scan->add_option("--stdin-name", so.stdin_name,
                   "The path standard input (the path -) is reported as (default: <stdin>)")
      ->type_name("NAME")->group("Scanning");

  commands->Add(scan, [o](std::ostream& out, std::ostream& err) {
    return ScanCommand(o->ro, o->so, out, err);
  });
}

}  // namespace leakhound
