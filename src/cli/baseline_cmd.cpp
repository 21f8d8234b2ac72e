// `baseline create`: a scan whose findings' fingerprints become a baseline file.
#include <fstream>
#include <memory>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"

namespace leakhound {
namespace {

int BaselineCreateCommand(const RuleOptions& ro, const ScanCliOptions& so,
                          const std::string& output, std::ostream& out, std::ostream& err) {
  const Config config = ResolveConfig(ro, so.paths);
  auto rules = LoadRuleSet(ro, config, err);
  ScanCliOptions no_baseline = so;
  no_baseline.baseline.clear();
  Report report = RunScan(*rules, config, no_baseline, err);
  const std::string text = FormatBaseline(report.findings, *rules);
  if (output.empty() || output == "-") {
    out << text;
  } else {
    std::ofstream file(output, std::ios::binary);
    if (!file) throw ConfigError(output + ": cannot write the baseline");
    file << text;
  }
  err << "leakhound: baseline of " << report.findings.size() << " finding(s)"
      << (output.empty() || output == "-" ? "" : " written to " + output) << "\n";
  if (!report.summary.errors.empty() && !so.allow_incomplete) return kExitError;
  return kExitClean;
}

}  // namespace

void AddBaselineCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  std::string& baseline_out = o->output;
  auto* baseline = app->add_subcommand("baseline", "Manage baselines of accepted findings");
  baseline->require_subcommand(1);
  baseline->footer(
      "Examples:\n  leakhound baseline create -o .leakhound-baseline .\n"
      "  leakhound scan --baseline .leakhound-baseline .");
  auto* create = baseline->add_subcommand("create", "Scan and write every finding's fingerprint");
  AddRuleOptions(create, &ro);
  AddScanOptions(create, &so, false);
  create->add_option("-o,--output", baseline_out, "Baseline file to write (default: stdout)")
      ->type_name("FILE")->group("Report");
  create->add_flag("--allow-incomplete", so.allow_incomplete,
                   "Exit 0 even when some inputs could not be read")->group("Report");
  create->footer("Examples:\n  leakhound baseline create -o .leakhound-baseline .");
  commands->Add(create, [o](std::ostream& out, std::ostream& err) {
    return BaselineCreateCommand(o->ro, o->so, o->output, out, err);
  });
}

}  // namespace leakhound
