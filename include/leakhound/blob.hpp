// Blobs and where they came from.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakhound {

// A blob's identity, by content: blobs with the same id are scanned once. Two kinds, never mixed
// in one scan: the git blob id, SHA-1("blob <size>\0" + bytes), where blobs from a git object
// database take part (the same bytes in a work tree and in history then share an id), and the
// cheaper content id elsewhere (see ComputeContentId).
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
// The git blob id of `bytes`.
BlobId ComputeBlobId(std::string_view bytes);
// A content id for scans where no id comes from git: XXH3-128 keyed with a secret drawn at random
// once per process, plus the size. About 20x cheaper than SHA-1 (which was a fifth of the CPU of
// an image scan), and, keyed with a secret nobody outside the process knows, not open to crafted
// collisions that would make two different files share a scan result.
BlobId ComputeContentId(std::string_view bytes);

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

enum class SkipReason { kBinary, kTooLarge, kExcluded, kSymlink, kSpecialFile };

// What a container's expander (an image layer, say) reports into, on a scanning thread: each
// file it holds, scanned with the same content de-duplication as any blob.
class BlobVisitor {
 public:
  virtual ~BlobVisitor() = default;
  // A file read whole.
  virtual void Visit(const Origin& origin, std::string_view data) = 0;
  // The same, handing over the bytes: a visitor that passes them to another thread keeps them
  // without a copy.
  virtual void VisitOwned(const Origin& origin, std::string&& data) { Visit(origin, data); }
  // A file too large to hold whole: scanned in overlapping chunks from `read`, which returns
  // bytes read, 0 at the end, or -1 with its error set.
  virtual void VisitStream(const Origin& origin, uint64_t size,
                           const std::function<int64_t(char*, size_t, std::string*)>& read) = 0;
  virtual void Skipped(SkipReason reason, const std::string& path) = 0;
  virtual void Error(const std::string& path, const std::string& message) = 0;
  virtual void Warn(const std::string& path, const std::string& message) = 0;
  // True once the scan is being stopped (Ctrl-C): expanders stop reading.
  virtual bool Cancelled() const { return false; }
};

// Opens a container a source names by key and visits what it holds; thread-safe.
class BlobExpander {
 public:
  virtual ~BlobExpander() = default;
  virtual void Expand(const std::string& key, BlobVisitor& visitor) = 0;
};

// Loads blobs a source names by key (a git object id, say) on the scanning threads.
// Implementations are thread-safe.
class BlobLoader {
 public:
  virtual ~BlobLoader() = default;
  // Calls `use` with the blob's bytes (valid only during the call). False with `error` set
  // when the blob cannot be read.
  virtual bool Load(const std::string& key, const std::function<void(std::string_view)>& use,
                    std::string* error) = 0;
};

// A file that a blob refers to and that an analyzer asks to read too (a compose service's
// env_file). The analyzer says why; the source that produced the blob resolves it.
struct FollowUpRef {
  enum class Reason : uint8_t {
    kEnvFile,  // a compose service's env_file: read and analyzed as a .env file
  };
  Reason reason = Reason::kEnvFile;
  std::string path;  // as written in the referring blob: relative to the blob's directory
};

// What became of a follow-up reference.
enum class ResolveStatus {
  kRead,          // read: `origin` and `data` are set
  kNotFollowed,   // this source does not follow references of this blob (not a file, absolute)
  kNotFound,      // nothing there (not an error: the referring file's own tool says so)
  kOutsideRoot,   // resolves (symlinks too) outside what the source was asked to read
  kNotRegular,    // a directory, FIFO, device...
  kTooLarge,      // over the size cap
  kError,         // there, but could not be read: `error` says why
};
struct ResolvedRef {
  ResolveStatus status = ResolveStatus::kNotFollowed;
  Origin origin;     // source and path; the caller adds the attributes that say why it was read
  std::string data;
  std::string error;
};

// Resolves and reads the follow-up references of the blobs one source produced, under that
// source's rules (its root, its size cap, symlinks). Thread-safe: called on scanning threads.
class ReferenceResolver {
 public:
  virtual ~ReferenceResolver() = default;
  // Reads `ref`, found in the blob at `from`, if it is at most `max_bytes` long (and within
  // the source's own cap).
  virtual ResolvedRef Resolve(const Origin& from, const FollowUpRef& ref,
                              uint64_t max_bytes) const = 0;
};

// One unit of work from a Source: a file to read, bytes in memory, or a key for a loader.
struct BlobInput {
  Origin origin;
  std::string file_path;                      // read by the scanning thread when set
  std::shared_ptr<const std::string> bytes;   // else these bytes
  std::shared_ptr<BlobLoader> loader;         // else loader->Load(key)
  std::shared_ptr<BlobExpander> expander;     // else expander->Expand(key): many blobs
  std::string key;
  // Optional: resolves the follow-up references analyzers find in this blob (a source that
  // follows none leaves it empty).
  std::shared_ptr<const ReferenceResolver> resolver;
  // The blob id when the source already knows it (git): content seen before is then neither
  // loaded nor scanned again, only its matches recorded at the new origin.
  std::optional<BlobId> id;
  // Set by the pipeline on a file an expander handed back to the queue (accounting only).
  bool offloaded = false;
  // Optional: released when this input, and every file its expander handed on to other
  // workers, has been scanned (its destructor can then say "this container is done").
  std::shared_ptr<void> done_token;
};

}  // namespace leakhound
