// Golden tests: the human, JSON, JSONL and SARIF reports of one fixed input. The input is in
// this file; the expected outputs are in tests/golden/. Set LEAKHOUND_UPDATE_GOLDEN=1 to rewrite
// them after an intended change, and review the diff.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine_rules.hpp"
#include "leakhound/finding.hpp"
#include "scan/finding_store.hpp"
#include "scan/blob_scanner.hpp"
#include "leakhound/report.hpp"
#include "test_support.hpp"

using namespace leakhound;

namespace {

struct Fixture {
  std::unique_ptr<RuleSet> rules = testing::RulesFromYaml(kEngineRulesYaml);
  std::vector<std::string> secrets;
  Report report;

  Fixture() {
    testing::FakeSecrets fake(42);
    const std::string a = fake.GithubToken(), b = fake.GithubToken("ghp_", false);
    const std::string c = fake.Base62(40);
    secrets = {a, b, c};
    BlobScanner scanner(*rules, BlobScanOptions{});
    FindingStore store(*rules);
    auto scan = [&](const std::string& path, const std::string& text) {
      BlobScanResult r;
      std::string error;
      REQUIRE(scanner.ScanBuffer(text, &r, &error));
      for (const auto& m : r.matches) store.Add(m, Origin{"file", path, {}});
    };
    scan("src/app.py", "import os\nGITHUB = \"" + a + "\"  # token\n");
    scan("deploy/ci.yml", "env:\n  TOKEN: " + a + "\n  SECRET_KEY: " + c + "\n");
    scan("weird path/é.txt", "old " + b + "\n");
    report.rules = rules.get();
    report.findings = store.Take();
    report.summary.blobs_scanned = 3;
    report.summary.bytes_scanned = 200;
    report.summary.skipped_binary = 1;
    report.summary.rules = rules->size();
    report.summary.errors.push_back({"secret/unreadable.txt", "cannot open: Permission denied"});
  }
};

std::string Render(const Report& report, ReportFormat format, bool show = false) {
  std::ostringstream out;
  ReportOptions options;
  options.show_secrets = show;
  WriteReport(report, format, options, out);
  return out.str();
}

void CheckGolden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(LEAKHOUND_TEST_DIR) + "/golden/" + name;
  if (const char* u = std::getenv("LEAKHOUND_UPDATE_GOLDEN"); u && *u == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

}  // namespace

TEST_CASE("Golden reports") {
  Fixture f;
  REQUIRE(f.report.findings.size() == 3);
  CheckGolden("report.human.txt", Render(f.report, ReportFormat::kHuman));
  CheckGolden("report.json", Render(f.report, ReportFormat::kJson));
  CheckGolden("report.jsonl", Render(f.report, ReportFormat::kJsonl));
  CheckGolden("report.sarif", Render(f.report, ReportFormat::kSarif));
}

TEST_CASE("No report format prints a secret unless asked") {
  Fixture f;
  for (auto format : {ReportFormat::kHuman, ReportFormat::kJson, ReportFormat::kJsonl,
                      ReportFormat::kSarif}) {
    const std::string redacted = Render(f.report, format);
    const std::string shown = Render(f.report, format, true);
    for (const auto& s : f.secrets) {
      CHECK(redacted.find(s) == std::string::npos);
      CHECK(redacted.find(s.substr(4, 12)) == std::string::npos);
      CHECK(shown.find(s) != std::string::npos);
    }
  }
}

TEST_CASE("JSON and SARIF reports are valid and carry what CI needs") {
  Fixture f;
  auto json = nlohmann::json::parse(Render(f.report, ReportFormat::kJson));
  CHECK(json["findings"].size() == 3);
  CHECK(json["summary"]["complete"] == false);
  CHECK(json["summary"]["errors"][0]["path"] == "secret/unreadable.txt");
  const auto& first = json["findings"][0];
  CHECK(first["severity"] == "critical");
  CHECK(first["locations"].size() == 2);  // the same token in two files: one finding
  auto sarif = nlohmann::json::parse(Render(f.report, ReportFormat::kSarif));
  CHECK(sarif["version"] == "2.1.0");
  const auto& run = sarif["runs"][0];
  CHECK(run["results"].size() == 4);  // one result per location
  for (const auto& r : run["results"]) {
    CHECK(r.contains("partialFingerprints"));
    CHECK(r["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>() >= 1);
  }
  bool encoded = false;
  for (const auto& r : run["results"])
    encoded = encoded || r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
                             "weird%20path/%C3%A9.txt";
  CHECK(encoded);
  for (const auto& line : {Render(f.report, ReportFormat::kJsonl)}) {
    std::istringstream in(line);
    std::string l;
    int n = 0;
    while (std::getline(in, l)) {
      CHECK_NOTHROW(nlohmann::json::parse(l));
      ++n;
    }
    CHECK(n == 4);
  }
}

TEST_CASE("Baseline: sorted fingerprints, round trip, bad lines named") {
  Fixture f;
  const std::string text = FormatBaseline(f.report.findings, *f.rules);
  testing::TempDir dir;
  const std::string path = dir.Write("baseline", text);
  auto fps = LoadBaseline(path);
  REQUIRE(fps.size() == 3);
  CHECK(std::is_sorted(fps.begin(), fps.end()));
  for (const auto& s : f.secrets) CHECK(text.find(s) == std::string::npos);
  const std::string bad = dir.Write("bad", "# comment\nnot-a-fingerprint rule\n");
  CHECK_THROWS_WITH(LoadBaseline(bad), Catch::Contains("bad:2"));
}
