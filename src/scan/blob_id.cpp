#include <openssl/evp.h>

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
