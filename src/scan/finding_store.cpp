#include <algorithm>
#include <tuple>

#include "base/digest.hpp"
#include "leakhound/finding.hpp"
#include "scan/finding_store.hpp"
#include "scan/identifiers.hpp"

namespace leakhound {

std::string Fingerprint(std::string_view rule_id, std::string_view secret) {
  return Sha256Hex({rule_id, std::string_view("\0", 1), secret}, 16);
}

FindingKind KindOfFinding(const Finding& finding, const Rule& rule) {
  if (rule.HasTag("hardening")) return FindingKind::kHardening;
  return finding.about_name ? FindingKind::kReference : FindingKind::kSecret;
}

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kSecret: return "secret";
    case FindingKind::kHardening: return "hardening";
    case FindingKind::kReference: return "reference";
  }
  return "secret";
}

void RedactAttributes(std::vector<Finding>* findings, size_t keep) {
  std::vector<const Secret*> secrets;
  for (const auto& f : *findings)
    if (f.secret.size() >= 4) secrets.push_back(&f.secret);
  if (secrets.empty()) return;
  // Many locations share a value (one commit, one layer): redact each distinct value once.
  std::unordered_map<std::string, std::string> done;
  for (auto& f : *findings)
    for (auto& l : f.locations)
      for (auto& [key, value] : l.origin.attributes) {
        auto it = done.find(value);
        if (it == done.end()) {
          std::string redacted = value;
          for (const Secret* s : secrets)
            for (size_t at; (at = redacted.find(s->Reveal())) != std::string::npos;)
              redacted.replace(at, s->size(), s->Redacted(keep));
          it = done.emplace(value, std::move(redacted)).first;
        }
        value = it->second;
      }
}

void FindingStore::Add(const Match& match, const Origin& origin) {
  const Rule& rule = rules_->rule(match.rule);
  std::string fp = Fingerprint(rule.id, match.secret.Reveal());
  std::string loc_key = origin.Key();
  loc_key += '\0' + std::to_string(match.line) + ':' + std::to_string(match.column);
  if (!match.field.empty()) loc_key += '\0' + match.field;
  if (!match.decoded.empty()) loc_key += "\0decoded=" + match.decoded;
  // A suppressed match is a finding of its own per suppression (an inline comment per place).
  Suppression suppression = match.suppression;
  if (suppression.kind == "inline_allow")
    suppression.source = "inline comment at " + origin.path + ":" + std::to_string(match.line);
  std::string key = fp;
  if (!suppression.empty()) key += '\0' + suppression.kind + '\0' + suppression.source;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = findings_.try_emplace(key);
  Finding& f = it->second;
  if (inserted) {
    f.suppression = std::move(suppression);
    f.fingerprint = fp;
    f.rule = match.rule;
    f.secret = match.secret;
    f.secret.set_documented_prefix(DocumentedPrefixLength(rule, match.secret.Reveal()));
    f.entropy = match.entropy;
    f.confidence = match.confidence;
    f.score = match.score;
    f.reasons = match.reasons;
    f.about_name = match.about_name;
  } else if (match.score > f.score) {  // the same secret seen where it is more certain
    f.score = match.score;
    f.confidence = match.confidence;
    f.reasons = match.reasons;
  }
  if (!match.context.empty() && f.context.size() < kMaxContext) {
    std::vector<ContextItem> context = match.context;
    for (auto& c : context) c.path = origin.path;
    MergeContext(&f.context, context);
  }
  auto& keys = location_keys_[key];
  if (keys.count(loc_key)) return;
  keys.emplace(std::move(loc_key), f.locations.size());
  Location loc;
  loc.origin = origin;
  if (!match.field.empty()) loc.origin.attributes.emplace_back("field", match.field);
  if (!match.decoded.empty()) loc.origin.attributes.emplace_back("decoded", match.decoded);
  loc.line = match.line;
  loc.column = match.column;
  loc.offset = match.offset;
  loc.snippet = match.snippet;
  f.locations.push_back(std::move(loc));
}

size_t FindingStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return findings_.size();
}

namespace {

// Where a location is, for telling whether two findings report one secret in one place: the
// attributes that only say how the file was read (a compose env_file analyzed as a .env file)
// or what an analyzer saw there (the field) are left out.
std::string PlaceKey(const Location& l, const std::string& secret) {
  std::string key = l.origin.source + '\0' + l.origin.path + '\0' + std::to_string(l.line) +
                    ':' + std::to_string(l.column) + '\0' + secret;
  for (const auto& [k, v] : l.origin.attributes)
    if (k != "analyzed_as" && k != "env_file_of" && k != "field" && k != "decoded") key += '\0' + k + '=' + v;
  return key;
}

}  // namespace

// One secret in one place is one finding: when two passes over the same file (the walk, and a
// compose env_file read again as a .env file) report it under rules of different priority, the
// lower one's location goes, as within one scan (BlobScanner's `outranked`).
void FindingStore::DropOutranked() {
  std::unordered_map<std::string, int> best;
  for (const auto& [fp, f] : findings_) {
    const int priority = rules_->rule(f.rule).priority;
    for (const auto& l : f.locations) {
      auto [it, inserted] = best.try_emplace(PlaceKey(l, f.secret.Reveal()), priority);
      if (!inserted) it->second = std::max(it->second, priority);
    }
  }
  for (auto it = findings_.begin(); it != findings_.end();) {
    Finding& f = it->second;
    const int priority = rules_->rule(f.rule).priority;
    f.locations.erase(std::remove_if(f.locations.begin(), f.locations.end(),
                                     [&](const Location& l) {
                                       return best[PlaceKey(l, f.secret.Reveal())] > priority;
                                     }),
                      f.locations.end());
    it = f.locations.empty() ? findings_.erase(it) : std::next(it);
  }
}

std::vector<Finding> FindingStore::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  DropOutranked();
  std::vector<Finding> out;
  out.reserve(findings_.size());
  auto loc_less = [](const Location& a, const Location& b) {
    return std::tie(a.origin.path, a.origin.source, a.origin.attributes, a.line, a.column) <
           std::tie(b.origin.path, b.origin.source, b.origin.attributes, b.line, b.column);
  };
  for (auto& [fp, f] : findings_) {
    std::sort(f.locations.begin(), f.locations.end(), loc_less);
    out.push_back(std::move(f));
  }
  findings_.clear();
  location_keys_.clear();
  SortFindings(&out, *rules_);
  return out;
}

void DropUncheckedFindings(const RuleSet& rules, bool secrets, bool hardening,
                           std::vector<Finding>* findings) {
  findings->erase(std::remove_if(findings->begin(), findings->end(),
                                 [&](const Finding& f) {
                                   return rules.rule(f.rule).HasTag("hardening") ? !hardening
                                                                                 : !secrets;
                                 }),
                  findings->end());
}

void DropBelowConfidence(const RuleSet& rules, Confidence min, std::vector<Finding>* findings) {
  findings->erase(std::remove_if(findings->begin(), findings->end(),
                                 [&](const Finding& f) {
                                   return rules.rule(f.rule).IsContextual() && f.confidence < min;
                                 }),
                  findings->end());
}

void SortFindings(std::vector<Finding>* findings, const RuleSet& rules) {
  std::sort(findings->begin(), findings->end(), [&](const Finding& a, const Finding& b) {
    const Rule& ra = rules.rule(a.rule);
    const Rule& rb = rules.rule(b.rule);
    if (ra.severity != rb.severity) return ra.severity > rb.severity;
    if (ra.id != rb.id) return ra.id < rb.id;
    const Location& la = a.locations.front();
    const Location& lb = b.locations.front();
    if (la.origin.path != lb.origin.path) return la.origin.path < lb.origin.path;
    if (la.line != lb.line) return la.line < lb.line;
    if (la.column != lb.column) return la.column < lb.column;
    return a.fingerprint < b.fingerprint;
  });
}

}  // namespace leakhound
