#include <cmath>
#include <nlohmann/json.hpp>

#include "leakhound/report.hpp"

namespace leakhound {

using nlohmann::ordered_json;

namespace {

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

ordered_json LocationJson(const Location& loc, const Rule& rule, const ReportOptions& options) {
  ordered_json j;
  j["source"] = loc.origin.source;
  j["path"] = loc.origin.path;
  j["line"] = loc.line;
  j["column"] = loc.column;
  j["offset"] = loc.offset;
  j["snippet"] = loc.snippet.Render(
      options.show_secrets, options.redact_keep,
      [&](std::string_view s) { return DocumentedPrefixLength(rule, s); });
  if (!loc.origin.attributes.empty()) {
    ordered_json attrs = ordered_json::object();
    for (const auto& [k, v] : loc.origin.attributes) attrs[k] = v;
    j["attributes"] = std::move(attrs);
  }
  return j;
}

}  // namespace

ordered_json FindingJson(const Finding& f, const RuleSet& rules, const ReportOptions& options) {
  const Rule& rule = rules.rule(f.rule);
  ordered_json j;
  j["fingerprint"] = f.fingerprint;
  j["rule_id"] = rule.id;
  j["rule_name"] = rule.name;
  j["severity"] = SeverityName(rule.severity);
  const FindingKind kind = KindOfFinding(f, rule);
  j["kind"] = FindingKindName(kind);
  if (kind == FindingKind::kSecret) {  // the others have no secret of their own
    j["confidence"] = ConfidenceName(f.confidence);
    j["score"] = Round2(f.score);
    j["reasons"] = f.reasons;
    j["secret"] = options.show_secrets ? f.secret.Reveal() : f.secret.Redacted(options.redact_keep);
    j["secret_length"] = f.secret.size();
    j["entropy"] = Round2(f.entropy);
  }
  j["tags"] = rule.tags;
  if (!rule.remediation.empty()) j["remediation"] = rule.remediation;
  if (!f.context.empty()) {  // identifiers near it: not secrets, shown in full
    ordered_json context = ordered_json::array();
    for (const auto& c : f.context)
      context.push_back({{"rule_id", rules.rule(c.rule).id},
                         {"name", rules.rule(c.rule).name},
                         {"value", c.value},
                         {"path", c.path},
                         {"line", c.line}});
    j["context"] = std::move(context);
  }
  ordered_json locs = ordered_json::array();
  for (const auto& l : f.locations) locs.push_back(LocationJson(l, rule, options));
  j["locations"] = std::move(locs);
  if (!f.suppression.empty())
    j["suppression"] = {{"kind", f.suppression.kind}, {"source", f.suppression.source}};
  return j;
}

ordered_json SummaryJson(const Report& report) {
  const ScanSummary& s = report.summary;
  ordered_json j;
  j["findings"] = report.findings.size();
  ordered_json by_sev = ordered_json::object();
  for (Severity sev : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow,
                       Severity::kInfo}) {
    size_t n = 0;
    for (const auto& f : report.findings) n += report.rules->rule(f.rule).severity == sev;
    by_sev[std::string(SeverityName(sev))] = n;
  }
  j["by_severity"] = std::move(by_sev);
  j["blobs_scanned"] = s.blobs_scanned;
  j["bytes_scanned"] = s.bytes_scanned;
  j["duplicate_blobs"] = s.duplicate_blobs;
  j["skipped"] = {{"binary", s.skipped_binary},     {"too_large", s.skipped_too_large},
                  {"excluded", s.skipped_excluded}, {"symlinks", s.skipped_symlinks},
                  {"special_files", s.skipped_special}};
  j["matches_allowed"] = s.matches_allowed;
  j["matches_suppressed"] = s.matches_suppressed;
  j["findings_baselined"] = s.findings_baselined;
  j["findings_suppressed"] = report.suppressed.size();
  j["truncated_blobs"] = s.truncated_blobs;
  j["rules"] = s.rules;
  if (!s.config_file.empty()) j["config"] = s.config_file;
  if (!s.policy_file.empty()) j["policy"] = s.policy_file;
  ordered_json errors = ordered_json::array();
  for (const auto& e : s.errors) errors.push_back({{"path", e.path}, {"message", e.message}});
  j["errors"] = std::move(errors);
  ordered_json warnings = ordered_json::array();
  for (const auto& e : s.warnings) warnings.push_back({{"path", e.path}, {"message", e.message}});
  j["warnings"] = std::move(warnings);
  j["interrupted"] = s.interrupted;
  j["complete"] = s.errors.empty() && !s.interrupted;
  return j;
}

// Invalid UTF-8 (paths, snippets) is replaced, so the output is always valid JSON.
std::string Dump(const ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

void WriteJsonReport(const Report& report, const ReportOptions& options, std::ostream& out) {
  ordered_json j;
  j["tool"] = {{"name", "leakhound"}, {"version", LEAKHOUND_VERSION}};
  ordered_json findings = ordered_json::array();
  for (const auto& f : report.findings) findings.push_back(FindingJson(f, *report.rules, options));
  j["findings"] = std::move(findings);
  ordered_json suppressed = ordered_json::array();
  for (const auto& f : report.suppressed)
    suppressed.push_back(FindingJson(f, *report.rules, options));
  j["suppressed_findings"] = std::move(suppressed);
  j["summary"] = SummaryJson(report);
  out << Dump(j, 2) << "\n";
}

void WriteJsonlReport(const Report& report, const ReportOptions& options, std::ostream& out) {
  for (const auto& f : report.findings) {
    ordered_json j;
    j["type"] = "finding";
    j.update(FindingJson(f, *report.rules, options));
    out << Dump(j, -1) << "\n";
  }
  for (const auto& f : report.suppressed) {
    ordered_json j;
    j["type"] = "suppressed_finding";
    j.update(FindingJson(f, *report.rules, options));
    out << Dump(j, -1) << "\n";
  }
  ordered_json s;
  s["type"] = "summary";
  s.update(SummaryJson(report));
  out << Dump(s, -1) << "\n";
}

void WriteReport(const Report& report, ReportFormat format, const ReportOptions& options,
                 std::ostream& out) {
  switch (format) {
    case ReportFormat::kHuman: WriteHumanReport(report, options, out); break;
    case ReportFormat::kJson: WriteJsonReport(report, options, out); break;
    case ReportFormat::kJsonl: WriteJsonlReport(report, options, out); break;
    case ReportFormat::kSarif: WriteSarifReport(report, options, out); break;
    case ReportFormat::kGitlab: WriteGitlabReport(report, options, out); break;
  }
}

const std::vector<std::string>& ReportFormatNames() {
  static const std::vector<std::string> names = {"human", "json", "jsonl", "sarif", "gitlab"};
  return names;
}

ReportFormat ParseReportFormat(std::string_view name) {
  if (name == "json") return ReportFormat::kJson;
  if (name == "jsonl") return ReportFormat::kJsonl;
  if (name == "sarif") return ReportFormat::kSarif;
  if (name == "gitlab") return ReportFormat::kGitlab;
  return ReportFormat::kHuman;
}

}  // namespace leakhound
