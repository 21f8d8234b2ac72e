#include "scan/decode.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace leakhound {
namespace {

// Byte classes: base64 value + 1 (0: not in either alphabet), and whether a byte is a hex digit.
struct Tables {
  std::array<uint8_t, 256> b64{};
  std::array<uint8_t, 256> hex{};  // value + 1
  std::array<bool, 256> text{};
  Tables() {
    const char* alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) b64[static_cast<unsigned char>(alpha[i])] = static_cast<uint8_t>(i + 1);
    b64['-'] = 62 + 1;  // URL-safe alphabet
    b64['_'] = 63 + 1;
    for (int i = 0; i < 10; ++i) hex['0' + i] = static_cast<uint8_t>(i + 1);
    for (int i = 0; i < 6; ++i) {
      hex['a' + i] = static_cast<uint8_t>(10 + i + 1);
      hex['A' + i] = static_cast<uint8_t>(10 + i + 1);
    }
    for (int c = 0x20; c < 0x7f; ++c) text[c] = true;
    text['\t'] = text['\n'] = text['\r'] = true;
  }
};
const Tables& T() {
  static const Tables t;
  return t;
}

// Decodes the base64 characters of `in` (no padding) into `out`; `in` holds only alphabet bytes.
void DecodeBase64Chars(std::string_view in, std::string* out) {
  const Tables& t = T();
  uint32_t acc = 0;
  int bits = 0;
  out->reserve(out->size() + in.size() * 3 / 4);
  for (unsigned char c : in) {
    acc = (acc << 6) | (t.b64[c] - 1u);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
}

void DecodeHexChars(std::string_view in, std::string* out) {
  const Tables& t = T();
  out->reserve(out->size() + in.size() / 2);
  for (size_t i = 0; i + 1 < in.size(); i += 2)
    out->push_back(static_cast<char>(((t.hex[static_cast<unsigned char>(in[i])] - 1) << 4) |
                                     (t.hex[static_cast<unsigned char>(in[i + 1])] - 1)));
}

}  // namespace

std::string_view EncodingName(Encoding e) { return e == Encoding::kHex ? "hex" : "base64"; }

bool IsText(std::string_view s) {
  const Tables& t = T();
  for (unsigned char c : s)
    if (!t.text[c]) return false;
  return true;
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  size_t n = in.size();
  while (n > 0 && in[n - 1] == '=' && in.size() - n < 2) --n;
  const std::string_view body = in.substr(0, n);
  if (body.empty() || body.size() % 4 == 1) return false;
  if (n < in.size() && in.size() % 4 != 0) return false;  // padded, then to a multiple of 4
  const Tables& t = T();
  for (unsigned char c : body)
    if (!t.b64[c]) return false;
  DecodeBase64Chars(body, out);
  return true;
}

bool HexDecode(std::string_view in, std::string* out) {
  out->clear();
  if (in.empty() || in.size() % 2) return false;
  const Tables& t = T();
  for (unsigned char c : in)
    if (!t.hex[c]) return false;
  DecodeHexChars(in, out);
  return true;
}

void FindEncoded(std::string_view data, const DecodeLimits& limits, std::vector<DecodedSpan>* out) {
  const Tables& t = T();
  const size_t n = data.size();
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t min_run = std::min(limits.min_base64, limits.min_hex);
  size_t decoded_total = 0, spans = 0;
  std::string probe;
  size_t i = 0;
  while (i < n) {
    if (!t.b64[p[i]]) {
      ++i;
      continue;
    }
    const size_t b = i;
    bool all_hex = true;
    while (i < n && t.b64[p[i]]) {
      all_hex = all_hex && t.hex[p[i]];
      ++i;
    }
    size_t e = i;
    // Up to two '=' of padding, when what follows is not more of a run.
    while (e < n && p[e] == '=' && e - i < 2) ++e;
    if (e < n && t.b64[p[e]]) e = i;  // "key=value": the '=' is not padding
    i = e;
    const size_t len = i - b;
    if (len < min_run || len > limits.max_run) continue;
    const std::string_view run = data.substr(b, len);
    const bool hex = all_hex && run.size() % 2 == 0 && run.size() >= limits.min_hex;
    if (!hex && run.size() < limits.min_base64) continue;
    // Cheap probe: the first bytes must be text before the whole run is decoded.
    probe.clear();
    if (hex) DecodeHexChars(run.substr(0, 24), &probe);
    else DecodeBase64Chars(run.substr(0, 16), &probe);
    if (!IsText(probe)) continue;
    DecodedSpan span;
    span.begin = b;
    span.end = b + len;
    span.encoding = hex ? Encoding::kHex : Encoding::kBase64;
    if (!(hex ? HexDecode(run, &span.text) : Base64Decode(run, &span.text))) continue;
    if (!IsText(span.text)) continue;
    decoded_total += span.text.size();
    if (decoded_total > limits.max_decoded || ++spans > limits.max_spans) return;
    out->push_back(std::move(span));
  }
}

bool SplitUserPassword(std::string_view text, std::string_view* user, std::string_view* password) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 64) return false;
  const std::string_view u = text.substr(0, colon);
  const std::string_view pw = text.substr(colon + 1);
  if (pw.empty() || pw.size() > 256 || pw.substr(0, 2) == "//") return false;
  for (unsigned char c : u)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '@' || c == '+' || c == '-' || c == '\\'))
      return false;
  for (unsigned char c : pw)
    if (c <= 0x20 || c >= 0x7f) return false;
  *user = u;
  *password = pw;
  return true;
}

}  // namespace leakhound
