// GitLab's secret-detection report (security report schema 15.x): what the `secret_detection`
// artifact of a GitLab CI job holds, shown in merge requests and the vulnerability report.
//
// One vulnerability per location (GitLab wants a file and a line for each). 15.x dropped
// `vulnerabilities[].confidence`, `scanner` and `cve`; `location.commit.sha` is required ("0000000"
// for a file that is not a git commit's, as GitLab's own analyzer writes). Extra properties are
// allowed by the schemas; `category` stays for readers of older reports. The secret is never in
// the report, not even with --show-secrets: the report is uploaded to GitLab and kept there.
#include <cmath>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "leakhound/report.hpp"

namespace leakhound {

using nlohmann::ordered_json;
std::string Dump(const ordered_json& j, int indent);

namespace {

constexpr const char* kSchemaVersion = "15.0.7";

const char* GitlabSeverity(Severity s) {
  switch (s) {
    case Severity::kCritical: return "Critical";
    case Severity::kHigh: return "High";
    case Severity::kMedium: return "Medium";
    case Severity::kLow: return "Low";
    case Severity::kInfo: return "Info";
  }
  return "Unknown";
}

std::string UtcTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

// A path as GitLab links it: relative to the project (the current directory), no leading "./".
std::string RelativeFile(std::string_view path, const std::string& cwd) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (!path.empty() && path.front() == '/' && !cwd.empty() && cwd != "/" &&
      path.substr(0, cwd.size()) == cwd && path.size() > cwd.size() + 1 && path[cwd.size()] == '/')
    path.remove_prefix(cwd.size() + 1);
  return path.empty() ? "." : std::string(path);
}

std::string Attribute(const Origin& o, std::string_view name) {
  for (const auto& [k, v] : o.attributes)
    if (k == name) return v;
  return "";
}

}  // namespace

// A UUID-shaped id, stable across runs: from the finding's fingerprint and the place.
std::string GitlabVulnerabilityId(const std::string& fingerprint, const Location& loc) {
  std::string h = Fingerprint("gitlab", fingerprint + '\0' + loc.origin.Key() + '\0' +
                                            std::to_string(loc.line));
  h[12] = '5';                                                     // name-based version
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];     // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

void WriteGitlabReport(const Report& report, const ReportOptions& options, std::ostream& out) {
  const RuleSet& rules = *report.rules;
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  ordered_json vulns = ordered_json::array();
  for (const auto& f : report.findings) {
    const Rule& rule = rules.rule(f.rule);
    const FindingKind kind = KindOfFinding(f, rule);
    for (const auto& loc : f.locations) {
      ordered_json v;
      v["id"] = GitlabVulnerabilityId(f.fingerprint, loc);
      v["category"] = "secret_detection";
      v["name"] = rule.name.substr(0, 255);
      std::string description = rule.description.empty() ? rule.name : rule.description;
      if (kind == FindingKind::kSecret)
        description += "\n\nSecret: " + f.secret.Redacted(options.redact_keep) + " (confidence " +
                       std::string(ConfidenceName(f.confidence)) + ", fingerprint " +
                       f.fingerprint + ")";
      if (loc.origin.source != "file" && loc.origin.source != "git")
        description += "\n\nFound in " + loc.origin.source + ": " + loc.origin.path;
      for (const auto& [k, val] : loc.origin.attributes)
        if (k == "image" || k == "images" || k == "layer_digest" || k == "field")
          description += "\n" + k + ": " + val;
      v["description"] = description;
      v["severity"] = GitlabSeverity(rule.severity);
      if (!rule.remediation.empty()) v["solution"] = rule.remediation;
      // The line with every secret in it redacted, whatever --show-secrets says.
      v["raw_source_code_extract"] = loc.snippet.Render(
          false, options.redact_keep,
          [&](std::string_view s) { return DocumentedPrefixLength(rule, s); });
      ordered_json location;
      location["file"] = RelativeFile(loc.origin.path, cwd);
      location["start_line"] = loc.line;
      const std::string sha = Attribute(loc.origin, "commit");
      ordered_json commit = {{"sha", sha.empty() ? "0000000" : sha}};
      if (!sha.empty()) {
        if (auto a = Attribute(loc.origin, "author"); !a.empty()) commit["author"] = a;
        if (auto d = Attribute(loc.origin, "date"); !d.empty()) commit["date"] = d;
        if (auto s = Attribute(loc.origin, "summary"); !s.empty()) commit["message"] = s;
      }
      location["commit"] = std::move(commit);
      v["location"] = std::move(location);
      ordered_json ident = {{"type", "leakhound_rule_id"},
                            {"name", "leakhound rule " + rule.id},
                            {"value", rule.id}};
      if (!rule.references.empty()) ident["url"] = rule.references.front();
      v["identifiers"] = ordered_json::array({std::move(ident)});
      if (!rule.references.empty()) {
        ordered_json links = ordered_json::array();
        for (const auto& r : rule.references) links.push_back({{"url", r}});
        v["links"] = std::move(links);
      }
      vulns.push_back(std::move(v));
    }
  }
  const ScanSummary& s = report.summary;
  const std::time_t end = options.now ? static_cast<std::time_t>(options.now) : std::time(nullptr);
  const std::time_t start = end - static_cast<std::time_t>(std::ceil(std::max(0.0, s.elapsed_seconds)));
  const ordered_json tool = {{"id", "leakhound"},
                             {"name", "leakhound"},
                             {"version", LEAKHOUND_VERSION},
                             {"vendor", {{"name", "leakhound"}}}};
  ordered_json scan;
  scan["analyzer"] = tool;
  scan["scanner"] = tool;
  scan["type"] = "secret_detection";
  scan["start_time"] = UtcTime(start);
  scan["end_time"] = UtcTime(end);
  const bool ok = s.errors.empty() && !s.interrupted;
  scan["status"] = ok ? "success" : "failure";
  ordered_json messages = ordered_json::array();
  for (const auto& e : s.errors)
    messages.push_back({{"level", "warn"}, {"value", e.path + ": " + e.message}});
  if (s.interrupted)
    messages.push_back(
        {{"level", "fatal"}, {"value", "interrupted: the scan was stopped early; results are partial"}});
  if (!messages.empty()) scan["messages"] = std::move(messages);
  ordered_json j;
  j["version"] = kSchemaVersion;
  j["vulnerabilities"] = std::move(vulns);
  j["scan"] = std::move(scan);
  out << Dump(j, 2) << "\n";
}

}  // namespace leakhound
