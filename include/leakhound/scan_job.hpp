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

#include "leakhound/finding.hpp"
#include "leakhound/report.hpp"
#include "leakhound/scan_options.hpp"
#include "leakhound/source.hpp"

namespace leakhound {


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
