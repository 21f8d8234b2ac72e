// `leakhound rules check --timing`: what each rule costs the engine. Each pattern is compiled
// on its own (the Hyperscan database and the checks RuleSet::Build runs) and scanned over a
// fixed corpus (the rule files themselves, whose examples give every rule candidates to
// confirm, and a deterministic mix of source-like text); a rule far above the median of the
// same run, or over a fixed bytecode budget, is a problem. Comparing with the median of the
// same run keeps the check meaningful on a slow or busy machine.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "leakhound/rule.hpp"

namespace leakhound {

struct RuleTiming {
  std::string id;
  std::string source;
  double compile_ms = 0;   // RuleSet::Build of the rule alone and its RE2 program
  size_t bytecode = 0;     // the rule's Hyperscan database, bytes
  double scan_ms = 0;      // Scanner over the timing corpus: candidates and their confirmation
  double candidates_ms = 0; // of which Hyperscan alone (finding the candidates)
  uint64_t candidates = 0;
  bool prefilter = false;  // Hyperscan runs it as a prefilter
};

struct RuleTimingBudget {
  double times_median = 10;        // flag a rule this many times over the run's median ...
  double compile_floor_ms = 100;   // ... when its compile also takes longer than this
  double scan_floor_ms = 25;       // ... or its (warm) scan longer than this
  size_t max_bytecode = 1 << 20;   // flag any rule whose database is larger
};

struct RuleTimingReport {
  std::vector<RuleTiming> rules;  // the rules timed, in the order given
  size_t corpus_bytes = 0;
  double median_compile_ms = 0;
  double median_scan_ms = 0;
  double whole_compile_ms = 0;    // every rule timed compiled together, as a scan would
  std::vector<std::string> problems;  // "SOURCE: rule ID: ..."
};

// The fixed corpus the scans are timed on (deterministic: the same bytes on every run).
std::string TimingCorpus();

// Times `timed` (rules without a pattern are skipped). The medians come from `timed`, or from
// `reference` as well when `timed` has fewer than 20 patterns (a user's small rule directory is
// compared with the built-in rules).
RuleTimingReport TimeRules(const std::vector<Rule>& timed, const std::vector<Rule>& reference,
                           const RuleTimingBudget& budget = {});

// The report as `rules check --timing` prints it: the summary, then the `top` costliest rules
// by compile time and by scan time.
std::string FormatRuleTiming(const RuleTimingReport& report, size_t top = 15);

}  // namespace leakhound
