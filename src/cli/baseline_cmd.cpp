// `baseline create`: the fingerprints of a scan's findings, or of a JSON report's, as a baseline
// file. The scan can be any the finding came from: files (the default), a repository's history
// (--git, with --branch/--range/--since-commit), an image (--image), or a report (--from-report).
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"

namespace leakhound {
namespace {

struct BaselineCliOptions {
  std::string output;
  bool git = false;
  GitCliOptions go;
  std::string image;
  std::string from_report;
};

// The baseline of a leakhound JSON report (`--format json`, or `report merge`). Throws
// ConfigError naming the file when it is not one.
std::string BaselineFromReport(const std::string& path, size_t* count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the report");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(path + ": not a JSON report (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("findings") || !j["findings"].is_array())
    throw ConfigError(path + ": not a leakhound JSON report (no findings array; use --format json)");
  std::vector<std::string> lines;
  for (const auto& f : j["findings"]) {
    if (!f.is_object() || !f.contains("fingerprint") || !f["fingerprint"].is_string() ||
        !f.contains("rule_id") || !f["rule_id"].is_string())
      throw ConfigError(path + ": a finding without fingerprint or rule_id");
    std::string where;
    uint64_t line = 0;
    if (f.contains("locations") && f["locations"].is_array() && !f["locations"].empty()) {
      const auto& l = f["locations"][0];
      if (l.contains("path") && l["path"].is_string()) where = l["path"];
      if (l.contains("line") && l["line"].is_number_unsigned()) line = l["line"];
    }
    lines.push_back(FormatBaselineLine(f["fingerprint"], f["rule_id"], where, line));
  }
  *count = lines.size();
  return FormatBaselineText(std::move(lines));
}

int BaselineCreateCommand(const RuleOptions& ro, const ScanCliOptions& so,
                          const BaselineCliOptions& bo, std::ostream& out, std::ostream& err) {
  const int sources = bo.git + !bo.image.empty() + !bo.from_report.empty();
  if (sources > 1) throw ConfigError("baseline create: give one of --git, --image, --from-report");
  if (!bo.git && (!bo.go.branches.empty() || !bo.go.ranges.empty() || !bo.go.since_commit.empty()))
    throw ConfigError("baseline create: --branch, --range and --since-commit need --git");
  if ((!bo.image.empty() || !bo.from_report.empty()) && !so.paths.empty())
    throw ConfigError("baseline create: paths cannot be combined with --image or --from-report");
  std::string text;
  size_t count = 0;
  bool incomplete = false;
  std::vector<ScanIssue> missing;
  if (!bo.from_report.empty()) {
    text = BaselineFromReport(bo.from_report, &count);
  } else {
    Config config = ResolveConfig(ro);
    auto rules = LoadRuleSet(ro, &config, err);
    Report report;
    if (bo.git) {
      if (so.paths.size() > 1) throw ConfigError("baseline create --git: one repository");
      GitCliOptions go = bo.go;
      if (!so.paths.empty()) go.repo = so.paths.front();
      report = RunGit(*rules, config, so, go, "", err);
    } else if (!bo.image.empty()) {
      ImageCliOptions io;
      io.path = bo.image;
      report = RunImage(*rules, config, so, io, RegistryCliOptions{}, "", err, &missing);
    } else {
      report = RunScan(*rules, config, so, "", err, &missing);
    }
    text = FormatBaseline(report.findings, *rules);
    count = report.findings.size();
    incomplete = !report.summary.errors.empty();
  }
  for (const auto& m : missing) err << "leakhound: " << m.path << ": " << m.message << "\n";
  if (!missing.empty()) return kExitError;  // no baseline of what was not there
  if (bo.output.empty() || bo.output == "-") {
    out << text;
  } else {
    std::ofstream file(bo.output, std::ios::binary);
    if (!file) throw ConfigError(bo.output + ": cannot write the baseline");
    file << text;
  }
  err << "leakhound: baseline of " << count << " finding(s)"
      << (bo.output.empty() || bo.output == "-" ? "" : " written to " + bo.output) << "\n";
  if (incomplete && !so.allow_incomplete) return kExitError;
  return kExitClean;
}

}  // namespace

void AddBaselineCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    BaselineCliOptions bo;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  BaselineCliOptions& bo = o->bo;
  auto* baseline = app->add_subcommand("baseline", "Manage baselines of accepted findings");
  baseline->require_subcommand(1);
  baseline->footer(
      "Examples:\n  leakhound baseline create -o .leakhound-baseline .\n"
      "  leakhound baseline create --git -o .leakhound-baseline   # a secret in history\n"
      "  leakhound scan --baseline .leakhound-baseline .");
  auto* create = baseline->add_subcommand(
      "create", "Scan and write every finding's fingerprint, with where it was first found");
  AddRuleOptions(create, &ro);
  AddScanOptions(create, &so, false);
  create->add_flag("--git", bo.git,
                   "Scan the history of the repository at PATH (default: .), as `git` does")
      ->group("Source");
  AddGitHistoryOptions(create, &bo.go);
  create->add_option("--image", bo.image, "Scan this image, as `image` does")
      ->type_name("PATH|REF")->group("Source");
  create->add_option("--from-report", bo.from_report,
                     "Take the findings of this JSON report (--format json) instead of scanning")
      ->type_name("FILE")->group("Source");
  create->add_option("-o,--output", bo.output, "Baseline file to write (default: stdout)")
      ->type_name("FILE")->group("Report");
  create->add_flag("--allow-incomplete", so.allow_incomplete,
                   "Exit 0 even when parts of an input could not be read")->group("Report");
  create->footer(
      "Examples:\n  leakhound baseline create -o .leakhound-baseline .\n"
      "  leakhound baseline create --git -o .leakhound-baseline\n"
      "  leakhound baseline create --git --range origin/main..HEAD -o .leakhound-baseline\n"
      "  leakhound baseline create --image app.tar -o .leakhound-baseline\n"
      "  leakhound baseline create --from-report report.json -o .leakhound-baseline");
  commands->Add(create, [o](std::ostream& out, std::ostream& err) {
    return BaselineCreateCommand(o->ro, o->so, o->bo, out, err);
  });
}

}  // namespace leakhound
