// Reports: the findings and the summary of a run, and the sinks that print them.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "leakhound/finding.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound {

struct ScanIssue {
  std::string path;
  std::string message;
};

// A candidate that matched a rule and was dropped, with why (--verbose): a placeholder, low
// entropy, an allow comment or the allow-list, a lower-priority rule, the baseline...
struct DroppedCandidate {
  std::string path;
  uint64_t line = 0;
  std::string rule_id;
  std::string value;  // redacted
  std::string reason;
};

// At most this many dropped candidates are kept; the rest are only counted.
inline constexpr size_t kMaxDroppedListed = 10000;

struct ScanSummary {
  uint64_t blobs_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t duplicate_blobs = 0;  // same content seen before: not rescanned
  uint64_t skipped_binary = 0;
  uint64_t skipped_too_large = 0;
  uint64_t skipped_excluded = 0;
  uint64_t skipped_symlinks = 0;
  uint64_t skipped_special = 0;
  uint64_t matches_allowed = 0;
  uint64_t matches_suppressed = 0;
  uint64_t findings_baselined = 0;
  uint64_t truncated_blobs = 0;
  std::vector<ScanIssue> errors;  // inputs that could not be read
  std::vector<ScanIssue> warnings;
  bool interrupted = false;  // stopped early (SIGINT/SIGTERM): the findings are partial
  double elapsed_seconds = 0;
  size_t rules = 0;
  std::string config_file;  // the .leakhound.yaml used; empty when none
  std::string policy_file;  // the policy (--policy) the run was under; empty when none
  // With --verbose (BlobScanOptions::record_dropped): the dropped candidates, at most
  // kMaxDroppedListed, and how many more there were.
  std::vector<DroppedCandidate> dropped;
  uint64_t dropped_not_listed = 0;
};

// Adds a dropped candidate to `summary`, within kMaxDroppedListed.
void AddDropped(ScanSummary* summary, DroppedCandidate candidate);
// Prints the dropped candidates, sorted, one a line: "leakhound: dropped PATH:LINE RULE VALUE:
// REASON", then a count of those not listed.
void PrintDropped(const ScanSummary& summary, std::ostream& out);

struct Report {
  std::vector<Finding> findings;  // reported: these decide the exit code
  // Found but suppressed (an allow comment, the allow-list, the baseline), each with its
  // Finding::suppression; in the JSON and SARIF reports, never in the exit code.
  std::vector<Finding> suppressed;
  ScanSummary summary;
  const RuleSet* rules = nullptr;
};

enum class ReportFormat { kHuman, kJson, kJsonl, kSarif, kGitlab };

struct ReportOptions {
  bool show_secrets = false;  // print secrets in full; only on explicit request
  bool color = false;
  // The human report lists the suppressed findings under a heading of their own
  // (--show-suppressed); the JSON and SARIF reports always hold them.
  bool show_suppressed = false;
  // Trailing characters a redacted secret shows (within Redact's limits): --redact-keep.
  size_t redact_keep = kDefaultRedactKeep;
  // The report's time (seconds since the epoch) where a format records one (gitlab's scan
  // end_time); 0: now.
  int64_t now = 0;
};

void WriteHumanReport(const Report& report, const ReportOptions& options, std::ostream& out);
void WriteJsonReport(const Report& report, const ReportOptions& options, std::ostream& out);
void WriteJsonlReport(const Report& report, const ReportOptions& options, std::ostream& out);
void WriteSarifReport(const Report& report, const ReportOptions& options, std::ostream& out);
// GitLab's secret-detection report (schema 15.x): one vulnerability per location, never a secret.
void WriteGitlabReport(const Report& report, const ReportOptions& options, std::ostream& out);
// Its vulnerability id: UUID-shaped, stable, from the finding's fingerprint and the location.
std::string GitlabVulnerabilityId(const std::string& fingerprint, const Location& loc);
void WriteReport(const Report& report, ReportFormat format, const ReportOptions& options,
                 std::ostream& out);
// The names -f/--format takes (human, json, jsonl, sarif, gitlab), and the format of one;
// an unknown name is human.
const std::vector<std::string>& ReportFormatNames();
ReportFormat ParseReportFormat(std::string_view name);

// Baselines: a sorted text file, one "<fingerprint> <rule id>" a line followed by a comment
// "# path:line" of the finding's first location; '#' comments.
// Writes a report file (or a registry audit's stats) with mode 0600: a report names where secrets
// are, and with --show-secrets holds them. An existing regular file is tightened too (never
// /dev/null or a pipe). Throws ConfigError naming the file.
void WritePrivateFile(const std::string& path, const std::string& data);

std::string FormatBaseline(const std::vector<Finding>& findings, const RuleSet& rules);
// One baseline line (no newline): "<fingerprint> <rule id>  # path:line" (no comment when `path`
// is empty); and the file text of such lines, sorted, one per fingerprint, with its header.
std::string FormatBaselineLine(const std::string& fingerprint, const std::string& rule_id,
                               const std::string& path, uint64_t line);
std::string FormatBaselineText(std::vector<std::string> lines);
// Reads the fingerprints of a baseline file; throws ConfigError naming the file on a bad line.
std::vector<std::string> LoadBaseline(const std::string& path);
// The same, with the line each fingerprint is on (1-based).
std::vector<std::pair<std::string, uint64_t>> LoadBaselineEntries(const std::string& path);

}  // namespace leakhound
