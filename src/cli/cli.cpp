#include "leakhound/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_set>

#include "leakhound/config.hpp"
#include "leakhound/pipeline.hpp"
#include "leakhound/report.hpp"
#include "leakhound/rule_check.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound {
namespace {

struct RuleOptions {
  std::vector<std::string> rules_dirs;
  std::vector<std::string> disabled;
  std::string config_path;
  bool no_cache = false;
};

struct ScanCliOptions {
  std::vector<std::string> paths;
  std::string format = "human";
  std::string output;
  std::string fail_on;
  std::string baseline;
  std::string max_file_size;
  std::string color = "auto";
  bool show_secrets = false;
  bool allow_incomplete = false;
  bool scan_binary = false;
  bool follow_symlinks = false;
  bool quiet = false;
  int jobs = 0;
};

void AddRuleOptions(CLI::App* cmd, RuleOptions* o) {
  cmd->add_option("--rules", o->rules_dirs,
                  "Directory of extra rule files (*.yaml); same ids override built-ins")
      ->type_name("DIR")->group("Rules");
  cmd->add_option("--disable-rule", o->disabled, "Turn off a rule by id (repeatable)")
      ->type_name("ID")->group("Rules");
  cmd->add_option("--config", o->config_path,
                  "Config file (default: .leakhound.yaml in the first scanned path)")
      ->type_name("FILE")->group("Rules");
  cmd->add_flag("--no-cache", o->no_cache,
                "Do not read or write the compiled rule cache ($XDG_CACHE_HOME/leakhound)")
      ->group("Rules");
}

void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options) {
  cmd->add_option("paths", o->paths, "Files or directories to scan (default: .)");
  cmd->add_option("-j,--jobs", o->jobs, "Scanning threads (default: all cores)")->group("Scanning");
  cmd->add_option("--max-file-size", o->max_file_size,
                  "Skip files larger than this (default 100MB; counted in the summary)")
      ->type_name("SIZE")->group("Scanning");
  cmd->add_flag("--scan-binary", o->scan_binary, "Scan files that look binary too")
      ->group("Scanning");
  cmd->add_flag("--follow-symlinks", o->follow_symlinks, "Follow symbolic links")
      ->group("Scanning");
  cmd->add_flag("-q,--quiet", o->quiet, "No warnings on stderr while scanning")->group("Scanning");
  if (!report_options) return;
  cmd->add_option("-f,--format", o->format, "Report format")
      ->check(CLI::IsMember({"human", "json", "jsonl", "sarif"}))->group("Report");
  cmd->add_option("-o,--output", o->output, "Write the report to FILE instead of stdout")
      ->type_name("FILE")->group("Report");
  cmd->add_option("--fail-on", o->fail_on,
                  "Exit 1 when a finding has at least this severity (default: low)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))->group("Report");
  cmd->add_option("--baseline", o->baseline, "Report only findings not in this baseline file")
      ->type_name("FILE")->group("Report");
  cmd->add_flag("--show-secrets", o->show_secrets,
                "Print secrets in full (default: redacted everywhere)")->group("Report");
  cmd->add_option("--color", o->color, "Colour in the human report")
      ->check(CLI::IsMember({"auto", "always", "never"}))->group("Report");
  cmd->add_flag("--allow-incomplete", o->allow_incomplete,
                "Do not exit 2 when some inputs could not be read (they are still reported)")
      ->group("Report");
}

// Loads built-in, configured and --rules rules, minus the disabled ones. Throws ConfigError.
std::unique_ptr<RuleSet> LoadRuleSet(const RuleOptions& ro, const Config& config,
                                     std::ostream& err) {
  std::vector<RuleError> errors;
  RuleSetOptions options;
  const char* env_no_cache = std::getenv("LEAKHOUND_NO_CACHE");
  if (!ro.no_cache && !(env_no_cache && *env_no_cache)) options.cache_dir = DefaultCacheDir();
  std::vector<Rule> rules = LoadBuiltinRulesCached(options.cache_dir, &errors);
  for (const auto& d : config.rules_dirs) MergeRules(&rules, LoadRulesFromDirectory(d, &errors));
  if (!config.rules.empty()) MergeRules(&rules, config.rules);
  for (const auto& d : ro.rules_dirs) MergeRules(&rules, LoadRulesFromDirectory(d, &errors));
  std::unordered_set<std::string> disabled(ro.disabled.begin(), ro.disabled.end());
  disabled.insert(config.disabled_rules.begin(), config.disabled_rules.end());
  std::set<std::string> known;
  for (const auto& r : rules) known.insert(r.id);
  for (const auto& d : disabled)
    if (!known.count(d)) err << "leakhound: warning: --disable-rule " << d << ": no such rule\n";
  rules.erase(std::remove_if(rules.begin(), rules.end(),
                             [&](const Rule& r) { return disabled.count(r.id) > 0; }),
              rules.end());
  auto set = RuleSet::Build(std::move(rules), options, &errors);
  if (!errors.empty()) {
    std::string msg = "invalid rules:";
    for (const auto& e : errors) msg += "\n  " + e.ToString();
    throw ConfigError(msg);
  }
  if (!set) throw ConfigError("no rules to scan with");
  return set;
}

Config ResolveConfig(const RuleOptions& ro, const std::vector<std::string>& paths) {
  if (!ro.config_path.empty()) return LoadConfigFile(ro.config_path);
  if (auto found = FindConfig(paths.empty() ? "." : paths.front())) return *found;
  return Config{};
}

// Runs the scan; returns the report (with the baseline applied).
Report RunScan(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
               std::ostream& err) {
  ScanOptions options;
  options.jobs = so.jobs;
  options.scan_binary = so.scan_binary;
  options.quiet = so.quiet;
  if (!so.max_file_size.empty()) options.max_file_size = ParseSize(so.max_file_size);
  else if (config.max_file_size) options.max_file_size = *config.max_file_size;
  AllowList allow(config.allow_values, config.allow_regexes);
  options.blob.allow = allow.empty() ? nullptr : &allow;
  PathMatcher exclude(config.exclude_paths);
  FsOptions fs;
  fs.follow_symlinks = so.follow_symlinks;
  fs.max_file_size = options.max_file_size;
  fs.exclude = exclude.empty() ? nullptr : &exclude;
  std::vector<std::unique_ptr<Source>> sources;
  for (const auto& p : so.paths.empty() ? std::vector<std::string>{"."} : so.paths)
    sources.push_back(std::make_unique<FsSource>(p, fs));
  ScanJob job(rules, options);
  job.Run(sources, err);
  Report report = job.TakeReport();
  if (!so.baseline.empty()) {
    const auto known = LoadBaseline(so.baseline);
    std::unordered_set<std::string> set(known.begin(), known.end());
    const size_t before = report.findings.size();
    report.findings.erase(std::remove_if(report.findings.begin(), report.findings.end(),
                                         [&](const Finding& f) { return set.count(f.fingerprint); }),
                          report.findings.end());
    report.summary.findings_baselined = before - report.findings.size();
  }
  return report;
}

int ScanCommand(const RuleOptions& ro, const ScanCliOptions& so, std::ostream& out,
                std::ostream& err) {
  const Config config = ResolveConfig(ro, so.paths);
  auto rules = LoadRuleSet(ro, config, err);
  Report report = RunScan(*rules, config, so, err);

  ReportFormat format = ReportFormat::kHuman;
  if (so.format == "json") format = ReportFormat::kJson;
  if (so.format == "jsonl") format = ReportFormat::kJsonl;
  if (so.format == "sarif") format = ReportFormat::kSarif;
  ReportOptions ropts;
  ropts.show_secrets = so.show_secrets;
  const bool to_terminal = so.output.empty() && &out == &std::cout && ::isatty(1);
  ropts.color = so.color == "always" ||
                (so.color == "auto" && to_terminal && !std::getenv("NO_COLOR"));
  if (!so.output.empty()) {
    std::ofstream file(so.output, std::ios::binary);
    if (!file) throw ConfigError(so.output + ": cannot write the report");
    WriteReport(report, format, ropts, file);
    if (!file.good()) throw ConfigError(so.output + ": write failed");
  } else {
    WriteReport(report, format, ropts, out);
  }

  Severity fail_on = Severity::kLow;
  if (config.fail_on) fail_on = *config.fail_on;
  if (!so.fail_on.empty()) fail_on = *ParseSeverity(so.fail_on);
  if (!report.summary.errors.empty() && !so.allow_incomplete) {
    err << "leakhound: the scan is incomplete: " << report.summary.errors.size()
        << " input(s) could not be read (see the report; --allow-incomplete to accept)\n";
    return kExitError;
  }
  for (const auto& f : report.findings)
    if (rules->rule(f.rule).severity >= fail_on) return kExitFindings;
  return kExitClean;
}

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

int RulesListCommand(const RuleOptions& ro, const std::string& format, std::ostream& out,
                     std::ostream& err) {
  const Config config = ResolveConfig(ro, {});
  auto rules = LoadRuleSet(ro, config, err);
  if (format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : rules->rules()) {
      arr.push_back({{"id", r.id}, {"name", r.name}, {"severity", SeverityName(r.severity)},
                     {"pattern", r.pattern}, {"secret_group", r.secret_group},
                     {"keywords", r.keywords}, {"min_entropy", r.min_entropy},
                     {"checksum", ChecksumName(r.checksum)}, {"tags", r.tags},
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

// `rules check [DIR]`: exit 0 when every rule passes, 1 when any has a problem.
int RulesCheckCommand(const std::string& dir, std::ostream& out) {
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
  for (const auto& p : problems) out << p << "\n";
  out << result.rules << " rules, " << result.examples << " examples checked, "
      << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << "\n";
  return problems.empty() ? kExitClean : kExitFindings;
}

}  // namespace

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"leakhound: find leaked secrets in files, git history and container images"};
  app.set_version_flag("-V,--version", std::string("leakhound ") + LEAKHOUND_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 error or incomplete scan.\n"
      "Examples:\n  leakhound scan .\n  leakhound scan --format sarif -o leakhound.sarif src/\n"
      "  leakhound baseline create -o .leakhound-baseline .\n  leakhound rules check ./my-rules");

  RuleOptions ro;
  ScanCliOptions so;
  auto* scan = app.add_subcommand("scan", "Scan files and directories");
  AddRuleOptions(scan, &ro);
  AddScanOptions(scan, &so, true);

  auto* rules_cmd = app.add_subcommand("rules", "List or check rules");
  rules_cmd->require_subcommand(1);
  std::string list_format = "text";
  auto* list = rules_cmd->add_subcommand("list", "List the rules in effect");
  AddRuleOptions(list, &ro);
  list->add_option("-f,--format", list_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::string check_dir;
  auto* check = rules_cmd->add_subcommand(
      "check", "Check rules (built-in, or the *.yaml files in DIR): patterns compile in both "
               "engines, examples fire, negative examples do not");
  check->add_option("dir", check_dir, "Rules directory (default: the built-in rules)");

  auto* baseline = app.add_subcommand("baseline", "Manage baselines of accepted findings");
  baseline->require_subcommand(1);
  std::string baseline_out;
  auto* create = baseline->add_subcommand("create", "Scan and write every finding's fingerprint");
  AddRuleOptions(create, &ro);
  AddScanOptions(create, &so, false);
  create->add_option("-o,--output", baseline_out, "Baseline file to write (default: stdout)");
  create->add_flag("--allow-incomplete", so.allow_incomplete,
                   "Exit 0 even when some inputs could not be read");

  auto* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitClean : kExitError;
  }
  try {
    if (*version) {
      out << "leakhound " << LEAKHOUND_VERSION << "\n";
      return kExitClean;
    }
    if (*scan) return ScanCommand(ro, so, out, err);
    if (*list) return RulesListCommand(ro, list_format, out, err);
    if (*check) return RulesCheckCommand(check_dir, out);
    if (*create) return BaselineCreateCommand(ro, so, baseline_out, out, err);
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
