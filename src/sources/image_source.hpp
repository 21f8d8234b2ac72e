// Container images: a docker-archive (`docker save`, classic and Docker 25+ layouts), an OCI
// image layout directory, or an OCI archive. Detected from what the input holds.
//
// The source parses manifests, indexes and configs on the calling thread (config facts become
// small blobs: Env, Labels, Cmd, Entrypoint, Healthcheck, history with build args parsed) and
// queues one work item per unique layer digest; each layer is then streamed through libarchive
// (gzip, zstd or plain) on a scanning thread, never extracted to disk. Files inside nested
// archives (jar, zip, whl, tar.gz...) are opened up to `max_archive_depth`. Whiteouts are
// recorded, and after the scan Annotate() says for every layer location whether the file is
// visible in the final filesystem, or which later layer removed it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakhound/finding.hpp"
#include "sources/image_checks.hpp"
#include "leakhound/source.hpp"

namespace leakhound {

class ImageStore;

// What a layer holds, as far as whiteouts, visibility and the image hardening checks go: kept by
// a registry audit's state
// so that a layer scanned in an earlier run need not be read again.
struct LayerRecord {
  std::vector<std::string> paths;    // every entry
  std::vector<std::string> deleted;  // whiteouts: paths removed from lower layers
  std::vector<std::string> opaque;   // directories emptied of lower layers' content
  std::vector<ImageEntryFact> notable;  // what the image hardening checks look at
};

struct ImageOptions {
  std::string image_ref;  // only images whose reference matches (name:tag, or :tag); empty: all
  std::string platform;   // only this "os/arch[/variant]"; empty: every platform
  int max_archive_depth = 2;
  uint64_t max_file_size = 100ull << 20;
  // Bytes one nested archive may expand to in total; past it the rest is skipped with a warning.
  uint64_t max_nested_bytes = 512ull << 20;
  // Optional (registry audits). `restore_layer`: true when the layer (by digest) was scanned
  // before; it is then not read, and `record` stands in for it. `layer_done`: called on a
  // scanning thread once a layer was read and every file of it scanned (every match of it is
  // recorded by then), `ok` when it was read whole without error.
  std::function<bool(const std::string& digest, LayerRecord* record)> restore_layer;
  std::function<void(const std::string& digest, bool ok, const LayerRecord& record)> layer_done;
  // layer_done's record lists the layer's paths (a registry audit's state keeps them); else
  // only the whiteouts, opaque directories and notable entries (paths are kept as hashes).
  bool record_paths = false;
};

// One image an ImageSource found: its reference, manifest digest, platform and layer digests.
struct ImageSummary {
  std::string ref, digest, platform;
  std::vector<std::string> layers;
};

struct BuildArg {
  std::string key, value;
};

// Parses the "|N KEY=VALUE ... <command>" prefix that docker and BuildKit record on RUN steps
// that used build args. Values may be quoted ('...' or "...") or backslash-escaped. Returns false
// when there is no well-formed prefix; `rest` receives the command after the arguments.
bool ParseBuildArgs(std::string_view created_by, std::vector<BuildArg>* args, std::string* rest);

class ImageSource : public Source {
 public:
  ImageSource(std::string path, ImageOptions options);
  // An image (or many) in another store, a registry say; `name` is used in messages.
  ImageSource(std::shared_ptr<ImageStore> store, std::string name, ImageOptions options);
  ~ImageSource() override;
  ImageSource(const ImageSource&) = delete;
  ImageSource& operator=(const ImageSource&) = delete;

  void Enumerate(BlobSink& sink) override;
  // After the scan (single-threaded): adds "visible" and "removed_in_layer" to layer locations.
  void Annotate(std::vector<Finding>* findings) const;
  size_t images() const;
  // The images kept (after --platform and --image-ref), in order. After Enumerate.
  std::vector<ImageSummary> Images() const;
  // Layers read by this run, and layer references that were not read again because the same
  // digest was read already (in another image) or restored. After the scan.
  size_t layers_read() const;
  size_t layers_shared() const;
  size_t layers_restored() const;
  // After the scan: the hardening checks' hits for every image (image_checks.hpp).
  std::vector<ImageCheckHit> HardeningHits() const;

 private:
  void EnumerateImages(BlobSink& sink);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakhound
