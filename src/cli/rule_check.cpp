#include "cli/rule_check.hpp"

#include <algorithm>
#include <set>

#include "analyzers/analyzers.hpp"
#include "scan/blob_scanner.hpp"
#include "sources/image_checks.hpp"
#include "leakhound/secret.hpp"

namespace leakhound {

void CheckExamples(const RuleSet& set, const Rule& rule, RuleCheckResult* result) {
  const int idx = set.Find(rule.id);
  if (idx < 0) {
    result->problems.push_back(rule.source + ": rule " + rule.id + ": not in the built rule set");
    return;
  }
  thread_local BlobScanResult scan;
  BlobScanner scanner(set, BlobScanOptions{});
  // An example fires when the rule reports it, or when the rule matched and gave way to a
  // higher-priority rule reporting the same secret (a ghp_ token in .git-credentials).
  FileKind kind = FileKind::kNone;
  for (FileKind k : {FileKind::kDotenv, FileKind::kCompose, FileKind::kDockerfile,
                     FileKind::kKubernetes})
    if (!rule.analyzer.empty() && AnalyzerName(k) == rule.analyzer) kind = k;
  // An analyzer rule's example is a whole file of its kind.
  auto fires = [&](const std::string& text) {
    std::string error;
    if (rule.analyzer == "image") {  // an image listing (image_checks.hpp)
      ImageCheckInput in;
      std::vector<ImageLayerFacts> layers;
      if (!ParseImageListing(text, &in, &layers, &error)) return false;
      const auto hits = CheckImage(in);
      return std::any_of(hits.begin(), hits.end(),
                         [&](const ImageCheckHit& h) { return h.rule_id == rule.id; });
    }
    if (!scanner.ScanBuffer(text, &scan, &error)) return false;
    const uint32_t rule_index = static_cast<uint32_t>(idx);
    const bool suppressed =
        std::find(scan.suppressed_rules.begin(), scan.suppressed_rules.end(), rule_index) !=
        scan.suppressed_rules.end();
    // Examples are checked at the default --min-confidence (medium): a contextual rule's
    // finding below it is not reported, so it fires neither an example nor a negative example.
    // Default-credential rules report only at low, so theirs are checked at low.
    const bool low_rule = rule.id.size() > 19 &&
                          rule.id.compare(rule.id.size() - 19, 19, ".default_credential") == 0;
    const Confidence min = low_rule ? Confidence::kLow : Confidence::kMedium;
    auto reported = [&](const std::vector<Match>& matches) {
      return std::any_of(matches.begin(), matches.end(), [&](const Match& m) {
        return m.rule == rule_index && (!rule.IsContextual() || m.confidence >= min);
      });
    };
    if (rule.analyzer == "credfile") {  // the file's name decides: try each credential kind
      const std::vector<Match> raw = scan.matches;
      for (FileKind k : kCredentialFileKinds) {
        std::vector<Match> matches = raw;
        AnalyzedBlob analyzed;
        AnalyzeBlob(k, text, scanner, nullptr, &matches, &analyzed);
        if (reported(matches)) return true;
      }
      return suppressed;
    }
    if (kind != FileKind::kNone) {
      AnalyzedBlob analyzed;
      AnalyzeBlob(kind, text, scanner, nullptr, &scan.matches, &analyzed);
      Match committed;
      if (CommittedDotenvMatch(set, ".env", analyzed.dotenv_secrets, &committed))
        scan.matches.push_back(committed);
    }
    return reported(scan.matches) || suppressed;
  };
  const std::string where = rule.source + ": rule " + rule.id + ": ";
  for (const auto& ex : rule.examples) {
    ++result->examples;
    if (!fires(ex)) result->problems.push_back(where + "example does not fire: " + Redact(ex));
  }
  for (const auto& ex : rule.negative_examples) {
    ++result->examples;
    if (fires(ex)) result->problems.push_back(where + "negative example fires: " + Redact(ex));
  }
}

RuleCheckResult CheckRules(const std::vector<Rule>& checked, const std::vector<Rule>& context) {
  RuleCheckResult result;
  result.rules = checked.size();
  std::set<std::string> seen;
  for (const auto& r : checked) {
    const std::string where = r.source + ": rule " + r.id + ": ";
    if (!seen.insert(r.id).second) result.problems.push_back(where + "duplicate id");
    bool prefilter = false;
    const std::string p = CheckPattern(r, &prefilter);
    if (!p.empty()) result.problems.push_back(where + p);
    if (r.examples.empty()) result.problems.push_back(where + "no examples");
    if (r.negative_examples.empty()) result.problems.push_back(where + "no negative_examples");
  }
  std::vector<Rule> all = context;
  MergeRules(&all, checked);
  std::vector<RuleError> build_errors;
  auto set = RuleSet::Build(std::move(all), RuleSetOptions{}, &build_errors);
  for (const auto& e : build_errors) {
    const std::string s = e.ToString();
    // CheckPattern already reported pattern problems in the same words.
    bool dup = std::any_of(result.problems.begin(), result.problems.end(),
                           [&](const std::string& p) { return p == s; });
    if (!dup) result.problems.push_back(s);
  }
  if (set)
    for (const auto& r : checked)
      if (set->Find(r.id) >= 0) CheckExamples(*set, r, &result);
  return result;
}

}  // namespace leakhound
