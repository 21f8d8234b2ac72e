// Where an image's blobs live: a directory (OCI layout), a tar (docker-archive, OCI archive) or
// a registry. ImageSource reads manifests, configs and layers only through this interface, so
// every kind of input goes through the same parsing and scanning code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace leakhound {

constexpr uint64_t kMaxImageMetadataBytes = 64ull << 20;  // manifests, indexes, configs

// A stream of raw bytes, pulled by the reader.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Bytes read into buf (0 at the end), or -1 with `error` set.
  virtual int64_t Read(char* buf, size_t n, std::string* error) = 0;
  // Called once the consumer is done with the stream: reads what is left and checks it (a
  // registry blob verifies its digest here). False with `error` set when the bytes were bad.
  virtual bool Finish(std::string* error) { return true; }
  // The next bytes without copying them where the reader holds them already: points `*data`
  // at them, valid until the next call on this reader. Returns their count, 0 at the end, or
  // -1 with `error` set. By default, a Read() into a buffer of the reader's own.
  // After Finish(): the bytes were not those promised (a registry blob not matching its
  // digest), so reading the blob again may give good ones.
  virtual bool BadBytes() const { return false; }
  virtual int64_t Borrow(const char** data, std::string* error) {
    if (borrowed_.empty()) borrowed_.resize(1 << 18);
    *data = borrowed_.data();
    return Read(borrowed_.data(), borrowed_.size(), error);
  }

 private:
  std::string borrowed_;
};

// Members are named as in an OCI layout: "index.json", "manifest.json" (docker-archive),
// "blobs/<alg>/<hex>".
class ImageStore {
 public:
  virtual ~ImageStore() = default;
  // The member's raw bytes, streamed.
  virtual std::unique_ptr<ByteReader> OpenRaw(const std::string& name, std::string* error) const = 0;
  virtual bool Exists(const std::string& name) const = 0;
  // Reads a metadata member whole (at most kMaxImageMetadataBytes).
  virtual bool ReadSmall(const std::string& name, std::string* out, std::string* error) const = 0;
  // Reads a manifest or an index that a descriptor names (a registry serves these from another
  // endpoint than blobs).
  virtual bool ReadManifest(const std::string& name, std::string* out, std::string* error) const {
    return ReadSmall(name, out, error);
  }

  // A store that finds its images one at a time (a registry resolving tags over the network)
  // hands them out as they arrive instead of through an index.json, so that the first image's
  // layers are scanned while the next manifests are still on their way.
  struct NamedImage {
    std::string name;        // as shown in reports ("host/repo:tag")
    std::string descriptor;  // an OCI descriptor (JSON) of its manifest or index
    std::string error;       // set instead when the image could not be resolved
  };
  virtual bool Streams() const { return false; }
  // How many times a blob whose bytes turned out bad (BadBytes) is read again from the start:
  // 0 for local stores, where reading again gives the same bytes. OnBlobRetry is called before
  // each retry (a registry counts it, logs it and backs off).
  virtual int blob_retries() const { return 0; }
  virtual void OnBlobRetry(const std::string& name, int attempt, const std::string& why) const {}
  // Blocks until the next image is resolved; false when there are no more. Called from one
  // thread, in the order the images were asked for.
  virtual bool NextImage(NamedImage* out) { return false; }
};

}  // namespace leakhound
