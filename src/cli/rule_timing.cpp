#include "cli/rule_timing.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "leakhound/ruleset.hpp"
#include "rules/embedded_rules.hpp"
#include "scan/scanner.hpp"

namespace leakhound {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// xorshift64*: a fixed sequence, so the corpus is the same bytes everywhere.
struct Rng {
  uint64_t s = 0x9e3779b97f4a7c15ull;
  uint64_t Next() {
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    return s * 0x2545f4914f6cdd1dull;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

std::string RandomText(Rng& rng, const char* alphabet, size_t alphabet_size, size_t n) {
  std::string s(n, ' ');
  for (auto& c : s) c = alphabet[rng.Below(alphabet_size)];
  return s;
}

// One timing: the rule built alone and scanned over `corpus`; false when it does not build.
bool TimeOne(const Rule& rule, const std::string& corpus, RuleTiming* t) {
  std::vector<RuleError> errors;
  const auto t0 = Clock::now();
  auto set = RuleSet::Build({rule}, RuleSetOptions{}, &errors);
  if (!set || !errors.empty() || !set->database()) return false;
  set->Regex(0);  // RE2 compiles on a rule's first candidate: count it here, not in the scan
  t->compile_ms = MsSince(t0);
  hs_database_size(set->database(), &t->bytecode);
  t->prefilter = set->prefiltered(0);
  Scanner scanner(*set);
  std::vector<RawMatch> out;
  ScanStats stats;
  std::string error;
  // In 64 KiB pieces, as files mostly are; each piece is a separate scan. The first pass warms
  // up (RE2 builds its DFA states as it meets text); the second is timed.
  constexpr size_t kPiece = 64 << 10;
  Clock::time_point t1;
  for (int pass = 0; pass < 2; ++pass) {
    stats = ScanStats{};
    t1 = Clock::now();
    for (size_t at = 0; at < corpus.size(); at += kPiece)
      scanner.Scan(std::string_view(corpus).substr(at, kPiece), &out, &stats, &error);
  }
  t->scan_ms = MsSince(t1);
  t->candidates = stats.candidates;
  // Hyperscan's share: the same pieces, candidates only.
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(set->database(), &scratch) == HS_SUCCESS) {
    const auto t2 = Clock::now();
    for (size_t at = 0; at < corpus.size(); at += kPiece)
      hs_scan(set->database(), corpus.data() + at,
              static_cast<unsigned>(std::min(kPiece, corpus.size() - at)), 0, scratch, nullptr,
              nullptr);
    t->candidates_ms = MsSince(t2);
    hs_free_scratch(scratch);
  }
  return true;
}

std::string Fixed(double v, int precision) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

}  // namespace

std::string TimingCorpus() {
  std::string corpus;
  for (size_t i = 0; i < kEmbeddedRuleFileCount; ++i) corpus += kEmbeddedRuleFiles[i].content;
  // Source-like text: assignments of random values to credential-sounding and ordinary names,
  // long base64 and hex runs, prose, and URLs: what makes a loose pattern produce candidates.
  static const char* const kNames[] = {
      "password", "api_key", "token", "secret", "client_secret", "auth", "key", "DB_PASS",
      "accessToken", "private_key", "user", "name", "count", "url", "path", "id", "version"};
  static const char* const kWords[] = {"the", "value", "config", "server", "request", "return",
                                       "if", "else", "for", "import", "data", "error", "file"};
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char kHex[] = "0123456789abcdef";
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  Rng rng;
  const size_t target = corpus.size() + (1u << 20);
  while (corpus.size() < target) {
    // Mostly code and prose; about one line in twenty assigns a value to a name, and one in
    // forty is a bare base64 run, as in real source trees (a denser corpus would make the
    // generic rules look costlier than they are on real input).
    switch (const size_t pick = rng.Below(40); pick < 2 ? 0 : pick < 3 ? 1 : pick < 4 ? 2
                                                          : pick < 5 ? 3 : 4) {
      case 0:
        corpus += std::string(kNames[rng.Below(std::size(kNames))]) + " = \"" +
                  RandomText(rng, kAlnum, 62, 8 + rng.Below(40)) + "\"\n";
        break;
      case 1:
        corpus += RandomText(rng, kB64, 64, 76) + "\n";
        break;
      case 2:
        corpus += "  " + std::string(kNames[rng.Below(std::size(kNames))]) + ": " +
                  RandomText(rng, kHex, 16, 16 << rng.Below(3)) + "\n";
        break;
      case 3:
        corpus += "https://" + RandomText(rng, kHex, 16, 6) + ".example.com/" +
                  RandomText(rng, kAlnum, 62, 12) + "?q=" + RandomText(rng, kAlnum, 62, 20) + "\n";
        break;
      default: {
        std::string line;
        for (size_t w = 0, n = 4 + rng.Below(10); w < n; ++w)
          line += std::string(kWords[rng.Below(std::size(kWords))]) + ' ';
        corpus += line + "\n";
      }
    }
  }
  return corpus;
}

RuleTimingReport TimeRules(const std::vector<Rule>& timed, const std::vector<Rule>& reference,
                           const RuleTimingBudget& budget) {
  RuleTimingReport report;
  const std::string corpus = TimingCorpus();
  report.corpus_bytes = corpus.size();
  std::vector<Rule> with_pattern;
  for (const auto& r : timed)
    if (r.analyzer.empty()) with_pattern.push_back(r);
  for (const auto& r : with_pattern) {
    RuleTiming t;
    t.id = r.id;
    t.source = r.source;
    if (!TimeOne(r, corpus, &t)) continue;  // `rules check` reports why it does not build
    report.rules.push_back(std::move(t));
  }
  std::vector<double> compile, scan;
  for (const auto& t : report.rules) compile.push_back(t.compile_ms), scan.push_back(t.scan_ms);
  if (report.rules.size() < 20) {
    for (const auto& r : reference) {
      RuleTiming t;
      if (r.analyzer.empty() && TimeOne(r, corpus, &t))
        compile.push_back(t.compile_ms), scan.push_back(t.scan_ms);
    }
  }
  report.median_compile_ms = Median(compile);
  report.median_scan_ms = Median(scan);
  {
    std::vector<RuleError> errors;
    const auto t0 = Clock::now();
    RuleSet::Build(with_pattern, RuleSetOptions{}, &errors);
    report.whole_compile_ms = MsSince(t0);
  }
  // A rule over the line is measured twice more and judged on its best run, so that a pause of
  // the machine does not fail it.
  const double compile_limit =
      std::max(budget.compile_floor_ms, budget.times_median * report.median_compile_ms);
  const double scan_limit =
      std::max(budget.scan_floor_ms, budget.times_median * report.median_scan_ms);
  for (auto& t : report.rules) {
    if (t.compile_ms <= compile_limit && t.scan_ms <= scan_limit) continue;
    const auto rule = std::find_if(with_pattern.begin(), with_pattern.end(),
                                   [&](const Rule& r) { return r.id == t.id; });
    for (int again = 0; again < 2; ++again) {
      RuleTiming u;
      if (!TimeOne(*rule, corpus, &u)) break;
      t.compile_ms = std::min(t.compile_ms, u.compile_ms);
      t.scan_ms = std::min(t.scan_ms, u.scan_ms);
    }
  }
  for (const auto& t : report.rules) {
    const std::string where = t.source + ": rule " + t.id + ": ";
    if (t.compile_ms > compile_limit)
      report.problems.push_back(where + "compiles in " + Fixed(t.compile_ms, 1) + " ms, " +
                                Fixed(t.compile_ms / report.median_compile_ms, 0) +
                                "x the median rule (" + Fixed(report.median_compile_ms, 2) +
                                " ms)");
    if (t.scan_ms > scan_limit)
      report.problems.push_back(where + "scans the timing corpus in " + Fixed(t.scan_ms, 1) +
                                " ms, " + Fixed(t.scan_ms / report.median_scan_ms, 0) +
                                "x the median rule (" + Fixed(report.median_scan_ms, 2) +
                                " ms), " + std::to_string(t.candidates) + " candidates");
    if (t.bytecode > budget.max_bytecode)
      report.problems.push_back(where + "its Hyperscan database takes " +
                                std::to_string(t.bytecode >> 10) + " KiB, over the budget of " +
                                std::to_string(budget.max_bytecode >> 10) + " KiB");
  }
  return report;
}

std::string FormatRuleTiming(const RuleTimingReport& report, size_t top) {
  std::ostringstream os;
  os << "timing: " << report.rules.size() << " patterns, each compiled alone and scanned over "
     << Fixed(report.corpus_bytes / 1048576.0, 1) << " MiB; all of them compiled together in "
     << Fixed(report.whole_compile_ms / 1000, 2) << " s\n"
     << "median rule: compile " << Fixed(report.median_compile_ms, 2) << " ms, scan "
     << Fixed(report.median_scan_ms, 2) << " ms\n";
  auto list = [&](const char* title, auto key, auto show) {
    std::vector<const RuleTiming*> v;
    for (const auto& t : report.rules) v.push_back(&t);
    std::sort(v.begin(), v.end(),
              [&](const RuleTiming* a, const RuleTiming* b) { return key(*a) > key(*b); });
    size_t width = 0;
    for (size_t i = 0; i < v.size() && i < top; ++i) width = std::max(width, v[i]->id.size());
    os << title << ":\n";
    for (size_t i = 0; i < v.size() && i < top; ++i)
      os << "  " << v[i]->id << std::string(width + 2 - v[i]->id.size(), ' ') << show(*v[i])
         << "\n";
  };
  list("slowest to compile", [](const RuleTiming& t) { return t.compile_ms; },
       [](const RuleTiming& t) {
         return Fixed(t.compile_ms, 1) + " ms  " + std::to_string(t.bytecode >> 10) + " KiB" +
                (t.prefilter ? "  (prefilter)" : "");
       });
  list("slowest to scan", [](const RuleTiming& t) { return t.scan_ms; },
       [](const RuleTiming& t) {
         return Fixed(t.scan_ms, 2) + " ms (Hyperscan " + Fixed(t.candidates_ms, 2) + " ms)  " +
                std::to_string(t.candidates) + " candidates, " +
                Fixed(1000 * (t.scan_ms - t.candidates_ms) / std::max<uint64_t>(1, t.candidates), 0) +
                " us each";
       });
  return os.str();
}

}  // namespace leakhound
