// Embeds leakhound through its public API alone (include/leakhound/): load the built-in rules,
// compile them once, scan the paths given with a ScanJob, and print the redacted findings.
//
//   embed_example PATH...     exit 0: nothing found, 1: findings, 2: an error
//
// The test suite builds this program and runs it on a directory with a fake token.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "leakhound/report.hpp"
#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"
#include "leakhound/scan_job.hpp"
#include "leakhound/source.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " PATH...\n";
    return 2;
  }
  std::vector<leakhound::RuleError> errors;
  std::vector<leakhound::Rule> rules = leakhound::LoadBuiltinRules(&errors);
  leakhound::RuleSetOptions rule_options;
  rule_options.cache_dir = leakhound::DefaultCacheDir();  // a warm start skips the compile
  std::unique_ptr<leakhound::RuleSet> rule_set =
      leakhound::RuleSet::Build(std::move(rules), rule_options, &errors);
  if (!rule_set) {
    std::cerr << "embed_example: the rules did not compile\n";
    return 2;
  }

  leakhound::ScanOptions options;
  options.quiet = true;
  std::vector<std::unique_ptr<leakhound::Source>> sources;
  for (int i = 1; i < argc; ++i) {
    sources.push_back(std::make_unique<leakhound::FsSource>(argv[i], leakhound::FsOptions{}));
  }
  leakhound::ScanJob job(*rule_set, options);
  job.Run(sources, std::cerr);
  leakhound::Report report = job.TakeReport();

  // Findings print redacted unless ReportOptions::show_secrets is set.
  leakhound::WriteReport(report, leakhound::ReportFormat::kJson, leakhound::ReportOptions{},
                         std::cout);
  if (!report.summary.errors.empty()) return 2;
  return report.findings.empty() ? 0 : 1;
}
