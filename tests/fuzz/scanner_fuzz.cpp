// The scanner on arbitrary bytes, with every built-in rule. Invariants: every reported secret
// lies inside the input and is the bytes at its offset; line and column agree with the
// newlines before it; the redacted form is never the secret; and all of that holds as well when
// the bytes are scanned in small overlapping chunks (offsets, lines and columns carried across
// chunk boundaries).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_rules.hpp"
#include "fuzz_support.hpp"
#include "scan/blob_scanner.hpp"

using namespace leakhound;

namespace {
void CheckMatches(std::string_view data, const BlobScanResult& result) {
  for (const Match& m : result.matches) {
    const std::string& secret = m.secret.Reveal();
    FUZZ_CHECK(!secret.empty());
    FUZZ_CHECK(m.offset <= data.size() && secret.size() <= data.size() - m.offset);
    FUZZ_CHECK(data.substr(m.offset, secret.size()) == secret);
    const std::string_view before = data.substr(0, m.offset);
    uint64_t lines = 1;
    for (char c : before) lines += c == '\n';
    FUZZ_CHECK(m.line == lines);
    const size_t nl = before.rfind('\n');
    const uint64_t column = m.offset - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
    FUZZ_CHECK(m.column == column);
    // The redacted form is never the secret, unless the secret is itself of that form
    // ("ab\u2026(8)": found by fuzzing), when showing it reveals nothing more.
    FUZZ_CHECK(m.secret.Redacted() != secret ||
               secret.find("\xe2\x80\xa6(") != std::string::npos);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  static BlobScanner whole(fuzz::BuiltinRuleSet(), BlobScanOptions{});
  static BlobScanner chunked(fuzz::BuiltinRuleSet(), [] {
    BlobScanOptions o;
    o.chunk_bytes = 512;  // small chunks so that inputs of a few KiB cross boundaries
    o.chunk_overlap = 256;
    return o;
  }());
  BlobScanResult result;
  std::string error;
  if (!whole.ScanBuffer(data, &result, &error)) return 0;
  CheckMatches(data, result);
  BlobScanResult streamed;
  size_t pos = 0;
  const auto status = chunked.ScanStream(
      [&](char* buf, size_t n, std::string*) -> int64_t {
        const size_t take = std::min(n, data.size() - pos);
        std::copy_n(data.data() + pos, take, buf);
        pos += take;
        return static_cast<int64_t>(take);
      },
      data.size(), false, &streamed, &error);
  FUZZ_CHECK(status == BlobScanner::FileStatus::kScanned);
  CheckMatches(data, streamed);
  return 0;
}
