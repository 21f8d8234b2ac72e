// `leakhound registry URL`: audits every image of a registry (or a shard of it).
//
// Repositories come from /v2/_catalog (Link pages) or a file; tags from /v2/<repo>/tags/list,
// filtered by globs. Every image goes through ImageSource over a RegistryStore, one source for
// the whole audit, so each layer digest is read and scanned once however many images hold it;
// findings in a shared layer name every image:tag that holds it. A SQLite state file keeps every
// layer read whole (its matches and what whiteouts need) as soon as it is done, so a re-run, or
// a run after a crash, reads only what is new and reports the same findings.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sources/image_source.hpp"
#include "leakhound/scan_job.hpp"
#include "registry/registry.hpp"
#include "leakhound/report.hpp"

namespace leakhound {

struct AuditOptions {
  std::string url;                    // https://host[:port]
  std::vector<std::string> repos;     // --repo globs (default: every repository)
  std::vector<std::string> exclude;   // --exclude-repo globs
  std::string tags = "all";           // all | latest | GLOB
  int max_tags_per_repo = 0;          // 0: no limit; else the last N tags in sorted order
  std::string repos_from;             // a file of repository names, one a line
  int page_size = 0;                  // ?n= for catalog and tag pages (0: the registry's)
  std::string state_path;             // SQLite state; empty: none
  bool rescan = false;                // ignore (and replace) what the state holds
  int shard_index = 0, shard_count = 1;
  bool quiet = false;
  double progress_seconds = 10;       // a progress line this often when stderr is not a tty
  std::string stats_path;             // JSON counters for scripts and tests
  uint64_t max_in_flight = 256ull << 20;
  // --checks: secrets (every rule not tagged hardening), hardening (those that are, and the
  // image hardening checks, image_checks.hpp).
  bool secret_checks = true;
  Confidence min_confidence = Confidence::kMedium;  // of generic findings (--min-confidence)
  bool image_checks = false;
  ImageOptions image;
  RegistryOptions registry;
};

// Which shard (0-based) a repository belongs to: FNV-1a of its name, modulo `count`.
int ShardOf(const std::string& repo, int count);

// Runs the audit; the report holds every finding (restored ones too) and every error.
Report RunRegistryAudit(const RuleSet& rules, ScanOptions scan, const AuditOptions& options,
                        std::ostream& err);

}  // namespace leakhound
