#include "scan/scanner.hpp"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "rules/checksum.hpp"
#include "scan/credential_score.hpp"
#include "scan/filters.hpp"

namespace leakhound {
namespace {

bool ContainsCaseInsensitive(std::string_view haystack, std::string_view lower_needle) {
  if (lower_needle.size() > haystack.size()) return false;
  const size_t last = haystack.size() - lower_needle.size();
  for (size_t i = 0; i <= last; ++i) {
    size_t j = 0;
    while (j < lower_needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[i + j])) ==
               static_cast<unsigned char>(lower_needle[j]))
      ++j;
    if (j == lower_needle.size()) return true;
  }
  return false;
}

// Where the line holding `pos` starts (at most 400 bytes back).
uint64_t LineStartOf(std::string_view data, uint64_t pos) {
  const uint64_t floor = pos > 400 ? pos - 400 : 0;
  while (pos > floor && data[pos - 1] != '\n') --pos;
  return pos;
}

// A byte of a key's identifier, dotted or dashed (app.smtp.password, x-api-key, $db_pass).
bool IsKeyByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '$';
}

bool IsIdentifierByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':';
}

}  // namespace

Scanner::Scanner(const RuleSet& rules, ScanLimits limits) : rules_(&rules), limits_(limits) {
  if (hs_alloc_scratch(rules.database(), &scratch_) != HS_SUCCESS) scratch_ = nullptr;
}

Scanner::~Scanner() {
  if (scratch_) hs_free_scratch(scratch_);
}

Scanner::Scanner(Scanner&& o) noexcept
    : rules_(o.rules_), limits_(o.limits_), scratch_(o.scratch_),
      candidates_(std::move(o.candidates_)), ends_(std::move(o.ends_)) {
  o.scratch_ = nullptr;
}

int Scanner::OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                     unsigned int /*flags*/, void* ctx) {
  auto* self = static_cast<Scanner*>(ctx);
  if (self->candidates_.size() >= self->limits_.max_candidates) {
    self->overflow_ = true;
    return 1;  // stop scanning this buffer
  }
  self->candidates_.push_back({id, 0, to});
  return 0;
}

bool Scanner::Scan(std::string_view data, std::vector<RawMatch>* out, ScanStats* stats,
                   std::string* error) {
  out->clear();
  candidates_.clear();
  overflow_ = false;
  if (!scratch_) {
    *error = "cannot allocate Hyperscan scratch space";
    return false;
  }
  // hs_scan takes an unsigned int length: larger buffers are the caller's to chunk.
  if (data.size() > UINT32_MAX) {
    *error = "buffer larger than 4 GiB";
    return false;
  }
  const hs_error_t rc = hs_scan(rules_->database(), data.data(),
                                static_cast<unsigned>(data.size()), 0, scratch_, OnMatch, this);
  if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
    *error = "Hyperscan scan failed with code " + std::to_string(rc);
    return false;
  }
  if (overflow_) stats->truncated = true;
  stats->candidates += candidates_.size();

  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.end < b.end;
  });
  for (size_t i = 0; i < candidates_.size();) {
    const uint32_t rule = candidates_[i].rule;
    ends_.clear();
    for (; i < candidates_.size() && candidates_[i].rule == rule; ++i)
      if (ends_.empty() || ends_.back() != candidates_[i].end) ends_.push_back(candidates_[i].end);
    Confirm(data, rule, ends_.data(), ends_.size(), out, stats);
    if (out->size() >= limits_.max_matches) {
      stats->truncated = true;
      break;
    }
  }
  std::sort(out->begin(), out->end(), [](const RawMatch& a, const RawMatch& b) {
    return a.secret_start != b.secret_start ? a.secret_start < b.secret_start : a.rule < b.rule;
  });
  return true;
}

namespace {
std::string LowEntropy(double entropy, double min) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "entropy %.2f below the rule's minimum %.2f", entropy, min);
  return buf;
}
}  // namespace

void Scanner::Drop(uint32_t rule, uint64_t start, uint64_t size, std::string reason) {
  if (dropped_) dropped_->push_back({rule, start, start + size, std::move(reason)});
}

// Hyperscan reports every offset at which some match of the rule ends, so RE2's leftmost match
// in [end - lookback, last end] is one of them. Each RE2 search starts after the previous match,
// so the work stays linear in the buffer and in the number of candidates.
void Scanner::Confirm(std::string_view data, uint32_t rule_index, const uint64_t* ends, size_t n,
                      std::vector<RawMatch>* out, ScanStats* stats) {
  const Rule& rule = rules_->rule(rule_index);
  const RE2& re = rules_->Regex(rule_index);
  if (!re.ok()) return;
  const uint64_t lookback = rules_->lookback(rule_index);
  const int nsub = std::max(rule.secret_group, rule.key_group) + 1;
  re2::StringPiece groups[33];
  uint64_t pos = 0;  // no match may start before this
  size_t i = 0;
  const uint64_t last_end = ends[n - 1];
  while (i < n) {
    const uint64_t e = ends[i];
    if (e < pos) {
      ++i;
      continue;
    }
    const uint64_t lo = std::max<uint64_t>(pos, e > lookback ? e - lookback : 0);
    if (!re.Match(data, lo, last_end, RE2::UNANCHORED, groups, nsub)) break;
    const uint64_t ms = groups[0].data() - data.data();
    const uint64_t me = ms + groups[0].size();
    pos = me > ms ? me : ms + 1;
    while (i < n && ends[i] < pos) ++i;

    const re2::StringPiece secret = groups[rule.secret_group];
    if (secret.data() == nullptr || secret.empty()) continue;
    std::string_view whole(groups[0].data(), groups[0].size());
    std::string_view value(secret.data(), secret.size());
    ++stats->confirmed;
    if (!rule.keywords.empty()) {
      bool found = false;
      for (const auto& k : rule.keywords)
        if (ContainsCaseInsensitive(whole, k)) { found = true; break; }
      if (!found) {
        ++stats->filtered;
        if (dropped_)
          Drop(rule_index, secret.data() - data.data(), secret.size(),
               "no keyword of the rule in the match");
        continue;
      }
    }
    // Stopwords see the whole identifier the match starts in ("NextToken", not just "Token").
    const char* stopped = nullptr;
    if (!rule.stopwords.empty()) {
      uint64_t cs = ms;
      while (cs > 0 && ms - cs < 64 && IsIdentifierByte(data[cs - 1])) --cs;
      const std::string_view context = data.substr(cs, me - cs);
      for (const auto& w : rule.stopwords)
        if (ContainsCaseInsensitive(context, w)) { stopped = w.c_str(); break; }
    }
    if (stopped) {
      ++stats->filtered;
      if (dropped_)
        Drop(rule_index, secret.data() - data.data(), secret.size(),
             std::string("stopword \"") + stopped + "\"");
      continue;
    }
    const double entropy = ShannonEntropy(value);
    CredentialScore scored;
    if (rule.scorer != Scorer::kNone) {
      // The key: its own group, else the whole match before the secret; widened back to the
      // start of the identifier it is part of ("DB_PASSWORD", "bypass": the word decides).
      uint64_t ks = ms, ke = secret.data() - data.data();
      if (rule.key_group > 0 && groups[rule.key_group].data()) {
        ks = groups[rule.key_group].data() - data.data();
        ke = ks + groups[rule.key_group].size();
      }
      while (ks > 0 && ke - ks < 128 && IsKeyByte(data[ks - 1])) --ks;
      const std::string_view key = data.substr(ks, ke - ks);
      uint64_t ls = LineStartOf(data, ms);
      uint64_t le = data.find('\n', me);
      if (le == std::string_view::npos) le = data.size();
      const uint64_t vs = secret.data() - data.data();
      const bool quoted = vs > 0 && (data[vs - 1] == '"' || data[vs - 1] == '\'' ||
                                     data[vs - 1] == '`' || data[vs - 1] == '>');
      scored = ScoreCredential(key, value, data.substr(ls, std::min<uint64_t>(le - ls, 400)),
                               rule.scorer == Scorer::kCredentialSlot
                                   ? CredentialSlot::kCredentialOnly
                                   : CredentialSlot::kAssignment,
                               quoted);
      if (scored.drop || entropy < rule.min_entropy) {
        ++stats->filtered;
        if (dropped_) {
          std::string why;
          for (const auto& r : scored.reasons) why += (why.empty() ? "" : ", ") + r;
          Drop(rule_index, secret.data() - data.data(), secret.size(),
               scored.drop ? "credential score: " + (why.empty() ? "not a credential" : why)
                           : LowEntropy(entropy, rule.min_entropy));
        }
        continue;
      }
    } else if (entropy < rule.min_entropy) {
      ++stats->filtered;
      if (dropped_)
        Drop(rule_index, secret.data() - data.data(), secret.size(),
             LowEntropy(entropy, rule.min_entropy));
      continue;
    } else if (rule.placeholder_filter && IsPlaceholder(value)) {
      ++stats->filtered;
      if (dropped_)
        Drop(rule_index, secret.data() - data.data(), secret.size(), "placeholder value");
      continue;
    } else if (rule.checksum == ChecksumKind::kBip39 && !ValidChecksum(rule.checksum, value)) {
      // Any dozen English words fit the pattern; only the checksum says it is a seed phrase.
      ++stats->filtered;
      if (dropped_)
        Drop(rule_index, secret.data() - data.data(), secret.size(), "BIP-39 checksum fails");
      continue;
    }
    RawMatch m;
    m.rule = rule_index;
    m.start = ms;
    m.end = me;
    m.secret_start = secret.data() - data.data();
    m.secret_end = m.secret_start + secret.size();
    m.entropy = entropy;
    m.confidence = rule.checksum == ChecksumKind::kNone ? Confidence::kMedium
                   : ValidChecksum(rule.checksum, value) ? Confidence::kHigh
                                                         : Confidence::kLow;
    if (rule.scorer != Scorer::kNone) {
      m.score = scored.score;
      m.confidence = ConfidenceFromScore(scored.score);
      m.reasons = std::move(scored.reasons);
    } else {
      m.score = ScoreFromConfidence(m.confidence);
    }
    out->push_back(std::move(m));
    if (out->size() >= limits_.max_matches) return;
  }
}

}  // namespace leakhound
