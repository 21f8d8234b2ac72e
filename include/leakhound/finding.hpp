// Matches and findings: a Match is one confirmed secret at one place in one blob; a Finding is
// one (rule, secret), with every location it was seen at.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leakhound/blob.hpp"
#include "leakhound/ruleset.hpp"
#include "leakhound/secret.hpp"

namespace leakhound {

// A line of context with the secrets in it marked, so it can be printed redacted.
struct Snippet {
  std::string text;                                  // at most ~240 bytes of the line
  std::vector<std::pair<uint32_t, uint32_t>> spans;  // [begin, end) of secrets inside `text`
  bool truncated_left = false;
  bool truncated_right = false;
  // The text with every secret span redacted (Redact, keeping `keep` trailing characters and
  // the documented prefix `prefix_of` says a span starts with, if given), or raw when `reveal`.
  // Control bytes become ' '.
  std::string Render(bool reveal, size_t keep = kDefaultRedactKeep,
                     const std::function<size_t(std::string_view)>& prefix_of = nullptr) const;
};

// Why something found is not reported: it is kept, marked, in the JSON and SARIF reports.
struct Suppression {
  // "inline_allow" (a leakhound:allow or gitleaks:allow comment on its line), "allow_value"
  // or "allow_regex" (the config's allow-list), "baseline"; empty: not suppressed.
  std::string kind;
  // Where: "inline comment at a.py:12", "allow.values entry in .leakhound.yaml:7",
  // "baseline .leakhound-baseline:31". For a Match's inline_allow, the marker
  // ("leakhound:allow"), completed with the location when it becomes a Finding.
  std::string source;
  bool empty() const { return kind.empty(); }
};

// An identifier found near a secret (the client id beside a client secret, the user name
// beside a password): what a reader needs to tell which account the secret belongs to. Not a
// secret: reported in full.
struct ContextItem {
  uint32_t rule = 0;   // the identifier rule that found it
  std::string value;
  std::string path;    // where it was seen (set when the match becomes a finding)
  uint64_t line = 1;
  // The same identifier (rule and value), wherever it was seen: a finding lists it once.
  bool operator==(const ContextItem& o) const { return rule == o.rule && value == o.value; }
};

struct Match {
  uint32_t rule = 0;
  Secret secret;
  double entropy = 0;
  Confidence confidence = Confidence::kMedium;
  double score = 0.75;               // how sure, in [0, 1]; `confidence` is derived from it
  std::vector<std::string> reasons;  // why that score ("key:password", "value:letters+digits")
  uint64_t offset = 0;  // of the secret in the blob
  uint64_t line = 1;    // 1-based
  uint64_t column = 1;  // 1-based, in bytes
  Snippet snippet;
  // Where a config-file analyzer found it, when one did ("services.web.environment.DB_PASSWORD");
  // reported as the location's `field` attribute.
  std::string field;
  // The secret was found in the decoded bytes of an encoded value ("base64", "hex"; nested
  // encodings joined by '+', outermost first); the location is the encoded value's. Reported as
  // the location's `decoded` attribute.
  std::string decoded;
  // The match is about a name or a path (a committed .env file, an ENV that copies a secret
  // build argument, a hardening check), not a secret value: `secret` is only what its
  // fingerprint hashes, and reports show no secret fields for it.
  bool about_name = false;
  // Set when an allow comment or the allow-list matched (BlobScanOptions::keep_allowed).
  Suppression suppression;
  // Identifiers found near it in the same blob (AttachIdentifiers).
  std::vector<ContextItem> context;
};

struct Location {
  Origin origin;
  uint64_t line = 1;
  uint64_t column = 1;
  uint64_t offset = 0;
  Snippet snippet;
};

struct Finding {
  std::string fingerprint;  // stable: hash of (rule id, secret)
  uint32_t rule = 0;
  Secret secret;
  double entropy = 0;
  Confidence confidence = Confidence::kMedium;
  double score = 0.75;               // the highest of its matches' scores, with their reasons
  std::vector<std::string> reasons;
  bool about_name = false;          // see Match::about_name
  std::vector<Location> locations;  // sorted, unique
  Suppression suppression;          // set on a suppressed finding (Report::suppressed)
  std::vector<ContextItem> context;  // identifiers seen near it, the nearest first, at most 8
};

// What a finding is about, for the fields a report shows: a secret value (the secret,
// confidence, entropy), a hardening check (rules tagged `hardening`: the check, the offending
// instruction or key, the fix), or a reference to secrets (a committed .env file, an ENV that
// copies a secret build argument: where, and the fix). Only `secret` findings have secret fields.
enum class FindingKind { kSecret, kHardening, kReference };
FindingKind KindOfFinding(const Finding& finding, const Rule& rule);
std::string_view FindingKindName(FindingKind kind);  // "secret", "hardening", "reference"

// The stable fingerprint of (rule id, secret): hex of the first 16 bytes of
// SHA-256(rule_id "\0" secret). It does not change when lines move.
std::string Fingerprint(std::string_view rule_id, std::string_view secret);

// Replaces every found secret that occurs in a location attribute (a commit summary, a layer's
// created_by...) with its redacted form. Run once after a scan: attributes come from the data.
void RedactAttributes(std::vector<Finding>* findings, size_t keep = kDefaultRedactKeep);

// Drops the findings of contextual rules (Rule::IsContextual) whose confidence is below
// `min`; findings of rules with a distinctive prefix or structure are always kept.
void DropBelowConfidence(const RuleSet& rules, Confidence min, std::vector<Finding>* findings);

// Sorts findings by severity (highest first), rule id, then first location.
void SortFindings(std::vector<Finding>* findings, const RuleSet& rules);

// Keeps the findings of the checks that run (--checks): those of rules tagged `hardening` only
// with `hardening`, the others only with `secrets`.
void DropUncheckedFindings(const RuleSet& rules, bool secrets, bool hardening,
                           std::vector<Finding>* findings);

}  // namespace leakhound
