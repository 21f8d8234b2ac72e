// Small text helpers shared by several parts of leakhound.
#pragma once

#include <string>
#include <string_view>

namespace leakhound {

// Percent-encodes `s` (RFC 3986): ASCII letters, digits and the unreserved "-._~" stay as they
// are, and so does every character in `keep` (e.g. "/" for a path); every other byte becomes
// %XX with upper-case hex.
std::string PercentEncode(std::string_view s, std::string_view keep = {});

}  // namespace leakhound
