// Sources enumerate blobs; they never scan. A source pushes BlobInputs into a BlobSink (the
// pipeline's bounded queue) and reports what it skipped or could not read; the scan goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "leakhound/blob.hpp"

namespace leakhound {

class PathMatcher;  // config/glob.hpp

class BlobSink {
 public:
  virtual ~BlobSink() = default;
  // Queues a blob for scanning; may block while the queue is full.
  virtual void Push(BlobInput blob) = 0;
  virtual void Skipped(SkipReason reason, const std::string& path) = 0;
  // An item that could not be read: a warning now, counted in the summary.
  virtual void Error(const std::string& path, const std::string& message) = 0;
  // True once the scan is being stopped (Ctrl-C): sources stop enumerating.
  virtual bool Cancelled() const { return false; }
};

class Source {
 public:
  virtual ~Source() = default;
  virtual void Enumerate(BlobSink& sink) = 0;
};

struct FsOptions {
  bool follow_symlinks = false;
  uint64_t max_file_size = 100ull << 20;
  const PathMatcher* exclude = nullptr;  // optional, must outlive the source
  // Prepended to a path relative to the root before `exclude` sees it: the root's own path
  // relative to the directory the exclude globs are written for ("app/" for root app/).
  std::string exclude_prefix;
  // Optional: true for a path (as walked: root joined with the relative path) to skip as
  // excluded, e.g. what git ignores (--respect-gitignore). Called on the enumerating thread.
  std::function<bool(const std::string& path, bool is_dir)> ignored;
  // Directories never walked, by (st_dev, st_ino): leakhound's own rule cache, which holds the
  // rules' descriptions and examples.
  std::vector<std::pair<uint64_t, uint64_t>> skip_dirs;
};

// Walks a file or a directory tree. `.git` directories are skipped; symlinks are not followed
// unless asked (then with loop detection); FIFOs, sockets and devices met while walking are
// skipped, never opened. A FIFO or character device given as the root itself is read whole (up
// to max_file_size; past it, skipped as too large), as one blob.
//
// Each file it pushes carries a resolver for follow-up references (a compose file's env_file):
// a relative reference is resolved against the referring file's directory, with symlinks
// resolved, and read only when the result is a regular file inside the root (a directory
// root; a file root follows nothing) and within max_file_size and the caller's cap.
class FsSource : public Source {
 public:
  FsSource(std::string root, FsOptions options);
  void Enumerate(BlobSink& sink) override;

 private:
  void Walk(const std::string& dir, const std::string& rel, BlobSink& sink, int depth);
  std::string root_;
  FsOptions options_;
  std::shared_ptr<const ReferenceResolver> resolver_;
  std::vector<std::pair<uint64_t, uint64_t>> active_dirs_;  // (dev, ino) on the current path
};

// Standard input, read whole on the enumerating thread (up to max_bytes; past it, skipped as too
// large) as one blob whose origin path is `name`.
class StdinSource : public Source {
 public:
  StdinSource(std::string name, uint64_t max_bytes);
  void Enumerate(BlobSink& sink) override;

 private:
  std::string name_;
  uint64_t max_bytes_;
};

}  // namespace leakhound
