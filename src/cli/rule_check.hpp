// The checks behind `leakhound rules check`, shared with the test suite.
#pragma once

#include <string>
#include <vector>

#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound {

struct RuleCheckResult {
  size_t rules = 0;
  size_t examples = 0;
  std::vector<std::string> problems;  // each names the file and the rule id; secrets redacted
};

// Checks `checked`: unique ids, every pattern compiles in RE2 and Hyperscan with its secret
// group, at least one example and one negative example, every example yields a finding of the
// rule and no negative example does, run through the full engine of `context` + `checked`.
RuleCheckResult CheckRules(const std::vector<Rule>& checked, const std::vector<Rule>& context);

// Runs `rule`'s examples through an already-built engine; appends problems.
void CheckExamples(const RuleSet& set, const Rule& rule, RuleCheckResult* result);

}  // namespace leakhound
