// Scanner: finds confirmed matches of a RuleSet in a buffer.
//
// Hyperscan (block mode) reports candidates: (rule, end offset). RE2 confirms each one in a
// window that ends at the candidate and extracts the secret group; then the keyword, entropy,
// placeholder and checksum steps run. The result is a list of RawMatch in offset order.
//
// One Scanner per thread: it owns the Hyperscan scratch space and buffers. The RuleSet must
// outlive it. Not copyable; movable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"
#include "leakhound/scan_options.hpp"

struct hs_scratch;
typedef struct hs_scratch hs_scratch_t;

namespace leakhound {

struct RawMatch {
  uint32_t rule = 0;          // index into the RuleSet
  uint64_t start = 0;         // whole match, offsets in the scanned buffer
  uint64_t end = 0;
  uint64_t secret_start = 0;  // the secret group
  uint64_t secret_end = 0;
  double entropy = 0;
  Confidence confidence = Confidence::kMedium;
  double score = 0.75;               // in [0, 1]; see scan/credential_score.hpp
  std::vector<std::string> reasons;  // the scorer's, for a rule with `scorer: credential`
};


// A confirmed candidate a filter dropped (recorded only when asked: --verbose).
struct DroppedRaw {
  uint32_t rule = 0;
  uint64_t secret_start = 0;  // offsets in the scanned buffer
  uint64_t secret_end = 0;
  std::string reason;  // "placeholder value", "entropy 2.1 below the rule's minimum 3.0", ...
};

struct ScanStats {
  uint64_t candidates = 0;
  uint64_t confirmed = 0;
  uint64_t filtered = 0;  // confirmed by RE2, then dropped by entropy / placeholder / keywords
  bool truncated = false; // a limit was hit
};

class Scanner {
 public:
  explicit Scanner(const RuleSet& rules, ScanLimits limits = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;
  Scanner(Scanner&&) noexcept;

  // Scans `data` and replaces `out` with its confirmed matches, sorted by secret offset.
  // Returns false (and sets `error`) only on an engine failure.
  bool Scan(std::string_view data, std::vector<RawMatch>* out, ScanStats* stats,
            std::string* error);

  const RuleSet& rules() const { return *rules_; }
  // Appends each candidate the keyword, stopword, entropy, placeholder or credential-score
  // filters drop to `out` from now on (nullptr: stop). The caller clears it.
  void RecordDropped(std::vector<DroppedRaw>* out) { dropped_ = out; }

 private:
  struct Candidate {
    uint32_t rule;
    uint32_t pad;
    uint64_t end;
  };
  static int OnMatch(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void* ctx);
  // Records a dropped candidate whose secret is [start, start + size) of the buffer.
  void Drop(uint32_t rule, uint64_t start, uint64_t size, std::string reason);
  void Confirm(std::string_view data, uint32_t rule, const uint64_t* ends, size_t n,
               std::vector<RawMatch>* out, ScanStats* stats);

  const RuleSet* rules_;
  ScanLimits limits_;
  hs_scratch_t* scratch_ = nullptr;
  std::vector<Candidate> candidates_;
  std::vector<uint64_t> ends_;
  bool overflow_ = false;
  std::vector<DroppedRaw>* dropped_ = nullptr;
};

}  // namespace leakhound
