// ScanJob: the only place that knows threads. Sources run on the calling thread and push
// BlobInputs into a bounded queue; `jobs` worker threads each own a BlobScanner, skip content
// already scanned (by blob id), and add matches to one FindingStore.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakhound/blob_scanner.hpp"
#include "leakhound/report.hpp"
#include "leakhound/source.hpp"

namespace leakhound {

struct ScanOptions {
  int jobs = 0;  // 0: all cores
  uint64_t max_file_size = 100ull << 20;
  bool scan_binary = false;
  BlobScanOptions blob;
  bool quiet = false;  // no warnings on stderr while scanning
  // Identify blobs by their git blob id (ComputeBlobId) rather than the cheaper content id:
  // needed when some blobs come with git ids (a work tree scanned beside its history).
  bool git_blob_ids = false;
  // Set (by a signal handler, say) to stop the scan early: workers drop what is queued, sources
  // and expanders stop, and the report says it is partial (summary.interrupted).
  const std::atomic<bool>* cancel = nullptr;
  // Run the config-file analyzers (.env, compose, Dockerfile, Kubernetes) on files they know.
  bool analyzers = true;
  // .env files tracked by the git repository a `scan` runs in: real path -> repository path
  // (see TrackedDotenvFiles); such a file found on disk is a committed .env file.
  std::unordered_map<std::string, std::string> tracked_dotenv;
  // The real paths of a `scan`'s roots: a compose file's env_file references that resolve inside
  // one of them are read and analyzed as .env files (never a file outside what was asked for).
  std::vector<std::string> fs_roots;
  // Optional: sees every match recorded, with its origin, on the recording thread (a registry
  // audit keeps them per layer in its state file).
  std::function<void(const Origin&, const std::vector<Match>&)> on_matches;
};

class ScanJob {
 public:
  ScanJob(const RuleSet& rules, ScanOptions options);
  ~ScanJob();
  ScanJob(const ScanJob&) = delete;
  ScanJob& operator=(const ScanJob&) = delete;

  // Runs every source to completion. Warnings go to `log` as they happen (unless quiet).
  void Run(std::vector<std::unique_ptr<Source>>& sources, std::ostream& log);
  // Adds matches found earlier (a registry audit's state) as if scanned now. Thread-safe.
  void Record(const Origin& origin, const std::vector<Match>& matches);
  // The findings and the summary. Call once, after Run.
  Report TakeReport();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace leakhound
