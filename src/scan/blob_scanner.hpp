// BlobScanner: scans one blob (a buffer or a file read in chunks) and turns the Scanner's raw
// matches into Matches with line, column, a redactable snippet, and the allow filters applied.
//
// One per thread (it owns a Scanner and a read buffer). Not copyable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "leakhound/blob.hpp"
#include "leakhound/finding.hpp"
#include "leakhound/scan_options.hpp"
#include "scan/decode.hpp"
#include "scan/scanner.hpp"
#include "leakhound/secret.hpp"

namespace leakhound {

// The window of the line [ls, le) shown around a secret starting at `focus`: [*wb, *we).
void SnippetWindow(uint64_t ls, uint64_t le, uint64_t focus, uint64_t* wb, uint64_t* we);
// The snippet of the line [ls, le) of `data` around `focus`, with every span [b, e) (offsets in
// `data`, any order, may overlap or reach outside the window) marked as a secret.
Snippet MakeSnippet(std::string_view data, uint64_t ls, uint64_t le, uint64_t focus,
                    std::vector<std::pair<uint64_t, uint64_t>> spans);


// A candidate dropped in one blob (recorded with BlobScanOptions::record_dropped).
struct DroppedMatch {
  uint32_t rule = 0;
  uint64_t line = 1;
  std::string value;   // redacted
  std::string reason;
};

struct BlobScanResult {
  std::vector<Match> matches;
  uint64_t bytes = 0;
  uint64_t allowed = 0;     // matches dropped by leakhound:allow or the allow-list
  uint64_t suppressed = 0;  // given way to a higher-priority rule's match of the same secret
  std::vector<uint32_t> suppressed_rules;  // the rules of those matches (for `rules check`)
  bool truncated = false;   // a per-blob limit was hit
  std::vector<DroppedMatch> dropped;  // with record_dropped: what the filters dropped, and why
};

class BlobScanner {
 public:
  BlobScanner(const RuleSet& rules, BlobScanOptions options);
  BlobScanner(const BlobScanner&) = delete;
  BlobScanner& operator=(const BlobScanner&) = delete;

  // Scans bytes in memory. Returns false with `error` on an engine failure.
  bool ScanBuffer(std::string_view data, BlobScanResult* result, std::string* error);
  enum class FileStatus { kScanned, kBinary, kError };
  // Reads an open file of `size` bytes (as stat said) and scans it: whole when it fits in one
  // chunk, else chunk by chunk, so memory stays bounded. With `skip_binary`, a file whose first
  // 8 KiB hold a NUL is not scanned (kBinary). Sets result->bytes. A file that
  // is shorter than `size` when read is scanned as read.
  FileStatus ScanFile(int fd, uint64_t size, bool skip_binary, BlobScanResult* result,
                      std::string* error);
  // The same over any reader: `read(buf, n)` returns bytes read (0 at the end) or -1 with
  // `error` set by the reader.
  using Reader = std::function<int64_t(char* buf, size_t n, std::string* error)>;
  FileStatus ScanStream(const Reader& read, uint64_t size, bool skip_binary,
                        BlobScanResult* result, std::string* error);
  const RuleSet& rules() const { return scanner_.rules(); }
  const BlobScanOptions& options() const { return options_; }

 private:
  // The inline allow comment on `line` (leakhound:allow; gitleaks:allow when honoured), as the
  // suppression it makes; empty when there is none or comments are not honoured.
  Suppression InlineAllow(std::string_view line) const;
  // Turns raw matches of one chunk (which starts at `base` in the blob, with `line_base` lines
  // before it) into Matches; keeps those whose secret ends after `accept_from`.
  // `line_start` is the blob offset where the line that begins the chunk starts (columns of a
  // line that spans chunks count from there).
  void Collect(std::string_view chunk, uint64_t base, uint64_t line_base, uint64_t line_start,
               uint64_t accept_from, BlobScanResult* result);

  // The decode stage (scan/decode.hpp), run after Collect on the same chunk: scans what the
  // encoded values of `chunk` decode to (two levels deep) and adds the secrets found there at
  // the encoded values' places, with Match::decoded set. An encoded value that a vendor or
  // fallback rule already reports is left alone; a generic match of an encoded value gives way
  // to what was found inside it.
  void CollectDecoded(std::string_view chunk, uint64_t base, uint64_t line_base,
                      uint64_t line_start, uint64_t accept_from, BlobScanResult* result);

  Scanner scanner_;
  BlobScanOptions options_;
  DecodeLimits decode_limits_;
  int user_password_rule_ = -1;  // encoded.user_password, when enabled
  std::vector<DecodedSpan> spans_;
  std::vector<RawMatch> raw_decoded_;
  std::string decoded_buffer_;
  std::vector<RawMatch> raw_;
  std::vector<DroppedRaw> dropped_raw_;
  std::string buffer_;
  ScanStats stats_;
};

// Reads up to `size` bytes from `fd` into `out` (resized to what was read). False with `error`
// on a read error.
bool ReadAll(int fd, uint64_t size, std::string* out, std::string* error);

// True when `data` looks binary: a NUL byte in its first 8 KiB.
bool LooksBinary(std::string_view data);

}  // namespace leakhound
