#include "base/digest.hpp"

#include <openssl/evp.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstdio>

namespace leakhound {

std::string Sha256(std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Sha256Hex(std::initializer_list<std::string_view> parts, size_t bytes) {
  const std::string md = Sha256(parts);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < std::min(bytes, md.size()); ++i) {
    const unsigned char c = static_cast<unsigned char>(md[i]);
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

struct CacheKeyHasher::State {
  XXH3_state_t xxh;
};

CacheKeyHasher::CacheKeyHasher() : state_(std::make_unique<State>()) {
  XXH3_INITSTATE(&state_->xxh);
  XXH3_128bits_reset(&state_->xxh);
}

CacheKeyHasher::~CacheKeyHasher() = default;

void CacheKeyHasher::Update(std::string_view part) {
  XXH3_128bits_update(&state_->xxh, part.data(), part.size());
}

std::string CacheKeyHasher::Hex() const {
  const XXH128_hash_t h = XXH3_128bits_digest(&state_->xxh);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string CacheKeyHex(std::initializer_list<std::string_view> parts) {
  CacheKeyHasher h;
  for (std::string_view p : parts) h.Update(p);
  return h.Hex();
}

}  // namespace leakhound
