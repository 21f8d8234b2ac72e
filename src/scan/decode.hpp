// The decode stage: finds base64 and hex runs in a buffer whose bytes decode to text, so that
// the scanner can look for secrets inside them (a base64 PEM key, a base64 service-account JSON,
// a hex-encoded token, a base64 "user:password" pair).
//
// Cheap when nothing decodes: one pass over the bytes with a class table to find runs of the
// base64 alphabet, and for each long enough run the first 12 bytes are decoded and must be
// printable text before the rest is decoded. Bounded: runs of at most `max_run` bytes, at most
// `max_spans` spans and `max_decoded` decoded bytes per buffer (the rest is skipped, not an
// error: it only means fewer places are looked into).
//
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leakhound {

enum class Encoding { kBase64, kHex };
std::string_view EncodingName(Encoding e);  // "base64", "hex"

struct DecodeLimits {
  size_t min_base64 = 16;        // shortest base64 run looked at (12 decoded bytes)
  size_t min_hex = 32;           // shortest hex run looked at (16 decoded bytes)
  size_t max_run = 64u << 10;    // longer runs are left alone
  size_t max_spans = 512;        // decoded spans kept per buffer
  size_t max_decoded = 1u << 20; // decoded bytes kept per buffer
};

// One encoded run [begin, end) of the buffer and the text it decodes to.
struct DecodedSpan {
  uint64_t begin = 0;
  uint64_t end = 0;
  Encoding encoding = Encoding::kBase64;
  std::string text;
};

// Appends to `out` the runs of `data` that decode to text (printable ASCII, tab, CR, LF), in
// offset order. A run of hex digits of even length is read as hex, any other run of the base64
// alphabets (standard or URL-safe, padding optional) as base64.
void FindEncoded(std::string_view data, const DecodeLimits& limits, std::vector<DecodedSpan>* out);

// Decoders: false when `in` is not entirely of that encoding (for base64: the standard or
// URL-safe alphabet, `=` padding only at the end, a length that is not 1 mod 4).
bool Base64Decode(std::string_view in, std::string* out);
bool HexDecode(std::string_view in, std::string* out);

// True when every byte is printable ASCII, tab, CR or LF.
bool IsText(std::string_view s);

// True when `text` is one "user:password" pair as HTTP Basic credentials hold it: a user of
// 1..64 characters from [A-Za-z0-9._@+\\-] (no scheme: the password does not start with "//"),
// a password of 1..256 printable non-blank characters. Sets the parts.
bool SplitUserPassword(std::string_view text, std::string_view* user, std::string_view* password);

}  // namespace leakhound
