// Config-file analyzers end to end: the fixtures in tests/fixtures/analyzers/app (a .env file, a
// compose file, a Dockerfile, a Kubernetes manifest, with true findings and decoys) scanned by
// the real binary through `scan`, `git` (a repository built here) and `image` (an OCI layout
// written by tests/fixtures/analyzers/make_image.py), each giving exactly the same findings with
// its own provenance; malformed files give warnings and the scan goes on.
// Run alone with: build/tests/cli_tests "analyzers:*"
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "test_support.hpp"

using leakhound::testing::RunJsonReport;
using leakhound::testing::RunShell;
using leakhound::testing::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LEAKHOUND_BINARY;
const std::string kFixtures = LEAKHOUND_SOURCE_DIR "/tests/fixtures/analyzers";

// (rule id, path under app/, line, column, field attribute or "")
using Row = std::tuple<std::string, std::string, int, int, std::string>;

const std::set<Row>& Expected() {
  static const std::set<Row> rows = {
      {"dotenv.secret", ".env", 2, 21, "DB_PASSWORD"},
      {"dotenv.secret", ".env", 5, 17, "SESSION_SECRET"},
      {"compose.literal_secret", "docker-compose.yml", 4, 22, "x-db-env.POSTGRES_PASSWORD"},
      {"compose.literal_secret", "docker-compose.yml", 15, 21, "services.web.build.args.NPM_TOKEN"},
      {"container.env_secret", "Dockerfile", 5, 20, "ENV SIGNING_SECRET"},
      {"dockerfile.env_from_secret_arg", "Dockerfile", 6, 1, ""},
      {"dockerfile.copy_sensitive_file", "Dockerfile", 7, 1, ""},
      {"dockerfile.run_secret", "Dockerfile", 8, 26, "RUN"},
      {"kubernetes.secret_literal", "deploy/k8s.yaml", 9, 13, "Secret shop/db-creds stringData.password"},
      // found by the decode stage in the base64 value (location attribute decoded: base64)
      {"github.pat", "deploy/k8s.yaml", 11, 11, ""},
      {"kubernetes.env_secret", "deploy/k8s.yaml", 25, 22,
       "Deployment default/web container app env DB_PASSWORD"},
  };
  return rows;
}

constexpr auto& Q = leakhound::testing::ShellQuote;
constexpr auto& Attr = leakhound::testing::LocationAttr;
using Run = leakhound::testing::JsonRun;

// Runs leakhound with a JSON report.
Run Leakhound(const std::string& args, const std::string& cwd = ".") {
  return RunJsonReport(kBin, args, cwd);
}

// The findings as rows, paths relative to `prefix`, of the locations whose source is `source`.
std::set<Row> Rows(const json& report, const std::string& prefix, const std::string& source) {
  std::set<Row> rows;
  for (const auto& f : report["findings"]) {
    // A placeholder in a credential slot (.env.example's DB_PASSWORD=changeme) is a
    // low-confidence default credential, shown only at --min-confidence low.
    const std::string id = f["rule_id"];
    if (id.find(".default_credential") != std::string::npos && f.value("confidence", "") == "low")
      continue;
    for (const auto& l : f["locations"]) {
      if (l["source"] != source) continue;
      std::string path = l["path"];
      if (path.rfind(prefix, 0) == 0) path = path.substr(prefix.size());
      rows.emplace(f["rule_id"], path, l["line"].get<int>(), l["column"].get<int>(),
                   Attr(l, "field"));
    }
  }
  return rows;
}

// A copy of the fixtures outside any git repository.
std::string CopyApp(const TempDir& dir) {
  const std::string app = dir.path() + "/app";
  fs::copy(kFixtures + "/app", app, fs::copy_options::recursive);
  return app;
}

void Git(const std::string& repo, const std::string& args) {
  const auto r = RunShell("cd " + Q(repo) + " && git -c user.name=Fixture -c user.email=f@x.invalid " +
                          "-c commit.gpgsign=false " + args + " >/dev/null 2>&1");
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("analyzers: scan reports exactly the fixtures' findings, no secret in full") {
  TempDir dir;
  CopyApp(dir);
  const Run r = Leakhound("scan app", dir.path());
  CHECK(r.code == 1);
  CHECK(Rows(r.report, "app/", "file") == Expected());
  CHECK(r.report["summary"]["warnings"].empty());
  // Not a git repository: no committed-.env finding; the .env.example decoy is silent.
  for (const auto& f : r.report["findings"]) CHECK(f["rule_id"] != "dotenv.committed");
  // Remediation travels with the analyzer findings; secrets are redacted.
  for (const auto& f : r.report["findings"]) {
    if (std::string(f["rule_id"]).rfind("dockerfile.", 0) == 0) CHECK(f.contains("remediation"));
    // (A reference, such as an ENV copying a secret build argument, has no secret of its own.)
    if (f["kind"] == "secret")
      CHECK(std::string(f["secret"]).find("\xe2\x80\xa6") != std::string::npos);  // the ellipsis
    else
      CHECK_FALSE(f.contains("secret"));
  }
  const std::string human = RunShell("cd " + Q(dir.path()) + " && " + Q(kBin) + " scan app 2>&1").out;
  for (const char* secret : {"NqVwYS81VP7 Hb1DX8pPd", "XykWZeiNNCiia3anXn9k", "tw0tESulEETldq8b8Vw2",
                             "zbJYAxyL1aCcTlN99mhW", "p708DwGw5HqXDgLVXZx3"})
    CHECK(human.find(secret) == std::string::npos);
  CHECK(human.find("RUN --mount=type=secret") != std::string::npos);  // a remediation shown
}

TEST_CASE("analyzers: git history gives the same findings, plus the committed .env file") {
  TempDir dir;
  const std::string repo = CopyApp(dir);
  Git(repo, "init -q .");
  Git(repo, "add -A");
  Git(repo, "commit -q -m fixtures");
  const Run r = Leakhound("git .", repo);
  CHECK(r.code == 1);
  std::set<Row> want = Expected();
  want.emplace("dotenv.committed", ".env", 1, 1, "");
  CHECK(Rows(r.report, "", "git") == want);
  for (const auto& f : r.report["findings"])
    for (const auto& l : f["locations"]) CHECK(Attr(l, "commit").size() == 40);

  // `scan` inside the repository knows the .env file is tracked; .env.example is not reported.
  const Run s = Leakhound("scan .", repo);
  std::set<Row> scanned = Rows(s.report, "./", "file");
  CHECK(scanned.count({"dotenv.committed", ".env", 1, 1, ""}) == 1);
  CHECK(scanned.size() == want.size());
  for (const auto& f : s.report["findings"])
    if (f["rule_id"] == "dotenv.committed") {
      const std::string snippet = f["locations"][0]["snippet"];
      CHECK(snippet.find("DB_PASSWORD=") != std::string::npos);
      CHECK(snippet.find("SESSION_SECRET=") != std::string::npos);
      CHECK(snippet.find("5khxE3pyIgKpaUnArl63") == std::string::npos);
    }

  // An untracked .env is not "committed".
  Git(repo, "rm -q --cached .env");
  const Run u = Leakhound("scan .", repo);
  for (const auto& f : u.report["findings"]) CHECK(f["rule_id"] != "dotenv.committed");
}

TEST_CASE("analyzers: the same files inside an image layer give the same findings") {
  TempDir dir;
  const std::string layout = dir.path() + "/layout";
  const auto made = RunShell("python3 " + Q(kFixtures + "/make_image.py") + " " + Q(layout));
  REQUIRE(made.code == 0);
  const Run r = Leakhound("image --checks secrets " + Q(layout));
  CHECK(r.code == 1);
  CHECK(Rows(r.report, "app/", "image") == Expected());
  for (const auto& f : r.report["findings"])
    for (const auto& l : f["locations"])
      if (l["source"] == "image") CHECK(Attr(l, "layer") == "1");
}

TEST_CASE("analyzers: malformed files give a warning with file and line; the scan goes on") {
  TempDir dir;
  fs::copy(kFixtures + "_malformed", dir.path() + "/bad", fs::copy_options::recursive);
  const Run r = Leakhound("scan bad", dir.path());
  std::set<std::pair<std::string, std::string>> warnings;
  for (const auto& w : r.report["summary"]["warnings"]) warnings.emplace(w["path"], w["message"]);
  const std::set<std::pair<std::string, std::string>> want = {
      {"bad/bad.yaml", "line 8: invalid YAML: end of sequence flow not found"},
      {"bad/bad64.yaml", "line 6: Secret default/bad64 data.password is not valid base64"},
      {"bad/broken.env", "line 2: unterminated \"-quoted value of BROKEN"},
      {"bad/junk.env", "line 2: not a KEY=VALUE line"},
  };
  CHECK(warnings == want);
  CHECK(r.err.find("bad/bad.yaml: line 8: invalid YAML") != std::string::npos);
  // The bytes of the malformed files were still scanned by the rules.
  CHECK(Rows(r.report, "bad/", "file") ==
        std::set<Row>{{"github.pat", "bad.yaml", 2, 82, ""},
                      {"generic.password_unquoted", "bad64.yaml", 6, 13, ""}});
  CHECK(r.report["summary"]["complete"] == true);
}

TEST_CASE("analyzers: their rules are listed, can be disabled and baselined") {
  const auto list = RunShell(Q(kBin) + " rules list");
  for (const char* id : {"dotenv.secret", "dotenv.committed", "compose.literal_secret",
                         "dockerfile.env_from_secret_arg", "dockerfile.run_secret",
                         "dockerfile.copy_sensitive_file", "kubernetes.secret_literal",
                         "kubernetes.configmap_secret", "kubernetes.env_secret"})
    CHECK(list.out.find(id) != std::string::npos);

  TempDir dir;
  CopyApp(dir);
  const Run off = Leakhound("scan app --disable-rule compose.literal_secret", dir.path());
  std::set<Row> want = Expected();
  for (auto it = want.begin(); it != want.end();)
    it = std::get<0>(*it) == "compose.literal_secret" ? want.erase(it) : std::next(it);
  // What the analyzer's finding had outranked shows through: the generic rules' matches.
  want.emplace("generic.password_unquoted", "docker-compose.yml", 4, 22, "");
  want.emplace("generic.token_unquoted", "docker-compose.yml", 15, 21, "");
  CHECK(Rows(off.report, "app/", "file") == want);

  std::ofstream(dir.path() + "/.leakhound.yaml") << "disable_rules: [dockerfile.run_secret, dotenv.secret]\n";
  const Run cfg = Leakhound("scan .", dir.path());
  for (const auto& f : cfg.report["findings"]) {
    CHECK(f["rule_id"] != "dockerfile.run_secret");
    CHECK(f["rule_id"] != "dotenv.secret");
  }
  fs::remove(dir.path() + "/.leakhound.yaml");

  const auto base = RunShell("cd " + Q(dir.path()) + " && " + Q(kBin) +
                             " baseline create app -o base.json 2>/dev/null");
  REQUIRE(base.code == 0);
  const Run after = Leakhound("scan app --baseline base.json", dir.path());
  CHECK(after.code == 0);
  CHECK(after.report["findings"].empty());
  // All of them (with the low-confidence default credential of .env.example where reported).
  const size_t reported = Leakhound("scan app", dir.path()).report["findings"].size();
  CHECK(reported >= Expected().size());
  CHECK(after.report["summary"]["findings_baselined"] == reported);
}

TEST_CASE("analyzers: a compose file's env_file references are analyzed as .env files, inside the scan root only") {
  leakhound::testing::FakeSecrets fake(77);
  const std::string inside = fake.Base62(24), extra = fake.Base62(24), outside = fake.Base62(24);
  TempDir dir;
  const std::string root = dir.path() + "/proj";
  dir.Write("proj/compose.yaml",
            "services:\n"
            "  web:\n"
            "    image: nginx@sha256:" + std::string(64, 'a') + "\n"
            "    env_file:\n"
            "      - config/web.vars\n"
            "      - path: config/extra.vars\n"
            "        required: false\n"
            "      - ../outside.vars\n"
            "      - config/missing.vars\n");
  dir.Write("proj/config/web.vars", "# fake, generated\nDB_PASSWORD=" + inside + "\n");
  dir.Write("proj/config/extra.vars", "API_TOKEN=\"" + extra + "\"\n");
  dir.Write("outside.vars", "DB_PASSWORD=" + outside + "\n");
  const Run run = Leakhound("scan --checks secrets " + Q(root));
  CHECK(run.code == 1);
  std::set<std::tuple<std::string, std::string, int, std::string, std::string>> got;
  for (const auto& f : run.report["findings"])
    for (const auto& l : f["locations"]) {
      CHECK(l["path"].get<std::string>().find("outside") == std::string::npos);
      // The walk also scans the .vars files as plain files, but a generic rule's match of the
      // same secret in the same place gives way to the .env analysis: one finding per secret.
      got.emplace(f["rule_id"], l["path"], l["line"].get<int>(), Attr(l, "field"),
                  Attr(l, "env_file_of"));
    }
  const std::string compose = root + "/compose.yaml";
  const std::set<std::tuple<std::string, std::string, int, std::string, std::string>> want = {
      {"dotenv.secret", root + "/config/web.vars", 2, "DB_PASSWORD", compose},
      {"dotenv.secret", root + "/config/extra.vars", 1, "API_TOKEN", compose},
  };
  CHECK(got == want);  // nothing from ../outside.vars, no error for the missing one
  CHECK(run.report["findings"].size() == 2);
  const std::string text = run.report.dump() + run.err;
  for (const auto& s : {inside, extra, outside}) CHECK(text.find(s) == std::string::npos);
}
