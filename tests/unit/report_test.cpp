// Golden tests: the human, JSON, JSONL and SARIF reports of one fixed input. The input is in
// this file; the expected outputs are in tests/golden/. Set LEAKHOUND_UPDATE_GOLDEN=1 to rewrite
// them after an intended change, and review the diff.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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

TEST_CASE("GitLab report: secret-detection schema 15.x, one vulnerability per location") {
  Fixture f;
  // A location in a git commit, beside the file locations.
  Location in_commit = f.report.findings[0].locations[0];
  in_commit.origin = Origin{"git", "./src/old.py",
                            {{"commit", std::string(40, 'a')}, {"author", "A <a@example.com>"},
                             {"date", "2024-01-02T03:04:05Z"}, {"summary", "add config"}}};
  in_commit.line = 7;
  f.report.findings[0].locations.push_back(in_commit);
  ReportOptions options;
  options.now = 1700000000;  // 2023-11-14T22:13:20
  f.report.summary.elapsed_seconds = 2.5;
  for (bool show : {false, true}) {
    options.show_secrets = show;
    std::ostringstream out;
    WriteReport(f.report, ReportFormat::kGitlab, options, out);
    const std::string text = out.str();
    for (const auto& s : f.secrets) {  // not even with --show-secrets
      CHECK(text.find(s) == std::string::npos);
      CHECK(text.find(s.substr(4, 12)) == std::string::npos);
    }
    const auto j = nlohmann::json::parse(text);
    CHECK(j["version"] == "15.0.7");
    const auto& v = j["vulnerabilities"];
    REQUIRE(v.size() == 5);  // 4 file locations + the commit
    std::set<std::string> ids;
    for (const auto& x : v) {
      ids.insert(x["id"].get<std::string>());
      CHECK(std::regex_match(x["id"].get<std::string>(),
                             std::regex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
      CHECK(x["category"] == "secret_detection");
      CHECK(!x.contains("confidence"));  // removed in schema 15.0.0
      CHECK(std::set<std::string>{"Critical", "High", "Medium", "Low", "Info"}.count(x["severity"]));
      CHECK(x["identifiers"][0]["type"] == "leakhound_rule_id");
      CHECK(!x["identifiers"][0]["value"].get<std::string>().empty());
      CHECK(x["location"]["start_line"].get<int>() >= 1);
      CHECK(x["location"]["commit"]["sha"].get<std::string>().size() >= 7);
      CHECK(x["location"]["file"].get<std::string>().substr(0, 2) != "./");
    }
    CHECK(ids.size() == 5);  // one id per place
    const auto& first = v[0];
    CHECK(first["severity"] == "Critical");
    CHECK(first["name"] == f.rules->rule(f.report.findings[0].rule).name);
    CHECK(first["identifiers"][0]["value"] == f.rules->rule(f.report.findings[0].rule).id);
    bool commit_seen = false;
    for (const auto& x : v)
      if (x["location"]["file"] == "src/old.py") {
        commit_seen = true;
        CHECK(x["location"]["start_line"] == 7);
        CHECK(x["location"]["commit"]["sha"] == std::string(40, 'a'));
        CHECK(x["location"]["commit"]["message"] == "add config");
      } else {
        CHECK(x["location"]["commit"]["sha"] == "0000000");
      }
    CHECK(commit_seen);
    const auto& scan = j["scan"];
    CHECK(scan["type"] == "secret_detection");
    CHECK(scan["status"] == "failure");  // the fixture has an unreadable file
    CHECK(scan["messages"][0]["value"].get<std::string>().find("secret/unreadable.txt") == 0);
    CHECK(scan["end_time"] == "2023-11-14T22:13:20");
    CHECK(scan["start_time"] == "2023-11-14T22:13:17");
    for (const char* part : {"analyzer", "scanner"}) {
      CHECK(scan[part]["id"] == "leakhound");
      CHECK(scan[part]["vendor"]["name"] == "leakhound");
      CHECK(!scan[part]["version"].get<std::string>().empty());
    }
  }
  // Stable ids: the same report twice gives the same ids; another place, another id.
  const Location& l0 = f.report.findings[0].locations[0];
  CHECK(GitlabVulnerabilityId(f.report.findings[0].fingerprint, l0) ==
        GitlabVulnerabilityId(f.report.findings[0].fingerprint, l0));
  Location moved = l0;
  moved.line += 1;
  CHECK(GitlabVulnerabilityId(f.report.findings[0].fingerprint, l0) !=
        GitlabVulnerabilityId(f.report.findings[0].fingerprint, moved));
  f.report.summary.errors.clear();
  std::ostringstream ok;
  WriteReport(f.report, ReportFormat::kGitlab, options, ok);
  CHECK(nlohmann::json::parse(ok.str())["scan"]["status"] == "success");
}
