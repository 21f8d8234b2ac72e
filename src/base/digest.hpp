// SHA-256: in hex for fingerprints, raw for checksums (base58check, BIP-39). CacheKeyHex:
// XXH3-128 for the keys of local caches, which need no cryptographic hash, so that a warm start
// does not load libcrypto (it is loaded on first use: cmake/LazyLibs.cmake).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace leakhound {

// SHA-256 over `parts`, hashed in order: the 32 raw bytes.
std::string Sha256(std::initializer_list<std::string_view> parts);

// Hex of the first `bytes` bytes (at most 32) of SHA-256 over `parts`, hashed in order.
std::string Sha256Hex(std::initializer_list<std::string_view> parts, size_t bytes = 32);

// XXH3-128 over what is added, in order, as 32 hex digits: a key for a local cache file.
class CacheKeyHasher {
 public:
  CacheKeyHasher();
  ~CacheKeyHasher();
  CacheKeyHasher(const CacheKeyHasher&) = delete;
  CacheKeyHasher& operator=(const CacheKeyHasher&) = delete;
  void Update(std::string_view part);
  std::string Hex() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// CacheKeyHasher over `parts`, in order.
std::string CacheKeyHex(std::initializer_list<std::string_view> parts);

}  // namespace leakhound
