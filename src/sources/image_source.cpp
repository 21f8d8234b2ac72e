#include "sources/image_source.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <tuple>
#include <unordered_set>

#include "sources/image_store.hpp"
#include "sources/layer_readers.hpp"
#include "sources/image_checks.hpp"
#include "leakhound/rule.hpp"
#include "leakhound/secret.hpp"

namespace leakhound {
namespace {

using nlohmann::json;
constexpr uint64_t kMaxMetadataBytes = kMaxImageMetadataBytes;
constexpr size_t kReadBlock = 1 << 16;

struct ArchiveDeleter {
  void operator()(archive* a) const {
    if (a) archive_read_free(a);
  }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::string Normalize(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name[0] == '/') name.erase(0, 1);
  return name;
}

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

// "sha256:<hex>" -> "blobs/sha256/<hex>"; false for anything else.
bool BlobPath(const std::string& digest, std::string* path) {
  const size_t colon = digest.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string alg = digest.substr(0, colon), hex = digest.substr(colon + 1);
  if (hex.empty() || hex.find_first_not_of("0123456789abcdef") != std::string::npos ||
      alg.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+._-") != std::string::npos)
    return false;
  *path = "blobs/" + alg + "/" + hex;
  return true;
}

// ---- raw bytes, and gzip through ISA-L ----

class FdReader : public ByteReader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  ~FdReader() override { ::close(fd_); }
  int64_t Read(char* buf, size_t n, std::string* error) override {
    for (;;) {
      const ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return r;
      if (errno != EINTR) {
        *error = std::strerror(errno);
        return -1;
      }
    }
  }

 private:
  int fd_;
};

class MemoryReader : public ByteReader {
 public:
  explicit MemoryReader(std::string_view data) : data_(data) {}
  int64_t Read(char* buf, size_t n, std::string*) override {
    const size_t k = std::min(n, data_.size());
    std::memcpy(buf, data_.data(), k);
    data_.remove_prefix(k);
    return static_cast<int64_t>(k);
  }

 private:
  std::string_view data_;
};


// Feeds a ByteReader to libarchive: its bytes are lent, not copied (libarchive only needs
// them until it asks for more).
struct ReaderFeed {
  std::unique_ptr<ByteReader> reader;
  static la_ssize_t Read(archive* a, void* self, const void** data) {
    auto* f = static_cast<ReaderFeed*>(self);
    std::string error;
    const char* bytes = nullptr;
    const int64_t n = f->reader->Borrow(&bytes, &error);
    if (n < 0) archive_set_error(a, EIO, "%s", error.c_str());
    *data = bytes;
    return static_cast<la_ssize_t>(n);
  }
  static int Close(archive*, void*) { return ARCHIVE_OK; }  // owned by the expander
};

// ---- where an image's blobs live ----

using Store = ImageStore;

class DirStore : public Store {
 public:
  explicit DirStore(std::string root) : root_(std::move(root)) {}
  bool Exists(const std::string& name) const override {
    struct stat st;
    return ::stat((root_ + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }
  bool ReadSmall(const std::string& name, std::string* out, std::string* error) const override {
    struct stat st;
    const std::string p = root_ + "/" + name;
    if (::stat(p.c_str(), &st) != 0) {
      *error = name + ": " + std::strerror(errno);
      return false;
    }
    if (static_cast<uint64_t>(st.st_size) > kMaxMetadataBytes) {
      *error = name + ": larger than " + std::to_string(kMaxMetadataBytes) + " bytes";
      return false;
    }
    if (!ReadWholeFile(p, out)) {
      *error = name + ": cannot read";
      return false;
    }
    return true;
  }
  std::unique_ptr<ByteReader> OpenRaw(const std::string& name, std::string* error) const override {
    const int fd = ::open((root_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *error = name + ": " + std::strerror(errno);
      return nullptr;
    }
    return std::make_unique<FdReader>(fd);
  }

 private:
  std::string root_;
};

// A tar of an image (docker-archive or OCI archive). Members are listed once; small ones are
// kept in memory, large ones are streamed from a fresh reader positioned at them.
class TarStore : public Store {
 public:
  static std::unique_ptr<TarStore> Open(const std::string& path, std::string* error) {
    std::unique_ptr<TarStore> s(new TarStore(path));
    ArchivePtr a(NewOuter());
    if (archive_read_open_filename(a.get(), path.c_str(), kReadBlock) != ARCHIVE_OK) {
      *error = ArchiveError(a.get());
      return nullptr;
    }
    archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
      const std::string name = Normalize(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e)) {
        std::string target = archive_entry_symlink(e);
        const size_t slash = name.rfind('/');
        // Relative to the link's directory (docker save links duplicate layers like this).
        std::string base = slash == std::string::npos ? "" : name.substr(0, slash + 1);
        while (target.rfind("../", 0) == 0) {
          target.erase(0, 3);
          if (!base.empty()) base.pop_back();
          const size_t up = base.rfind('/');
          base = up == std::string::npos ? "" : base.substr(0, up + 1);
        }
        s->links_[name] = Normalize(base + target);
        continue;
      }
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      const uint64_t size = static_cast<uint64_t>(archive_entry_size(e));
      s->sizes_[name] = size;
      if (size <= (1u << 20)) {
        std::string data(size, '\0');
        if (archive_read_data(a.get(), data.data(), size) != static_cast<la_ssize_t>(size)) {
          *error = path + ": " + name + ": " + ArchiveError(a.get());
          return nullptr;
        }
        s->small_[name] = std::move(data);
      }
    }
    if (r != ARCHIVE_EOF) {
      *error = ArchiveError(a.get());
      return nullptr;
    }
    return s;
  }

  bool Exists(const std::string& name) const override { return sizes_.count(Resolve(name)) > 0; }

  std::unique_ptr<ByteReader> OpenRaw(const std::string& name, std::string* error) const override {
    const std::string n = Resolve(name);
    auto it = small_.find(n);
    if (it != small_.end()) return std::make_unique<MemoryReader>(it->second);
    auto stream = Seek(n, error);
    if (!stream) return nullptr;
    struct MemberReader : ByteReader {
      std::unique_ptr<Stream> s;
      int64_t Read(char* buf, size_t len, std::string* err) override {
        const la_ssize_t r = archive_read_data(s->outer.get(), buf, len);
        if (r < 0) *err = ArchiveError(s->outer.get());
        return r;
      }
    };
    auto reader = std::make_unique<MemberReader>();
    reader->s = std::move(stream);
    return reader;
  }

  bool ReadSmall(const std::string& name, std::string* out, std::string* error) const override {
    const std::string n = Resolve(name);
    auto it = small_.find(n);
    if (it != small_.end()) {
      *out = it->second;
      return true;
    }
    auto size = sizes_.find(n);
    if (size == sizes_.end()) {
      *error = name + ": not in the archive";
      return false;
    }
    if (size->second > kMaxMetadataBytes) {
      *error = name + ": larger than " + std::to_string(kMaxMetadataBytes) + " bytes";
      return false;
    }
    auto stream = Seek(n, error);
    if (!stream) return false;
    out->assign(size->second, '\0');
    if (archive_read_data(stream->outer.get(), out->data(), out->size()) !=
        static_cast<la_ssize_t>(out->size())) {
      *error = name + ": " + ArchiveError(stream->outer.get());
      return false;
    }
    return true;
  }

 private:
  struct Stream {
    ArchivePtr outer;
    std::string buffer = std::string(kReadBlock, '\0');
    static la_ssize_t Read(archive* a, void* self, const void** data) {
      auto* s = static_cast<Stream*>(self);
      const la_ssize_t n = archive_read_data(s->outer.get(), s->buffer.data(), s->buffer.size());
      if (n < 0) archive_set_error(a, EIO, "%s", ArchiveError(s->outer.get()).c_str());
      *data = s->buffer.data();
      return n;
    }
    static int Close(archive*, void* self) {
      delete static_cast<Stream*>(self);
      return ARCHIVE_OK;
    }
  };

  explicit TarStore(std::string path) : path_(std::move(path)) {}

  static archive* NewOuter() {
    archive* a = archive_read_new();
    archive_read_support_filter_all(a);  // a gzipped `docker save` works too
    archive_read_support_format_tar(a);
    return a;
  }

  std::string Resolve(const std::string& name) const {
    std::string n = Normalize(name);
    for (int hops = 0; hops < 8; ++hops) {
      auto it = links_.find(n);
      if (it == links_.end()) break;
      n = it->second;
    }
    return n;
  }

  std::unique_ptr<Stream> Seek(const std::string& name, std::string* error) const {
    auto s = std::make_unique<Stream>();
    s->outer.reset(NewOuter());
    if (archive_read_open_filename(s->outer.get(), path_.c_str(), kReadBlock) != ARCHIVE_OK) {
      *error = ArchiveError(s->outer.get());
      return nullptr;
    }
    archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(s->outer.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
      if (archive_entry_filetype(e) == AE_IFREG && Normalize(archive_entry_pathname(e)) == name)
        return s;
    *error = name + ": not found in " + path_ + (r == ARCHIVE_EOF ? "" : ": " + ArchiveError(s->outer.get()));
    return nullptr;
  }

  std::string path_;
  std::unordered_map<std::string, uint64_t> sizes_;
  std::unordered_map<std::string, std::string> small_;
  std::unordered_map<std::string, std::string> links_;
};

// ---- the image model ----

struct LayerInfo {
  std::string member;   // where its bytes are in the store
  std::string digest;   // compressed blob digest (or the diff id for classic docker-archives)
  std::string created_by;
  // Filled by the expander (one thread), read by Annotate and the image checks after the scan:
  // paths, whiteouts, opaque directories, and the entries the hardening checks may report.
  ImageLayerFacts fs;
  std::vector<std::string> record_paths;  // with options.record_paths: for layer_done, then freed
  std::vector<std::pair<std::string, std::string>> attributes;  // provenance, as queued
  bool read_ok = false;                     // read whole, without error
};

struct Image {
  std::string ref;       // a name:tag, or the manifest digest
  std::string digest;    // manifest digest (the config digest for classic docker-archives)
  std::string platform;  // os/arch[/variant]
  std::string config_member;
  std::vector<size_t> layers;  // indexes into Impl::layers, in order
  // For the image checks: the config's User (when it has one), labels, provenance.
  bool has_user = false;
  std::string user;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> attributes;
};

bool IsNestedArchive(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ext : {".jar", ".war", ".ear", ".zip", ".whl", ".egg", ".apk", ".aar",
                          ".nupkg", ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar.bz2"})
    if (lower.size() > std::strlen(ext) && lower.compare(lower.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

// A history step as shown in reports: every build-arg value redacted, whether a rule matched
// it or not (build args are where secrets hide).
std::string RedactBuildArgs(const std::string& created_by) {
  std::vector<BuildArg> args;
  std::string rest;
  if (!ParseBuildArgs(created_by, &args, &rest)) return created_by;
  std::string out = "|" + std::to_string(args.size());
  for (const auto& a : args) out += " " + a.key + "=" + Redact(a.value);
  return out + " " + rest;
}

std::string Truncate(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

}  // namespace

struct ImageSource::Impl {
  std::string path;
  ImageOptions options;
  std::shared_ptr<Store> store;
  std::vector<Image> images;
  // Every layer met, each at a stable address: scanning threads hold a LayerInfo while the
  // enumerating thread goes on adding layers of the images a registry hands out later.
  std::vector<std::unique_ptr<LayerInfo>> layers;
  mutable std::mutex layers_mu;  // guards the vector (not the LayerInfos) during the scan
  std::unordered_map<std::string, size_t> layer_by_member;  // enumerating thread only
  std::atomic<size_t> queued{0}, shared{0}, restored{0};

  class Expander;
  std::shared_ptr<Expander> expander;

  LayerInfo* Layer(size_t slot) const {
    std::lock_guard<std::mutex> lock(layers_mu);
    return layers[slot].get();
  }
  size_t AddLayer(LayerInfo info) {
    std::lock_guard<std::mutex> lock(layers_mu);
    layers.push_back(std::make_unique<LayerInfo>(std::move(info)));
    return layers.size() - 1;
  }
  // Parses these images' configs (their facts are pushed as blobs), keeps those that match the
  // options, and queues every layer not met before, biggest first. `image_layers[i]` lists
  // image i's layers as (member, digest).
  void Queue(BlobSink& sink, std::vector<Image> batch,
             const std::vector<std::vector<std::pair<std::string, std::string>>>& image_layers,
             const std::unordered_map<std::string, uint64_t>& member_size);
};

// Streams one layer on a scanning thread; records its paths and whiteouts.
class ImageSource::Impl::Expander : public BlobExpander {
 public:
  explicit Expander(Impl* impl) : impl_(impl) {}

  void Expand(const std::string& key, BlobVisitor& visitor) override {
    LayerInfo& layer = *impl_->Layer(std::stoul(key));
    std::string layer_no = "?";
    for (const auto& [k, v] : layer.attributes)
      if (k == "layer") layer_no = v;
    const std::string where = "layer " + layer_no + " (" + layer.digest + ")";
    // Forwards the layer's files; holds its errors and warnings until the attempt is judged
    // (an attempt read again is not reported), and counts the errors, so the caller hears
    // whether the layer was read whole.
    struct Attempt : BlobVisitor {
      BlobVisitor& inner;
      std::vector<std::tuple<bool, std::string, std::string>> issues;  // (error?, path, message)
      size_t errors = 0;
      explicit Attempt(BlobVisitor& v) : inner(v) {}
      void Visit(const Origin& o, std::string_view d) override { inner.Visit(o, d); }
      void VisitOwned(const Origin& o, std::string&& d) override { inner.VisitOwned(o, std::move(d)); }
      void VisitStream(const Origin& o, uint64_t size,
                       const std::function<int64_t(char*, size_t, std::string*)>& read) override {
        inner.VisitStream(o, size, read);
      }
      void Skipped(SkipReason r, const std::string& p) override { inner.Skipped(r, p); }
      bool Cancelled() const override { return inner.Cancelled(); }
      void Error(const std::string& p, const std::string& m) override {
        ++errors;
        issues.emplace_back(true, p, m);
      }
      void Warn(const std::string& p, const std::string& m) override {
        issues.emplace_back(false, p, m);
      }
      void Report() {
        for (const auto& [is_error, p, m] : issues) {
          if (is_error) inner.Error(p, m);
          else inner.Warn(p, m);
        }
      }
    };
    const int retries = impl_->store->blob_retries();
    for (int attempt = 0;; ++attempt) {
      Attempt current(visitor);
      ByteReader* raw = nullptr;  // the blob's own reader, inside the feed's chain
      {
        // Declared before the archive, so it outlives it: libarchive only borrows it.
        std::unique_ptr<ReaderFeed> feed;
        ArchivePtr a(archive_read_new());
        archive_read_support_filter_all(a.get());
        archive_read_support_format_tar(a.get());
        std::string error;
        if (!OpenLayer(a.get(), layer.member, &feed, &raw, &error)) {
          current.Error(where, "cannot open: " + error);
        } else {
          Walk(a.get(), "", 0, where, &layer, current);
        }
        // The rest of the blob (tar padding past the end-of-archive blocks) is read, and a
        // registry blob's digest checked: a mismatch makes the whole layer suspect, and
        // explains a layer that would not parse.
        if (feed && feed->reader && !feed->reader->Finish(&error)) current.Error(where, error);
        // Bad bytes (a digest mismatch): the layer is read again from the start. Its files
        // scanned twice are the same content, found once.
        if (raw && raw->BadBytes() && attempt < retries && !visitor.Cancelled()) {
          impl_->store->OnBlobRetry(layer.member, attempt + 1, where + ": " + error);
          layer.fs = ImageLayerFacts{};
          layer.record_paths.clear();
          continue;
        }
      }
      current.Report();
      layer.fs.paths.Seal();
      layer.read_ok = current.errors == 0;  // layer_done hears it once the files are scanned
      return;
    }
  }

 private:
  // gzip (with ISA-L) and zstd layers are decompressed on a thread of their own (see
  // layer_readers.hpp), so that libarchive only parses the tar; anything else (plain, or gzip
  // without ISA-L) goes through libarchive's own filters.
  bool OpenLayer(archive* a, const std::string& member, std::unique_ptr<ReaderFeed>* feed_out,
                 ByteReader** raw_out, std::string* error) {
    auto raw = impl_->store->OpenRaw(member, error);
    if (!raw) return false;
    ByteReader* raw_ptr = raw.get();
    auto stream = OpenLayerStream(std::move(raw), error);
    if (!stream) return false;
    *feed_out = std::make_unique<ReaderFeed>();
    ReaderFeed* feed = feed_out->get();
    feed->reader = std::move(stream);
    *raw_out = raw_ptr;  // owned by the feed's chain from here
    if (archive_read_open(a, feed, nullptr, &ReaderFeed::Read, &ReaderFeed::Close) != ARCHIVE_OK) {
      *error = ArchiveError(a);
      return false;
    }
    return true;
  }

  // Reads every entry of `a`; `prefix` is "outer.jar!/" inside nested archives.
  void Walk(archive* a, const std::string& prefix, int depth,
            const std::string& where, LayerInfo* layer, BlobVisitor& visitor) {
    archive_entry* e = nullptr;
    int r;
    uint64_t expanded = 0;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
      if (visitor.Cancelled()) return;
      const char* raw_name = archive_entry_pathname(e);
      const std::string name = Normalize(raw_name ? raw_name : "");
      const std::string path = prefix + name;
      const size_t slash = name.rfind('/');
      const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
      const std::string dir = slash == std::string::npos ? "" : name.substr(0, slash + 1);
      if (depth == 0) {
        if (base == ".wh..wh..opq") {
          layer->fs.opaque.push_back(dir);
          continue;
        }
        if (base.rfind(".wh.", 0) == 0) {
          layer->fs.deleted.insert(dir + base.substr(4));
          continue;
        }
        std::string entry_path = name;
        while (!entry_path.empty() && entry_path.back() == '/') entry_path.pop_back();
        const uint32_t mode = static_cast<uint32_t>(archive_entry_mode(e));
        if (IsNotableImageEntry(entry_path, mode))
          layer->fs.notable.push_back(
              {entry_path, mode, static_cast<uint64_t>(std::max<la_int64_t>(0, archive_entry_size(e)))});
        layer->fs.paths.insert(entry_path);
        if (impl_->options.record_paths) layer->record_paths.push_back(std::move(entry_path));
      }
      const auto type = archive_entry_filetype(e);
      if (type == AE_IFDIR) continue;
      if (type == AE_IFLNK) {
        visitor.Skipped(SkipReason::kSymlink, path);
        continue;
      }
      if (type != AE_IFREG) {
        visitor.Skipped(SkipReason::kSpecialFile, path);
        continue;
      }
      if (archive_entry_hardlink(e)) continue;  // its content is the target's, scanned there
      const uint64_t size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
      if (size > impl_->options.max_file_size) {
        visitor.Skipped(SkipReason::kTooLarge, path);
        continue;
      }
      if (depth > 0) {
        expanded += size;
        if (expanded > impl_->options.max_nested_bytes) {
          visitor.Warn(where + ": " + prefix,
                       "nested archive expands past " +
                           std::to_string(impl_->options.max_nested_bytes) +
                           " bytes (--max-archive-bytes): a decompression bomb? The rest of it "
                           "was skipped");
          return;
        }
      }
      Origin origin;
      origin.source = "image";
      origin.path = path;
      origin.attributes = layer->attributes;  // set before the layer was queued
      const bool nested = depth < impl_->options.max_archive_depth && IsNestedArchive(name);
      if (nested || size <= (8u << 20)) {
        std::string data(size, '\0');
        size_t got = 0;
        while (got < size) {
          const la_ssize_t n = archive_read_data(a, data.data() + got, size - got);
          if (n < 0) {
            visitor.Error(where, path + ": " + ArchiveError(a));
            return;  // the stream is broken: the rest of this layer cannot be read
          }
          if (n == 0) break;
          got += static_cast<size_t>(n);
        }
        data.resize(got);
        if (nested) {
          ArchivePtr inner(archive_read_new());
          archive_read_support_filter_all(inner.get());
          archive_read_support_format_tar(inner.get());
          archive_read_support_format_zip(inner.get());
          if (archive_read_open_memory(inner.get(), data.data(), data.size()) == ARCHIVE_OK) {
            Walk(inner.get(), path + "!/", depth + 1, where, layer, visitor);
          } else {
            visitor.Warn(where, path + ": not a readable archive: " + ArchiveError(inner.get()));
          }
          continue;
        }
        visitor.VisitOwned(origin, std::move(data));
        continue;
      }
      visitor.VisitStream(origin, size, [a](char* buf, size_t n, std::string* err) -> int64_t {
        const la_ssize_t got = archive_read_data(a, buf, n);
        if (got < 0) *err = ArchiveError(a);
        return got;
      });
    }
    if (r != ARCHIVE_EOF) {
      visitor.Error(depth == 0 ? where : where + ": " + prefix,
                    "unreadable: " + ArchiveError(a) + " (the rest of it was not scanned)");
    }
  }

  Impl* impl_;
};

namespace {

// Adds the images a manifest descriptor names (recursing through indexes).
void CollectOci(const Store& store, const json& descriptor, const std::string& ref,
                const std::string& platform, std::vector<Image>* images,
                std::vector<std::string>* manifests, std::vector<std::string>* errors, int depth) {
  const std::string media = descriptor.value("mediaType", "");
  const std::string digest = descriptor.value("digest", "");
  std::string name = ref;
  if (descriptor.contains("annotations") && descriptor["annotations"].is_object()) {
    const auto& ann = descriptor["annotations"];
    if (ann.contains("io.containerd.image.name")) name = ann["io.containerd.image.name"];
    else if (ann.contains("org.opencontainers.image.ref.name")) name = ann["org.opencontainers.image.ref.name"];
  }
  std::string plat = platform;
  if (descriptor.contains("platform") && descriptor["platform"].is_object()) {
    const auto& p = descriptor["platform"];
    plat = p.value("os", "") + "/" + p.value("architecture", "");
    if (p.contains("variant")) plat += "/" + p.value("variant", "");
  }
  std::string member;
  if (!BlobPath(digest, &member)) {
    errors->push_back("bad digest '" + digest + "'");
    return;
  }
  if (depth > 4) {
    errors->push_back(digest + ": indexes nested too deep");
    return;
  }
  std::string text, error;
  if (!store.ReadManifest(member, &text, &error)) {
    errors->push_back(error);
    return;
  }
  const json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) {
    errors->push_back(digest + ": not valid JSON");
    return;
  }
  const std::string doc_media = doc.value("mediaType", media);
  if (doc.contains("manifests")) {  // an index or a manifest list
    for (const auto& d : doc["manifests"]) {
      if (!d.is_object()) continue;
      // Attestation manifests (BuildKit's "unknown/unknown" platform) hold no image.
      if (d.contains("annotations") && d["annotations"].is_object() &&
          d["annotations"].contains("vnd.docker.reference.type"))
        continue;
      CollectOci(store, d, name, plat, images, manifests, errors, depth + 1);
    }
    return;
  }
  if (!doc.contains("layers") || !doc.contains("config")) {
    errors->push_back(digest + ": not an image manifest (" + doc_media + ")");
    return;
  }
  Image img;
  img.ref = name.empty() ? digest : name;
  img.digest = digest;
  img.platform = plat;
  if (!BlobPath(doc["config"].value("digest", ""), &img.config_member)) {
    errors->push_back(digest + ": bad config digest");
    return;
  }
  images->push_back(std::move(img));
  manifests->push_back(text);
}

// `want` is name:tag, a bare name (meaning :latest), or :tag. OCI layouts often name images by
// tag alone ("org.opencontainers.image.ref.name": "latest"), so ":latest" matches that too.
bool RefMatches(const std::string& want, const std::string& ref) {
  if (want.empty() || want == ref) return true;
  if (want[0] == ':')
    return ref == want.substr(1) ||
           (ref.size() > want.size() &&
            ref.compare(ref.size() - want.size(), std::string::npos, want) == 0);
  return ref == want + ":latest" ||
         (ref.size() > want.size() + 1 &&
          ref.compare(ref.size() - want.size() - 1, std::string::npos, "/" + want) == 0);
}

}  // namespace

ImageSource::ImageSource(std::string path, ImageOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  impl_->options = std::move(options);
}

ImageSource::ImageSource(std::shared_ptr<ImageStore> store, std::string name,
                         ImageOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(name);
  impl_->options = std::move(options);
  impl_->store = std::move(store);
}

ImageSource::~ImageSource() = default;

std::vector<ImageSummary> ImageSource::Images() const {
  std::vector<ImageSummary> out;
  for (const auto& img : impl_->images) {
    ImageSummary s{img.ref, img.digest, img.platform, {}};
    for (size_t slot : img.layers) s.layers.push_back(impl_->layers[slot]->digest);
    out.push_back(std::move(s));
  }
  return out;
}

size_t ImageSource::layers_read() const { return impl_->queued; }
size_t ImageSource::layers_shared() const { return impl_->shared; }
size_t ImageSource::layers_restored() const { return impl_->restored; }

size_t ImageSource::images() const { return impl_->images.size(); }

void ImageSource::Enumerate(BlobSink& sink) {
  try {
    EnumerateImages(sink);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong type in a manifest, index or config.
    sink.Error(impl_->path, std::string("malformed image metadata: ") + e.what());
  }
}

void ImageSource::EnumerateImages(BlobSink& sink) {
  Impl& im = *impl_;
  std::string error;
  struct stat st;
  if (im.store) {
    // Given by the caller (a registry).
  } else if (::stat(im.path.c_str(), &st) != 0) {
    sink.Error(im.path, std::strerror(errno));
    return;
  } else if (S_ISDIR(st.st_mode)) {
    im.store = std::make_shared<DirStore>(im.path);
  } else {
    auto tar = TarStore::Open(im.path, &error);
    if (!tar) {
      sink.Error(im.path, "not a readable image archive: " + error);
      return;
    }
    im.store = std::move(tar);
  }
  const Store& store = *im.store;

  // Images and, per image, its manifest's layer list (member, digest).
  std::vector<std::vector<std::pair<std::string, std::string>>> image_layers;
  // Blob sizes from the manifests' layer descriptors, only to queue big layers first.
  std::unordered_map<std::string, uint64_t> member_size;
  std::vector<std::string> errors;
  std::vector<Image> batch;
  if (store.Exists("manifest.json")) {
    std::string text;
    if (!store.ReadSmall("manifest.json", &text, &error)) {
      sink.Error(im.path, error);
      return;
    }
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_array()) {
      sink.Error(im.path, "manifest.json: expected an array of images");
      return;
    }
    for (const auto& entry : doc) {
      if (!entry.is_object() || !entry.contains("Config") || !entry.contains("Layers") ||
          !entry["Layers"].is_array()) {
        errors.push_back("manifest.json: an entry without Config and Layers");
        continue;
      }
      Image img;
      img.config_member = Normalize(entry["Config"].get<std::string>());
      std::string hex = img.config_member;
      if (hex.rfind("blobs/sha256/", 0) == 0) hex = hex.substr(13);
      if (hex.size() > 5 && hex.compare(hex.size() - 5, 5, ".json") == 0) hex.resize(hex.size() - 5);
      img.digest = "sha256:" + hex;
      if (entry.contains("RepoTags") && entry["RepoTags"].is_array() && !entry["RepoTags"].empty())
        img.ref = entry["RepoTags"][0].get<std::string>();
      else
        img.ref = img.digest;
      std::vector<std::pair<std::string, std::string>> layers;
      for (const auto& l : entry["Layers"]) {
        const std::string member = Normalize(l.get<std::string>());
        std::string digest;
        if (member.rfind("blobs/", 0) == 0) {
          const std::string rest = member.substr(6);
          const size_t slash = rest.find('/');
          digest = rest.substr(0, slash) + ":" + rest.substr(slash + 1);
        }
        layers.emplace_back(member, digest);
      }
      batch.push_back(std::move(img));
      image_layers.push_back(std::move(layers));
    }
  } else if (store.Streams() || store.Exists("index.json")) {
    // The images a descriptor names (through indexes), and their layers, appended to a batch.
    std::vector<std::string> manifests;
    auto collect = [&](const json& descriptor) {
      manifests.clear();
      CollectOci(store, descriptor, "", "", &batch, &manifests, &errors, 0);
      for (const auto& text_manifest : manifests) {
        const json m = json::parse(text_manifest);
        std::vector<std::pair<std::string, std::string>> layers;
        if (m["layers"].is_array())
          for (const auto& l : m["layers"]) {
            const std::string digest = l.value("digest", "");
            std::string member;
            if (!BlobPath(digest, &member)) {
              errors.push_back("bad layer digest '" + digest + "'");
              continue;
            }
            if (l.contains("size") && l["size"].is_number_unsigned())
              member_size[member] = l["size"].get<uint64_t>();
            layers.emplace_back(member, digest);
          }
        image_layers.push_back(std::move(layers));
      }
    };
    if (store.Streams()) {
      // One image at a time, as the store resolves them: its layers start at once.
      Store::NamedImage next;
      while (!sink.Cancelled() && im.store->NextImage(&next)) {
        if (!next.error.empty()) {
          sink.Error(next.name, next.error);
          continue;
        }
        try {
          const json descriptor = json::parse(next.descriptor, nullptr, false);
          if (descriptor.is_object()) collect(descriptor);
        } catch (const nlohmann::json::exception& e) {  // this image only: the audit goes on
          errors.push_back(std::string("malformed image metadata: ") + e.what());
          batch.clear();
          image_layers.clear();
        }
        for (const auto& e : errors) sink.Error(next.name, e);
        errors.clear();
        im.Queue(sink, std::move(batch), image_layers, member_size);
        batch.clear();
        image_layers.clear();
      }
      return;
    }
    std::string text;
    if (!store.ReadSmall("index.json", &text, &error)) {
      sink.Error(im.path, error);
      return;
    }
    const json index = json::parse(text, nullptr, false);
    if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
      sink.Error(im.path, "index.json: expected an OCI index with a manifests array");
      return;
    }
    for (const auto& d : index["manifests"])
      if (d.is_object()) collect(d);
  } else {
    sink.Error(im.path,
               "not an image: no manifest.json (docker-archive) or index.json (OCI layout)");
    return;
  }
  for (const auto& e : errors) sink.Error(im.path, e);
  im.Queue(sink, std::move(batch), image_layers, member_size);
}

void ImageSource::Impl::Queue(
    BlobSink& sink, std::vector<Image> batch,
    const std::vector<std::vector<std::pair<std::string, std::string>>>& image_layers,
    const std::unordered_map<std::string, uint64_t>& member_size) {
  Impl& im = *this;
  std::string error;
  if (!expander) expander = std::make_shared<Expander>(this);
  std::vector<size_t> to_queue;  // slots of the layers to read
  for (size_t i = 0; i < batch.size(); ++i) {
    // A field of the wrong type in one image's config is an error for that image only (its
    // layers are added last, after everything that can throw).
    const std::string ref = batch[i].ref;
    try {
      Image img = std::move(batch[i]);
      std::string text;
      if (!store->ReadSmall(img.config_member, &text, &error)) {
        sink.Error(im.path, img.ref + ": config: " + error);
        continue;
      }
      const json config = json::parse(text, nullptr, false);
      if (!config.is_object()) {
        sink.Error(im.path, img.ref + ": config is not valid JSON");
        continue;
      }
      if (img.platform.empty()) {
        img.platform = config.value("os", "") + "/" + config.value("architecture", "");
        if (config.contains("variant")) img.platform += "/" + config.value("variant", "");
      }
      // "linux/arm64" selects any variant of it ("linux/arm64/v8"); a variant must match exactly.
      const std::string& want = im.options.platform;
      if (!want.empty() && img.platform != want && img.platform.rfind(want + "/", 0) != 0) continue;
      if (!RefMatches(im.options.image_ref, img.ref)) continue;

      std::vector<std::pair<std::string, std::string>> base = {
          {"image", img.ref}, {"image_digest", img.digest}, {"platform", img.platform}};
      // Config facts, as lines the rules read: "ENV K=V", "LABEL k=v", "ARG K=V"...
      auto fact = [&](const std::string& field, const std::string& text_fact) {
        BlobInput in;
        in.origin.source = "image-config";
        in.origin.path = field;
        in.origin.attributes = base;
        in.origin.attributes.emplace_back(
            "why", field.rfind("history", 0) == 0
                       ? "the build history (build args, ENV and RUN steps) is readable by anyone "
                         "who can pull the image; use BuildKit RUN --mount=type=secret instead"
                       : "the image config is readable by anyone who can pull the image; pass "
                         "secrets at run time instead");
        in.bytes = std::make_shared<const std::string>(text_fact + "\n");
        sink.Push(std::move(in));
      };
      std::vector<std::string> diff_ids;
      if (config.contains("rootfs") && config["rootfs"].is_object() &&
          config["rootfs"].contains("diff_ids") && config["rootfs"]["diff_ids"].is_array())
        for (const auto& d : config["rootfs"]["diff_ids"])
          if (d.is_string()) diff_ids.push_back(d);
      if (config.contains("config") && config["config"].is_object()) {
        const json& c = config["config"];
        auto joined = [](const json& v) {
          std::string out;
          if (v.is_array()) {
            for (const auto& x : v)
              if (x.is_string()) out += (out.empty() ? "" : " ") + x.get<std::string>();
          } else if (v.is_string()) {
            out = v;
          }
          return out;
        };
        if (c.contains("User") && c["User"].is_string()) {
          img.has_user = true;
          img.user = c["User"].get<std::string>();
        }
        if (c.contains("Labels") && c["Labels"].is_object())
          for (const auto& [k, v] : c["Labels"].items())
            if (v.is_string()) img.labels.emplace_back(k, v.get<std::string>());
        if (c.contains("Env") && c["Env"].is_array())
          for (size_t k = 0; k < c["Env"].size(); ++k)
            if (c["Env"][k].is_string()) fact("Env[" + std::to_string(k) + "]", "ENV " + c["Env"][k].get<std::string>());
        if (c.contains("Labels") && c["Labels"].is_object())
          for (const auto& [k, v] : c["Labels"].items())
            if (v.is_string()) fact("Labels[" + k + "]", "LABEL " + k + "=" + v.get<std::string>());
        if (c.contains("Cmd")) fact("Cmd", "CMD " + joined(c["Cmd"]));
        if (c.contains("Entrypoint")) fact("Entrypoint", "ENTRYPOINT " + joined(c["Entrypoint"]));
        if (c.contains("Healthcheck") && c["Healthcheck"].is_object() && c["Healthcheck"].contains("Test"))
          fact("Healthcheck", "HEALTHCHECK " + joined(c["Healthcheck"]["Test"]));
      }
      std::vector<std::string> layer_steps;
      if (config.contains("history") && config["history"].is_array()) {
        const json& h = config["history"];
        for (size_t k = 0; k < h.size(); ++k) {
          if (!h[k].is_object()) continue;
          const std::string created_by = h[k].value("created_by", "");
          if (!h[k].value("empty_layer", false)) layer_steps.push_back(created_by);
          if (created_by.empty()) continue;
          std::vector<BuildArg> args;
          std::string rest;
          std::string text_fact;
          if (ParseBuildArgs(created_by, &args, &rest)) {
            for (const auto& a : args) text_fact += "ARG " + a.key + "=" + a.value + "\n";
            text_fact += "RUN " + rest;
          } else {
            text_fact = created_by;
          }
          fact("history[" + std::to_string(k) + "]", text_fact);
        }
      }

      const auto& layers = image_layers[i];
      for (size_t k = 0; k < layers.size(); ++k) {
        auto [member, digest] = layers[k];
        if (digest.empty()) digest = k < diff_ids.size() ? diff_ids[k] : member;
        auto found = im.layer_by_member.find(member);
        size_t slot;
        if (found == im.layer_by_member.end()) {
          LayerInfo info;
          info.member = member;
          info.digest = digest;
          info.created_by = k < layer_steps.size() ? layer_steps[k] : "";
          // Provenance, set before the layer is queued: scanning threads only read it.
          info.attributes = base;
          info.attributes.emplace_back("layer", std::to_string(k + 1));
          info.attributes.emplace_back("layer_digest", digest);
          info.attributes.emplace_back("created_by", Truncate(RedactBuildArgs(info.created_by), 160));
          LayerRecord record;
          const bool restored = im.options.restore_layer && im.options.restore_layer(digest, &record);
          if (restored) {
            // Read in an earlier run: only what whiteouts and the image checks need comes back.
            for (const auto& p : record.paths) info.fs.paths.insert(p);
            info.fs.paths.Seal();
            info.fs.deleted.insert(record.deleted.begin(), record.deleted.end());
            info.fs.opaque = std::move(record.opaque);
            info.fs.notable = std::move(record.notable);
            ++im.restored;
          }
          slot = im.AddLayer(std::move(info));
          im.layer_by_member.emplace(member, slot);
          if (!restored) to_queue.push_back(slot);
        } else {
          slot = found->second;  // a layer shared with an image already queued: scanned once
          ++im.shared;
        }
        img.layers.push_back(slot);
      }
      img.attributes = base;
      im.images.push_back(std::move(img));
    } catch (const nlohmann::json::exception& e) {
      sink.Error(im.path, ref + ": malformed image metadata: " + e.what());
    }
  }
  // Biggest layers first (longest first: a big base layer started last would run alone at the
  // end). A registry hands images out one by one, so there the order holds within an image.
  const auto size_of = [&](size_t slot) {
    auto it = member_size.find(im.Layer(slot)->member);
    return it == member_size.end() ? uint64_t{0} : it->second;
  };
  std::stable_sort(to_queue.begin(), to_queue.end(),
                   [&](size_t a, size_t b) { return size_of(a) > size_of(b); });
  im.queued += to_queue.size();
  for (const size_t slot : to_queue) {
    LayerInfo* layer = im.Layer(slot);
    BlobInput in;
    in.origin.source = "image";
    in.origin.path = layer->member;
    in.expander = expander;
    in.key = std::to_string(slot);
    if (im.options.layer_done) {
      // Released when the layer and every file of it handed to other workers were scanned.
      const ImageOptions* options = &im.options;
      in.done_token = std::shared_ptr<void>(new char(0), [options, layer](void* p) {
        delete static_cast<char*>(p);
        LayerRecord record;
        record.paths = std::move(layer->record_paths);  // not needed after this
        layer->record_paths = {};
        record.deleted.assign(layer->fs.deleted.begin(), layer->fs.deleted.end());
        record.opaque = layer->fs.opaque;
        record.notable = layer->fs.notable;
        try {
          options->layer_done(layer->digest, layer->read_ok, record);
        } catch (...) {
          // A callback failing must not end the process from a destructor.
        }
      });
    }
    sink.Push(std::move(in));
  }
}

void ImageSource::Annotate(std::vector<Finding>* findings) const {
  const Impl& im = *impl_;
  auto attr = [](const Location& l, std::string_view key) -> std::string {
    for (const auto& [k, v] : l.origin.attributes)
      if (k == key) return v;
    return "";
  };
  for (auto& f : *findings) {
    for (auto& l : f.locations) {
      if (l.origin.source != "image") continue;
      const std::string digest = attr(l, "image_digest"), platform = attr(l, "platform");
      const std::string layer_attr = attr(l, "layer");  // 1-based, set when queued
      const size_t layer_no = layer_attr.empty() ? 0 : std::stoul(layer_attr);
      std::string path = l.origin.path;
      const size_t bang = path.find("!/");
      if (bang != std::string::npos) path = path.substr(0, bang);  // inside a nested archive
      for (const auto& img : im.images) {
        if (img.digest != digest || img.platform != platform) continue;
        std::string removed_in;
        for (size_t j = layer_no; j < img.layers.size(); ++j)  // layers after this one
          if (im.layers[img.layers[j]]->fs.Removes(path)) {
            removed_in = std::to_string(j + 1);
            break;
          }
        l.origin.attributes.emplace_back("visible", removed_in.empty() ? "true" : "false");
        if (!removed_in.empty()) l.origin.attributes.emplace_back("removed_in_layer", removed_in);
        break;
      }
    }
  }
}

std::vector<ImageCheckHit> ImageSource::HardeningHits() const {
  std::vector<ImageCheckHit> hits;
  for (const auto& img : impl_->images) {
    ImageCheckInput in;
    in.ref = img.ref;
    in.has_user = img.has_user;
    in.user = img.user;
    in.labels = img.labels;
    in.image_attributes = img.attributes;
    for (size_t slot : img.layers) {
      in.layers.push_back(&impl_->layers[slot]->fs);
      in.layer_attributes.push_back(impl_->layers[slot]->attributes);
    }
    for (auto& h : CheckImage(in)) hits.push_back(std::move(h));
  }
  return hits;
}

bool ParseBuildArgs(std::string_view s, std::vector<BuildArg>* args, std::string* rest) {
  args->clear();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  // BuildKit records "RUN |2 A=1 B=2 /bin/sh -c ..."; the classic builder "|2 A=1 B=2 ...".
  if (s.substr(i, 4) == "RUN ") i += 4;
  if (i >= s.size() || s[i] != '|') return false;
  ++i;
  size_t n = 0, digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 6) {
    n = n * 10 + static_cast<size_t>(s[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || n == 0 || i >= s.size() || s[i] != ' ') return false;
  for (size_t k = 0; k < n; ++k) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos || eq == i) return false;
    BuildArg arg;
    arg.key = std::string(s.substr(i, eq - i));
    if (arg.key.find(' ') != std::string::npos) return false;
    i = eq + 1;
    // The value: up to an unquoted space, honouring quotes and backslash escapes.
    char quote = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (quote) {
        if (c == quote) quote = 0;
        else if (c == '\\' && quote == '"' && i + 1 < s.size()) arg.value.push_back(s[++i]);
        else arg.value.push_back(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\' && i + 1 < s.size()) {
        arg.value.push_back(s[++i]);
      } else if (c == ' ') {
        break;
      } else {
        arg.value.push_back(c);
      }
      ++i;
    }
    if (quote) return false;
    args->push_back(std::move(arg));
  }
  while (i < s.size() && s[i] == ' ') ++i;
  *rest = std::string(s.substr(i));
  return true;
}

}  // namespace leakhound
