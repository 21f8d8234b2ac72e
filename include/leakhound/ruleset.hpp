// RuleSet: every rule compiled into one Hyperscan block-mode database (candidates), plus one RE2
// per rule (confirmation, with the exact pattern).
//
// Built once, immutable afterwards, shared by const reference across threads. Not copyable or
// movable (it owns the Hyperscan database); hold it in a unique_ptr.
//
// The Hyperscan database can be cached on disk (hs_serialize_database), keyed by a hash of the
// rule set and the Hyperscan version, so a warm start does not recompile. RE2 programs are
// compiled lazily, on the first candidate of each rule (thread-safe).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "leakhound/rule.hpp"

struct hs_database;
typedef struct hs_database hs_database_t;
namespace re2 {
class RE2;
}

namespace leakhound {

struct RuleSetOptions {
  // Directory for the Hyperscan database cache; empty disables the cache.
  std::string cache_dir;
  // Compile large bounded repeats into Hyperscan unbounded (HyperscanPattern). Off only to
  // compare the two in tests: the findings are the same, the compile is several times slower.
  bool relax_repeats = true;
};

// The default cache directory: $XDG_CACHE_HOME/leakhound, else $HOME/.cache/leakhound, else "".
std::string DefaultCacheDir();

class RuleSet {
 public:
  // Compiles `rules`. Rules whose pattern fails in RE2, or in Hyperscan even as a prefilter, or
  // that lack the secret capture group, are reported in `errors` and left out; the result is
  // null only when nothing could be built at all.
  static std::unique_ptr<RuleSet> Build(std::vector<Rule> rules, const RuleSetOptions& options,
                                        std::vector<RuleError>* errors);
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  size_t size() const { return rules_.size(); }
  const Rule& rule(size_t i) const { return rules_[i]; }
  const std::vector<Rule>& rules() const { return rules_; }
  // The index of the rule with `id`, or -1.
  int Find(std::string_view id) const;

  const hs_database_t* database() const { return db_; }
  // The RE2 program for rule i (compiled on first use). Never null for a built rule.
  const re2::RE2& Regex(size_t i) const;
  // How far back from a candidate end the confirmation looks, in bytes.
  uint32_t lookback(size_t i) const { return lookback_[i]; }
  bool prefiltered(size_t i) const { return prefilter_[i]; }

  bool loaded_from_cache() const { return loaded_from_cache_; }
  double build_ms() const { return build_ms_; }
  // A hex digest of the rules and the Hyperscan version (the cache key).
  const std::string& digest() const { return digest_; }

 private:
  RuleSet() = default;

  std::vector<Rule> rules_;
  std::vector<uint32_t> lookback_;
  std::vector<bool> prefilter_;
  hs_database_t* db_ = nullptr;
  // Set when db_ lives in a memory-mapped cache file (kept mapped while the set lives) rather
  // than in memory Hyperscan allocated.
  std::shared_ptr<void> db_storage_;
  mutable std::vector<std::unique_ptr<re2::RE2>> regex_;
  mutable std::unique_ptr<std::once_flag[]> regex_once_;
  bool loaded_from_cache_ = false;
  double build_ms_ = 0;
  std::string digest_;
};

// Compiles `pattern` on its own, in RE2 and in Hyperscan (exactly, else as a prefilter), and
// checks the secret group exists. Returns an empty string when fine, else what is wrong.
std::string CheckPattern(const Rule& rule, bool* needs_prefilter);

// The pattern as Hyperscan compiles it: bounded repeats with a large upper bound made unbounded
// (a superset of the same matches; RE2 confirms each candidate with the exact pattern).
std::string HyperscanPattern(const std::string& pattern);

}  // namespace leakhound
