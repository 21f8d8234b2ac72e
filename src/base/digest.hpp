// SHA-256: in hex for fingerprints and cache keys, raw for checksums (base58check, BIP-39).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace leakhound {

// SHA-256 over `parts`, hashed in order: the 32 raw bytes.
std::string Sha256(std::initializer_list<std::string_view> parts);

// Hex of the first `bytes` bytes (at most 32) of SHA-256 over `parts`, hashed in order.
std::string Sha256Hex(std::initializer_list<std::string_view> parts, size_t bytes = 32);

}  // namespace leakhound
