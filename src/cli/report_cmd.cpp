// `report merge`: JSON reports (of registry shards, say) into one, in any report format.
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/registry_cmd.hpp"
#include "config/config.hpp"
#include "leakhound/report.hpp"
#include "leakhound/rule.hpp"

namespace leakhound {
namespace {

using nlohmann::ordered_json;

std::string Str(const ordered_json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}
uint64_t Num(const ordered_json& j, const char* key) {
  return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : 0;
}

// The rules the merged findings name: the built-in definition of each id (its description,
// references and remediation), else one made from what the report says (a custom rule).
std::unique_ptr<RuleSet> RulesOf(const ordered_json& findings) {
  std::vector<RuleError> errors;
  std::map<std::string, Rule> builtin;
  for (auto& r : LoadBuiltinRules(&errors)) builtin.emplace(r.id, std::move(r));
  std::map<std::string, Rule> used;
  for (const auto& f : findings) {
    const std::string id = Str(f, "rule_id");
    if (id.empty() || used.count(id)) continue;
    auto it = builtin.find(id);
    if (it != builtin.end()) {
      used.emplace(id, it->second);
      continue;
    }
    Rule r;
    r.id = id;
    r.name = Str(f, "rule_name").empty() ? id : Str(f, "rule_name");
    r.severity = ParseSeverity(Str(f, "severity")).value_or(Severity::kMedium);
    r.pattern = "(leakhound-merged-report-rule)";  // never scanned with
    if (f.contains("tags") && f["tags"].is_array())
      for (const auto& t : f["tags"])
        if (t.is_string()) r.tags.push_back(t.get<std::string>());
    r.remediation = Str(f, "remediation");
    r.source = "<report>";
    r.SetPriorityFromTags();
    used.emplace(id, std::move(r));
  }
  std::vector<Rule> rules;
  for (auto& [id, r] : used) rules.push_back(std::move(r));
  if (rules.empty()) {  // a RuleSet needs one rule
    Rule r;
    r.id = "report.none";
    r.name = "none";
    r.pattern = "(leakhound-merged-report-rule)";
    rules.push_back(std::move(r));
  }
  errors.clear();
  auto set = RuleSet::Build(std::move(rules), RuleSetOptions{}, &errors);
  if (!set) throw ConfigError("report merge: cannot build the rules of the merged findings");
  return set;
}

// Every place `needle` occurs in `text`, as snippet spans.
std::vector<std::pair<uint32_t, uint32_t>> SpansOf(const std::string& text, const std::string& needle) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  if (needle.empty()) return spans;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size()))
    spans.emplace_back(static_cast<uint32_t>(p), static_cast<uint32_t>(p + needle.size()));
  return spans;
}

// Printed in full (the report was written with --show-secrets): as long as the secret, without
// the ellipsis of a redacted form.
bool RawSecret(const ordered_json& f) {
  const std::string shown = Str(f, "secret");
  return !shown.empty() && shown.size() == Num(f, "secret_length") &&
         shown.find("\u2026") == std::string::npos;
}

// Every finding of a merged report: the reported ones, then the suppressed ones.
ordered_json AllFindings(const ordered_json& j) {
  ordered_json all = j.contains("findings") ? j["findings"] : ordered_json::array();
  if (j.contains("suppressed_findings"))
    for (const auto& f : j["suppressed_findings"]) all.push_back(f);
  return all;
}

// The merged JSON with each secret printed in full redacted, in its snippets too (reported and
// suppressed findings alike).
std::string RedactJson(ordered_json j, size_t keep) {
  auto rules = RulesOf(AllFindings(j));
  for (const char* list : {"findings", "suppressed_findings"}) {
    if (!j.contains(list)) continue;
    for (auto& f : j[list]) {
      if (!RawSecret(f)) continue;
      const std::string value = Str(f, "secret");
      const int index = rules->Find(Str(f, "rule_id"));
      auto prefix = [&](std::string_view v) {
        return index < 0 ? size_t{0} : DocumentedPrefixLength(rules->rule(index), v);
      };
      f["secret"] = Redact(value, prefix(value), keep);
      if (f.contains("locations") && f["locations"].is_array())
        for (auto& l : f["locations"]) {
          Snippet snip;
          snip.text = Str(l, "snippet");
          snip.spans = SpansOf(snip.text, value);
          l["snippet"] = snip.Render(false, keep, prefix);
        }
    }
  }
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

// A merged JSON report (MergeJsonReports) back as a Report. A secret the shards printed
// redacted stays as they printed it; one they printed in full (--show-secrets) is a secret
// again, redacted unless --show-secrets is given here too, in the snippets as well.
Report ReportFromJson(const ordered_json& j, const RuleSet& rules) {
  Report report;
  report.rules = &rules;
  auto read = [&](const ordered_json& list, std::vector<Finding>* into) {
    if (!list.is_array()) return;
    for (const auto& f : list) {
      Finding finding;
      if (f.contains("suppression") && f["suppression"].is_object())
        finding.suppression = {Str(f["suppression"], "kind"), Str(f["suppression"], "source")};
      finding.fingerprint = Str(f, "fingerprint");
      const int index = rules.Find(Str(f, "rule_id"));
      if (index < 0) continue;
      finding.rule = static_cast<uint32_t>(index);
      finding.about_name = Str(f, "kind") != "secret" && !Str(f, "kind").empty();
      const std::string shown = Str(f, "secret");
      const uint64_t length = Num(f, "secret_length");
      const bool raw = RawSecret(f);
      finding.secret = raw ? Secret(shown, DocumentedPrefixLength(rules.rule(index), shown))
                           : Secret::KnownRedacted(shown, length);
      if (f.contains("entropy") && f["entropy"].is_number())
        finding.entropy = f["entropy"].get<double>();
      const std::string conf = Str(f, "confidence");
      finding.confidence = conf == "high"  ? Confidence::kHigh
                           : conf == "low" ? Confidence::kLow
                                           : Confidence::kMedium;
      if (f.contains("locations") && f["locations"].is_array())
        for (const auto& l : f["locations"]) {
          Location loc;
          loc.origin.source = Str(l, "source").empty() ? "file" : Str(l, "source");
          loc.origin.path = Str(l, "path");
          if (l.contains("attributes") && l["attributes"].is_object())
            for (const auto& [k, v] : l["attributes"].items())
              loc.origin.attributes.emplace_back(k,
                                                 v.is_string() ? v.get<std::string>() : v.dump());
          loc.line = std::max<uint64_t>(1, Num(l, "line"));
          loc.column = std::max<uint64_t>(1, Num(l, "column"));
          loc.offset = Num(l, "offset");
          loc.snippet.text = Str(l, "snippet");
          if (raw) loc.snippet.spans = SpansOf(loc.snippet.text, shown);
          finding.locations.push_back(std::move(loc));
        }
      into->push_back(std::move(finding));
    }
  };
  read(j["findings"], &report.findings);
  if (j.contains("suppressed_findings")) read(j["suppressed_findings"], &report.suppressed);
  const ordered_json& s = j["summary"];
  ScanSummary& sum = report.summary;
  sum.blobs_scanned = Num(s, "blobs_scanned");
  sum.bytes_scanned = Num(s, "bytes_scanned");
  sum.duplicate_blobs = Num(s, "duplicate_blobs");
  if (s.contains("skipped") && s["skipped"].is_object()) {
    const auto& k = s["skipped"];
    sum.skipped_binary = Num(k, "binary");
    sum.skipped_too_large = Num(k, "too_large");
    sum.skipped_excluded = Num(k, "excluded");
    sum.skipped_symlinks = Num(k, "symlinks");
    sum.skipped_special = Num(k, "special_files");
  }
  sum.matches_allowed = Num(s, "matches_allowed");
  sum.matches_suppressed = Num(s, "matches_suppressed");
  sum.findings_baselined = Num(s, "findings_baselined");
  sum.truncated_blobs = Num(s, "truncated_blobs");
  sum.rules = Num(s, "rules");
  for (const char* key : {"errors", "warnings"})
    if (s.contains(key) && s[key].is_array())
      for (const auto& e : s[key])
        (key[0] == 'e' ? sum.errors : sum.warnings).push_back({Str(e, "path"), Str(e, "message")});
  // A shard stopped early has no error of its own to show.
  if (s.contains("complete") && s["complete"].is_boolean() && !s["complete"].get<bool>() &&
      sum.errors.empty())
    sum.interrupted = true;
  return report;
}

int ReportMergeCommand(const std::vector<std::string>& files, const std::string& output,
                       const std::string& format, bool show_secrets, bool show_suppressed,
                       size_t redact_keep, std::ostream& out) {
  std::string merged = MergeJsonReports(files);
  if (format == "json" && !show_secrets) {
    const ordered_json j = ordered_json::parse(merged);
    bool raw = false;
    for (const auto& f : AllFindings(j)) raw = raw || RawSecret(f);
    if (raw) merged = RedactJson(j, redact_keep);
  } else if (format != "json") {
    const ordered_json j = ordered_json::parse(merged);
    auto rules = RulesOf(AllFindings(j));
    Report report = ReportFromJson(j, *rules);
    ReportOptions options;
    options.show_secrets = show_secrets;
    options.show_suppressed = show_suppressed;
    options.redact_keep = redact_keep;
    options.color = false;
    std::ostringstream text;
    WriteReport(report, ParseReportFormat(format), options, text);
    merged = text.str();
  }
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
    std::string format = "json";
    bool show_secrets = false;
    bool show_suppressed = false;
    size_t redact_keep = kDefaultRedactKeep;
  };
  auto o = std::make_shared<Options>();
  auto* report_cmd = app->add_subcommand("report", "Work with reports");
  report_cmd->require_subcommand(1);
  report_cmd->footer("Examples:\n  leakhound report merge shard-0.json shard-1.json -o audit.json");
  auto* merge = report_cmd->add_subcommand(
      "merge", "Merge JSON reports (e.g. of registry shards): findings de-duplicated by "
               "fingerprint, locations united; writes one report in any format");
  merge->add_option("reports", o->merge_files, "JSON reports (--format json)")->required();
  merge->footer(
      "Examples:\n  leakhound report merge shard-0.json shard-1.json -o audit.json\n"
      "  leakhound report merge shard-*.json -f sarif -o audit.sarif");
  merge->add_option("-o,--output", o->merge_output, "Write to FILE instead of stdout")->type_name("FILE");
  merge->add_option("-f,--format", o->format,
                    "Format of the merged report: json (default), human, jsonl, sarif or gitlab")
      ->check(CLI::IsMember(ReportFormatNames()));
  merge->add_flag("--show-secrets", o->show_secrets,
                  "Print in full the secrets the reports hold in full (reports written with "
                  "--show-secrets); redacted by default");
  merge->add_flag("--show-suppressed", o->show_suppressed,
                  "Human format: also list the findings a suppression hid, under a heading of "
                  "their own (the JSON and SARIF formats always keep them, marked)");
  merge->add_option("--redact-keep", o->redact_keep,
                    "Trailing characters a redacted secret shows (default 4)")
      ->type_name("N");
  commands->Add(merge, [o](std::ostream& out, std::ostream&) {
    return ReportMergeCommand(o->merge_files, o->merge_output, o->format, o->show_secrets,
                              o->show_suppressed, o->redact_keep, out);
  });
}

}  // namespace leakhound
