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
// Dispatch. kNone returns true.
bool ValidChecksum(ChecksumKind kind, std::string_view secret);

// Helpers shared with tests and fixture builders.
std::string Base62Encode(uint32_t value, size_t width);
// Decodes standard or URL-safe base64 (padding optional). Returns false on bad input.
bool DecodeBase64(std::string_view in, std::string* out, bool url_safe);

}  // namespace leakhound
