// Offline validators for token formats that carry a checksum or a structure.
#pragma once

#include <string>
#include <string_view>

#include "leakhound/rule.hpp"

namespace leakhound {

// GitHub / npm tokens: prefix, 30 random base62 characters, then the CRC-32 of those 30 in
// base62 (0-9A-Za-z), left-padded with '0' to 6 characters.
bool ValidGithubCrc32(std::string_view token);
// Three base64url parts, the first two decoding to JSON objects, the first with "alg".
bool ValidJwt(std::string_view token);
// Standard base64 that decodes to exactly 64 bytes.
bool ValidBase64Of64Bytes(std::string_view value);
// Base58 (Bitcoin alphabet) whose last 4 decoded bytes are the first 4 bytes of
// SHA-256(SHA-256(the bytes before them)): BIP-32 extended keys, WIF private keys.
bool ValidBase58Check(std::string_view value);
// 12, 15, 18, 21 or 24 words of the BIP-39 English list (any case, separated by anything but
// letters) whose last ENT/32 bits match the first bits of SHA-256 of the entropy.
bool ValidBip39English(std::string_view phrase);
// BIP-173 Bech32: human-readable part, '1', data characters, 6-character checksum (constant 1,
// not Bech32m); one case throughout; no 90-character limit (age keys are longer).
bool ValidBech32(std::string_view value);
// Dispatch. kNone returns true.
bool ValidChecksum(ChecksumKind kind, std::string_view secret);

// Helpers shared with tests and fixture builders.
std::string Base62Encode(uint32_t value, size_t width);
// Decodes standard or URL-safe base64 (padding optional). Returns false on bad input.
bool DecodeBase64(std::string_view in, std::string* out, bool url_safe);
// Decodes Bitcoin base58 (leading '1's are zero bytes). Returns false on a character outside
// the alphabet or an input longer than 256 characters.
bool DecodeBase58(std::string_view in, std::string* out);

}  // namespace leakhound
