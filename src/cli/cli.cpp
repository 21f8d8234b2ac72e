#include "cli/cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "analyzers/analyzers.hpp"
#include "config/config.hpp"
#include "config/glob.hpp"
#include "sources/git_source.hpp"
#include "sources/image_source.hpp"
#include "base/interrupt.hpp"
#include "leakhound/scan_job.hpp"
#include "cli/registry_cmd.hpp"
#include "leakhound/report.hpp"
#include "cli/rule_check.hpp"
#include "leakhound/ruleset.hpp"
#include "cli/cli_docs.hpp"
#include "cli/init_cmd.hpp"

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
  size_t redact_keep = kDefaultRedactKeep;
  bool allow_incomplete = false;
  bool scan_binary = false;
  bool follow_symlinks = false;
  bool quiet = false;
  int jobs = 0;
  size_t max_matches = ScanLimits{}.max_matches;
  std::string checks;  // --checks; empty: the config's, else the command's default
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

void AddScanOptions(CLI::App* cmd, ScanCliOptions* o, bool report_options,
                    bool positional_paths = true) {
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
  cmd->add_option("--redact-keep", o->redact_keep,
                  "Trailing characters a redacted secret shows (default 4; 0: none). Only of a "
                  "value of 16 characters or more after its documented prefix, and never more "
                  "than a quarter of it")
      ->type_name("N")->group("Report");
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

struct ScanSetup {
  ScanOptions options;
  Checks checks;
  std::unique_ptr<AllowList> allow;
  std::unique_ptr<PathMatcher> exclude;
  FsOptions fs;
  size_t redact_keep = kDefaultRedactKeep;
};

// Options shared by every scanning command; keeps the allow-list and excludes alive.
std::unique_ptr<ScanSetup> MakeSetup(const Config& config, const ScanCliOptions& so,
                                     const char* default_checks = "secrets") {
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
  setup->redact_keep = so.redact_keep;
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
                  std::ostream& err, const std::function<void(Report*)>& add = nullptr) {
  ScanJob job(rules, setup.options);
  job.Run(sources, err);
  Report report = job.TakeReport();
  if (add) add(&report);
  RedactAttributes(&report.findings, setup.redact_keep);
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

int ScanCommand(const RuleOptions& ro, const ScanCliOptions& so, std::ostream& out,
                std::ostream& err) {
  const Config config = ResolveConfig(ro, so.paths);
  auto rules = LoadRuleSet(ro, config, err);
  Report report = RunScan(*rules, config, so, err);
  return WriteAndExit(report, *rules, config, so, out, err);
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


// ---- container images ----

struct ImageCliOptions {
  std::string path;
  std::string image_ref;
  std::string platform;
  int max_archive_depth = 2;
  std::string max_archive_bytes;
};

int ImageCommand(const RuleOptions& ro, const ScanCliOptions& so, const ImageCliOptions& io,
                 const RegistryCliOptions& rc, std::ostream& out, std::ostream& err) {
  const Config config = ResolveConfig(ro, {"."});
  auto rules = LoadRuleSet(ro, config, err);
  auto setup = MakeSetup(config, so, "secrets,hardening");
  ImageOptions options;
  options.image_ref = io.image_ref;
  options.platform = io.platform;
  options.max_archive_depth = io.max_archive_depth;
  if (!io.max_archive_bytes.empty()) options.max_nested_bytes = ParseSize(io.max_archive_bytes);
  options.max_file_size = setup->options.max_file_size;
  // A registry reference (REGISTRY/REPO:TAG or @sha256:...) when it names no file.
  auto image = OpenRegistryImage(io.path, rc, options, std::cin);
  if (!image) image = std::make_unique<ImageSource>(io.path, options);
  ImageSource* source = image.get();
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::move(image));
  Report report = RunSources(*rules, *setup, sources, so.baseline, err, [&](Report* r) {
    // The image hardening checks need every layer's whiteouts: after the scan.
    if (setup->checks.hardening) AddImageCheckFindings(source->HardeningHits(), *rules, &r->findings);
    source->Annotate(&r->findings);
  });
  if (source->images() == 0 && report.summary.errors.empty())
    report.summary.errors.push_back(
        {io.path, "no image matched" + std::string(io.platform.empty() ? "" : " --platform " + io.platform) +
                      (io.image_ref.empty() ? "" : " --image-ref " + io.image_ref)});
  return WriteAndExit(report, *rules, config, so, out, err);
}

// ---- registries ----

int RegistryCommand(const RuleOptions& ro, const ScanCliOptions& so, AuditCliOptions ac,
                    const RegistryCliOptions& rc, const ImageCliOptions& io, std::ostream& out,
                    std::ostream& err) {
  const Config config = ResolveConfig(ro, {"."});
  auto rules = LoadRuleSet(ro, config, err);
  auto setup = MakeSetup(config, so, "secrets,hardening");  // as for `image`
  FinishAuditOptions(&ac);
  ac.audit.secret_checks = setup->checks.secrets;
  ac.audit.image_checks = setup->checks.hardening;
  ac.audit.quiet = so.quiet;
  ac.audit.registry = MakeRegistryOptions(rc, std::cin);
  ac.audit.image.max_archive_depth = io.max_archive_depth;
  if (!io.max_archive_bytes.empty()) ac.audit.image.max_nested_bytes = ParseSize(io.max_archive_bytes);
  ac.audit.image.max_file_size = setup->options.max_file_size;
  Report report = RunRegistryAudit(*rules, setup->options, ac.audit, err);
  ApplyBaseline(&report, so.baseline);
  return WriteAndExit(report, *rules, config, so, out, err);
}

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

// ---- git history and hooks ----

struct GitCliOptions {
  std::string repo = ".";
  std::vector<std::string> branches;
  std::vector<std::string> ranges;
  std::string since_commit;
  bool all_refs = false;
  bool no_history = false;
  bool worktree = false;
  std::string max_blob_size;
};

std::string ConfigRoot(const GitRepo& repo) {
  return repo.bare() ? repo.gitdir() : repo.workdir();
}

int GitCommand(const RuleOptions& ro, const ScanCliOptions& so, const GitCliOptions& go,
               std::ostream& out, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(go.repo);
  const Config config = ResolveConfig(ro, {ConfigRoot(*repo)});
  auto rules = LoadRuleSet(ro, config, err);
  auto setup = MakeSetup(config, so);
  GitHistoryOptions h;
  h.max_blob_bytes = go.max_blob_size.empty() ? setup->options.max_file_size
                                              : ParseSize(go.max_blob_size);
  setup->options.max_file_size = std::max(setup->options.max_file_size, h.max_blob_bytes);
  h.exclude_paths = setup->fs.exclude;
  h.head_only = go.no_history;
  if (go.all_refs && (!go.branches.empty() || !go.ranges.empty()))
    throw ConfigError("--all-refs cannot be combined with --branch or a range");
  h.include = go.branches;
  for (const auto& r : go.ranges) {
    const size_t dots = r.find("..");
    if (dots == std::string::npos || r.find("...") != std::string::npos)
      throw ConfigError("bad range '" + r + "' (want A..B)");
    const std::string a = r.substr(0, dots), b = r.substr(dots + 2);
    h.include.push_back(b.empty() ? "HEAD" : b);
    if (!a.empty()) h.exclude.push_back(a);
  }
  if (!go.since_commit.empty()) h.exclude.push_back(go.since_commit);
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::make_unique<GitHistorySource>(repo, h));
  if (go.worktree) {
    sources.push_back(std::make_unique<GitWorktreeSource>(repo, setup->fs));
    setup->options.git_blob_ids = true;  // work tree files then match the blobs in history
  }
  Report report = RunSources(*rules, *setup, sources, so.baseline, err);
  return WriteAndExit(report, *rules, config, so, out, err);
}

constexpr const char* kHookMarker = "# leakhound-hook v1";

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "leakhound";
}

std::string HookScript(const std::string& kind) {
  std::string s = "#!/bin/sh\n";
  s += std::string(kHookMarker) + " (" + kind + ")\n";
  s += "# Installed by `leakhound hook install`; remove it with `leakhound hook uninstall`.\n";
  s += "# Blocks " + std::string(kind == "pre-push" ? "a push" : "a commit") +
       " that carries a secret. Skip once with `git " +
       (kind == "pre-push" ? "push" : "commit") + " --no-verify`.\n";
  s += "LEAKHOUND='" + SelfPath() + "'\n";
  s += "[ -x \"$LEAKHOUND\" ] || LEAKHOUND=leakhound\n";
  if (kind == "pre-push") {
    s += "input=$(cat)\n";
    s += "if [ -x \"$0.leakhound-chained\" ]; then\n"
         "  printf '%s\\n' \"$input\" | \"$0.leakhound-chained\" \"$@\" || exit $?\n"
         "fi\n";
    s += "printf '%s\\n' \"$input\" | exec \"$LEAKHOUND\" hook pre-push \"$@\"\n";
  } else {
    s += "if [ -x \"$0.leakhound-chained\" ]; then \"$0.leakhound-chained\" \"$@\" || exit $?; fi\n";
    s += "exec \"$LEAKHOUND\" hook pre-commit\n";
  }
  return s;
}

bool IsOurHook(const std::string& path) {
  std::string text;
  return ReadWholeFile(path, &text) && text.find(kHookMarker) != std::string::npos;
}

int HookInstallCommand(const std::string& repo_path, bool pre_push, bool pre_commit, bool force,
                       std::ostream& out) {
  GitRepo repo(repo_path);
  const std::string dir = repo.HooksDir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!pre_push && !pre_commit) pre_push = true;
  for (const std::string kind : {"pre-push", "pre-commit"}) {
    if ((kind == "pre-push" && !pre_push) || (kind == "pre-commit" && !pre_commit)) continue;
    const std::string path = dir + "/" + kind;
    const std::string chained = path + ".leakhound-chained";
    if (std::filesystem::exists(path) && !IsOurHook(path)) {
      if (force) {
        out << "replacing the existing " << kind << " hook (--force)\n";
      } else if (std::filesystem::exists(chained)) {
        throw ConfigError(path + ": an existing hook is in the way and " + chained +
                          " exists already; use --force to replace it");
      } else {
        std::filesystem::rename(path, chained, ec);
        if (ec) throw ConfigError(path + ": cannot move aside: " + ec.message());
        out << "kept the existing " << kind << " hook: it runs first, from " << chained << "\n";
      }
    }
    if (!WriteFileAtomic(path, HookScript(kind))) throw ConfigError(path + ": cannot write");
    ::chmod(path.c_str(), 0755);
    out << "installed " << path << "\n";
  }
  return kExitClean;
}

int HookUninstallCommand(const std::string& repo_path, std::ostream& out) {
  GitRepo repo(repo_path);
  const std::string dir = repo.HooksDir();
  for (const std::string kind : {"pre-push", "pre-commit"}) {
    const std::string path = dir + "/" + kind;
    const std::string chained = path + ".leakhound-chained";
    if (!std::filesystem::exists(path)) continue;
    if (!IsOurHook(path)) {
      out << path << ": not installed by leakhound; left alone\n";
      continue;
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (std::filesystem::exists(chained)) {
      std::filesystem::rename(chained, path, ec);
      out << "restored the previous " << kind << " hook\n";
    }
    out << "removed " << path << "\n";
  }
  return kExitClean;
}

// Scans what a hook guards; prints a short redacted report and what to do on stderr.
int RunHook(const std::string& kind, const RuleOptions& ro, ScanCliOptions so,
            std::shared_ptr<GitRepo> repo, std::vector<std::unique_ptr<Source>> sources,
            std::ostream& err) {
  const std::string root = ConfigRoot(*repo);
  const Config config = ResolveConfig(ro, {root});
  auto rules = LoadRuleSet(ro, config, err);
  auto setup = MakeSetup(config, so);
  if (so.baseline.empty()) {
    const std::string default_baseline = root + "/.leakhound-baseline";
    struct stat st;
    if (::stat(default_baseline.c_str(), &st) == 0) so.baseline = default_baseline;
  }
  Report report = RunSources(*rules, *setup, sources, so.baseline, err);
  Severity fail_on = config.fail_on.value_or(Severity::kLow);
  if (!so.fail_on.empty()) fail_on = *ParseSeverity(so.fail_on);
  size_t blocking = 0;
  for (const auto& f : report.findings) blocking += rules->rule(f.rule).severity >= fail_on;
  // Interrupted: the push or commit is blocked (git aborts it anyway on a signal).
  const bool incomplete = !report.summary.errors.empty() || report.summary.interrupted;
  if (blocking == 0 && !incomplete) {
    if (!so.quiet)
      err << "leakhound: " << kind << ": no secrets in " << report.summary.blobs_scanned
          << " new blob(s)\n";
    return kExitClean;
  }
  ReportOptions ropts;
  ropts.color = ::isatty(2) && !std::getenv("NO_COLOR");
  WriteHumanReport(report, ropts, err);
  if (incomplete && blocking == 0) {
    err << "leakhound: " << kind << " blocked: the scan is incomplete (see above)\n";
    return kExitError;
  }
  const bool push = kind == "pre-push";
  err << "\nleakhound: " << (push ? "push" : "commit") << " blocked: " << blocking
      << " secret(s) in " << (push ? "the commits being pushed" : "the staged changes") << ".\n"
      << "  1. Rotate each secret at its provider: once pushed anywhere, assume it is copied.\n";
  if (push)
    err << "  2. Remove it from the commits (git rebase -i <base>, or git commit --amend for the\n"
           "     last one), then push again.\n";
  else
    err << "  2. Remove it from the file (read it from the environment or a secret manager),\n"
           "     then git add and commit again.\n";
  err << "  3. Not a secret? Add `leakhound:allow` in a comment on its line, or accept it with\n"
         "     `leakhound baseline create -o .leakhound-baseline` (fingerprints shown above).\n"
      << "  To " << (push ? "push" : "commit") << " anyway: git " << (push ? "push" : "commit")
      << " --no-verify (not recommended).\n";
  return kExitFindings;
}

int HookPrePushCommand(const RuleOptions& ro, const ScanCliOptions& so,
                       const std::vector<std::string>& args, std::istream& in, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(".");
  const std::string remote = args.empty() ? "" : args[0];
  GitHistoryOptions h;
  const char* from = std::getenv("PRE_COMMIT_FROM_REF");
  const char* to = std::getenv("PRE_COMMIT_TO_REF");
  if (to && *to) {
    // The pre-commit framework passes the range in its environment, not on stdin.
    const char* name = std::getenv("PRE_COMMIT_REMOTE_NAME");
    std::vector<PushUpdate> updates = {{"", to, "", from && *from ? from : std::string(40, '0')}};
    h = PushedCommits(*repo, name ? name : remote, updates);
  } else {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    h = PushedCommits(*repo, remote, ParsePrePushInput(text));
  }
  if (h.include.empty()) return kExitClean;  // only deletions
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::make_unique<GitHistorySource>(repo, h));
  return RunHook("pre-push", ro, so, repo, std::move(sources), err);
}

int HookPreCommitCommand(const RuleOptions& ro, const ScanCliOptions& so, std::ostream& err) {
  auto repo = std::make_shared<GitRepo>(".");
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::make_unique<GitIndexSource>(repo, 100ull << 20));
  return RunHook("pre-commit", ro, so, repo, std::move(sources), err);
}

// `help --man | --completions SHELL`: generated from the App tree (src/cli/cli_docs.cpp).
int HelpCommand(const CLI::App& app, bool man, const std::string& shell, const std::string& output,
                std::ostream& out) {
  if (man == !shell.empty()) throw ConfigError("help: give either --man or --completions SHELL");
  const std::string text = man ? ManPage(app, LEAKHOUND_VERSION)
                               : shell == "bash" ? BashCompletion(app) : ZshCompletion(app);
  if (output.empty() || output == "-") {
    out << text;
  } else if (!WriteFileAtomic(output, text)) {
    throw ConfigError(output + ": cannot write");
  }
  return kExitClean;
}

}  // namespace

int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"leakhound: find leaked secrets in files, git history and container images"};
  app.formatter(HelpFormatter());  // before the subcommands, which inherit it
  app.set_version_flag("-V,--version", std::string("leakhound ") + LEAKHOUND_VERSION);
  app.require_subcommand(1);
  // Footers are the examples of --help and of the man page (src/cli/cli_docs.cpp): "Heading:"
  // lines, and example lines indented by two spaces.
  app.footer(
      "Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 error or incomplete scan.\n"
      "Examples:\n"
      "  leakhound init                  # a commented .leakhound.yaml; offers the git hooks\n"
      "  leakhound scan .\n  leakhound scan --format sarif -o leakhound.sarif src/\n"
      "  leakhound baseline create -o .leakhound-baseline .\n  leakhound rules check ./my-rules\n"
      "  leakhound git .                 # full history of every ref\n"
      "  leakhound image app.tar --fail-on high   # a docker save / OCI image\n"
      "  leakhound image registry.example.com/team/app:1.2   # straight from a registry\n"
      "  leakhound registry https://registry.example.com --state audit.db\n"
      "  leakhound hook install --pre-push --pre-commit\n"
      "Run `leakhound COMMAND --help` for the options and examples of a command.");

  RuleOptions ro;
  ScanCliOptions so;
  auto* scan = app.add_subcommand("scan", "Scan files and directories");
  scan->footer(
      "Examples:\n"
      "  leakhound scan .                                    # exit 1 when it finds something\n"
      "  leakhound scan --format sarif -o leakhound.sarif .  # for GitHub code scanning\n"
      "  leakhound scan --fail-on high --format json src/ config/\n"
      "  leakhound scan --baseline .leakhound-baseline .     # only findings not accepted before");
  AddRuleOptions(scan, &ro);
  AddScanOptions(scan, &so, true);

  auto* rules_cmd = app.add_subcommand("rules", "List or check rules");
  rules_cmd->require_subcommand(1);
  rules_cmd->footer("Examples:\n  leakhound rules list\n  leakhound rules check ./my-rules");
  std::string list_format = "text";
  auto* list = rules_cmd->add_subcommand("list", "List the rules in effect");
  list->footer("Examples:\n  leakhound rules list --rules ./my-rules --format json");
  AddRuleOptions(list, &ro);
  list->add_option("-f,--format", list_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::string check_dir;
  auto* check = rules_cmd->add_subcommand(
      "check", "Check rules (built-in, or the *.yaml files in DIR): patterns compile in both "
               "engines, examples fire, negative examples do not");
  check->add_option("dir", check_dir, "Rules directory (default: the built-in rules)")
      ->type_name("DIR");
  check->footer("Exit 1 when a rule has a problem.\nExamples:\n  leakhound rules check ./my-rules");

  auto* baseline = app.add_subcommand("baseline", "Manage baselines of accepted findings");
  baseline->require_subcommand(1);
  baseline->footer(
      "Examples:\n  leakhound baseline create -o .leakhound-baseline .\n"
      "  leakhound scan --baseline .leakhound-baseline .");
  std::string baseline_out;
  auto* create = baseline->add_subcommand("create", "Scan and write every finding's fingerprint");
  AddRuleOptions(create, &ro);
  AddScanOptions(create, &so, false);
  create->add_option("-o,--output", baseline_out, "Baseline file to write (default: stdout)")
      ->type_name("FILE")->group("Report");
  create->add_flag("--allow-incomplete", so.allow_incomplete,
                   "Exit 0 even when some inputs could not be read")->group("Report");
  create->footer("Examples:\n  leakhound baseline create -o .leakhound-baseline .");


  GitCliOptions go;
  auto* git = app.add_subcommand(
      "git", "Scan a git repository's history: every blob reachable from every ref, each once");
  git->add_option("repo", go.repo, "Repository, or a path inside its work tree (default: .)")
      ->type_name("DIR");
  git->footer(
      "Examples:\n"
      "  leakhound git .                             # every blob of every ref, each once\n"
      "  leakhound git --since-commit v1.2.0 .       # only what came after a tag\n"
      "  leakhound git --no-history --worktree .     # HEAD's tree and uncommitted changes");
  git->add_option("--branch", go.branches, "Scan the history of REF only (repeatable)")
      ->type_name("REF")->group("History");
  git->add_option("--range", go.ranges, "Scan the commits in A..B (repeatable)")
      ->type_name("A..B")->group("History");
  git->add_option("--since-commit", go.since_commit,
                  "Scan only commits after SHA (not reachable from it)")
      ->type_name("SHA")->group("History");
  git->add_flag("--all-refs", go.all_refs,
                "Every branch, tag, remote-tracking ref and the stash (the default)")
      ->group("History");
  git->add_flag("--no-history", go.no_history, "Scan only HEAD's tree")->group("History");
  git->add_flag("--worktree", go.worktree,
                "Also scan uncommitted changes in the work tree (staged or not, and untracked)")
      ->group("History");
  git->add_option("--max-blob-size", go.max_blob_size,
                  "Skip blobs larger than this (default: --max-file-size, 100MB)")
      ->type_name("SIZE")->group("History");
  AddRuleOptions(git, &ro);
  AddScanOptions(git, &so, true, false);

  auto* hook = app.add_subcommand("hook", "Git hooks: install, uninstall, and the hooks themselves");
  hook->require_subcommand(1);
  hook->footer(
      "Examples:\n  leakhound hook install                          # pre-push\n"
      "  leakhound hook install --pre-push --pre-commit\n  leakhound hook uninstall");
  bool hook_pre_push = false, hook_pre_commit = false, hook_force = false;
  std::string hook_repo = ".";
  auto* install = hook->add_subcommand(
      "install", "Install the hooks (default: pre-push); an existing hook is kept and run first");
  install->add_flag("--pre-push", hook_pre_push, "Install the pre-push hook")->group("Hooks");
  install->add_flag("--pre-commit", hook_pre_commit, "Install the pre-commit hook")->group("Hooks");
  install->add_flag("--force", hook_force, "Replace an existing hook instead of chaining it")
      ->group("Hooks");
  install->add_option("--repo", hook_repo, "Repository (default: .)")->type_name("DIR")->group("Hooks");
  install->footer(
      "Examples:\n  leakhound hook install\n  leakhound hook install --pre-commit --repo ../service");
  auto* uninstall = hook->add_subcommand("uninstall", "Remove leakhound's hooks, restoring chained ones");
  uninstall->add_option("--repo", hook_repo, "Repository (default: .)")->type_name("DIR")->group("Hooks");
  uninstall->footer("Examples:\n  leakhound hook uninstall");
  std::vector<std::string> pre_push_args;
  auto* pre_push = hook->add_subcommand(
      "pre-push", "Run as git's pre-push hook: reads git's ref lines on stdin, scans only the "
                  "commits being pushed");
  pre_push->add_option("remote", pre_push_args, "Remote name and URL, as git passes them");
  AddRuleOptions(pre_push, &ro);
  AddScanOptions(pre_push, &so, false, false);
  pre_push->add_option("--fail-on", so.fail_on, "Block on findings at or above this severity")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))->group("Report");
  pre_push->add_option("--baseline", so.baseline,
                       "Baseline file (default: .leakhound-baseline in the repository, if any)")
      ->type_name("FILE")->group("Report");
  pre_push->footer("Installed by `leakhound hook install`; git runs it with the pushed refs on stdin.");
  auto* pre_commit = hook->add_subcommand("pre-commit", "Run as git's pre-commit hook: scans the staged changes");
  AddRuleOptions(pre_commit, &ro);
  AddScanOptions(pre_commit, &so, false, false);
  pre_commit->add_option("--fail-on", so.fail_on, "Block on findings at or above this severity")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))->group("Report");
  pre_commit->add_option("--baseline", so.baseline,
                         "Baseline file (default: .leakhound-baseline in the repository, if any)")
      ->type_name("FILE")->group("Report");
  pre_commit->footer("Installed by `leakhound hook install --pre-commit`; git runs it before each commit.");

  ImageCliOptions io;
  auto* image = app.add_subcommand(
      "image", "Scan a container image: docker-archive, OCI layout or OCI archive; config, "
               "history and every layer, including files deleted by later layers");
  image->add_option("path", io.path,
                    "docker save tarball, OCI layout directory, OCI archive, or a registry "
                    "reference REGISTRY/REPO[:TAG|@sha256:...]")
      ->required()->type_name("PATH|REF");
  image->footer(
      "Examples:\n"
      "  leakhound image app.tar --fail-on high            # docker save app:1.4 -o app.tar\n"
      "  leakhound image app-oci --platform linux/arm64     # an OCI layout directory\n"
      "  leakhound image app.tar --format sarif -o image.sarif\n"
      "  leakhound image registry.example.com/team/app:1.2  # straight from a registry");
  image->add_option("--image-ref", io.image_ref,
                    "Only the image with this reference (name:tag, or :tag) when there are several")
      ->type_name("REF")->group("Image");
  image->add_option("--platform", io.platform, "Only this platform, e.g. linux/amd64 (default: all)")
      ->type_name("OS/ARCH")->group("Image");
  image->add_option("--max-archive-depth", io.max_archive_depth,
                    "Open archives nested in layers (jar, zip, whl, tar.gz...) this deep (default 2)")
      ->check(CLI::Range(0, 8))->group("Image");
  image->add_option("--max-archive-bytes", io.max_archive_bytes,
                    "Bytes one nested archive may expand to; past it the rest is skipped with a "
                    "warning (default 512MB)")
      ->type_name("SIZE")->group("Image");
  AddRuleOptions(image, &ro);
  AddScanOptions(image, &so, true, false);
  RegistryCliOptions rc;
  AddRegistryCliOptions(image, &rc);

  AuditCliOptions ac;
  auto* registry = app.add_subcommand(
      "registry", "Audit every image of a registry (Registry HTTP API v2): each layer digest "
                  "scanned once across all images, resumable with --state");
  AddAuditCliOptions(registry, &ac);
  registry->add_option("--max-archive-depth", io.max_archive_depth,
                       "Open archives nested in layers this deep (default 2)")
      ->check(CLI::Range(0, 8))->group("Image");
  AddRegistryCliOptions(registry, &rc);
  AddRuleOptions(registry, &ro);
  AddScanOptions(registry, &so, true, false);

  auto* report_cmd = app.add_subcommand("report", "Work with reports");
  report_cmd->require_subcommand(1);
  std::vector<std::string> merge_files;
  std::string merge_output;
  auto* merge = report_cmd->add_subcommand(
      "merge", "Merge JSON reports (e.g. of registry shards): findings de-duplicated by "
               "fingerprint, locations united; writes a JSON report");
  merge->add_option("reports", merge_files, "JSON reports (--format json)")->required();
  merge->add_option("-o,--output", merge_output, "Write to FILE instead of stdout")->type_name("FILE");

  auto* version = app.add_subcommand("version", "Print the version");
  version->footer("");

  // ---- init: a starter config, and the hooks (src/cli/init_cmd.cpp) ----
  InitOptions init_opts;
  auto* init = app.add_subcommand(
      "init", "Write a commented starter .leakhound.yaml; in a git repository, offer the hooks");
  init->add_option("dir", init_opts.dir,
                   "Where to write it (default: the top of the git work tree, else .)")
      ->type_name("DIR");
  init->add_flag("--force", init_opts.force, "Overwrite an existing .leakhound.yaml");
  init->add_flag("--hooks", init_opts.hooks, "Install the pre-push hook without asking")
      ->group("Hooks");
  init->add_flag("--no-hooks", init_opts.no_hooks, "Neither install the hook nor ask")
      ->group("Hooks");
  init->footer(
      "Asks about the hook only when stdin is a terminal.\n"
      "Examples:\n  leakhound init\n  leakhound init --hooks\n  leakhound init --force --no-hooks .");

  // ---- help (hidden): the man page and completions, generated from this definition ----
  bool help_man = false;
  std::string help_shell, help_out;
  auto* help_cmd = app.add_subcommand("help", "Print generated documentation");
  help_cmd->group("");  // hidden from the command list
  help_cmd->add_flag("--man", help_man, "The man page leakhound(1), in roff");
  help_cmd->add_option("--completions", help_shell, "The completion script for SHELL")
      ->check(CLI::IsMember({"bash", "zsh"}));
  help_cmd->add_option("-o,--output", help_out, "Write to FILE instead of stdout")->type_name("FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitClean : kExitError;
  }
  // Checks a command line without running it (scripts, CI templates, the README snippet test).
  if (const char* check_args = std::getenv("LEAKHOUND_CHECK_ARGS"); check_args && *check_args) {
    out << "leakhound: arguments accepted\n";
    return kExitClean;
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
    if (*git) return GitCommand(ro, so, go, out, err);
    if (*image) return ImageCommand(ro, so, io, rc, out, err);
    if (*registry) return RegistryCommand(ro, so, ac, rc, io, out, err);
    if (*merge) return ReportMergeCommand(merge_files, merge_output, out);
    if (*install) return HookInstallCommand(hook_repo, hook_pre_push, hook_pre_commit, hook_force, out);
    if (*uninstall) return HookUninstallCommand(hook_repo, out);
    if (*pre_push) return HookPrePushCommand(ro, so, pre_push_args, std::cin, err);
    if (*pre_commit) return HookPreCommitCommand(ro, so, err);
    if (*init)
      return InitCommand(init_opts, std::cin, ::isatty(0), out, [&](const std::string& repo) {
        return HookInstallCommand(repo, true, false, false, out);
      });
    if (*help_cmd) return HelpCommand(app, help_man, help_shell, help_out, out);
  } catch (const GitError& e) {
    err << "leakhound: " << e.what() << "\n";
    return kExitError;
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
