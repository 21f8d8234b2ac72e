// An image archive (a tar holding an OCI layout or a docker-archive) from arbitrary bytes,
// scanned end to end with every built-in rule: manifest, index and config JSON, history and
// build args, layer tars, whiteouts and nested archives. Seeds are small real archives
// (plain tar, so the JSON inside mutates directly). Must never crash or hang; problems are
// errors or warnings in the summary. The JSON and SARIF reports of whatever it found (paths from
// the fuzzer: newlines, invalid UTF-8) must parse as JSON and hold no secret in full.
#include <cstdint>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

#include "fuzz_rules.hpp"
#include "fuzz_support.hpp"
#include "sources/image_source.hpp"
#include "leakhound/scan_job.hpp"
#include "leakhound/report.hpp"

#include <nlohmann/json.hpp>

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const fuzz::TempFile file(std::string_view(reinterpret_cast<const char*>(bytes), size), ".tar");
  ImageOptions io;
  io.max_nested_bytes = 8u << 20;
  auto image = std::make_unique<ImageSource>(file.path(), io);
  ImageSource* raw = image.get();
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::move(image));
  ScanOptions so;
  so.jobs = 1;
  so.quiet = true;
  ScanJob job(fuzz::BuiltinRuleSet(), so);
  std::ostringstream log;
  job.Run(sources, log);
  Report report = job.TakeReport();
  raw->Annotate(&report.findings);
  for (const auto& f : report.findings) FUZZ_CHECK(!f.locations.empty());
  report.rules = &fuzz::BuiltinRuleSet();
  for (ReportFormat format : {ReportFormat::kJson, ReportFormat::kSarif}) {
    std::ostringstream out;
    WriteReport(report, format, ReportOptions{}, out);
    const std::string text = out.str();
    FUZZ_CHECK(nlohmann::json::accept(text));
    for (const auto& f : report.findings)
      FUZZ_CHECK(text.find(f.secret.Reveal()) == std::string::npos);
  }
  return 0;
}
