// The options of a scan: per-buffer limits, per-blob options, and the job's options.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakhound/blob.hpp"
#include "leakhound/finding.hpp"

namespace leakhound {

class AllowList;  // config/config.hpp: leakhound:allow and the config's allow-list

struct ScanLimits {
  // Candidates from Hyperscan kept per buffer; past it the buffer is marked truncated.
  size_t max_candidates = 1u << 20;
  // Confirmed matches kept per buffer.
  size_t max_matches = 10000;
};

struct BlobScanOptions {
  ScanLimits limits;
  // Files larger than this are read and scanned in chunks of this size...
  uint64_t chunk_bytes = 8ull << 20;
  // ...overlapping by this much, so a secret up to this long across a boundary is still found.
  uint64_t chunk_overlap = 64ull << 10;
  const AllowList* allow = nullptr;  // optional; must outlive the scanner
  // A `leakhound:allow` comment on a secret's line allows it (false: --ignore-inline-allow, or
  // a policy's allow_inline: false; gitleaks:allow is then ignored too).
  bool honor_allow_comments = true;
  // A `gitleaks:allow` comment on a secret's line allows it, as `leakhound:allow` does.
  bool honor_gitleaks_allow = false;
  // Keep the matches an allow comment or the allow-list allows, with Match::suppression set
  // (they become the report's suppressed findings); else they are only counted.
  bool keep_allowed = false;
  // Optional: once set, a file being scanned in chunks stops at the next chunk (kError, with
  // the error "interrupted").
  const std::atomic<bool>* cancel = nullptr;
  // Record the candidates the filters drop, with why (--verbose), their values redacted keeping
  // `redact_keep` trailing characters.
  bool record_dropped = false;
  size_t redact_keep = kDefaultRedactKeep;
};

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
  // Optional: sees every match recorded, with its origin, on the recording thread (a registry
  // audit keeps them per layer in its state file).
  std::function<void(const Origin&, const std::vector<Match>&)> on_matches;
};

}  // namespace leakhound
