// The built-in rule set, compiled once per fuzz process (cached on disk like the binary's).
#pragma once

#include <cstdlib>
#include <memory>

#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound::fuzz {

inline const RuleSet& BuiltinRuleSet() {
  static std::unique_ptr<RuleSet> set = [] {
    std::vector<RuleError> errors;
    RuleSetOptions options;
    options.cache_dir = DefaultCacheDir();
    auto built = RuleSet::Build(LoadBuiltinRules(&errors), options, &errors);
    if (!built || !errors.empty()) std::abort();
    return built;
  }();
  return *set;
}

}  // namespace leakhound::fuzz
