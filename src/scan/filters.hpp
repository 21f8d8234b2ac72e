// Filters applied to a confirmed secret: entropy and the placeholder filter.
#pragma once

#include <string_view>

namespace leakhound {

// Shannon entropy of the bytes of `s`, in bits per byte (0 for an empty string).
double ShannonEntropy(std::string_view s);

// True when `s` looks like a placeholder rather than a secret: it contains (any case)
// "example", "xxxx", "changeme", "dummy", "${", "<"...; or it is a single repeated character,
// holds a run of 6+ identical characters, or an ascending run of 8+ ("12345678", "abcdefgh").
bool IsPlaceholder(std::string_view s);

}  // namespace leakhound
