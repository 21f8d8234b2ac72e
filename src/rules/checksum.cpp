#include "rules/checksum.hpp"

#include <zlib.h>

#include <nlohmann/json.hpp>

namespace leakhound {
namespace {
constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool DecodesToJsonObject(std::string_view part, bool need_alg) {
  std::string decoded;
  if (!DecodeBase64(part, &decoded, /*url_safe=*/true)) return false;
  auto j = nlohmann::json::parse(decoded, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  return !need_alg || j.contains("alg");
}
}  // namespace

std::string Base62Encode(uint32_t value, size_t width) {
  std::string out;
  do {
    out.insert(out.begin(), kBase62[value % 62]);
    value /= 62;
  } while (value != 0);
  if (out.size() < width) out.insert(out.begin(), width - out.size(), '0');
  return out;
}

bool DecodeBase64(std::string_view in, std::string* out, bool url_safe) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == (url_safe ? '-' : '+')) v = 62;
    else if (c == (url_safe ? '_' : '/')) v = 63;
    else if (c == '=') { ++padding; continue; }
    else return false;
    if (padding) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2) return false;
  // Leftover bits must be fewer than a byte: 6 leftover bits means a lone trailing symbol.
  return bits < 6;
}

bool ValidGithubCrc32(std::string_view token) {
  const size_t underscore = token.rfind('_');
  if (underscore == std::string_view::npos) return false;
  std::string_view body = token.substr(underscore + 1);
  if (body.size() != 36) return false;
  for (char c : body)
    if (!IsBase62(c)) return false;
  std::string_view random = body.substr(0, 30), check = body.substr(30);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(random.data()), static_cast<uInt>(random.size())));
  return Base62Encode(crc, 6) == check;
}

bool ValidJwt(std::string_view token) {
  const size_t a = token.find('.');
  if (a == std::string_view::npos) return false;
  const size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos)
    return false;
  return DecodesToJsonObject(token.substr(0, a), /*need_alg=*/true) &&
         DecodesToJsonObject(token.substr(a + 1, b - a - 1), /*need_alg=*/false);
}

bool ValidBase64Of64Bytes(std::string_view value) {
  std::string decoded;
  return value.size() == 88 && DecodeBase64(value, &decoded, /*url_safe=*/false) &&
         decoded.size() == 64;
}

bool ValidChecksum(ChecksumKind kind, std::string_view secret) {
  switch (kind) {
    case ChecksumKind::kNone: return true;
    case ChecksumKind::kGithubCrc32: return ValidGithubCrc32(secret);
    case ChecksumKind::kJwt: return ValidJwt(secret);
    case ChecksumKind::kBase64_64: return ValidBase64Of64Bytes(secret);
  }
  return false;
}

}  // namespace leakhound
