#include "leakhound/secret.hpp"

#include <algorithm>

namespace leakhound {

std::string Redact(std::string_view value, size_t prefix, size_t keep) {
  if (prefix > value.size() / 2) prefix = 0;
  const size_t rest = value.size() - prefix;
  // The tail: only of a long rest, and never more than a quarter of it.
  const size_t tail = rest >= 16 ? std::min(keep, rest / 4) : 0;
  std::string out;
  out.reserve(prefix + tail + 16);
  auto append = [&](std::string_view part) {
    for (const char ch : part) {
      const unsigned char c = static_cast<unsigned char>(ch);
      out.push_back(c >= 0x21 && c < 0x7f ? static_cast<char>(c) : '?');
    }
  };
  append(value.substr(0, prefix));
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  append(value.substr(value.size() - tail));
  if (tail) out += ' ';
  out += '(';
  out += std::to_string(value.size());
  out += ')';
  return out;
}

}  // namespace leakhound
