#include "cli/registry_cmd.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "config/config.hpp"
#include "leakhound/rule.hpp"

namespace leakhound {

void AddRegistryCliOptions(CLI::App* cmd, RegistryCliOptions* o) {
  const char* g = "Registry";
  cmd->add_option("--username", o->username,
                  "Registry user (with --password-stdin); default: REGISTRY_AUTH_FILE, then "
                  "$DOCKER_CONFIG/config.json or ~/.docker/config.json")
      ->type_name("USER")->group(g);
  cmd->add_flag("--password-stdin", o->password_stdin, "Read the registry password from stdin")
      ->group(g);
  cmd->add_option("--ca-cert", o->ca_cert, "Trust the CA certificates in this PEM file")
      ->type_name("FILE")->group(g);
  cmd->add_flag("--insecure", o->insecure, "Do not verify the registry's TLS certificate")
      ->group(g);
  cmd->add_flag("--plain-http", o->plain_http,
                "Allow http:// to a registry that is not on loopback (loopback needs no flag)")
      ->group(g);
  cmd->add_option("--retries", o->retries,
                  "Retries per request on connection errors, timeouts, 429 and 5xx (default 5)")
      ->check(CLI::Range(0, 20))->group(g);
}

RegistryOptions MakeRegistryOptions(const RegistryCliOptions& o, std::istream& in) {
  RegistryOptions r;
  if (o.password_stdin && o.username.empty())
    throw ConfigError("--password-stdin needs --username");
  if (!o.username.empty() && !o.password_stdin)
    throw ConfigError("--username needs --password-stdin (passwords are never taken as "
                      "arguments: they would show in the process list)");
  if (o.password_stdin) {
    std::string password;
    std::getline(in, password);
    while (!password.empty() && (password.back() == '\r' || password.back() == '\n'))
      password.pop_back();
    if (password.empty()) throw ConfigError("--password-stdin: no password on stdin");
    r.username = o.username;
    r.password = std::move(password);
  }
  if (!o.ca_cert.empty()) {
    struct stat st;
    if (::stat(o.ca_cert.c_str(), &st) != 0) throw ConfigError(o.ca_cert + ": --ca-cert file not found");
  }
  r.ca_cert = o.ca_cert;
  r.insecure = o.insecure;
  r.plain_http = o.plain_http;
  r.retries = o.retries;
  if (const char* ms = std::getenv("LEAKHOUND_RETRY_BACKOFF_MS"); ms && *ms)
    r.backoff_ms = std::max(1, std::atoi(ms));
  return r;
}

std::unique_ptr<ImageSource> OpenRegistryImage(const std::string& text, const RegistryCliOptions& o,
                                               const ImageOptions& options, std::istream& in) {
  struct stat st;
  if (::stat(text.c_str(), &st) == 0) return nullptr;
  ImageReference ref;
  std::string error;
  if (!ParseImageReference(text, &ref, &error)) {
    // Neither a file nor a reference: say both.
    if (text.find('/') != std::string::npos && text.find(':') != std::string::npos)
      throw ConfigError(text + ": no such file, and not a registry reference: " + error);
    return nullptr;
  }
  RegistryOptions ropts = MakeRegistryOptions(o, in);
  std::string scheme = ref.scheme;
  if (scheme.empty()) scheme = o.plain_http || IsLoopbackHost(ref.host) ? "http" : "https";
  if (!o.ca_cert.empty() && ref.scheme.empty()) scheme = "https";
  auto client = std::make_shared<RegistryClient>(scheme + "://" + ref.host, std::move(ropts));
  auto store = std::make_shared<RegistryStore>(
      client, std::vector<RegistryStore::Wanted>{{ref.repo, ref.digest.empty() ? ref.tag : ref.digest}});
  return std::make_unique<ImageSource>(store, ref.Display(), options);
}

void AddAuditCliOptions(CLI::App* cmd, AuditCliOptions* o) {
  AuditOptions& a = o->audit;
  const char* g = "Audit";
  cmd->add_option("url", a.url, "Registry, e.g. https://registry.example.com:5000")->required();
  cmd->add_option("--repo", a.repos, "Only repositories matching this glob (repeatable)")
      ->type_name("GLOB")->group(g);
  cmd->add_option("--exclude-repo", a.exclude, "Skip repositories matching this glob (repeatable)")
      ->type_name("GLOB")->group(g);
  cmd->add_option("--tags", a.tags, "Tags to scan: all, latest, or a glob (default: all)")
      ->type_name("all|latest|GLOB")->group(g);
  cmd->add_option("--max-tags-per-repo", a.max_tags_per_repo,
                  "At most N tags per repository (the last N in sorted order)")
      ->check(CLI::NonNegativeNumber)->group(g);
  cmd->add_option("--repos-from", a.repos_from,
                  "Repository names from FILE, one a line (when the catalog is disabled)")
      ->type_name("FILE")->group(g);
  cmd->add_option("--page-size", a.page_size, "Ask for catalog and tag pages of N entries")
      ->check(CLI::NonNegativeNumber)->group(g);
  cmd->add_option("--state", a.state_path,
                  "SQLite state file: layers already scanned are skipped on the next run")
      ->type_name("FILE")->group(g);
  cmd->add_flag("--rescan", a.rescan, "Ignore what the state file holds; scan everything again")
      ->group(g);
  cmd->add_option("--shard", o->shard,
                  "Audit shard I of N (0-based, by repository), e.g. 0/3 or $(JOB_COMPLETION_INDEX)/3")
      ->type_name("I/N")->group(g);
  cmd->add_option("--max-in-flight", o->max_in_flight,
                  "Bytes buffered across concurrent downloads (default 256MB)")
      ->type_name("SIZE")->group(g);
  cmd->add_option("--progress-interval", a.progress_seconds,
                  "Seconds between progress lines when stderr is not a terminal (default 10)")
      ->group(g);
  cmd->add_option("--stats", a.stats_path, "Write the audit's counters as JSON to FILE")
      ->type_name("FILE")->group(g);
  cmd->add_option("--platform", a.image.platform, "Only this platform, e.g. linux/amd64")
      ->type_name("OS/ARCH")->group(g);
}

void FinishAuditOptions(AuditCliOptions* o) {
  if (!o->shard.empty()) {
    const size_t slash = o->shard.find('/');
    char* e1 = nullptr;
    char* e2 = nullptr;
    const long i = slash == std::string::npos ? -1 : std::strtol(o->shard.c_str(), &e1, 10);
    const long n = slash == std::string::npos ? -1 : std::strtol(o->shard.c_str() + slash + 1, &e2, 10);
    if (slash == std::string::npos || e1 != o->shard.c_str() + slash || *e2 != '\0' || n < 1 ||
        i < 0 || i >= n)
      throw ConfigError("--shard " + o->shard + ": expected I/N with 0 <= I < N");
    o->audit.shard_index = static_cast<int>(i);
    o->audit.shard_count = static_cast<int>(n);
  }
  if (!o->max_in_flight.empty()) o->audit.max_in_flight = ParseSize(o->max_in_flight);
}

namespace {

using nlohmann::ordered_json;

int SeverityRank(const std::string& s) {
  static const std::map<std::string, int> rank = {
      {"critical", 0}, {"high", 1}, {"medium", 2}, {"low", 3}, {"info", 4}};
  auto it = rank.find(s);
  return it == rank.end() ? 5 : it->second;
}

// Identifies a place regardless of which images a shard saw holding it.
std::string LocationKey(const ordered_json& loc) {
  ordered_json k = loc;
  if (k.contains("attributes") && k["attributes"].is_object()) {
    auto& a = k["attributes"];
    if (a.contains("layer_digest")) {
      for (const char* key : {"images", "image", "image_digest", "platform", "layer", "created_by",
                              "visible", "removed_in_layer"})
        a.erase(key);
    } else {
      a.erase("images");
    }
  }
  return k.dump();
}

std::set<std::string> SplitImages(const std::string& s) {
  std::set<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(", ", i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.insert(s.substr(i, j - i));
    i = j + 2;
  }
  return out;
}

}  // namespace

namespace {

// One list of findings being merged ("findings" or "suppressed_findings"): each finding once,
// keyed by its fingerprint (and, for a suppressed one, by its suppression), with the union of
// its locations.
struct MergedFindings {
  std::map<std::string, ordered_json> findings;
  std::map<std::string, std::map<std::string, ordered_json>> locations;  // key -> loc key -> loc

  void Add(const std::string& file, const ordered_json& list) {
    if (!list.is_array()) return;
    for (const auto& f : list) {
      if (!f.is_object() || !f.contains("fingerprint") || !f["fingerprint"].is_string())
        throw ConfigError(file + ": a finding without a fingerprint");
      std::string key = f["fingerprint"].get<std::string>();
      if (f.contains("suppression")) key += '\0' + f["suppression"].dump();
      if (!findings.count(key)) {
        ordered_json copy = f;
        copy.erase("locations");
        findings[key] = copy;
      }
      if (!f.contains("locations") || !f["locations"].is_array()) continue;
      for (const auto& loc : f["locations"]) {
        auto& slot = locations[key][LocationKey(loc)];
        if (slot.is_null()) {
          slot = loc;
          continue;
        }
        // The same layer seen by two shards: one location naming every image.
        if (loc.contains("attributes") && loc["attributes"].contains("images")) {
          std::set<std::string> all = SplitImages(slot["attributes"].value("images", ""));
          const auto more = SplitImages(loc["attributes"].value("images", ""));
          all.insert(more.begin(), more.end());
          std::string joined;
          for (const auto& s : all) joined += (joined.empty() ? "" : ", ") + s;
          slot["attributes"]["images"] = joined;
        }
      }
    }
  }

  // Sorted by severity, rule id, fingerprint.
  std::vector<ordered_json> Take() {
    std::vector<ordered_json> out;
    for (auto& [key, f] : findings) {
      ordered_json locs = ordered_json::array();
      for (auto& [k, loc] : locations[key]) locs.push_back(loc);
      f["locations"] = locs;
      out.push_back(f);
    }
    std::sort(out.begin(), out.end(), [](const ordered_json& a, const ordered_json& b) {
      const int ra = SeverityRank(a.value("severity", "")), rb = SeverityRank(b.value("severity", ""));
      if (ra != rb) return ra < rb;
      if (a.value("rule_id", "") != b.value("rule_id", "")) return a.value("rule_id", "") < b.value("rule_id", "");
      return a.value("fingerprint", "") < b.value("fingerprint", "");
    });
    return out;
  }
};

}  // namespace

std::string MergeJsonReports(const std::vector<std::string>& files) {
  MergedFindings reported, suppressed;
  ordered_json summary = {{"findings", 0}};
  ordered_json errors = ordered_json::array(), warnings = ordered_json::array();
  bool complete = true;
  ordered_json tool;
  const char* counters[] = {"blobs_scanned", "bytes_scanned", "duplicate_blobs", "matches_allowed",
                            "matches_suppressed", "findings_baselined", "truncated_blobs"};
  std::map<std::string, uint64_t> sums, skipped;
  uint64_t rules = 0;
  for (const auto& file : files) {
    std::string text;
    if (!ReadWholeFile(file, &text)) throw ConfigError(file + ": cannot read");
    const ordered_json j = ordered_json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("findings") || !j["findings"].is_array() ||
        !j.contains("summary") || !j["summary"].is_object())
      throw ConfigError(file + ": not a leakhound JSON report (--format json)");
    if (tool.is_null() && j.contains("tool")) tool = j["tool"];
    reported.Add(file, j["findings"]);
    // What a suppression hid in a shard stays visible in the merged report (a central gate).
    if (j.contains("suppressed_findings")) suppressed.Add(file, j["suppressed_findings"]);
    const auto& s = j["summary"];
    for (const char* c : counters)
      if (s.contains(c) && s[c].is_number()) sums[c] += s[c].get<uint64_t>();
    if (s.contains("skipped") && s["skipped"].is_object())
      for (const auto& [k, v] : s["skipped"].items())
        if (v.is_number()) skipped[k] += v.get<uint64_t>();
    if (s.contains("rules") && s["rules"].is_number()) rules = std::max(rules, s["rules"].get<uint64_t>());
    if (s.contains("errors") && s["errors"].is_array())
      for (const auto& e : s["errors"]) errors.push_back(e);
    if (s.contains("warnings") && s["warnings"].is_array())
      for (const auto& e : s["warnings"]) warnings.push_back(e);
    if (s.contains("complete") && s["complete"].is_boolean() && !s["complete"].get<bool>()) complete = false;
  }
  const std::vector<ordered_json> out = reported.Take();
  const std::vector<ordered_json> hidden = suppressed.Take();
  ordered_json by_sev = ordered_json::object();
  for (const char* sev : {"critical", "high", "medium", "low", "info"}) {
    size_t n = 0;
    for (const auto& f : out) n += f.value("severity", "") == sev;
    by_sev[sev] = n;
  }
  summary["findings"] = out.size();
  summary["findings_suppressed"] = hidden.size();
  summary["by_severity"] = by_sev;
  for (const char* c : counters) summary[c] = sums[c];
  ordered_json sk = ordered_json::object();
  for (const auto& [k, v] : skipped) sk[k] = v;
  summary["skipped"] = sk;
  summary["rules"] = rules;
  summary["errors"] = errors;
  summary["warnings"] = warnings;
  summary["complete"] = complete && errors.empty();
  summary["merged_reports"] = files.size();
  ordered_json j;
  j["tool"] = tool.is_null() ? ordered_json{{"name", "leakhound"}} : tool;
  j["findings"] = out;
  j["suppressed_findings"] = hidden;
  j["summary"] = summary;
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

// ---- the `registry` command ----

namespace {

int RegistryCommand(const RuleOptions& ro, const ScanCliOptions& so, AuditCliOptions ac,
                    const RegistryCliOptions& rc, const ImageCliOptions& io, std::ostream& out,
                    std::ostream& err) {
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  // Only --baseline: nothing inside an image is read as config or baseline.
  const std::string baseline = DefaultBaseline(so, &config, /*look_in_root=*/false);
  auto setup = MakeSetup(config, so, "secrets,hardening");  // as for `image`
  FinishAuditOptions(&ac);
  ac.audit.secret_checks = setup->checks.secrets;
  ac.audit.min_confidence = setup->min_confidence;
  ac.audit.image_checks = setup->checks.hardening;
  ac.audit.quiet = so.quiet;
  ac.audit.registry = MakeRegistryOptions(rc, std::cin);
  ac.audit.image.max_archive_depth = io.max_archive_depth;
  if (!io.max_archive_bytes.empty()) ac.audit.image.max_nested_bytes = ParseSize(io.max_archive_bytes);
  ac.audit.image.max_file_size = setup->options.max_file_size;
  Report report = RunRegistryAudit(*rules, setup->options, ac.audit, err);
  ApplyBaseline(&report, baseline, so.redact_keep);
  return WriteAndExit(report, *rules, config, so, out, err);
}

}  // namespace

void AddRegistryCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    AuditCliOptions ac;
    RegistryCliOptions rc;
    ImageCliOptions io;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  AuditCliOptions& ac = o->ac;
  RegistryCliOptions& rc = o->rc;
  ImageCliOptions& io = o->io;
  auto* registry = app->add_subcommand(
      "registry", "Audit every image of a registry (Registry HTTP API v2): each layer digest "
                  "scanned once across all images, resumable with --state");
  registry->footer(
      "Examples:\n"
      "  leakhound registry https://registry.example.com --state audit.db -f json -o audit.json\n"
      "  leakhound registry http://localhost:5000 --repo 'team/*' --tags latest");
  AddAuditCliOptions(registry, &ac);
  registry->add_option("--max-archive-depth", io.max_archive_depth,
                       "Open archives nested in layers this deep (default 2)")
      ->check(CLI::Range(0, 8))->group("Image");
  AddRegistryCliOptions(registry, &rc);
  AddRuleOptions(registry, &ro);
  AddScanOptions(registry, &so, true, false);
  commands->Add(registry, [o](std::ostream& out, std::ostream& err) {
    return RegistryCommand(o->ro, o->so, o->ac, o->rc, o->io, out, err);
  });
}

}  // namespace leakhound
