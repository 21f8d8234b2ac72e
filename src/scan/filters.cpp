#include "scan/filters.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace leakhound {

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  const double n = static_cast<double>(s.size());
  double h = 0.0;
  for (uint32_t c : counts) {
    if (c == 0) continue;
    const double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

namespace {
constexpr std::string_view kPlaceholderWords[] = {
    "example", "xxxx",  "changeme", "change_me", "placeholder", "dummy", "sample",
    "your_",   "your-", "yourkey",  "redacted",  "fake",        "****",  "...",
    "<",       ">",     "${",       "{{",        "$(",          "%("};
}  // namespace

bool IsPlaceholder(std::string_view s) {
  if (s.empty()) return true;
  std::string lower(s.size(), '\0');
  for (size_t i = 0; i < s.size(); ++i)
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  for (std::string_view w : kPlaceholderWords)
    if (lower.find(w) != std::string::npos) return true;
  size_t run = 1, ascending = 1;
  bool all_same = true;
  for (size_t i = 1; i < s.size(); ++i) {
    const unsigned char a = s[i - 1], b = s[i];
    run = (a == b) ? run + 1 : 1;
    ascending = (b == a + 1) ? ascending + 1 : 1;
    if (a != b) all_same = false;
    if (run >= 6 || ascending >= 8) return true;
  }
  return all_same;
}

}  // namespace leakhound
