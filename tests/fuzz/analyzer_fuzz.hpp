// One config-file analyzer on arbitrary bytes (each *_fuzz.cpp that includes this names its
// kind). Invariants: every fact's and flag's span lies inside the input; the flags name rules;
// and the analysis joined with the normal scan (AnalyzeBlob, as the pipeline runs it, with every
// built-in rule) reports only secrets that are non-empty, with sane lines and columns.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_rules.hpp"
#include "fuzz_support.hpp"
#include "analyzers/analyzers.hpp"

namespace leakhound::fuzz {

inline int FuzzAnalyzer(FileKind kind, const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const Analysis a = AnalyzeFile(kind, data);
  for (const Fact& f : a.facts) FUZZ_CHECK(f.begin <= f.end && f.end <= data.size());
  for (const Flag& f : a.flags) {
    FUZZ_CHECK(f.begin <= f.end && f.end <= data.size());
    FUZZ_CHECK(!f.rule_id.empty());
  }
  static BlobScanner scanner(BuiltinRuleSet(), BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  if (!scanner.ScanBuffer(data, &result, &error)) return 0;
  std::vector<Match> matches = result.matches;
  AnalyzedBlob out;
  AnalyzeBlob(kind, data, scanner, nullptr, &matches, &out);
  uint64_t lines = 1;
  for (char c : data) lines += c == '\n';
  for (const Match& m : matches) {
    FUZZ_CHECK(!m.secret.Reveal().empty());
    // The redacted form is never the secret, unless the secret is itself of that form
    // ("ab\u2026(8)": found by fuzzing), when showing it reveals nothing more.
    FUZZ_CHECK(m.secret.Redacted() != m.secret.Reveal() ||
               m.secret.Reveal().find("\xe2\x80\xa6(") != std::string::npos);
    FUZZ_CHECK(m.line >= 1 && m.line <= lines);
    FUZZ_CHECK(m.offset <= data.size());
  }
  return 0;
}

}  // namespace leakhound::fuzz
