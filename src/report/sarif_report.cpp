#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "leakhound/report.hpp"
#include "base/text_util.hpp"

namespace leakhound {

using nlohmann::ordered_json;
std::string Dump(const ordered_json& j, int indent);

namespace {

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

// GitHub's security-severity: a CVSS-like score that drives its severity labels.
const char* SecuritySeverity(Severity s) {
  switch (s) {
    case Severity::kCritical: return "9.5";
    case Severity::kHigh: return "8.0";
    case Severity::kMedium: return "5.5";
    case Severity::kLow: return "3.0";
    default: return "1.0";
  }
}

// A relative path stays a relative reference (GitHub resolves it against the checkout); an
// absolute one becomes a file:// URI. Either way, what a URI cannot hold is percent-encoded.
std::string ToUri(std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  // Unreserved characters, "/" and RFC 3986's sub-delims, ":" and "@" stay as they are.
  const std::string prefix = path.substr(0, 1) == "/" ? "file://" : "";
  return prefix + PercentEncode(path, "/!$&'()*+,;=:@");
}

}  // namespace

void WriteSarifReport(const Report& report, const ReportOptions& options, std::ostream& out) {
  const RuleSet& rules = *report.rules;
  std::set<uint32_t> used;
  for (const auto& f : report.findings) used.insert(f.rule);
  for (const auto& f : report.suppressed) used.insert(f.rule);
  ordered_json rules_json = ordered_json::array();
  std::map<uint32_t, size_t> rule_index;
  for (uint32_t r : used) {
    const Rule& rule = rules.rule(r);
    rule_index[r] = rules_json.size();
    ordered_json j;
    j["id"] = rule.id;
    j["name"] = rule.name;
    j["shortDescription"] = {{"text", rule.name}};
    j["fullDescription"] = {{"text", rule.description.empty() ? rule.name : rule.description}};
    const std::string help = !rule.remediation.empty()
        ? rule.remediation
        : "Rotate the secret at its provider, then remove it from the code (and from history). "
          "If it is not a secret, add `leakhound:allow` on the line or the fingerprint to a "
          "baseline.";
    j["help"] = {{"text", help}};
    j["defaultConfiguration"] = {{"level", SarifLevel(rule.severity)}};
    if (!rule.references.empty()) j["helpUri"] = rule.references.front();
    j["properties"] = {{"tags", rule.tags}, {"security-severity", SecuritySeverity(rule.severity)}};
    rules_json.push_back(std::move(j));
  }
  ordered_json results = ordered_json::array();
  // Suppressed findings are results too, with `suppressions`: code scanning shows them as
  // dismissed, not absent.
  std::vector<const Finding*> all;
  for (const auto& f : report.findings) all.push_back(&f);
  for (const auto& f : report.suppressed) all.push_back(&f);
  for (const Finding* fp : all) {
    const Finding& f = *fp;
    const Rule& rule = rules.rule(f.rule);
    const FindingKind kind = KindOfFinding(f, rule);
    const std::string secret =
        options.show_secrets ? f.secret.Reveal() : f.secret.Redacted(options.redact_keep);
    auto render = [&](const Snippet& s) {
      return s.Render(options.show_secrets, options.redact_keep,
                      [&](std::string_view v) { return DocumentedPrefixLength(rule, v); });
    };
    for (const auto& loc : f.locations) {
      ordered_json r;
      r["ruleId"] = rule.id;
      r["ruleIndex"] = rule_index[f.rule];
      r["level"] = SarifLevel(rule.severity);
      const std::string snippet = render(loc.snippet);
      r["message"] = {{"text", kind == FindingKind::kSecret
                                   ? rule.name + ": " + secret + " (confidence " +
                                         std::string(ConfidenceName(f.confidence)) + ")"
                                   : rule.name + ": " + snippet}};
      ordered_json region = {{"startLine", loc.line}, {"startColumn", loc.column},
                             {"snippet", {{"text", snippet}}}};
      r["locations"] = ordered_json::array(
          {{{"physicalLocation",
             {{"artifactLocation", {{"uri", ToUri(loc.origin.path)}}}, {"region", region}}}}});
      // Stable across runs and line moves: the finding, plus which place it is.
      r["partialFingerprints"] = {
          {"leakhound/v1", f.fingerprint + ":" + Fingerprint("path", loc.origin.Key())}};
      ordered_json props = {{"fingerprint", f.fingerprint}, {"kind", FindingKindName(kind)}};
      if (kind == FindingKind::kSecret) {
        props["confidence"] = ConfidenceName(f.confidence);
        props["score"] = std::round(f.score * 100) / 100;
        if (!f.reasons.empty()) props["reasons"] = f.reasons;
      }
      props["severity"] = SeverityName(rule.severity);
      if (!f.context.empty()) {  // identifiers near the secret
        ordered_json context = ordered_json::array();
        for (const auto& c : f.context)
          context.push_back({{"rule_id", report.rules->rule(c.rule).id}, {"value", c.value},
                             {"path", c.path}, {"line", c.line}});
        props["context"] = std::move(context);
      }
      for (const auto& [k, v] : loc.origin.attributes) props[k] = v;
      r["properties"] = std::move(props);
      if (!f.suppression.empty())
        r["suppressions"] = ordered_json::array(
            {{{"kind", f.suppression.kind == "inline_allow" ? "inSource" : "external"},
              {"status", "accepted"},
              {"justification", f.suppression.kind + ": " + f.suppression.source}}});
      results.push_back(std::move(r));
    }
  }
  ordered_json run;
  run["tool"] = {{"driver",
                  {{"name", "leakhound"},
                   {"version", LEAKHOUND_VERSION},
                   {"rules", std::move(rules_json)}}}};
  run["results"] = std::move(results);
  ordered_json notifications = ordered_json::array();
  for (const auto& e : report.summary.errors)
    notifications.push_back({{"level", "error"}, {"message", {{"text", e.path + ": " + e.message}}}});
  if (report.summary.interrupted)
    notifications.push_back(
        {{"level", "error"},
         {"message", {{"text", "interrupted: the scan was stopped early; results are partial"}}}});
  run["invocations"] = ordered_json::array(
      {{{"executionSuccessful", report.summary.errors.empty() && !report.summary.interrupted},
        {"toolExecutionNotifications", std::move(notifications)}}});
  ordered_json sarif;
  sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  sarif["version"] = "2.1.0";
  sarif["runs"] = ordered_json::array({std::move(run)});
  out << Dump(sarif, 2) << "\n";
}

}  // namespace leakhound
