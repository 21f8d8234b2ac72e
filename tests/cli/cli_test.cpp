// The command line, in process through Main() and end to end through the real binary.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/cli.hpp"
#include "test_support.hpp"

using namespace leakhound;
using leakhound::testing::FakeSecrets;
using leakhound::testing::TempDir;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run Lh(std::vector<std::string> args) {
  args.insert(args.begin(), "leakhound");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = Main(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

// Runs the real binary through the shell; returns its exit code and stdout.
Run Binary(const std::string& args) {
  auto r = testing::RunShell(std::string(LEAKHOUND_BINARY) + " " + args + " 2>/dev/null");
  return {r.code, r.out, ""};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("Usage errors exit 2 with CLI11's message") {
  CHECK(Lh({}).code == kExitClean);  // a bare `leakhound` prints the help
  auto r = Lh({"scan", "--format", "yaml"});
  CHECK(r.code == kExitError);
  CHECK(r.err.find("--format") != std::string::npos);
  CHECK(Lh({"scan", "--no-such-flag"}).code == kExitError);
  CHECK(Lh({"--version"}).code == kExitClean);
  CHECK(Lh({"scan", "--help"}).code == kExitClean);
}

TEST_CASE("scan: findings exit 1, clean exits 0, --fail-on raises the bar") {
  TempDir dir;
  FakeSecrets fake(100);
  const std::string token = fake.GithubToken();
  dir.Write("app/config.py", "GITHUB_TOKEN = \"" + token + "\"\n");
  dir.Write("app/clean.py", "print('hello')\n");
  auto r = Lh({"scan", dir.path(), "--format", "json"});
  CHECK(r.code == kExitFindings);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["findings"].size() >= 1);
  bool found = false;
  for (const auto& f : j["findings"]) found = found || f["rule_id"] == "github.pat";
  CHECK(found);
  CHECK(r.out.find(token) == std::string::npos);
  CHECK(j["summary"]["blobs_scanned"] == 2);

  TempDir clean;
  clean.Write("a.txt", "nothing to see\n");
  CHECK(Lh({"scan", clean.path()}).code == kExitClean);

  TempDir low;
  low.Write("settings.py", "password = \"" + fake.Base62(18) + "\"\n");
  auto lowrun = Lh({"scan", low.path(), "--format", "json"});
  REQUIRE(lowrun.code == kExitFindings);
  auto lj = nlohmann::json::parse(lowrun.out);
  std::string worst = lj["findings"][0]["severity"];
  CHECK((worst == "low" || worst == "medium"));
  CHECK(Lh({"scan", low.path(), "--fail-on", "critical"}).code == kExitClean);
}

TEST_CASE("scan: secrets are printed only with --show-secrets") {
  TempDir dir;
  FakeSecrets fake(101);
  const std::string token = fake.GithubToken();
  dir.Write("x.env", "GH=" + token + "\n");
  for (const char* format : {"human", "json", "jsonl", "sarif"}) {
    auto hidden = Lh({"scan", dir.path(), "--format", format});
    CHECK(hidden.out.find(token) == std::string::npos);
    CHECK(hidden.err.find(token) == std::string::npos);
    auto shown = Lh({"scan", dir.path(), "--format", format, "--show-secrets"});
    CHECK(shown.out.find(token) != std::string::npos);
  }
}

TEST_CASE("scan: an incomplete scan exits 2 unless --allow-incomplete") {
  TempDir dir;
  dir.Write("ok.txt", "fine\n");
  auto r = Lh({"scan", dir.path(), dir.path() + "/missing"});
  CHECK(r.code == kExitError);
  CHECK(r.err.find("missing") != std::string::npos);
  CHECK(r.out.find("INCOMPLETE") != std::string::npos);
  // A missing input stays an error; --allow-incomplete covers what could not be read inside.
  CHECK(Lh({"scan", dir.path(), dir.path() + "/missing", "--allow-incomplete"}).code == kExitError);
  std::filesystem::create_symlink(dir.path() + "/gone", dir.path() + "/dangling");
  CHECK(Lh({"scan", dir.path(), "--follow-symlinks"}).code == kExitError);
  CHECK(Lh({"scan", dir.path(), "--follow-symlinks", "--allow-incomplete"}).code == kExitClean);
}

TEST_CASE("scan: --output, config excludes, disabled rules, allow-list") {
  TempDir dir;
  FakeSecrets fake(102);
  const std::string a = fake.GithubToken(), b = fake.GithubToken(), c = fake.GithubToken();
  dir.Write("src/a.py", "t = '" + a + "'\n");
  dir.Write("vendor/b.py", "t = '" + b + "'\n");
  dir.Write("src/c.py", "t = '" + c + "'\n");
  dir.Write(".leakhound.yaml", "exclude_paths: ['vendor/']\nallow:\n  values: ['" + c + "']\n");
  const std::string report = dir.path() + "/report.json";
  // The config is found from the current directory (the build tree here): name it.
  const std::string config = "--config=" + dir.path() + "/.leakhound.yaml";
  auto r = Lh({"scan", dir.path(), "--format", "json", "--output", report, config});
  CHECK(r.code == kExitFindings);
  CHECK(r.out.empty());
  auto j = nlohmann::json::parse(ReadFile(report));
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["locations"][0]["path"] == dir.path() + "/src/a.py");
  CHECK(j["summary"]["skipped"]["excluded"] == 1);
  CHECK(j["summary"]["matches_allowed"] >= 2);  // c.py, and the config file that lists it
  CHECK(Lh({"scan", dir.path(), "--disable-rule", "github.pat", "-q"}).code == kExitClean);
  auto unknown = Lh({"scan", dir.path(), "--disable-rule", "no.such.rule"});
  CHECK(unknown.err.find("no.such.rule: no such rule") != std::string::npos);
  CHECK(Lh({"scan", dir.path(), "--output", dir.path() + "/no/such/dir/r.json"}).code == kExitError);
}

TEST_CASE("baseline create, then --baseline reports only new findings") {
  TempDir dir;
  FakeSecrets fake(103);
  dir.Write("old.py", "t = '" + fake.GithubToken() + "'\n");
  const std::string baseline = dir.path() + "/.baseline";
  auto created = Lh({"baseline", "create", dir.path(), "-o", baseline});
  CHECK(created.code == kExitClean);
  CHECK(ReadFile(baseline).find("github.pat") != std::string::npos);
  CHECK(Lh({"scan", dir.path(), "--baseline", baseline}).code == kExitClean);
  dir.Write("new.py", "t = '" + fake.GithubToken() + "'\n");
  auto r = Lh({"scan", dir.path(), "--baseline", baseline, "--format", "json"});
  CHECK(r.code == kExitFindings);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["findings"].size() == 1);
  CHECK(j["summary"]["findings_baselined"] == 1);
  auto missing = Lh({"scan", dir.path(), "--baseline", dir.path() + "/nope"});
  CHECK(missing.code == kExitError);
  CHECK(missing.err.find("cannot read baseline") != std::string::npos);
}

TEST_CASE("--rules adds and overrides rules; a bad rule file is an error naming it") {
  TempDir dir;
  dir.Write("rules/acme.yaml", R"(
rules:
  - id: acme.token
    name: ACME token
    severity: high
    pattern: '\b(acme_[a-z0-9]{24})\b'
    examples: ['key = acme_q8zr2lmt9vx4cb7nw3kd6hpf']
    negative_examples: ['key = acme_short']
)");
  dir.Write("src/x.txt", "key = acme_q8zr2lmt9vx4cb7nw3kd6hpf\n");
  auto r = Lh({"scan", dir.path() + "/src", "--rules", dir.path() + "/rules", "--format", "json"});
  CHECK(r.code == kExitFindings);
  CHECK(r.out.find("acme.token") != std::string::npos);
  auto check = Lh({"rules", "check", dir.path() + "/rules"});
  CHECK(check.code == kExitClean);
  CHECK(check.out.find("1 rules, 2 examples checked, 0 problems") != std::string::npos);

  dir.Write("bad/broken.yaml", R"(
rules:
  - id: broken.rule
    severity: high
    pattern: '(unclosed'
    examples: [x]
    negative_examples: [y]
  - id: weak.rule
    severity: low
    pattern: 'weak_([a-z]{4})'
    examples: ['nothing here']
    negative_examples: ['weak_abcd']
)");
  auto bad = Lh({"scan", dir.path() + "/src", "--rules", dir.path() + "/bad"});
  CHECK(bad.code == kExitError);
  CHECK(bad.err.find("broken.yaml: rule broken.rule: RE2 rejects") != std::string::npos);
  auto badcheck = Lh({"rules", "check", dir.path() + "/bad"});
  CHECK(badcheck.code == kExitFindings);
  CHECK(badcheck.out.find("rule weak.rule: example does not fire") != std::string::npos);
  CHECK(badcheck.out.find("rule weak.rule: negative example fires") != std::string::npos);
}

TEST_CASE("rules list") {
  auto r = Lh({"rules", "list"});
  CHECK(r.code == kExitClean);
  CHECK(r.out.find("github.pat") != std::string::npos);
  auto j = Lh({"rules", "list", "--format", "json"});
  auto arr = nlohmann::json::parse(j.out);
  CHECK(arr.size() >= 150);
  CHECK(arr[0].contains("pattern"));
}

TEST_CASE("The real binary: version, exit codes, duplicate content, binary files") {
  auto v = Binary("--version");
  CHECK(v.code == 0);
  CHECK(v.out.find("leakhound") == 0);
  TempDir dir;
  FakeSecrets fake(104);
  const std::string token = fake.GithubToken();
  dir.Write("a/one.txt", "token " + token + "\n");
  dir.Write("b/two.txt", "token " + token + "\n");
  dir.Write("c/blob.bin", std::string("\0\1\2 ", 4) + token);
  auto r = Binary("scan " + dir.path() + " --format json");
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["locations"].size() == 2);
  CHECK(j["summary"]["duplicate_blobs"] == 1);
  CHECK(j["summary"]["skipped"]["binary"] == 1);
  CHECK(r.out.find(token) == std::string::npos);
  CHECK(Binary("scan " + dir.path() + " --scan-binary --format json").out.find("blob.bin") !=
        std::string::npos);
  CHECK(Binary("bogus").code == 2);
}

TEST_CASE("image: malformed metadata is an error naming the input, never a crash") {
  TempDir dir;
  dir.Write("layout/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  dir.Write("layout/index.json", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":5,\"digest\":\"sha256:00\"}]}");
  auto r = Lh({"image", dir.path() + "/layout"});
  CHECK(r.code == kExitError);
  CHECK(r.out.find("malformed image metadata") != std::string::npos);
  dir.Write("junk/manifest.json", "[{\"Config\": 7, \"Layers\": [\"a\"]}]");
  CHECK(testing::RunShell("tar cf " + dir.path() + "/bad.tar -C " + dir.path() + "/junk manifest.json").code == 0);
  auto t = Lh({"image", dir.path() + "/bad.tar"});
  CHECK(t.code == kExitError);
  CHECK(t.out.find("bad.tar: malformed image metadata") != std::string::npos);
  dir.Write("notimage/readme.txt", "hello\n");
  auto n = Lh({"image", dir.path() + "/notimage"});
  CHECK(n.code == kExitError);
  CHECK(n.out.find("not an image") != std::string::npos);
}

TEST_CASE("redaction: the documented prefix and the last 4 tell two tokens apart; --redact-keep") {
  TempDir dir;
  FakeSecrets fake(108);
  const std::string a = fake.GithubToken(), b = fake.GithubToken();
  const std::string pw = fake.Base62(12);  // short, no documented prefix: nothing shown
  dir.Write("app.py", "A = \"" + a + "\"\nB = \"" + b + "\"\npassword = \"" + pw + "\"\n");
  const std::string e = "\xE2\x80\xA6";
  auto r = Lh({"scan", dir.path(), "--format", "json"});
  REQUIRE(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> shown;
  for (const auto& f : j["findings"]) {
    const std::string s = f["secret"];
    if (f["rule_id"] == "github.pat") {
      shown.insert(s);
      const std::string& t = s == "ghp_" + e + a.substr(36) + " (40)" ? a : b;
      CHECK(s == "ghp_" + e + t.substr(36) + " (40)");
      CHECK(f["locations"][0]["snippet"].get<std::string>().find(s) != std::string::npos);
    } else {
      CHECK(s == e + "(12)");
    }
  }
  CHECK(shown.size() == 2);  // not both "ghp_…(40)"
  // --redact-keep 0: the prefix and the length only; 2: the last 2.
  r = Lh({"scan", dir.path(), "--redact-keep", "0"});
  CHECK(r.out.find("ghp_" + e + "(40)") != std::string::npos);
  CHECK(r.out.find(a.substr(36)) == std::string::npos);
  r = Lh({"scan", dir.path(), "--redact-keep", "2"});
  CHECK(r.out.find("ghp_" + e + a.substr(38) + " (40)") != std::string::npos);
  // At most a quarter of what follows the prefix (36 / 4 = 9), whatever is asked.
  r = Lh({"scan", dir.path(), "--redact-keep", "30"});
  CHECK(r.out.find("ghp_" + e + a.substr(31) + " (40)") != std::string::npos);
  CHECK(r.out.find(a.substr(30)) == std::string::npos);
  for (const auto& s : {a, b, pw}) CHECK(r.out.find(s) == std::string::npos);
}
