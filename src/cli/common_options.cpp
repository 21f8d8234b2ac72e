#include "cli/common_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "base/interrupt.hpp"
#include "cli/cli.hpp"

namespace leakhound {

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

void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options,
                    bool positional_paths) {
  if (positional_paths)
    cmd->add_option("paths", o->paths, "Files or directories to scan (default: .)")
        ->type_name("PATH");
  cmd->add_option("-j,--jobs", o->jobs, "Scanning threads (default: all cores)")->group("Scanning");
  cmd->add_option("--max-file-size", o->max_file_size,
                  "Skip files larger than this (default 100MB; counted in the summary)")
      ->type_name("SIZE")->group("Scanning");
  cmd->add_flag("--scan-binary", o->scan_binary, "Scan files that look binary too")
      ->group("Scanning");
  cmd->add_option("--max-matches", o->max_matches,
                  "Stop checking a file after this many matches (default 10000; the file is "
                  "named in a warning and counted as truncated)")
      ->check(CLI::PositiveNumber)->type_name("N")->group("Scanning");
  cmd->add_flag("--follow-symlinks", o->follow_symlinks, "Follow symbolic links")
      ->group("Scanning");
  cmd->add_flag("-q,--quiet", o->quiet, "No warnings on stderr while scanning")->group("Scanning");
  cmd->add_option("--checks", o->checks,
                  "Which checks run: secrets, hardening or both, comma-separated (default: "
                  "secrets; secrets,hardening for `image` and `registry`)")
      ->type_name("LIST")->group("Scanning");
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

std::string ConfigRoot(const GitRepo& repo) {
  return repo.bare() ? repo.gitdir() : repo.workdir();
}

// Options shared by every scanning command; keeps the allow-list and excludes alive.
std::unique_ptr<ScanSetup> MakeSetup(const Config& config, const ScanCliOptions& so,
                                     const char* default_checks) {
  auto setup = std::make_unique<ScanSetup>();
  // --checks, else the config's checks:, else the command's default.
  setup->checks = ParseChecks(!so.checks.empty() ? std::vector<std::string>{so.checks}
                              : !config.checks.empty() ? config.checks
                                                       : std::vector<std::string>{default_checks});
  ScanOptions& options = setup->options;
  options.jobs = so.jobs;
  options.scan_binary = so.scan_binary;
  options.quiet = so.quiet;
  options.blob.limits.max_matches = so.max_matches;
  options.cancel = &InstallInterruptHandlers();
  if (!so.max_file_size.empty()) options.max_file_size = ParseSize(so.max_file_size);
  else if (config.max_file_size) options.max_file_size = *config.max_file_size;
  setup->allow = std::make_unique<AllowList>(config.allow_values, config.allow_regexes);
  options.blob.allow = setup->allow->empty() ? nullptr : setup->allow.get();
  setup->exclude = std::make_unique<PathMatcher>(config.exclude_paths);
  setup->fs.follow_symlinks = so.follow_symlinks;
  setup->fs.max_file_size = options.max_file_size;
  setup->fs.exclude = setup->exclude->empty() ? nullptr : setup->exclude.get();
  return setup;
}

// Drops the findings a baseline file accepts.
void ApplyBaseline(Report* report, const std::string& baseline) {
  if (baseline.empty()) return;
  const auto known = LoadBaseline(baseline);
  std::unordered_set<std::string> set(known.begin(), known.end());
  const size_t before = report->findings.size();
  report->findings.erase(std::remove_if(report->findings.begin(), report->findings.end(),
                                        [&](const Finding& f) { return set.count(f.fingerprint); }),
                         report->findings.end());
  report->summary.findings_baselined = before - report->findings.size();
}

// Runs the sources; returns the report with `add` run on it (findings a source adds after the
// scan), then the checks that are off and the baseline applied.
Report RunSources(const RuleSet& rules, const ScanSetup& setup,
                  std::vector<std::unique_ptr<Source>>& sources, const std::string& baseline,
                  std::ostream& err, const std::function<void(Report*)>& add) {
  ScanJob job(rules, setup.options);
  job.Run(sources, err);
  Report report = job.TakeReport();
  if (add) add(&report);
  RedactAttributes(&report.findings);
  DropUncheckedFindings(rules, setup.checks.secrets, setup.checks.hardening, &report.findings);
  ApplyBaseline(&report, baseline);
  return report;
}

Report RunScan(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
               std::ostream& err) {
  auto setup = MakeSetup(config, so);
  std::vector<std::unique_ptr<Source>> sources;
  for (const auto& p : so.paths.empty() ? std::vector<std::string>{"."} : so.paths) {
    sources.push_back(std::make_unique<FsSource>(p, setup->fs));
    // Config-file analyzers: a .env file tracked by the repository around `p` is committed.
    setup->options.tracked_dotenv.merge(TrackedDotenvFiles(p));
    char real[PATH_MAX];
    if (::realpath(p.c_str(), real)) setup->options.fs_roots.push_back(real);
  }
  return RunSources(rules, *setup, sources, so.baseline, err);
}

// Writes the report as asked and turns it into an exit code.
int WriteAndExit(const Report& report, const RuleSet& rules, const Config& config,
                 const ScanCliOptions& so, std::ostream& out, std::ostream& err) {
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
    std::ostringstream text;
    WriteReport(report, format, ropts, text);
    WritePrivateFile(so.output, text.str());
  } else {
    WriteReport(report, format, ropts, out);
  }
  if (report.summary.interrupted) {
    err << "leakhound: interrupted: the report is partial\n";
    return 128 + (InterruptSignal() ? InterruptSignal() : SIGINT);
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
    if (rules.rule(f.rule).severity >= fail_on) return kExitFindings;
  return kExitClean;
}

}  // namespace leakhound
