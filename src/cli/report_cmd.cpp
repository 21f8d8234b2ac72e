// `report merge`: JSON reports (of registry shards, say) into one.
#include <memory>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/registry_cmd.hpp"
#include "leakhound/report.hpp"

namespace leakhound {
namespace {

int ReportMergeCommand(const std::vector<std::string>& files, const std::string& output,
                       std::ostream& out) {
  const std::string merged = MergeJsonReports(files);
  if (output.empty() || output == "-") {
    out << merged;
  } else {
    WritePrivateFile(output, merged);
  }
  return kExitClean;
}

}  // namespace

void AddReportCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    std::vector<std::string> merge_files;
    std::string merge_output;
  };
  auto o = std::make_shared<Options>();
  std::vector<std::string>& merge_files = o->merge_files;
  std::string& merge_output = o->merge_output;
  auto* report_cmd = app->add_subcommand("report", "Work with reports");
  report_cmd->require_subcommand(1);
  report_cmd->footer("Examples:\n  leakhound report merge shard-0.json shard-1.json -o audit.json");
  auto* merge = report_cmd->add_subcommand(
      "merge", "Merge JSON reports (e.g. of registry shards): findings de-duplicated by "
               "fingerprint, locations united; writes a JSON report");
  merge->add_option("reports", merge_files, "JSON reports (--format json)")->required();
  merge->footer("Examples:\n  leakhound report merge shard-0.json shard-1.json -o audit.json");
  merge->add_option("-o,--output", merge_output, "Write to FILE instead of stdout")->type_name("FILE");
  commands->Add(merge, [o](std::ostream& out, std::ostream&) {
    return ReportMergeCommand(o->merge_files, o->merge_output, out);
  });
}

}  // namespace leakhound
