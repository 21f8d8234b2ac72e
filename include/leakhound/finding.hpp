// Findings: one per (rule, secret), with every location it was seen at.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakhound/blob.hpp"
#include "leakhound/blob_scanner.hpp"
#include "leakhound/ruleset.hpp"
#include "leakhound/secret.hpp"

namespace leakhound {

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
  std::vector<Location> locations;  // sorted, unique
};

// The stable fingerprint of (rule id, secret): hex of the first 16 bytes of
// SHA-256(rule_id "\0" secret). It does not change when lines move.
std::string Fingerprint(std::string_view rule_id, std::string_view secret);

// Replaces every found secret that occurs in a location attribute (a commit summary, a layer's
// created_by...) with its redacted form. Run once after a scan: attributes come from the data.
void RedactAttributes(std::vector<Finding>* findings);

// Sorts findings by severity (highest first), rule id, then first location.
void SortFindings(std::vector<Finding>* findings, const RuleSet& rules);

// Keeps the findings of the checks that run (--checks): those of rules tagged `hardening` only
// with `hardening`, the others only with `secrets`.
void DropUncheckedFindings(const RuleSet& rules, bool secrets, bool hardening,
                           std::vector<Finding>* findings);

// Collects matches from many threads into de-duplicated findings. Thread-safe.
class FindingStore {
 public:
  explicit FindingStore(const RuleSet& rules) : rules_(&rules) {}
  FindingStore(const FindingStore&) = delete;
  FindingStore& operator=(const FindingStore&) = delete;

  void Add(const Match& match, const Origin& origin);
  // The findings, sorted by severity (highest first), rule id, then first location; each
  // finding's locations sorted by origin and position.
  std::vector<Finding> Take();
  size_t size() const;

 private:
  void DropOutranked();  // under mu_
  const RuleSet* rules_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Finding> findings_;
  std::unordered_map<std::string, std::map<std::string, size_t>> location_keys_;
};

}  // namespace leakhound
