#include "leakhound/ruleset.hpp"

#include "base/digest.hpp"
#include "base/mapped_file.hpp"

#include <hs/hs.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace leakhound {
namespace {

RE2::Options Re2Options() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);  // bytes, like Hyperscan without HS_FLAG_UTF8
  o.set_log_errors(false);
  o.set_max_mem(32 << 20);
  return o;
}

// Parses a single expression; returns its max width (UINT_MAX when unbounded) or an error.
bool ExpressionInfo(const std::string& pattern, unsigned flags, unsigned* max_width,
                    std::string* error) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(pattern.c_str(), flags, &info, &err) != HS_SUCCESS) {
    *error = err ? err->message : "unknown Hyperscan error";
    hs_free_compile_error(err);
    return false;
  }
  *max_width = info->max_width;
  std::free(info);
  return true;
}

// Bounded repeats with an upper bound at least this large are compiled into Hyperscan without
// the bound (see HyperscanPattern).
constexpr unsigned kRelaxedRepeatBound = 16;

std::string PlatformKey() {
  hs_platform_info_t p{};
  hs_populate_platform(&p);
  std::ostringstream os;
  os << hs_version() << '/' << p.tune << '/' << p.cpu_features;
  return os.str();
}

// Keeps the cache directory small: the newest few entries of each kind stay.
void PruneCache(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("hs-", 0) == 0 || name.rfind("rules-", 0) == 0)
      entries.emplace_back(it->last_write_time(ec), it->path());
  }
  std::sort(entries.begin(), entries.end(), std::greater<>());
  for (size_t i = 16; i < entries.size(); ++i) fs::remove(entries[i].second, ec);
}

// The compiled database's cache file: this header (magic, rule count, each rule's lookback and
// prefilter flag, the database's size and XXH3 hash), zero padding to a page boundary, then the
// database as Hyperscan lays it out in memory, deserialised once at a page-aligned address. A
// warm start maps the file and hands Hyperscan the mapped database: nothing is copied or
// zeroed, and only the pages a scan touches are read. (Hyperscan's database refers to its
// bytecode by an offset from its start, aligned relative to the start's address modulo 64; any
// page-aligned address keeps that alignment.)
constexpr char kCacheMagic[8] = {'L', 'H', 'D', 'B', '0', '0', '0', '2'};
constexpr size_t kCachePage = 4096;

size_t RoundUpToPage(size_t n) { return (n + kCachePage - 1) / kCachePage * kCachePage; }

}  // namespace

// Hyperscan pays for a large bounded repeat (`[A-Za-z0-9+/]{100,1000}`) with a large automaton:
// a few such rules took most of the database's compile time. Hyperscan only has to report every
// offset where a match of the rule may end, since RE2 confirms each candidate with the exact
// pattern, so it gets the pattern with those repeats unbounded (`{100,}`), which matches a
// superset of the same texts and compiles in a fraction of the time. The confirmation window
// (lookback) still comes from the exact pattern's width, capped by the rule's max_length.
std::string HyperscanPattern(const std::string& pattern) {
  // RE2's \Q...\E quoting would need a real parser to step over; leave such patterns alone.
  if (pattern.find("\\Q") != std::string::npos) return pattern;
  std::string out;
  out.reserve(pattern.size());
  const size_t n = pattern.size();
  bool in_class = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = pattern[i];
    if (c == '\\') {  // an escape: copy it and the byte it escapes
      out += c;
      if (i + 1 < n) out += pattern[++i];
      continue;
    }
    if (in_class) {
      out += c;
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      out += c;
      in_class = true;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < n && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < n && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '{') {  // {m,n} with n >= the bound becomes {m,}
      size_t j = i + 1;
      unsigned long lo = 0, hi = 0;
      bool lo_digits = false, hi_digits = false;
      while (j < n && std::isdigit(static_cast<unsigned char>(pattern[j])) && lo < 100000)
        lo = lo * 10 + (pattern[j++] - '0'), lo_digits = true;
      if (lo_digits && j < n && pattern[j] == ',') {
        ++j;
        while (j < n && std::isdigit(static_cast<unsigned char>(pattern[j])) && hi < 100000)
          hi = hi * 10 + (pattern[j++] - '0'), hi_digits = true;
        if (hi_digits && j < n && pattern[j] == '}' && hi >= kRelaxedRepeatBound && hi >= lo) {
          out += '{';
          out += std::to_string(lo);
          out += ",}";
          i = j;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

std::string DefaultCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/leakhound";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/leakhound";
  return "";
}

std::string CheckPattern(const Rule& rule, bool* needs_prefilter) {
  *needs_prefilter = false;
  if (!rule.analyzer.empty()) return "";  // no pattern: an analyzer reports it
  RE2 re(rule.pattern, Re2Options());
  if (!re.ok()) return "RE2 rejects the pattern: " + re.error();
  if (re.NumberOfCapturingGroups() < rule.secret_group)
    return "the pattern has no capture group " + std::to_string(rule.secret_group) +
           " for the secret";
  unsigned width = 0;
  std::string error;
  if (!ExpressionInfo(rule.pattern, 0, &width, &error)) {
    std::string prefilter_error;
    if (!ExpressionInfo(rule.pattern, HS_FLAG_PREFILTER, &width, &prefilter_error))
      return "Hyperscan rejects the pattern: " + error;
    *needs_prefilter = true;
  }
  // A pattern that can match the empty string would report a candidate at every offset.
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(rule.pattern.c_str(), *needs_prefilter ? HS_FLAG_PREFILTER : 0, &info,
                         &err) == HS_SUCCESS) {
    const bool empty = info->min_width == 0;
    std::free(info);
    if (empty) return "the pattern can match the empty string";
  } else {
    hs_free_compile_error(err);
  }
  return "";
}

RuleSet::~RuleSet() {
  if (!db_storage_) hs_free_database(db_);
}

int RuleSet::Find(std::string_view id) const {
  for (size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].id == id) return static_cast<int>(i);
  return -1;
}

const re2::RE2& RuleSet::Regex(size_t i) const {
  std::call_once(regex_once_[i], [&] {
    if (!regex_[i]) regex_[i] = std::make_unique<RE2>(rules_[i].pattern, Re2Options());
  });
  return *regex_[i];
}

std::unique_ptr<RuleSet> RuleSet::Build(std::vector<Rule> rules, const RuleSetOptions& options,
                                        std::vector<RuleError>* errors) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<RuleSet> set(new RuleSet());

  // Duplicate ids: the first wins, the rest are errors. (The views point into `rules`, which
  // does not move while they are used.)
  std::unordered_set<std::string_view> ids;
  ids.reserve(rules.size());
  std::vector<bool> keep(rules.size());
  size_t kept = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    keep[i] = ids.insert(rules[i].id).second;
    if (keep[i]) ++kept;
    else errors->push_back({rules[i].source, rules[i].id, "duplicate rule id"});
  }
  const size_t requested = ids.size();

  // The key covers what is compiled: the relaxation of HyperscanPattern is versioned here.
  {
    CacheKeyHasher key;
    key.Update(PlatformKey());
    if (options.relax_repeats) key.Update("/relaxed-repeats-" + std::to_string(kRelaxedRepeatBound));
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!keep[i]) continue;
      const Rule& r = rules[i];
      for (std::string_view part : {std::string_view(r.id), std::string_view(r.pattern),
                                    std::string_view(r.analyzer)}) {
        key.Update(std::string_view("\0", 1));
        key.Update(part);
      }
      key.Update(std::string_view(reinterpret_cast<const char*>(&r.max_length),
                                  sizeof r.max_length));
    }
    set->digest_ = key.Hex();
  }
  ids.clear();
  std::vector<Rule> unique;
  unique.reserve(kept);
  for (size_t i = 0; i < rules.size(); ++i)
    if (keep[i]) unique.push_back(std::move(rules[i]));
  const std::string cache_path =
      options.cache_dir.empty() ? "" : options.cache_dir + "/hs-" + set->digest_ + ".db";

  // Warm start: the database, lookbacks and prefilter flags from the cache.
  if (!cache_path.empty()) {
    auto file = std::make_shared<MappedFile>();
    if (file->Open(cache_path)) {
      const std::string_view blob = file->data();
      const size_t n = unique.size();
      const size_t header = sizeof(kCacheMagic) + 4 + n * 5 + 16;
      const size_t offset = RoundUpToPage(header);
      uint32_t count = 0;
      uint64_t db_size = 0, db_hash = 0;
      if (blob.size() > offset && std::memcmp(blob.data(), kCacheMagic, 8) == 0 &&
          (std::memcpy(&count, blob.data() + 8, 4), count == n) &&
          (std::memcpy(&db_size, blob.data() + header - 16, 8),
           std::memcpy(&db_hash, blob.data() + header - 8, 8), db_size == blob.size() - offset) &&
          XXH3_64bits(blob.data() + offset, db_size) == db_hash) {
        const auto* db = reinterpret_cast<const hs_database_t*>(blob.data() + offset);
        size_t size = 0;
        if (hs_database_size(db, &size) == HS_SUCCESS && size <= db_size) {
          set->db_ = const_cast<hs_database_t*>(db);  // read only: Hyperscan never writes it
          set->db_storage_ = file;
          set->lookback_.resize(n);
          set->prefilter_.resize(n);
          const char* p = blob.data() + 12;
          for (size_t i = 0; i < n; ++i, p += 5) {
            std::memcpy(&set->lookback_[i], p, 4);
            set->prefilter_[i] = p[4] != 0;
          }
          set->rules_ = std::move(unique);
          set->regex_.resize(n);
          set->regex_once_.reset(new std::once_flag[n]);
          set->loaded_from_cache_ = true;
          set->build_ms_ = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - t0).count();
          return set;
        }
      }
    }
  }

  // Cold start: check every pattern on its own, then compile them together.
  std::vector<Rule> good;
  std::vector<std::string> hs_patterns;  // what Hyperscan compiles for each rule of `good`
  std::vector<uint32_t> lookbacks;
  std::vector<bool> prefilter;
  for (auto& r : unique) {
    if (!r.analyzer.empty()) {  // in the rule set for reporting, not in the database
      lookbacks.push_back(0);
      prefilter.push_back(false);
      hs_patterns.emplace_back();
      good.push_back(std::move(r));
      continue;
    }
    bool pf = false;
    std::string problem = CheckPattern(r, &pf);
    if (!problem.empty()) {
      errors->push_back({r.source, r.id, problem});
      continue;
    }
    unsigned width = 0;
    std::string ignored;
    ExpressionInfo(r.pattern, pf ? HS_FLAG_PREFILTER : 0, &width, &ignored);
    lookbacks.push_back(width == UINT_MAX ? r.max_length : std::min<unsigned>(width, r.max_length));
    // The relaxed pattern, when Hyperscan takes it in the same mode as the exact one.
    std::string relaxed = options.relax_repeats ? HyperscanPattern(r.pattern) : r.pattern;
    if (relaxed != r.pattern &&
        !ExpressionInfo(relaxed, pf ? HS_FLAG_PREFILTER : 0, &width, &ignored))
      relaxed = r.pattern;
    hs_patterns.push_back(std::move(relaxed));
    prefilter.push_back(pf);
    good.push_back(std::move(r));
  }
  if (good.empty()) {
    errors->push_back({"<ruleset>", "", "no usable rules"});
    return nullptr;
  }

  // A pattern can pass on its own and still fail in the database (resource limits): make it a
  // prefilter, or drop it, and try again.
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, hs_ids;
    for (size_t i = 0; i < good.size(); ++i) {
      if (!good[i].analyzer.empty()) continue;
      exprs.push_back(hs_patterns[i].c_str());
      flags.push_back(prefilter[i] ? HS_FLAG_PREFILTER : 0);
      hs_ids.push_back(static_cast<unsigned>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), hs_ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) == HS_SUCCESS) {
      set->db_ = db;
      break;
    }
    const int bad_expr = err ? err->expression : -1;
    const std::string message = err ? err->message : "unknown error";
    hs_free_compile_error(err);
    const int bad = bad_expr < 0 || static_cast<size_t>(bad_expr) >= hs_ids.size()
                        ? -1 : static_cast<int>(hs_ids[bad_expr]);
    if (bad < 0) {
      errors->push_back({"<ruleset>", "", "Hyperscan compile failed: " + message});
      return nullptr;
    }
    if (!prefilter[bad]) {
      prefilter[bad] = true;
      continue;
    }
    errors->push_back({good[bad].source, good[bad].id, "Hyperscan cannot compile: " + message});
    good.erase(good.begin() + bad);
    hs_patterns.erase(hs_patterns.begin() + bad);
    lookbacks.erase(lookbacks.begin() + bad);
    prefilter.erase(prefilter.begin() + bad);
    if (good.empty()) return nullptr;
  }
  if (!set->db_) return nullptr;

  const size_t n = good.size();
  set->rules_ = std::move(good);
  set->regex_.resize(n);  // compiled on each rule's first candidate (Regex)
  set->regex_once_.reset(new std::once_flag[n]);
  set->lookback_ = std::move(lookbacks);
  set->prefilter_ = std::move(prefilter);

  // The cache is keyed on the rules that were asked for; only a clean build is cached, so a
  // warm start never hides an error.
  if (!cache_path.empty() && set->rules_.size() == requested) {
    char* bytes = nullptr;
    size_t length = 0;
    size_t db_size = 0;
    if (hs_serialize_database(set->db_, &bytes, &length) == HS_SUCCESS &&
        hs_serialized_database_size(bytes, length, &db_size) == HS_SUCCESS) {
      // The in-memory layout at a page-aligned address (see kCacheMagic).
      void* image = std::aligned_alloc(kCachePage, RoundUpToPage(db_size));
      if (image) std::memset(image, 0, RoundUpToPage(db_size));
      if (image && hs_deserialize_database_at(bytes, length,
                                              static_cast<hs_database_t*>(image)) == HS_SUCCESS) {
        std::string data(kCacheMagic, 8);
        const uint32_t count = static_cast<uint32_t>(n);
        data.append(reinterpret_cast<const char*>(&count), 4);
        for (size_t i = 0; i < n; ++i) {
          data.append(reinterpret_cast<const char*>(&set->lookback_[i]), 4);
          data.push_back(set->prefilter_[i] ? 1 : 0);
        }
        const uint64_t size64 = db_size;
        const uint64_t hash = XXH3_64bits(image, db_size);
        data.append(reinterpret_cast<const char*>(&size64), 8);
        data.append(reinterpret_cast<const char*>(&hash), 8);
        data.resize(RoundUpToPage(data.size()), '\0');
        data.append(static_cast<const char*>(image), db_size);
        WriteFileAtomic(cache_path, data);
        PruneCache(options.cache_dir);
      }
      std::free(image);
    }
    std::free(bytes);
  }
  set->build_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return set;
}

}  // namespace leakhound
