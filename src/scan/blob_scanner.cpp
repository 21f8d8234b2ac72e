#include "scan/blob_scanner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/config.hpp"
#include "scan/credential_score.hpp"
#include "scan/filters.hpp"

namespace leakhound {
namespace {

constexpr size_t kSnippetBefore = 60;
constexpr size_t kSnippetMax = 240;
constexpr std::string_view kAllowMarker = "leakhound:allow";

uint64_t CountNewlines(const char* p, size_t n) {
  uint64_t count = 0;
  const char* end = p + n;
  while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr) {
    ++count;
    ++p;
  }
  return count;
}

// Reads up to `n` bytes at the current position; returns bytes read, or -1 with errno.
ssize_t ReadFully(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

bool ReadAll(int fd, uint64_t size, std::string* out, std::string* error) {
  out->resize(size);
  const ssize_t got = ReadFully(fd, out->data(), size);
  if (got < 0) {
    *error = std::string("read failed: ") + std::strerror(errno);
    out->clear();
    return false;
  }
  out->resize(static_cast<size_t>(got));
  return true;
}

bool LooksBinary(std::string_view data) {
  return std::memchr(data.data(), '\0', std::min<size_t>(data.size(), 8192)) != nullptr;
}

std::string Snippet::Render(bool reveal, size_t keep,
                            const std::function<size_t(std::string_view)>& prefix_of) const {
  std::string out;
  if (truncated_left) out += "...";
  size_t pos = 0;
  auto append_plain = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
    }
  };
  for (const auto& [b, e] : spans) {
    if (b < pos) continue;  // overlapping span: already covered
    append_plain(pos, b);
    if (reveal) {
      append_plain(b, e);
    } else {
      const std::string_view secret = std::string_view(text).substr(b, e - b);
      out += Redact(secret, prefix_of ? prefix_of(secret) : 0, keep);
    }
    pos = e;
  }
  append_plain(pos, text.size());
  if (truncated_right) out += "...";
  return out;
}

void SnippetWindow(uint64_t ls, uint64_t le, uint64_t focus, uint64_t* wb, uint64_t* we) {
  *wb = std::max<uint64_t>(ls, focus > kSnippetBefore ? focus - kSnippetBefore : 0);
  *we = std::min<uint64_t>(le, *wb + kSnippetMax);
}

Snippet MakeSnippet(std::string_view data, uint64_t ls, uint64_t le, uint64_t focus,
                    std::vector<std::pair<uint64_t, uint64_t>> spans) {
  uint64_t wb, we;
  SnippetWindow(ls, le, focus, &wb, &we);
  Snippet snip;
  snip.text.assign(data.substr(wb, we - wb));
  snip.truncated_left = wb > ls;
  snip.truncated_right = we < le;
  for (const auto& [b, e] : spans) {
    if (e <= wb || b >= we) continue;
    snip.spans.emplace_back(static_cast<uint32_t>(std::max(b, wb) - wb),
                            static_cast<uint32_t>(std::min(e, we) - wb));
  }
  std::sort(snip.spans.begin(), snip.spans.end());
  // Merge overlaps so that rendering redacts every byte of every secret.
  size_t w = 0;
  for (size_t k = 0; k < snip.spans.size(); ++k) {
    if (w > 0 && snip.spans[k].first <= snip.spans[w - 1].second) {
      snip.spans[w - 1].second = std::max(snip.spans[w - 1].second, snip.spans[k].second);
    } else {
      snip.spans[w++] = snip.spans[k];
    }
  }
  snip.spans.resize(w);
  return snip;
}

BlobScanner::BlobScanner(const RuleSet& rules, BlobScanOptions options)
    : scanner_(rules, options.limits), options_(options),
      user_password_rule_(rules.Find("encoded.user_password")) {
  if (options_.record_dropped) scanner_.RecordDropped(&dropped_raw_);
}

namespace {
// Clears a result for reuse, keeping its vectors' capacity.
void Reset(BlobScanResult* r) {
  r->matches.clear();
  r->suppressed_rules.clear();
  r->dropped.clear();
  r->bytes = 0;
  r->allowed = 0;
  r->suppressed = 0;
  r->truncated = false;
}
}  // namespace

bool BlobScanner::ScanBuffer(std::string_view data, BlobScanResult* result, std::string* error) {
  Reset(result);
  result->bytes = data.size();
  stats_ = {};
  dropped_raw_.clear();
  if (!scanner_.Scan(data, &raw_, &stats_, error)) return false;
  Collect(data, 0, 0, 0, 0, result);
  CollectDecoded(data, 0, 0, 0, 0, result);
  result->truncated = result->truncated || stats_.truncated;
  return true;
}

BlobScanner::FileStatus BlobScanner::ScanFile(int fd, uint64_t size, bool skip_binary,
                                              BlobScanResult* result, std::string* error) {
  return ScanStream(
      [fd](char* buf, size_t n, std::string* err) -> int64_t {
        const ssize_t got = ReadFully(fd, buf, n);
        if (got < 0) *err = std::string("read failed: ") + std::strerror(errno);
        return got;
      },
      size, skip_binary, result, error);
}

BlobScanner::FileStatus BlobScanner::ScanStream(const Reader& read, uint64_t size,
                                                bool skip_binary, BlobScanResult* result,
                                                std::string* error) {
  Reset(result);
  stats_ = {};
  const uint64_t chunk = std::max<uint64_t>(options_.chunk_bytes, 2 * options_.chunk_overlap);
  if (size <= chunk) {
    buffer_.resize(size);
    size_t got_total = 0;
    while (got_total < size) {
      const int64_t got = read(buffer_.data() + got_total, size - got_total, error);
      if (got < 0) return FileStatus::kError;
      if (got == 0) break;
      got_total += static_cast<size_t>(got);
    }
    buffer_.resize(got_total);
    if (skip_binary && LooksBinary(buffer_)) return FileStatus::kBinary;
    if (!ScanBuffer(buffer_, result, error)) return FileStatus::kError;
    return FileStatus::kScanned;
  }

  // Large: chunks of `chunk` new bytes, each scanned with the last `overlap` bytes of the
  // previous one in front, so a secret that straddles a boundary is still seen whole.
  const uint64_t overlap = options_.chunk_overlap;
  uint64_t base = 0;       // blob offset of buffer_[0]
  uint64_t line_base = 0;  // newlines before buffer_[0]
  uint64_t line_start = 0; // blob offset where the line holding buffer_[0] starts
  uint64_t total = 0;      // bytes read so far
  size_t kept = 0;         // overlap bytes at the front of buffer_
  buffer_.resize(chunk + overlap);
  while (total < size) {
    if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) {
      *error = "interrupted";
      return FileStatus::kError;
    }
    const uint64_t want = std::min<uint64_t>(chunk, size - total);
    size_t filled = 0;
    while (filled < want) {
      const int64_t got = read(buffer_.data() + kept + filled, want - filled, error);
      if (got < 0) {
        *error += " (at offset " + std::to_string(total + filled) + ")";
        return FileStatus::kError;
      }
      if (got == 0) break;
      filled += static_cast<size_t>(got);
    }
    if (filled == 0) break;  // shorter than announced: scan what there was
    if (total == 0 && skip_binary && LooksBinary(std::string_view(buffer_.data(), filled)))
      return FileStatus::kBinary;
    const std::string_view data(buffer_.data(), kept + filled);
    dropped_raw_.clear();
    if (!scanner_.Scan(data, &raw_, &stats_, error)) return FileStatus::kError;
    Collect(data, base, line_base, line_start, total, result);
    CollectDecoded(data, base, line_base, line_start, total, result);
    total += filled;
    const size_t next_kept = static_cast<size_t>(std::min<uint64_t>(overlap, data.size()));
    const size_t drop = data.size() - next_kept;
    line_base += CountNewlines(data.data(), drop);
    if (const void* nl = drop ? memrchr(data.data(), '\n', drop) : nullptr)
      line_start = base + (static_cast<const char*>(nl) - data.data()) + 1;
    base += drop;
    std::memmove(buffer_.data(), buffer_.data() + drop, next_kept);
    kept = next_kept;
    if (filled < want) break;
  }
  result->bytes = total;
  result->truncated = result->truncated || stats_.truncated;
  std::string().swap(buffer_);  // do not hold a large buffer between files
  return FileStatus::kScanned;
}

Suppression BlobScanner::InlineAllow(std::string_view line) const {
  if (!options_.honor_allow_comments) return {};
  if (line.find(kAllowMarker) != std::string_view::npos) return {"inline_allow", "leakhound:allow"};
  if (options_.honor_gitleaks_allow && line.find("gitleaks:allow") != std::string_view::npos)
    return {"inline_allow", "gitleaks:allow"};
  return {};
}

void BlobScanner::Collect(std::string_view chunk, uint64_t base, uint64_t line_base,
                          uint64_t line_start, uint64_t accept_from, BlobScanResult* result) {
  const RuleSet& rules = scanner_.rules();
  // A match gives way to an overlapping match of a higher-priority rule (vendor > fallback >
  // generic). For each priority level: the spans of its matches, sorted by start, with a
  // running maximum of their ends, so "does any span of level p overlap [s, e)" is one search.
  struct Level {
    std::vector<uint64_t> starts, max_end;
  };
  Level levels[3];
  for (const auto& m : raw_) {
    Level& l = levels[rules.rule(m.rule).priority];
    l.starts.push_back(m.secret_start);
    l.max_end.push_back(std::max(l.max_end.empty() ? 0 : l.max_end.back(), m.secret_end));
  }
  auto outranked = [&](const RawMatch& m) {
    for (int p = rules.rule(m.rule).priority + 1; p < 3; ++p) {
      const Level& l = levels[p];
      const size_t n = std::lower_bound(l.starts.begin(), l.starts.end(), m.secret_end) -
                       l.starts.begin();  // spans starting before m ends
      if (n > 0 && l.max_end[n - 1] > m.secret_start) return true;
    }
    return false;
  };
  // Two rules of the same priority reporting the very same span: keep one (the more severe,
  // then the first by id), so one secret in one place is one finding.
  auto duplicate = [&](size_t i) {
    const RawMatch& m = raw_[i];
    const Rule& r = rules.rule(m.rule);
    for (size_t j = i; j-- > 0 && raw_[j].secret_start == m.secret_start;) {
      const RawMatch& o = raw_[j];
      const Rule& q = rules.rule(o.rule);
      if (o.secret_end == m.secret_end && q.priority == r.priority &&
          (q.severity > r.severity || (q.severity == r.severity && q.id < r.id)))
        return true;
    }
    for (size_t j = i + 1; j < raw_.size() && raw_[j].secret_start == m.secret_start; ++j) {
      const RawMatch& o = raw_[j];
      const Rule& q = rules.rule(o.rule);
      if (o.secret_end == m.secret_end && q.priority == r.priority &&
          (q.severity > r.severity || (q.severity == r.severity && q.id < r.id)))
        return true;
    }
    return false;
  };
  // --verbose: what was dropped, with the line (counted from the chunk's start) and why.
  auto drop = [&](uint32_t rule, uint64_t start, uint64_t end, std::string reason) {
    if (!options_.record_dropped) return;
    const std::string_view v = chunk.substr(start, end - start);
    DroppedMatch d;
    d.rule = rule;
    d.line = line_base + 1 + CountNewlines(chunk.data(), start);
    d.value = Redact(v, DocumentedPrefixLength(rules.rule(rule), v), options_.redact_keep);
    d.reason = std::move(reason);
    result->dropped.push_back(std::move(d));
  };
  for (const auto& d : dropped_raw_)
    if (base + d.secret_end > accept_from) drop(d.rule, d.secret_start, d.secret_end, d.reason);
  std::vector<uint64_t> all_max_end(raw_.size());
  for (size_t i = 0; i < raw_.size(); ++i)
    all_max_end[i] = std::max(i ? all_max_end[i - 1] : 0, raw_[i].secret_end);

  uint64_t cursor = 0, cursor_line = line_base;
  for (size_t i = 0; i < raw_.size(); ++i) {
    const RawMatch& m = raw_[i];
    if (base + m.secret_end <= accept_from) continue;  // seen in the previous chunk
    if (outranked(m) || duplicate(i)) {
      ++result->suppressed;
      result->suppressed_rules.push_back(m.rule);
      drop(m.rule, m.secret_start, m.secret_end,
           "lower-priority rule: a higher-priority or more severe rule matched the same value");
      continue;
    }
    const std::string_view secret = chunk.substr(m.secret_start, m.secret_end - m.secret_start);
    // The secret's line: [ls, le).
    const char* start_ptr = chunk.data() + m.secret_start;
    const void* nl_before = m.secret_start
        ? memrchr(chunk.data(), '\n', m.secret_start) : nullptr;
    const uint64_t ls = nl_before ? static_cast<const char*>(nl_before) - chunk.data() + 1 : 0;
    const void* nl_after = std::memchr(start_ptr, '\n', chunk.size() - m.secret_start);
    const uint64_t le = nl_after ? static_cast<const char*>(nl_after) - chunk.data() : chunk.size();
    const std::string_view line = chunk.substr(ls, le - ls);
    Suppression allowed = InlineAllow(line);
    const bool allow_comment = !allowed.empty();
    if (allow_comment || (options_.allow && options_.allow->Allows(secret, &allowed))) {
      ++result->allowed;
      drop(m.rule, m.secret_start, m.secret_end,
           allow_comment ? "allow comment (" + allowed.source + ")"
                         : "allow-list (" + allowed.source + ")");
      if (!options_.keep_allowed) continue;
    }
    if (result->matches.size() >= options_.limits.max_matches) {
      result->truncated = true;
      break;
    }
    cursor_line += CountNewlines(chunk.data() + cursor, m.secret_start - cursor);
    cursor = m.secret_start;

    Match out;
    out.rule = m.rule;
    out.suppression = std::move(allowed);
    out.secret = Secret(std::string(secret));
    out.entropy = m.entropy;
    out.confidence = m.confidence;
    out.score = m.score;
    out.reasons = m.reasons;
    out.offset = base + m.secret_start;
    out.line = cursor_line + 1;
    // A line that began in an earlier chunk counts its columns from that chunk's line start.
    const uint64_t line_start_abs = nl_before ? base + ls : line_start;
    out.column = base + m.secret_start - line_start_abs + 1;

    // Snippet: a window of the line around the secret's start, every secret in it marked.
    uint64_t wb, we;
    SnippetWindow(ls, le, m.secret_start, &wb, &we);
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    // Matches starting before `we`, walking back while some earlier one may still reach `wb`.
    size_t j = std::upper_bound(raw_.begin(), raw_.end(), we,
                                [](uint64_t v, const RawMatch& r) { return v <= r.secret_start; }) -
               raw_.begin();
    while (j > 0 && all_max_end[j - 1] > wb) {
      --j;
      const RawMatch& o = raw_[j];
      if (o.secret_end <= wb || o.secret_start >= we) continue;
      spans.emplace_back(o.secret_start, o.secret_end);
    }
    out.snippet = MakeSnippet(chunk, ls, le, m.secret_start, std::move(spans));
    result->matches.push_back(std::move(out));
  }
}

void BlobScanner::CollectDecoded(std::string_view chunk, uint64_t base, uint64_t line_base,
                                 uint64_t line_start, uint64_t accept_from,
                                 BlobScanResult* result) {
  spans_.clear();
  FindEncoded(chunk, decode_limits_, &spans_);
  if (spans_.empty()) return;
  const RuleSet& rules = scanner_.rules();
  // The chunk's own matches: those of vendor and fallback rules (raw_, from Collect) leave an
  // encoded value alone; generic ones (this chunk's tail of result->matches) may give way.
  std::vector<std::pair<uint64_t, uint64_t>> reported;
  for (const auto& m : raw_)
    if (rules.rule(m.rule).priority >= 1) reported.emplace_back(m.secret_start, m.secret_end);
  auto overlaps_reported = [&](const DecodedSpan& s) {
    for (const auto& [b, e] : reported)
      if (b < s.end && s.begin < e) return true;
    return false;
  };

  // What is looked into: pieces of decoded text, each tied to the top-level span it came from.
  struct Piece {
    size_t outer;
    std::string encoding;
    std::string text;
  };
  std::vector<Piece> pieces;
  for (size_t i = 0; i < spans_.size(); ++i) {
    const DecodedSpan& s = spans_[i];
    if (base + s.end <= accept_from) continue;  // seen in the previous chunk
    if (overlaps_reported(s)) continue;
    pieces.push_back({i, std::string(EncodingName(s.encoding)), std::move(spans_[i].text)});
  }

  std::vector<Match> found;
  std::vector<bool> outer_found(spans_.size(), false);
  auto emit = [&](Match m, size_t outer, const std::string& encoding) {
    m.decoded = encoding;
    m.offset = spans_[outer].begin;  // relative to the chunk until placed below
    outer_found[outer] = true;
    found.push_back(std::move(m));
  };

  constexpr int kMaxDepth = 2;
  std::vector<uint64_t> starts;
  for (int depth = 1; depth <= kMaxDepth && !pieces.empty(); ++depth) {
    decoded_buffer_.clear();
    starts.clear();
    for (const auto& p : pieces) {
      starts.push_back(decoded_buffer_.size());
      decoded_buffer_ += p.text;
      decoded_buffer_ += '\n';
    }
    // A "user:password" pair, as HTTP Basic credentials encode it.
    if (user_password_rule_ >= 0) {
      const Rule& rule = rules.rule(user_password_rule_);
      for (const auto& p : pieces) {
        std::string_view user, password;
        if (!SplitUserPassword(p.text, &user, &password) || password == user) continue;
        if (rule.placeholder_filter && IsPlaceholder(password)) continue;
        const double entropy = ShannonEntropy(password);
        if (entropy < rule.min_entropy) continue;
        const CredentialScore scored =
            ScoreCredential("password", password, "", CredentialSlot::kCredentialOnly);
        if (scored.drop) continue;
        Match m;
        m.rule = static_cast<uint32_t>(user_password_rule_);
        m.secret = Secret(std::string(p.text));
        m.entropy = entropy;
        m.score = scored.score;
        m.confidence = ConfidenceFromScore(scored.score);
        m.reasons = scored.reasons;
        emit(std::move(m), p.outer, p.encoding);
      }
    }
    ScanStats stats;
    std::string error;
    if (!scanner_.Scan(decoded_buffer_, &raw_decoded_, &stats, &error)) break;
    result->truncated = result->truncated || stats.truncated;
    for (size_t i = 0; i < raw_decoded_.size(); ++i) {
      const RawMatch& m = raw_decoded_[i];
      const size_t k = std::upper_bound(starts.begin(), starts.end(), m.secret_start) -
                       starts.begin() - 1;
      if (m.secret_end > starts[k] + pieces[k].text.size()) continue;  // across two pieces
      // Within the decoded text, a match gives way to an overlapping one of a higher-priority
      // rule, and to a more severe (then first by id) rule's match of the very same span.
      const Rule& r = rules.rule(m.rule);
      bool beaten = false;
      for (size_t j = 0; j < raw_decoded_.size() && !beaten; ++j) {
        if (j == i) continue;
        const RawMatch& o = raw_decoded_[j];
        if (o.secret_start >= m.secret_end || m.secret_start >= o.secret_end) continue;
        const Rule& q = rules.rule(o.rule);
        if (q.priority != r.priority) {
          beaten = q.priority > r.priority;
        } else if (o.secret_start == m.secret_start && o.secret_end == m.secret_end) {
          beaten = q.severity != r.severity ? q.severity > r.severity
                   : q.id != r.id           ? q.id < r.id
                                            : j < i;
        }
      }
      if (beaten) {
        ++result->suppressed;
        result->suppressed_rules.push_back(m.rule);
        continue;
      }
      Match out;
      out.rule = m.rule;
      out.secret = Secret(decoded_buffer_.substr(m.secret_start, m.secret_end - m.secret_start));
      out.entropy = m.entropy;
      out.confidence = m.confidence;
      out.score = m.score;
      out.reasons = m.reasons;
      emit(std::move(out), pieces[k].outer, pieces[k].encoding);
    }
    if (depth == kMaxDepth) break;
    // The next level: encoded values inside the decoded text.
    std::vector<Piece> next;
    std::vector<DecodedSpan> inner;
    for (const auto& p : pieces) {
      inner.clear();
      FindEncoded(p.text, decode_limits_, &inner);
      for (auto& s : inner)
        next.push_back({p.outer, p.encoding + "+" + std::string(EncodingName(s.encoding)),
                        std::move(s.text)});
    }
    pieces = std::move(next);
  }
  if (found.empty()) return;

  // A generic match of an encoded value that held something gives way to it.
  auto& matches = result->matches;
  size_t w = 0;
  for (size_t i = 0; i < matches.size(); ++i) {
    const Match& m = matches[i];
    bool gone = false;
    if (m.offset >= base && rules.rule(m.rule).priority == 0 && m.decoded.empty()) {
      const uint64_t b = m.offset - base, e = b + m.secret.size();
      for (size_t s = 0; s < spans_.size() && !gone; ++s)
        gone = outer_found[s] && spans_[s].begin < e && b < spans_[s].end;
    }
    if (gone) {
      ++result->suppressed;
      result->suppressed_rules.push_back(m.rule);
    } else {
      if (w != i) matches[w] = std::move(matches[i]);
      ++w;
    }
  }
  matches.resize(w);

  // Place each finding at its encoded value: line, column, and a snippet of that line with the
  // encoded value marked (so it is redacted like a secret).
  std::stable_sort(found.begin(), found.end(),
                   [](const Match& a, const Match& b) { return a.offset < b.offset; });
  uint64_t cursor = 0, cursor_line = line_base;
  for (auto& m : found) {
    const uint64_t at = m.offset;
    const DecodedSpan* span = nullptr;
    for (const auto& s : spans_)
      if (s.begin == at) { span = &s; break; }
    const void* nl_before = at ? memrchr(chunk.data(), '\n', at) : nullptr;
    const uint64_t ls = nl_before ? static_cast<const char*>(nl_before) - chunk.data() + 1 : 0;
    const void* nl_after = std::memchr(chunk.data() + at, '\n', chunk.size() - at);
    const uint64_t le = nl_after ? static_cast<const char*>(nl_after) - chunk.data() : chunk.size();
    const std::string_view line = chunk.substr(ls, le - ls);
    Suppression allowed = InlineAllow(line);
    if (!allowed.empty() || (options_.allow && options_.allow->Allows(m.secret.Reveal(), &allowed))) {
      ++result->allowed;
      if (!options_.keep_allowed) continue;
      m.suppression = std::move(allowed);
    }
    if (matches.size() >= options_.limits.max_matches) {
      result->truncated = true;
      break;
    }
    cursor_line += CountNewlines(chunk.data() + cursor, at - cursor);
    cursor = at;
    m.offset = base + at;
    m.line = cursor_line + 1;
    const uint64_t line_start_abs = nl_before ? base + ls : line_start;
    m.column = base + at - line_start_abs + 1;
    m.snippet = MakeSnippet(chunk, ls, le, at, {{at, span ? span->end : at + 1}});
    matches.push_back(std::move(m));
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const Match& a, const Match& b) { return a.offset < b.offset; });
}

}  // namespace leakhound
