#include "rules/checksum.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.hpp"

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

constexpr const char* kBip39English[] = {
#include "rules/bip39_english.inc"
};
static_assert(sizeof(kBip39English) / sizeof(kBip39English[0]) == 2048);

// Index of `word` in the (sorted) BIP-39 English list, or -1.
int Bip39Index(std::string_view word) {
  const auto* begin = std::begin(kBip39English);
  const auto* end = std::end(kBip39English);
  const auto* it = std::lower_bound(begin, end, word,
                                    [](const char* a, std::string_view b) { return std::string_view(a) < b; });
  if (it == end || std::string_view(*it) != word) return -1;
  return static_cast<int>(it - begin);
}

constexpr char kBech32Charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}
}  // namespace

bool DecodeBase58(std::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  out->clear();
  if (in.empty() || in.size() > 256) return false;
  size_t zeros = 0;
  while (zeros < in.size() && in[zeros] == '1') ++zeros;
  // Big-endian base-256 accumulator: value = value * 58 + digit.
  std::vector<uint8_t> num;
  for (char c : in.substr(zeros)) {
    const char* p = std::char_traits<char>::find(kAlphabet, 58, c);
    if (p == nullptr) return false;
    uint32_t carry = static_cast<uint32_t>(p - kAlphabet);
    for (auto it = num.rbegin(); it != num.rend(); ++it) {
      carry += static_cast<uint32_t>(*it) * 58;
      *it = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      num.insert(num.begin(), static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  out->assign(zeros, '\0');
  out->append(num.begin(), num.end());
  return true;
}

bool ValidBase58Check(std::string_view value) {
  std::string raw;
  if (!DecodeBase58(value, &raw) || raw.size() < 5) return false;
  const std::string_view payload(raw.data(), raw.size() - 4);
  const std::string check = Sha256({Sha256({payload})});
  return raw.compare(raw.size() - 4, 4, check, 0, 4) == 0;
}

bool ValidBip39English(std::string_view phrase) {
  // Words are runs of ASCII letters; anything else separates them.
  std::vector<int> indices;
  std::string word;
  auto flush = [&]() -> bool {
    if (word.empty()) return true;
    const int idx = Bip39Index(word);
    word.clear();
    if (idx < 0) return false;
    indices.push_back(idx);
    return indices.size() <= 24;
  };
  for (char c : phrase) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (word.size() > 8) return false;  // the longest listed word has 8 letters
      word.push_back(static_cast<char>(c | 0x20));
    } else if (!flush()) {
      return false;
    }
  }
  if (!flush()) return false;
  const size_t n = indices.size();
  if (n < 12 || n % 3 != 0) return false;  // 12, 15, 18, 21 or 24 words
  const size_t total_bits = n * 11, cs_bits = total_bits / 33, ent_bits = total_bits - cs_bits;
  std::vector<uint8_t> bits;
  bits.reserve(total_bits);
  for (int idx : indices)
    for (int b = 10; b >= 0; --b) bits.push_back(static_cast<uint8_t>((idx >> b) & 1));
  std::string entropy(ent_bits / 8, '\0');
  for (size_t i = 0; i < ent_bits; ++i)
    if (bits[i]) entropy[i / 8] = static_cast<char>(entropy[i / 8] | (0x80 >> (i % 8)));
  const std::string hash = Sha256({entropy});
  for (size_t i = 0; i < cs_bits; ++i) {
    const int want = (static_cast<uint8_t>(hash[i / 8]) >> (7 - i % 8)) & 1;
    if (bits[ent_bits + i] != want) return false;
  }
  return true;
}

bool ValidBech32(std::string_view value) {
  if (value.size() < 8 || value.size() > 1023) return false;
  bool lower = false, upper = false;
  for (char c : value) {
    if (c < 33 || c > 126) return false;
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return false;
  std::string s(value);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  const size_t sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size()) return false;
  std::vector<uint8_t> values;
  for (size_t i = 0; i < sep; ++i) values.push_back(static_cast<uint8_t>(s[i] >> 5));
  values.push_back(0);
  for (size_t i = 0; i < sep; ++i) values.push_back(static_cast<uint8_t>(s[i] & 31));
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::char_traits<char>::find(kBech32Charset, 32, s[i]);
    if (p == nullptr) return false;
    values.push_back(static_cast<uint8_t>(p - kBech32Charset));
  }
  return Bech32Polymod(values) == 1;
}

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
    case ChecksumKind::kBase58Check: return ValidBase58Check(secret);
    case ChecksumKind::kBip39: return ValidBip39English(secret);
    case ChecksumKind::kBech32: return ValidBech32(secret);
  }
  return false;
}

}  // namespace leakhound
