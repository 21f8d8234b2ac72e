// Blobs and where they came from.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakhound {

// A blob's identity: its git blob id, SHA-1("blob <size>\0" + bytes). The same bytes in a work
// tree, in git history and in an image layer have the same id, so they are scanned once.
struct BlobId {
  std::array<uint8_t, 20> bytes{};
  std::string Hex() const;
  friend bool operator==(const BlobId& a, const BlobId& b) { return a.bytes == b.bytes; }
};
struct BlobIdHash {
  size_t operator()(const BlobId& id) const {
    size_t h;
    static_assert(sizeof(h) <= sizeof(id.bytes));
    __builtin_memcpy(&h, id.bytes.data(), sizeof(h));
    return h;
  }
};

// Incremental git blob id; Begin() with the total size, Update() with the bytes in order.
class BlobIdHasher {
 public:
  BlobIdHasher();
  ~BlobIdHasher();
  BlobIdHasher(const BlobIdHasher&) = delete;
  BlobIdHasher& operator=(const BlobIdHasher&) = delete;
  void Begin(uint64_t size);
  void Update(std::string_view bytes);
  BlobId Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
BlobId ComputeBlobId(std::string_view bytes);

// Where a blob's bytes came from. `source` names the kind ("file" here; git, image and registry
// sources add their own), `path` is what a person reads first, `attributes` hold the rest in a
// stable order (commit, author, layer digest...).
struct Origin {
  std::string source = "file";
  std::string path;
  std::vector<std::pair<std::string, std::string>> attributes;
  // A key that identifies this place, for de-duplicating locations.
  std::string Key() const;
};

// One unit of work from a Source: a file to read, or bytes already in memory.
struct BlobInput {
  Origin origin;
  std::string file_path;                      // read by the scanning thread when set
  std::shared_ptr<const std::string> bytes;   // else these bytes
};

}  // namespace leakhound
