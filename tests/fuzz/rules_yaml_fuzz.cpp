// The rule YAML loader on arbitrary text: it may reject a file or a rule, with an error naming
// them, but must not crash; a rule it accepts has an id and a pattern. Accepted rules are
// compiled too (RE2 and Hyperscan, exactly or as a prefilter), as `--rules DIR` would.
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  std::vector<RuleError> errors;
  std::vector<Rule> rules;
  try {
    rules = LoadRulesFromYaml(text, "fuzz.yaml", &errors);
  } catch (const std::exception&) {
    return 0;  // the documented way a whole file is refused
  }
  for (const auto& e : errors) FUZZ_CHECK(!e.ToString().empty());
  for (const auto& r : rules) {
    FUZZ_CHECK(!r.id.empty());
    FUZZ_CHECK(!r.pattern.empty());
  }
  if (!rules.empty() && rules.size() <= 4) {
    auto set = RuleSet::Build(std::move(rules), RuleSetOptions{}, &errors);
    if (set) FUZZ_CHECK(set->size() <= 4);
  }
  return 0;
}
