#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <tuple>
#include <ostream>

#include "leakhound/report.hpp"

namespace leakhound {
namespace {

const char* SeverityColor(Severity s) {
  switch (s) {
    case Severity::kCritical: return "\033[1;31m";
    case Severity::kHigh: return "\033[31m";
    case Severity::kMedium: return "\033[33m";
    case Severity::kLow: return "\033[36m";
    case Severity::kInfo: return "\033[2m";
  }
  return "";
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string HumanBytes(uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", n / double(1ull << 30));
  else if (n >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", n / double(1ull << 20));
  else if (n >= (1ull << 10)) std::snprintf(buf, sizeof buf, "%.1f KiB", n / double(1ull << 10));
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

// Paths come from the scanned data: strip control bytes so they cannot drive the terminal.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  return out;
}

// One line of where a location came from: "commit 3dac9f6d55bd  Dev <dev@x>  2024-05-01
// "add config"  (no longer in HEAD)", then any other attributes as key=value.
std::string Provenance(const Origin& origin) {
  std::string out, rest;
  auto get = [&](std::string_view key) -> std::string {
    for (const auto& [k, v] : origin.attributes)
      if (k == key) return Printable(v);
    return "";
  };
  if (const std::string commit = get("commit"); !commit.empty()) {
    out = "commit " + commit.substr(0, 12) + "  " + get("author") + "  " +
          get("date").substr(0, 10) + "  \"" + get("summary") + "\"";
    if (get("in_head") == "false") out += "  (no longer in HEAD)";
  }
  if (const std::string layer = get("layer"); !layer.empty()) {
    out = "layer " + layer + " " + get("layer_digest").substr(0, 19) + "  " + get("platform") +
          "  " + get("image");
    if (get("visible") == "false")
      out += "  (removed in layer " + get("removed_in_layer") + ", still in layer " + layer + ")";
    if (const std::string step = get("created_by"); !step.empty())
      out += "\n    created by: " + step.substr(0, 100);
    // A registry audit: every image:tag holding this layer.
    if (const std::string images = get("images"); !images.empty() && images != get("image"))
      out += "\n    in images: " + images;
  } else if (origin.source == "image-config") {
    out = get("platform") + "  " + get("image");
    if (const std::string why = get("why"); !why.empty()) out += "\n    why: " + why;
  }
  static const std::set<std::string> shown = {
      "commit", "author", "date", "summary", "in_head", "layer", "layer_digest", "platform",
      "image", "visible", "removed_in_layer", "created_by", "image_digest", "why", "images"};
  for (const auto& [k, v] : origin.attributes) {
    if (shown.count(k)) continue;
    rest += (rest.empty() ? "" : "  ") + k + "=" + Printable(v);
  }
  if (!rest.empty()) out += (out.empty() ? "" : "  ") + rest;
  return out;
}

}  // namespace

void WriteHumanReport(const Report& report, const ReportOptions& options, std::ostream& out) {
  const char* bold = options.color ? "\033[1m" : "";
  const char* dim = options.color ? "\033[2m" : "";
  const char* reset = options.color ? "\033[0m" : "";
  std::vector<const Finding*> listed;
  for (const auto& f : report.findings) listed.push_back(&f);
  const size_t reported = listed.size();
  if (options.show_suppressed)
    for (const auto& f : report.suppressed) listed.push_back(&f);
  for (size_t n = 0; n < listed.size(); ++n) {
    const Finding& f = *listed[n];
    if (n == reported)
      out << bold << "Suppressed (" << report.suppressed.size()
          << "): found, not reported, and why" << reset << "\n\n";
    const Rule& rule = report.rules->rule(f.rule);
    out << (options.color ? SeverityColor(rule.severity) : "") << Upper(SeverityName(rule.severity))
        << reset << "  " << bold << rule.id << reset << "  " << rule.name << "\n";
    const FindingKind kind = KindOfFinding(f, rule);
    // A hardening check or a reference (a committed .env file...) has no secret of its own: the
    // header names the check, the locations show the instruction or key (secrets in it
    // redacted), the fix says what to do.
    if (kind == FindingKind::kSecret) {
      out << "  secret       "
          << (options.show_secrets ? Printable(f.secret.Reveal())
                                   : f.secret.Redacted(options.redact_keep))
          << "   confidence " << ConfidenceName(f.confidence);
      char ent[16];
      std::snprintf(ent, sizeof ent, "%.2f", f.entropy);
      out << "   entropy " << ent << "\n";
    } else {
      out << "  kind         "
          << (kind == FindingKind::kHardening ? "hardening check (not a secret)"
                                              : "exposes secrets (not a secret itself)")
          << "\n";
    }
    out << "  fingerprint  " << f.fingerprint << "\n";
    if (!f.suppression.empty())
      out << "  suppressed   " << Printable(f.suppression.source) << "\n";
    for (const auto& c : f.context)  // identifiers near it (not secrets)
      out << "  context      " << report.rules->rule(c.rule).name << " " << Printable(c.value)
          << "  (" << Printable(c.path) << ":" << c.line << ")\n";
    if (!rule.remediation.empty()) out << "  fix          " << rule.remediation << "\n";
    const size_t shown = std::min<size_t>(f.locations.size(), 20);
    for (size_t i = 0; i < shown; ++i) {
      const Location& l = f.locations[i];
      out << "  " << bold << Printable(l.origin.path) << ":" << l.line << ":" << l.column << reset;
      if (l.origin.source != "file") out << "  (" << l.origin.source << ")";
      out << "\n";
      const std::string provenance = Provenance(l.origin);
      if (!provenance.empty()) out << "    " << provenance << "\n";
      out << "    " << dim
          << l.snippet.Render(options.show_secrets, options.redact_keep,
                              [&](std::string_view s) { return DocumentedPrefixLength(rule, s); })
          << reset << "\n";
    }
    if (f.locations.size() > shown)
      out << "  ... and " << f.locations.size() - shown << " more locations (see --format json)\n";
    out << "\n";
  }
  const ScanSummary& s = report.summary;
  size_t by[5] = {0, 0, 0, 0, 0};
  for (const auto& f : report.findings) ++by[static_cast<int>(report.rules->rule(f.rule).severity)];
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.2fs", s.elapsed_seconds);
  out << bold << report.findings.size() << " finding" << (report.findings.size() == 1 ? "" : "s")
      << reset;
  if (!report.findings.empty()) {
    out << " (";
    bool first = true;
    for (int i = 4; i >= 0; --i) {
      if (!by[i]) continue;
      out << (first ? "" : ", ") << by[i] << " " << SeverityName(static_cast<Severity>(i));
      first = false;
    }
    out << ")";
  }
  out << " in " << s.blobs_scanned << (s.blobs_scanned == 1 ? " file (" : " files (")
      << HumanBytes(s.bytes_scanned) << ") in "
      << elapsed << "\n";
  std::string skipped;
  auto add = [&](uint64_t n, const char* what) {
    if (!n) return;
    skipped += (skipped.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(s.duplicate_blobs, "duplicate");
  add(s.skipped_binary, "binary");
  add(s.skipped_too_large, "too large");
  add(s.skipped_excluded, "excluded");
  add(s.skipped_symlinks, "symlinks");
  add(s.skipped_special, "special files");
  if (!skipped.empty()) out << "skipped: " << skipped << "\n";
  if (!s.config_file.empty()) out << "config: " << Printable(s.config_file) << "\n";
  if (s.matches_allowed) out << "allowed by leakhound:allow or the allow-list: " << s.matches_allowed << "\n";
  if (s.findings_baselined) out << "in the baseline: " << s.findings_baselined << "\n";
  if (!report.suppressed.empty() && !options.show_suppressed)
    out << "suppressed findings: " << report.suppressed.size()
        << " (--show-suppressed lists them)\n";
  if (!s.policy_file.empty()) out << "policy: " << Printable(s.policy_file) << "\n";
  for (const auto& w : s.warnings)
    if (!s.policy_file.empty() && w.path == s.policy_file)
      out << "  " << Printable(w.message) << "\n";
  if (s.truncated_blobs) out << "blobs with too many matches (truncated): " << s.truncated_blobs << "\n";
  if (s.interrupted) out << "INTERRUPTED: the scan was stopped early; these findings are partial\n";
  if (!s.errors.empty()) {
    out << "INCOMPLETE: " << s.errors.size() << " input" << (s.errors.size() == 1 ? "" : "s")
        << " could not be read:\n";
    for (size_t i = 0; i < s.errors.size() && i < 20; ++i)
      out << "  " << Printable(s.errors[i].path) << ": " << s.errors[i].message << "\n";
    if (s.errors.size() > 20) out << "  ... and " << s.errors.size() - 20 << " more\n";
  }
}

void AddDropped(ScanSummary* summary, DroppedCandidate candidate) {
  if (summary->dropped.size() < kMaxDroppedListed)
    summary->dropped.push_back(std::move(candidate));
  else
    ++summary->dropped_not_listed;
}

void PrintDropped(const ScanSummary& summary, std::ostream& out) {
  std::vector<const DroppedCandidate*> list;
  for (const auto& d : summary.dropped) list.push_back(&d);
  std::sort(list.begin(), list.end(), [](const DroppedCandidate* a, const DroppedCandidate* b) {
    return std::tie(a->path, a->line, a->rule_id, a->reason) <
           std::tie(b->path, b->line, b->rule_id, b->reason);
  });
  const uint64_t total = list.size() + summary.dropped_not_listed;
  out << "leakhound: " << total << " candidate" << (total == 1 ? "" : "s") << " dropped\n";
  for (const auto* d : list)
    out << "leakhound: dropped " << Printable(d->path) << ":" << d->line << " " << d->rule_id << " "
        << d->value << ": " << d->reason << "\n";
  if (summary.dropped_not_listed)
    out << "leakhound: ... and " << summary.dropped_not_listed << " more not listed\n";
}

}  // namespace leakhound
