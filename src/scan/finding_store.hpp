// FindingStore: the Match -> Finding stage. Collects matches from many threads into
// de-duplicated findings, one per (rule, secret). Thread-safe; not copyable.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakhound/finding.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound {

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
