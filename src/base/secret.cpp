#include "leakhound/secret.hpp"

#include <algorithm>

namespace leakhound {

std::string Redact(std::string_view value) {
  // Show at most 4 bytes, and never more than a quarter of the value.
  const size_t shown = std::min<size_t>(4, value.size() / 4);
  std::string out;
  out.reserve(shown + 16);
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    out.push_back(c >= 0x21 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  out += "\xE2\x80\xA6(";  // U+2026 HORIZONTAL ELLIPSIS
  out += std::to_string(value.size());
  out += ')';
  return out;
}

}  // namespace leakhound
