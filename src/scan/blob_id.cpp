#include <openssl/evp.h>
#include <sys/random.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <random>

#include <string>

#include "leakhound/blob.hpp"

namespace leakhound {

std::string BlobId::Hex() const {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

struct BlobIdHasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

BlobIdHasher::BlobIdHasher() : impl_(std::make_unique<Impl>()) {}
BlobIdHasher::~BlobIdHasher() = default;

void BlobIdHasher::Begin(uint64_t size) {
  EVP_DigestInit_ex(impl_->ctx, EVP_sha1(), nullptr);
  const std::string header = "blob " + std::to_string(size);
  EVP_DigestUpdate(impl_->ctx, header.c_str(), header.size() + 1);  // with the NUL
}

void BlobIdHasher::Update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

BlobId BlobIdHasher::Finish() {
  BlobId id;
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, id.bytes.data(), &len);
  return id;
}

BlobId ComputeBlobId(std::string_view bytes) {
  thread_local BlobIdHasher hasher;
  hasher.Begin(bytes.size());
  hasher.Update(bytes);
  return hasher.Finish();
}

namespace {
struct ContentIdSecret {
  unsigned char bytes[192];
  ContentIdSecret() {
    static_assert(sizeof(bytes) >= XXH3_SECRET_SIZE_MIN);
    // The kernel's generator (getrandom), not OpenSSL's: a warm scan need not load libcrypto.
    if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
      std::random_device rd;
      for (auto& b : bytes) b = static_cast<unsigned char>(rd());
    }
  }
};
}  // namespace

BlobId ComputeContentId(std::string_view bytes) {
  static const ContentIdSecret secret;
  const XXH128_hash_t h =
      XXH3_128bits_withSecret(bytes.data(), bytes.size(), secret.bytes, sizeof(secret.bytes));
  BlobId id;
  std::memcpy(id.bytes.data(), &h.low64, 8);
  std::memcpy(id.bytes.data() + 8, &h.high64, 8);
  const uint32_t size = static_cast<uint32_t>(bytes.size());
  std::memcpy(id.bytes.data() + 16, &size, 4);
  return id;
}

std::string Origin::Key() const {
  std::string k = source;
  k += '\0';
  k += path;
  for (const auto& [name, value] : attributes) {
    k += '\0';
    k += name;
    k += '=';
    k += value;
  }
  return k;
}

}  // namespace leakhound
