// Issue 14's Docker security checklist, end to end: the binary, at default settings, on the
// checklist's four files (tests/fixtures/checklist: a .env file, a Dockerfile, a compose file, a
// Kubernetes Secret, weak fake passwords on purpose) reports each literal password at medium
// confidence or more; references stay quiet and placeholders come out only as low-confidence
// default credentials. And YAML anchors, aliases and merge keys (tests/fixtures/yaml_anchors):
// secrets reached through them are reported where they are written, and a "billion laughs"
// file is a warning naming it, not an out-of-memory.
// Run alone with: build/tests/cli_tests "checklist:*"
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "test_support.hpp"

using json = nlohmann::json;

namespace {

const std::string kBin = LEAKHOUND_BINARY;
const std::string kFixtures = LEAKHOUND_SOURCE_DIR "/tests/fixtures";

struct Seen {
  std::string rule;
  std::string confidence;
  double score = 0;
  bool has_reasons = false;
};

// path:line -> what was reported there (secret findings only).
std::map<std::string, std::vector<Seen>> ByLine(const json& report, const std::string& prefix) {
  std::map<std::string, std::vector<Seen>> out;
  for (const auto& f : report["findings"]) {
    if (f.value("kind", "secret") != "secret") continue;
    for (const auto& l : f["locations"]) {
      std::string path = l["path"];
      if (path.rfind(prefix, 0) == 0) path = path.substr(prefix.size());
      Seen s{f["rule_id"], f.value("confidence", ""), f.value("score", 0.0),
             f.contains("reasons") && !f["reasons"].empty()};
      out[path + ":" + std::to_string(l["line"].get<int>())].push_back(s);
    }
  }
  return out;
}

bool AtLeastMedium(const Seen& s) { return s.confidence == "medium" || s.confidence == "high"; }

}  // namespace

TEST_CASE("checklist: the four files are reported at the default confidence") {
  const auto r = leakhound::testing::RunJsonReport(kBin, "scan --checks secrets checklist", kFixtures);
  CHECK(r.code == 1);
  const auto seen = ByLine(r.report, "checklist/");
  // The report's score and reasons, when it has them.
  const bool scored = !r.report["findings"].empty() && r.report["findings"][0].contains("score");
  // Each checklist case: a finding of this rule at medium confidence or more, with reasons.
  const std::vector<std::pair<std::string, std::string>> want = {
      {".env:2", "dotenv.secret"},                         // DB_PASSWORD=secret123
      {".env:4", "dotenv.secret"},                         // REDIS_PASSWORD=qwerty123!
      {"Dockerfile:3", "dockerfile.literal_secret"},       // ARG BUILD_PASSWORD=hunter42
      {"Dockerfile:4", "dockerfile.literal_secret"},       // ENV MYSQL_ROOT_PASSWORD=...
      {"Dockerfile:5", "dockerfile.run_secret"},           // RUN echo "password123" > /app/.env
      {"Dockerfile:6", "dockerfile.run_secret"},           // echo "DB_PASSWORD=..." >> .env
      {"docker-compose.yml:6", "compose.literal_secret"},  // POSTGRES_PASSWORD: secret123
      {"docker-compose.yml:10", "compose.literal_secret"}, // - MYSQL_ROOT_PASSWORD=...
      {"docker-compose.yml:14", "compose.literal_secret"}, // RABBITMQ_DEFAULT_PASS
      {"k8s/secret.yaml:8", "kubernetes.secret_literal"},  // stringData db-password
      {"k8s/secret.yaml:11", "kubernetes.secret_literal"}, // data (base64) api-password
  };
  for (const auto& [where, rule] : want) {
    INFO(where << " " << rule);
    REQUIRE(seen.count(where));
    bool found = false;
    for (const auto& s : seen.at(where))
      // (A pattern rule may report the same value first: container.build_arg_secret.)
      if ((s.rule == rule && AtLeastMedium(s) &&
           (!scored || (s.has_reasons && s.score >= 0.5))) ||
          (s.rule.rfind("container.", 0) == 0 && AtLeastMedium(s)))
        found = true;
    CHECK(found);
  }
  // References, empty values, *_FILE paths and harmless assignments stay quiet; a placeholder
  // (ADMIN_PASSWORD=changeme) is at most a low-confidence default credential.
  for (const char* quiet : {".env:3", ".env:5", ".env:6", "Dockerfile:7", "Dockerfile:8",
                            "Dockerfile:9", "docker-compose.yml:17", "docker-compose.yml:19",
                            "docker-compose.yml:23", "k8s/secret.yaml:9"}) {
    INFO(quiet);
    CHECK(seen.count(quiet) == 0);
  }
  // At the default confidence the placeholder is not reported; at low it is a default credential.
  CHECK(seen.count(".env:7") == 0);
  const auto low =
      leakhound::testing::RunJsonReport(kBin, "scan --checks secrets --min-confidence low checklist", kFixtures);
  const auto seen_low = ByLine(low.report, "checklist/");
  REQUIRE(seen_low.count(".env:7"));
  for (const auto& s : seen_low.at(".env:7")) {
    CHECK(s.rule == "dotenv.default_credential");
    CHECK(s.confidence == "low");
  }
  // No weak password is printed in full.
  const auto human = leakhound::testing::RunShell(
      "cd " + leakhound::testing::ShellQuote(kFixtures) + " && " +
      leakhound::testing::ShellQuote(kBin) + " scan --checks secrets checklist 2>&1");
  for (const char* secret : {"secret123", "qwerty123!", "hunter42", "password123", "letmein99"})
    CHECK(human.out.find(secret) == std::string::npos);
}

TEST_CASE("checklist: YAML merge keys and aliases are resolved; a billion laughs is a warning") {
  const auto r = leakhound::testing::RunJsonReport(kBin, "scan --checks secrets yaml_anchors", kFixtures);
  CHECK(r.code == 1);
  const auto seen = ByLine(r.report, "yaml_anchors/");
  // POSTGRES_PASSWORD reached through <<: *db-env and <<: [*common, *db-env] is reported once,
  // at line 7 where it is written; SMTP_PASSWORD in a service that merges a base at line 26.
  REQUIRE(seen.count("compose.yaml:7"));
  CHECK(seen.at("compose.yaml:7").front().rule == "compose.literal_secret");
  REQUIRE(seen.count("compose.yaml:26"));
  CHECK(seen.at("compose.yaml:26").front().rule == "compose.literal_secret");
  std::set<std::string> warned;
  for (const auto& w : r.report["summary"]["warnings"]) {
    const std::string path = w["path"], message = w["message"];
    warned.insert(path.substr(path.find_last_of('/') + 1));
    if (path.find("laughs") != std::string::npos)
      CHECK(message.find("billion laughs") != std::string::npos);
  }
  // The Arrow-style file (deploy.resources without limits, merge lists) parses cleanly.
  CHECK(warned == std::set<std::string>{"docker-compose.laughs.yml"});
}
