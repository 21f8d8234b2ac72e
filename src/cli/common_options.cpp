#include "cli/common_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include "base/interrupt.hpp"
#include "cli/cli.hpp"

namespace leakhound {

void AddRuleOptions(CLI::App* cmd, RuleOptions* o) {
  // One value per occurrence (allow_extra_args(false)): `--disable-rule ID PATH` leaves PATH to
  // the positionals.
  cmd->add_option("--rules", o->rules_dirs,
                  "Directory of extra rule files (*.yaml); same ids override built-ins "
                  "(repeatable)")
      ->type_name("DIR")->allow_extra_args(false)->group("Rules");
  cmd->add_option("--disable-rule", o->disabled,
                  "Turn off a rule by id (repeatable; a,b turns off several)")
      ->type_name("ID")->allow_extra_args(false)->delimiter(',')->group("Rules");
  cmd->add_option("--config", o->config_path,
                  "Config file (default: .leakhound.yaml at the top of the git work tree that "
                  "holds the current directory, else in the current directory)")
      ->type_name("FILE")->group("Rules");
  cmd->add_flag("--no-cache", o->no_cache,
                "Do not read or write the compiled rule cache ($XDG_CACHE_HOME/leakhound)")
      ->group("Rules");
  cmd->add_option("--policy", o->policy_path,
                  "Policy file of a central gate: what the scanned repository may not change "
                  "(inline allow comments, its config, baselines, the failing severity, required "
                  "rules); default: $LEAKHOUND_POLICY")
      ->type_name("FILE")->group("Rules");
  cmd->add_flag("--no-repo-config", o->no_repo_config,
                "Do not read the project's .leakhound.yaml (--config FILE is still read)")
      ->group("Rules");
}

void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options,
                    bool positional_paths) {
  if (positional_paths)
    cmd->add_option("paths", o->paths, "Files or directories to scan (default: .; - reads standard input)")
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
  cmd->add_option("--exclude", o->excludes,
                  "Skip paths matching this gitignore-style glob, relative to the config's "
                  "directory (repeatable; added to exclude_paths)")
      ->type_name("GLOB")->allow_extra_args(false)->group("Scanning");
  cmd->add_flag("--respect-gitignore", o->respect_gitignore,
                "Skip files git ignores (default: scan them: an ignored .env is still a leak "
                "on disk)")
      ->group("Scanning");
  cmd->add_flag("--honor-gitleaks-allow", o->honor_gitleaks_allow,
                "Treat `gitleaks:allow` comments as `leakhound:allow`")
      ->group("Scanning");
  cmd->add_flag("--ignore-inline-allow", o->ignore_inline_allow,
                "Report secrets on lines with a `leakhound:allow` (or `gitleaks:allow`) comment "
                "too")
      ->group("Scanning");
  cmd->add_flag("--no-baseline", o->no_baseline,
                "Do not read .leakhound-baseline at the top of the work tree (read by default)")
      ->group("Report");
  cmd->add_option("--checks", o->checks,
                  "Which checks run: secrets, hardening or both, comma-separated (default: "
                  "secrets; secrets,hardening for `image` and `registry`)")
      ->type_name("LIST")->group("Scanning");
  if (!report_options) return;
  cmd->add_flag("-v,--verbose", o->verbose,
                "List on stderr the candidates that were dropped and why (placeholder, low "
                "entropy, allow comment or allow-list, lower-priority rule, baseline...), "
                "redacted")
      ->group("Report");
  cmd->add_option("-f,--format", o->format,
                  "Report format: human, json, jsonl, sarif (GitHub code scanning) or gitlab "
                  "(GitLab secret detection)")
      ->check(CLI::IsMember(ReportFormatNames()))->group("Report");
  cmd->add_option("-o,--output", o->output, "Write the report to FILE instead of stdout")
      ->type_name("FILE")->group("Report");
  AddFailOn(cmd, &o->fail_on,
            "Exit 1 when a finding has at least this severity (default: low; none: never)");
  cmd->add_option("--baseline", o->baseline, "Report only findings not in this baseline file")
      ->type_name("FILE")->group("Report");
  cmd->add_flag("--show-secrets", o->show_secrets,
                "Print secrets in full (default: redacted everywhere)")->group("Report");
  cmd->add_option("--redact-keep", o->redact_keep,
                  "Trailing characters a redacted secret shows (default 4; 0: none). Only of a "
                  "value of 16 characters or more after its documented prefix, and never more "
                  "than a quarter of it")
      ->type_name("N")->group("Report");
  cmd->add_option("--min-confidence", o->min_confidence,
                  "Report generic and keyword findings (passwords, key=value) of at least this "
                  "confidence (default: medium; low: for audits). Rules with a distinctive "
                  "format are always reported")
      ->check(CLI::IsMember({"high", "medium", "low"}))->type_name("LEVEL")->group("Report");
  cmd->add_flag("--show-suppressed", o->show_suppressed,
                "List in the human report the findings an allow comment, the allow-list or the "
                "baseline suppressed (JSON and SARIF reports always hold them)")
      ->group("Report");
  cmd->add_option("--color", o->color, "Colour in the human report")
      ->check(CLI::IsMember({"auto", "always", "never"}))->group("Report");
  cmd->add_flag("--allow-incomplete", o->allow_incomplete,
                "Do not exit 2 when parts of an input could not be read (they are still "
                "reported); an input that does not exist is always an error")
      ->group("Report");
}

void AddFailOn(CLI::App* cmd, std::string* fail_on, const std::string& description) {
  cmd->add_option("--fail-on", *fail_on, description)
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info", "none"},
                            CLI::ignore_case))
      ->group("Report");
}

std::optional<Severity> FailOn(const Config& config, const std::string& flag, bool* never,
                               bool* capped) {
  std::string name = flag;
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  *never = name == "none";
  std::optional<Severity> s;
  if (!*never) s = !name.empty() ? ParseSeverity(name) : config.fail_on.value_or(Severity::kLow);
  const bool cap = config.min_fail_on && (!s || *s > *config.min_fail_on);
  if (capped) *capped = cap;
  if (cap) {
    *never = false;
    s = config.min_fail_on;
  }
  return s;
}

namespace {

// Under a policy: `rules`, loaded from `from`, may not replace a required rule, nor (when `from`
// is the repository's config or one of its rules_dirs) any built-in rule.
void GuardRules(const Config& config, const std::set<std::string>& builtin,
                const std::vector<Rule>& rules, const std::string& from, bool from_repo) {
  if (config.policy_source.empty()) return;
  for (const auto& r : rules) {
    if (!builtin.count(r.id)) continue;
    const std::string file = r.source.empty() ? from : r.source;
    if (RuleRequired(config.required_rules, r.id))
      throw ConfigError(file + ": rule '" + r.id + "' would replace a rule the policy " +
                        config.policy_source + " requires (required_rules)");
    if (from_repo)
      throw ConfigError(file + ": rule '" + r.id + "' reuses a built-in rule id: under the "
                        "policy " + config.policy_source +
                        " a repository's rules may add rules, not replace built-in ones");
  }
}

}  // namespace

std::unique_ptr<RuleSet> LoadRuleSet(const RuleOptions& ro, Config* config, std::ostream& err) {
  std::vector<RuleError> errors;
  RuleSetOptions options;
  const char* env_no_cache = std::getenv("LEAKHOUND_NO_CACHE");
  if (!ro.no_cache && !(env_no_cache && *env_no_cache)) options.cache_dir = DefaultCacheDir();
  std::vector<Rule> rules = LoadBuiltinRulesCached(options.cache_dir, &errors);
  std::set<std::string> builtin;
  for (const auto& r : rules) builtin.insert(r.id);
  for (size_t i = 0; i < config->rules_dirs.size(); ++i) {
    auto loaded = LoadRulesFromDirectory(config->rules_dirs[i], &errors);
    const std::string from =
        i < config->rules_dir_sources.size() ? config->rules_dir_sources[i] : config->source;
    GuardRules(*config, builtin, loaded, config->rules_dirs[i],
               !config->guarded_source.empty() && from == config->guarded_source);
    MergeRules(&rules, std::move(loaded));
  }
  if (!config->rules.empty()) {
    for (const auto& r : config->rules)
      GuardRules(*config, builtin, {r}, config->source,
                 !config->guarded_source.empty() && r.source == config->guarded_source);
    MergeRules(&rules, config->rules);
  }
  for (const auto& d : ro.rules_dirs) {
    auto loaded = LoadRulesFromDirectory(d, &errors);
    GuardRules(*config, builtin, loaded, d, false);
    MergeRules(&rules, std::move(loaded));
  }
  std::unordered_set<std::string> disabled;
  for (const auto& d : ro.disabled) {
    if (RuleRequired(config->required_rules, d))
      throw ConfigError("--disable-rule " + d + ": the policy " + config->policy_source +
                        " requires this rule (required_rules)");
    disabled.insert(d);
  }
  std::map<std::string, Severity> severity;
  for (const auto& r : rules) severity[r.id] = r.severity;
  for (size_t i = 0; i < config->disabled_rules.size(); ++i) {
    const std::string& d = config->disabled_rules[i];
    const std::string from = i < config->disabled_rule_sources.size()
                                 ? config->disabled_rule_sources[i] : config->source;
    if (RuleRequired(config->required_rules, d)) {
      config->notes.push_back(from + ": disabling " + d + " ignored: the policy " +
                              config->policy_source + " requires this rule");
      continue;
    }
    const auto sev = severity.find(d);
    if (config->guard_high_rules && from.find(config->guarded_source) != std::string::npos &&
        sev != severity.end() && sev->second >= Severity::kHigh) {
      config->notes.push_back(from + ": disabling " + d + " (severity " +
                              std::string(SeverityName(sev->second)) + ") ignored: under the "
                              "policy " + config->policy_source + " a repository may not turn "
                              "off a rule of severity high or above");
      continue;
    }
    disabled.insert(d);
  }
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

namespace {

// The path of the config FindConfig would load from `dir`, "" when none.
std::string ConfigPathIn(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path d = fs::is_directory(dir, ec) ? fs::path(dir) : fs::path(dir).parent_path();
  for (const char* name : {".leakhound.yaml", ".leakhound.yml"})
    if (fs::is_regular_file(d / name, ec)) return (d / name).string();
  return "";
}

}  // namespace

Config ResolveConfig(const RuleOptions& ro) {
  std::optional<Policy> policy;
  std::string policy_path = ro.policy_path;
  if (policy_path.empty())
    if (const char* env = std::getenv("LEAKHOUND_POLICY"); env && *env) policy_path = env;
  if (!policy_path.empty()) policy = LoadPolicyFile(policy_path);
  const std::string root = ProjectRoot();
  std::optional<Config> trusted, repo;
  std::string ignored_repo;
  if (!ro.config_path.empty()) {
    trusted = LoadConfigFile(ro.config_path);
  } else if (!ro.no_repo_config) {
    std::string path = ConfigPathIn(root);
    if (path.empty()) path = ConfigPathIn(".");  // a work tree's subdirectory
    // A config the policy shuts out is not even parsed: a broken one cannot stop the gate.
    if (!path.empty() && policy && !policy->allow_repo_config) ignored_repo = path;
    else if (!path.empty()) repo = LoadConfigFile(path);
  }
  Config c = ApplyPolicy(policy ? &*policy : nullptr, trusted ? &*trusted : nullptr,
                         repo ? &*repo : nullptr, root);
  if (!ignored_repo.empty())
    c.notes.push_back(ignored_repo + ": ignored: the policy " + policy->source +
                      " does not let a repository's config apply (allow_repo_config: false)");
  return c;
}

std::string DefaultBaseline(const ScanCliOptions& so, Config* config, bool look_in_root,
                            const std::string& root) {
  std::string path = so.baseline;
  if (path.empty() && !so.no_baseline && look_in_root) {
    const std::string candidate = (root.empty() ? ProjectRoot() : root) + "/.leakhound-baseline";
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) path = candidate;
  }
  if (!path.empty() && !config->allow_baseline) {
    config->notes.push_back("baseline " + path + " ignored: the policy " +
                            config->policy_source + " forbids baselines (allow_baseline: false)");
    return "";
  }
  return path;
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
  setup->allow = std::make_unique<AllowList>(config.allow_values, config.allow_regexes,
                                             config.allow_value_sources,
                                             config.allow_regex_sources);
  options.blob.keep_allowed = true;
  options.blob.allow = setup->allow->empty() ? nullptr : setup->allow.get();
  options.blob.honor_gitleaks_allow = so.honor_gitleaks_allow;
  options.blob.honor_allow_comments = config.allow_inline && !so.ignore_inline_allow;
  options.blob.record_dropped = so.verbose;
  options.blob.redact_keep = so.redact_keep;
  std::vector<std::string> excludes = config.exclude_paths;
  excludes.insert(excludes.end(), so.excludes.begin(), so.excludes.end());
  setup->exclude = std::make_unique<PathMatcher>(excludes);
  setup->exclude_base = config.base_dir;
  setup->redact_keep = so.redact_keep;
  if (!so.min_confidence.empty()) setup->min_confidence = *ParseConfidence(so.min_confidence);
  else if (config.min_confidence) setup->min_confidence = *config.min_confidence;
  setup->fs.follow_symlinks = so.follow_symlinks;
  // Never scan leakhound's own rule cache (it may sit inside the project: CI caches).
  if (const std::string cache = DefaultCacheDir(); !cache.empty()) {
    struct stat cst;
    if (::stat(cache.c_str(), &cst) == 0)
      setup->fs.skip_dirs.emplace_back(static_cast<uint64_t>(cst.st_dev),
                                       static_cast<uint64_t>(cst.st_ino));
  }
  setup->fs.max_file_size = options.max_file_size;
  setup->fs.exclude = setup->exclude->empty() ? nullptr : setup->exclude.get();
  return setup;
}

// Drops the findings a baseline file accepts.
void ApplyBaseline(Report* report, const std::string& baseline, size_t redact_keep) {
  if (baseline.empty()) return;
  std::unordered_map<std::string, uint64_t> set;  // fingerprint -> its line
  for (const auto& [fp, line] : LoadBaselineEntries(baseline)) set.emplace(fp, line);
  const size_t before = report->findings.size();
  std::vector<Finding> moved;
  auto baselined = [&](const Finding& f) {
    const auto it = set.find(f.fingerprint);
    if (it == set.end()) return false;
    const Rule& rule = report->rules->rule(f.rule);
    const std::string value =
        KindOfFinding(f, rule) == FindingKind::kSecret ? f.secret.Redacted(redact_keep) : "-";
    for (const auto& l : f.locations)
      AddDropped(&report->summary, {l.origin.path, l.line, rule.id, value,
                                    "in the baseline " + baseline + " (" + f.fingerprint + ")"});
    return true;
  };
  std::vector<Finding> kept;
  for (auto& f : report->findings) {
    if (!baselined(f)) {
      kept.push_back(std::move(f));
      continue;
    }
    f.suppression = {"baseline", "baseline " + baseline + ":" + std::to_string(set[f.fingerprint])};
    moved.push_back(std::move(f));
  }
  report->findings = std::move(kept);
  report->summary.findings_baselined = before - report->findings.size();
  report->suppressed.insert(report->suppressed.end(), std::make_move_iterator(moved.begin()),
                            std::make_move_iterator(moved.end()));
  if (report->rules) SortFindings(&report->suppressed, *report->rules);
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
  RedactAttributes(&report.findings, setup.redact_keep);
  RedactAttributes(&report.suppressed, setup.redact_keep);
  DropUncheckedFindings(rules, setup.checks.secrets, setup.checks.hardening, &report.findings);
  DropUncheckedFindings(rules, setup.checks.secrets, setup.checks.hardening, &report.suppressed);
  DropBelowConfidence(rules, setup.min_confidence, &report.suppressed);
  if (setup.options.blob.record_dropped) {  // --verbose: say what --min-confidence hides
    for (const auto& f : report.findings) {
      const Rule& rule = rules.rule(f.rule);
      if (!rule.IsContextual() || f.confidence >= setup.min_confidence) continue;
      for (const auto& l : f.locations)
        AddDropped(&report.summary,
                   {l.origin.path, l.line, rule.id, f.secret.Redacted(setup.redact_keep),
                    "confidence " + std::string(ConfidenceName(f.confidence)) + " (score " +
                        std::to_string(f.score).substr(0, 4) + ") is below --min-confidence " +
                        std::string(ConfidenceName(setup.min_confidence))});
    }
  }
  DropBelowConfidence(rules, setup.min_confidence, &report.findings);
  ApplyBaseline(&report, baseline, setup.redact_keep);
  return report;
}

namespace {

// `path` relative to `base` with a trailing '/', "" when it is `base` or not under it.
std::string PrefixUnder(const std::string& path, const std::string& base) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string p = fs::weakly_canonical(path, ec).string();
  const std::string b = fs::weakly_canonical(base, ec).string();
  if (ec || b.empty() || p.size() <= b.size() || p.compare(0, b.size(), b) != 0) return "";
  if (b.back() != '/' && p[b.size()] != '/') return "";
  std::string rel = p.substr(b.size() + (b.back() == '/' ? 0 : 1));
  return rel.empty() ? "" : rel + "/";
}

}  // namespace

Report RunScan(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
               const std::string& baseline, std::ostream& err,
               std::vector<ScanIssue>* missing) {
  auto setup = MakeSetup(config, so);
  std::vector<std::unique_ptr<Source>> sources;
  bool stdin_read = false;
  for (const auto& p : so.paths.empty() ? std::vector<std::string>{"."} : so.paths) {
    if (p == "-") {  // standard input, once
      if (!stdin_read)
        sources.push_back(std::make_unique<StdinSource>(
            so.stdin_name.empty() ? "<stdin>" : so.stdin_name, setup->options.max_file_size));
      stdin_read = true;
      continue;
    }
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 && missing)
      missing->push_back({p, std::string(std::strerror(errno))});
    FsOptions fs = setup->fs;
    if (fs.exclude) fs.exclude_prefix = PrefixUnder(p, setup->exclude_base);
    if (so.respect_gitignore) {
      try {
        auto repo = std::make_shared<GitRepo>(p);
        fs.ignored = [repo](const std::string& path, bool is_dir) {
          return repo->IsIgnored(is_dir ? path + "/" : path);
        };
      } catch (const GitError&) {
        // Not in a work tree: nothing is ignored.
      }
    }
    sources.push_back(std::make_unique<FsSource>(p, fs));
    // Config-file analyzers: a .env file tracked by the repository around `p` is committed.
    setup->options.tracked_dotenv.merge(TrackedDotenvFiles(p));
  }
  return RunSources(rules, *setup, sources, baseline, err);
}

// Writes the report as asked and turns it into an exit code.
int WriteAndExit(Report& report, const RuleSet& rules, const Config& config,
                 const ScanCliOptions& so, std::ostream& out, std::ostream& err,
                 const std::vector<ScanIssue>& missing) {
  report.summary.config_file = config.source;
  report.summary.policy_file = config.policy_source;
  for (const auto& note : config.notes) {
    report.summary.warnings.push_back({config.policy_source, note});
    if (!so.quiet) err << "leakhound: policy: " << note << "\n";
  }
  const ReportFormat format = ParseReportFormat(so.format);
  ReportOptions ropts;
  ropts.show_secrets = so.show_secrets;
  ropts.show_suppressed = so.show_suppressed;
  ropts.redact_keep = so.redact_keep;
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
  if (so.verbose) PrintDropped(report.summary, err);
  int code = kExitClean;
  std::string why;
  bool never = false, capped = false;
  const std::optional<Severity> fail_on = FailOn(config, so.fail_on, &never, &capped);
  if (capped && !so.fail_on.empty() && !so.quiet)
    err << "leakhound: policy: --fail-on " << so.fail_on << " lowered to "
        << SeverityName(*fail_on) << ": the policy " << config.policy_source
        << " sets min_fail_on\n";
  size_t failing = 0;
  if (fail_on)
    for (const auto& f : report.findings) failing += rules.rule(f.rule).severity >= *fail_on;
  if (report.summary.interrupted) {
    err << "leakhound: interrupted: the report is partial\n";
    code = 128 + (InterruptSignal() ? InterruptSignal() : SIGINT);
    why = "interrupted";
  } else if (!missing.empty()) {
    // Named on the command line and not there: a typo is never a pass (--allow-incomplete
    // covers parts of an input that could not be read, not a missing input).
    for (const auto& m : missing) err << "leakhound: " << m.path << ": " << m.message << "\n";
    code = kExitError;
    why = "an input does not exist";
  } else if (!report.summary.errors.empty() && !so.allow_incomplete) {
    err << "leakhound: the scan is incomplete: " << report.summary.errors.size()
        << " input(s) could not be read (see the report; --allow-incomplete to accept)\n";
    code = kExitError;
    why = "incomplete scan";
  } else if (failing) {
    code = kExitFindings;
    why = std::to_string(failing) + " at or above " + std::string(SeverityName(*fail_on));
  }
  // A report written to a file leaves the terminal silent: say what happened in one line.
  if (!so.output.empty() && !so.quiet) {
    size_t by[5] = {0, 0, 0, 0, 0};
    for (const auto& f : report.findings) ++by[static_cast<int>(rules.rule(f.rule).severity)];
    std::ostringstream line;
    line << "leakhound: " << report.findings.size() << " finding"
         << (report.findings.size() == 1 ? "" : "s");
    std::string sev;
    for (int i = 4; i >= 0; --i)
      if (by[i])
        sev += (sev.empty() ? "" : ", ") + std::to_string(by[i]) + " " +
               std::string(SeverityName(static_cast<Severity>(i)));
    if (!sev.empty()) line << " (" << sev << ")";
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.2fs", report.summary.elapsed_seconds);
    line << " in " << report.summary.blobs_scanned << " file"
         << (report.summary.blobs_scanned == 1 ? "" : "s") << ", " << elapsed << "; report in "
         << so.output << "; exit " << code << (why.empty() ? "" : " (" + why + ")") << "\n";
    err << line.str();
  }
  return code;
}

}  // namespace leakhound
