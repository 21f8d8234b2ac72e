// Sources enumerate blobs; they never scan. A source pushes BlobInputs into a BlobSink (the
// pipeline's bounded queue) and reports what it skipped or could not read; the scan goes on.
#pragma once

#include <cstdint>
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
};

// Walks a file or a directory tree. `.git` directories are skipped; symlinks are not followed
// unless asked (then with loop detection); FIFOs, sockets and devices are skipped, never opened.
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

}  // namespace leakhound
