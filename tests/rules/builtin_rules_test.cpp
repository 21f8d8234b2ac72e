// Every built-in rule: its pattern compiles in both engines, its examples fire through the full
// engine and its negative examples do not. One section per rule, so a failure names it.
#include <catch2/catch.hpp>
#include <set>

#include "cli/rule_check.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Built-in rules: at least 150, unique ids, each with examples both ways") {
  const RuleSet& set = testing::BuiltinRules();
  std::vector<RuleError> errors;
  const auto loaded = LoadBuiltinRules(&errors);
  CHECK(errors.empty());
  CHECK(set.size() == loaded.size());  // none dropped by the build
  CHECK(set.size() >= 150);
  std::set<std::string> ids;
  for (const auto& r : set.rules()) {
    INFO(r.id);
    CHECK(ids.insert(r.id).second);
    CHECK_FALSE(r.examples.empty());
    CHECK_FALSE(r.negative_examples.empty());
    CHECK_FALSE(r.name.empty());
    CHECK_FALSE(r.description.empty());
    CHECK_FALSE(r.references.empty());
  }
}

TEST_CASE("Built-in rules: every example through the full engine") {
  const RuleSet& set = testing::BuiltinRules();
  size_t examples = 0;
  for (const auto& rule : set.rules()) {
    DYNAMIC_SECTION(rule.id) {
      RuleCheckResult result;
      CheckExamples(set, rule, &result);
      examples += result.examples;
      for (const auto& p : result.problems) FAIL_CHECK(p);
    }
  }
}

TEST_CASE("Built-in rules: every pattern compiles on its own in RE2 and Hyperscan") {
  for (const auto& rule : testing::BuiltinRules().rules()) {
    bool prefilter = false;
    INFO(rule.id);
    CHECK(CheckPattern(rule, &prefilter) == "");
  }
}
