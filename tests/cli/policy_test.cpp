// A central gate end to end (--policy, --ignore-inline-allow, --no-repo-config, --no-baseline):
// a real git repository that tries every way of silencing a finding, scanned by the real binary
// with and without a policy that forbids them.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.hpp"

using leakhound::testing::FakeSecrets;
using leakhound::testing::TempDir;

namespace {

using Result = leakhound::testing::ShellResult;

// Runs a shell command in `dir` with a fixed git identity; returns exit code and stdout.
Result Sh(const std::string& dir, const std::string& cmd) {
  return leakhound::testing::RunInGitDir(dir, cmd, LEAKHOUND_BINARY);
}

void Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// The repository: five fake secrets, each silenced another way. Returns them by name.
std::map<std::string, std::string> MakeRepository(const std::string& repo) {
  FakeSecrets fake(1901);
  std::map<std::string, std::string> s;
  s["inline"] = fake.GithubToken();     // fake: generated, valid checksum, never issued
  s["allow_value"] = fake.GithubToken();
  s["baseline"] = fake.GithubToken();
  s["excluded"] = fake.GithubToken();
  s["disabled"] = "AKIA" + fake.Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);  // fake
  REQUIRE(Sh(repo, "git -c init.defaultBranch=main init -q .").code == 0);
  Write(repo + "/a.py", "TOKEN = \"" + s["inline"] + "\"  # leakhound:allow\n");
  Write(repo + "/b.py", "\nTOKEN = \"" + s["allow_value"] + "\"\n");
  Write(repo + "/c.py", "TOKEN = \"" + s["baseline"] + "\"\n");
  REQUIRE(Sh(repo, "mkdir -p fixtures").code == 0);
  Write(repo + "/fixtures/d.py", "TOKEN = \"" + s["excluded"] + "\"\n");
  Write(repo + "/e.py", "AWS_ACCESS_KEY_ID = \"" + s["disabled"] + "\"\n");
  Write(repo + "/.leakhound.yaml",
        "exclude_paths: [\"fixtures/**\"]\n"
        "disable_rules: [aws.access_key_id]\n"
        "allow:\n"
        "  values:\n"
        "    - " + s["allow_value"] + "\n");
  // The baseline lists c.py's finding (made from c.py alone, so it lists nothing else).
  REQUIRE(Sh(repo, "\"$LEAKHOUND\" baseline create c.py -o .leakhound-baseline").code == 0);
  REQUIRE(Sh(repo, "git add -A && git commit -q -m 'silence everything'").code == 0);
  return s;
}

// Whether a finding has a location whose path holds `path`.
bool Reports(const nlohmann::json& findings, const std::string& path) {
  for (const auto& f : findings)
    for (const auto& l : f["locations"])
      if (l["path"].get<std::string>().find(path) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("gate: without a policy, every suppression works and is listed in the report") {
  TempDir dir;
  const auto s = MakeRepository(dir.path());
  for (const std::string cmd : {"scan .", "git ."}) {
    INFO(cmd);
    auto r = Sh(dir.path(), "\"$LEAKHOUND\" " + cmd + " --format json");
    CHECK(r.code == 0);
    for (const auto& [name, secret] : s) CHECK(r.out.find(secret) == std::string::npos);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["findings"].empty());
    CHECK(j["summary"]["findings"] == 0);
    CHECK(j["summary"]["findings_suppressed"] == 3);
    std::map<std::string, std::string> by_kind;  // kind -> source
    for (const auto& f : j["suppressed_findings"])
      by_kind[f["suppression"]["kind"]] = f["suppression"]["source"];
    REQUIRE(by_kind.size() == 3);
    CHECK(by_kind["inline_allow"].find("inline comment at ") == 0);
    CHECK(by_kind["inline_allow"].find("a.py:1") != std::string::npos);
    CHECK(by_kind["allow_value"].find("allow.values entry in ") == 0);
    CHECK(by_kind["allow_value"].find(".leakhound.yaml:5") != std::string::npos);
    CHECK(by_kind["baseline"].find("baseline ") == 0);
    CHECK(by_kind["baseline"].find(".leakhound-baseline:") != std::string::npos);
  }
  // SARIF: the suppressed results are there, marked.
  auto sarif = Sh(dir.path(), "\"$LEAKHOUND\" scan . --format sarif");
  CHECK(sarif.code == 0);
  const auto results = nlohmann::json::parse(sarif.out)["runs"][0]["results"];
  REQUIRE(results.size() == 4);  // one per location: the allow-listed value is in .leakhound.yaml too
  std::set<std::string> kinds;
  for (const auto& r : results) kinds.insert(r["suppressions"][0]["kind"].get<std::string>());
  CHECK(kinds == std::set<std::string>{"inSource", "external"});
  // The human report lists them only when asked, under a heading of their own.
  auto human = Sh(dir.path(), "\"$LEAKHOUND\" scan . --color never");
  CHECK(human.out.find("suppressed findings: 3 (--show-suppressed lists them)") != std::string::npos);
  CHECK(human.out.find("Suppressed (3)") == std::string::npos);
  human = Sh(dir.path(), "\"$LEAKHOUND\" scan . --color never --show-suppressed");
  CHECK(human.code == 0);
  CHECK(human.out.find("Suppressed (3)") != std::string::npos);
  CHECK(human.out.find("suppressed   inline comment at ") != std::string::npos);
  for (const auto& [name, secret] : s) CHECK(human.out.find(secret) == std::string::npos);
}

TEST_CASE("gate: a forbidding policy reports every finding and fails") {
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  REQUIRE(Sh(dir.path(), "mkdir repo").code == 0);
  const auto s = MakeRepository(repo);
  const std::string policy = dir.path() + "/gate-policy.yaml";
  Write(policy,
        "allow_inline: false\n"
        "allow_repo_config: false\n"
        "allow_baseline: false\n"
        "min_fail_on: high\n");
  const std::vector<std::string> ways = {
      "--policy '" + policy + "'",
      "",  // LEAKHOUND_POLICY
      "--ignore-inline-allow --no-repo-config --no-baseline",
  };
  for (const std::string cmd : {"scan .", "git ."}) {
    for (size_t w = 0; w < ways.size(); ++w) {
      INFO(cmd << " " << ways[w]);
      const std::string env = w == 1 ? "LEAKHOUND_POLICY='" + policy + "' " : "";
      auto r = Sh(repo, env + "\"$LEAKHOUND\" " + cmd + " " + ways[w] +
                            " --format json --fail-on critical");
      CHECK(r.code == 1);
      for (const auto& [name, secret] : s) CHECK(r.out.find(secret) == std::string::npos);
      const auto j = nlohmann::json::parse(r.out);
      CHECK(j["summary"]["findings"] == 5);
      CHECK(j["suppressed_findings"].empty());
      for (const char* path : {"a.py", "b.py", "c.py", "fixtures/d.py", "e.py"}) {
        INFO(path);
        CHECK(Reports(j["findings"], path));
      }
      if (w < 2) {
        CHECK(j["summary"]["policy"] == policy);
        bool named = false;
        for (const auto& warning : j["summary"]["warnings"])
          named = named || warning["message"].get<std::string>().find(
                               "allow_repo_config: false") != std::string::npos;
        CHECK(named);
      }
    }
  }
  // A policy that forbids nothing lets every suppression apply, as without one.
  const std::string open = dir.path() + "/open.yaml";
  Write(open, "min_fail_on: high\n");
  auto r = Sh(repo, "\"$LEAKHOUND\" scan . --policy '" + open + "' --format json");
  CHECK(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["suppressed_findings"].size() == 3);
  // min_fail_on: --fail-on none cannot switch the gate off.
  r = Sh(repo, "\"$LEAKHOUND\" scan . --policy '" + policy + "' --fail-on none --format json");
  CHECK(r.code == 1);
}

TEST_CASE("gate: policy errors name the file; a repository rule may not replace a built-in") {
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  REQUIRE(Sh(dir.path(), "mkdir repo").code == 0);
  MakeRepository(repo);
  const std::string bad = dir.path() + "/bad-policy.yaml";
  Write(bad, "allow_inline: sometimes\n");
  auto r = leakhound::testing::RunShellWithStderr(
      "cd '" + repo + "' && '" LEAKHOUND_BINARY "' scan . --policy '" + bad + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find(bad + ": allow_inline must be true or false") != std::string::npos);

  const std::string policy = dir.path() + "/policy.yaml";
  Write(policy, "allow_repo_config: true\n");
  Write(repo + "/.leakhound.yaml",
        "rules:\n"
        "  - id: github.pat\n"
        "    name: Quietly replaced\n"
        "    severity: info\n"
        "    pattern: 'never-matches-(x{40})'\n");
  r = leakhound::testing::RunShellWithStderr(
      "cd '" + repo + "' && '" LEAKHOUND_BINARY "' scan . --policy '" + policy + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find(".leakhound.yaml: rule 'github.pat' reuses a built-in rule id") !=
        std::string::npos);
}

TEST_CASE("gate: the pre-push hook honours the policy") {
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  REQUIRE(Sh(dir.path(), "mkdir repo").code == 0);
  MakeRepository(repo);
  // The hook does not apply exclude_paths to the pushed history: leave the excluded file out.
  REQUIRE(Sh(repo, "git rm -rq fixtures && git commit -q --amend -m 'silence everything'").code == 0);
  const std::string policy = dir.path() + "/gate-policy.yaml";
  Write(policy, "allow_inline: false\nallow_repo_config: false\nallow_baseline: false\n");
  const std::string z(40, '0');
  const std::string head = Sh(repo, "git rev-parse HEAD").out.substr(0, 40);
  const std::string input = "printf 'refs/heads/main " + head + " refs/heads/main " + z + "\\n' | ";
  CHECK(Sh(repo, input + "\"$LEAKHOUND\" hook pre-push origin url").code == 0);
  CHECK(Sh(repo, input + "LEAKHOUND_POLICY='" + policy + "' \"$LEAKHOUND\" hook pre-push origin url")
            .code == 1);
}

TEST_CASE("gate: an image scan reads no config or baseline found inside the image") {
  TempDir dir;
  // One image whose layer carries its own .leakhound.yaml (allow-listing the token, disabling
  // its rule, excluding every path) and .leakhound-baseline (listing it), beside the token.
  // The token is fake: generated by the fixture generator; only its fingerprint is printed.
  const std::string script =
      "import sys; sys.path.insert(0, '" LEAKHOUND_SOURCE_DIR "/tests/fixtures/images')\n"
      "import make_images as m\n"
      "s = m.Secrets(1904)\n"
      "token = s.github()\n"
      "fp = m.fingerprint('github.pat', token)\n"
      "config = ('exclude_paths: [\"**\"]\\ndisable_rules: [github.pat]\\n'\n"
      "          'allow:\\n  values: [\"' + token + '\"]\\n')\n"
      "layers = [m.Layer(m.base_layer_entries([m.D('app'),\n"
      "    m.F('.leakhound.yaml', config), m.F('app/.leakhound.yaml', config),\n"
      "    m.F('app/.leakhound-baseline', fp + ' github.pat\\n'),\n"
      "    m.F('app/settings.py', 'TOKEN = \"' + token + '\"  # leakhound:allow\\n')]),\n"
      "    '/bin/sh -c #(nop) COPY dir:app in /app ')]\n"
      "m.build_layout(sys.argv[1], [(layers, {'Env': ['PATH=/usr/bin'], "
      "'history_template': ['LAYER']}, m.AMD64)])\n"
      "print(fp)\n";
  std::ofstream(dir.path() + "/make.py") << script;
  auto made = leakhound::testing::RunShell("python3 '" + dir.path() + "/make.py' '" + dir.path() +
                                           "/image'");
  REQUIRE(made.code == 0);
  const std::string fp = made.out.substr(0, 32);
  REQUIRE(Sh(dir.path(), "mkdir -p empty").code == 0);
  auto r = Sh(dir.path() + "/empty", "\"$LEAKHOUND\" image ../image --format json");
  CHECK(r.code == 1);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(!j["summary"].contains("config"));
  std::set<std::string> reported, suppressed;
  for (const auto& f : j["findings"]) reported.insert(f["fingerprint"].get<std::string>());
  for (const auto& f : j["suppressed_findings"]) {
    suppressed.insert(f["fingerprint"].get<std::string>());
    CHECK(f["suppression"]["kind"] == "inline_allow");  // the comment is content, not config
  }
  // Reported at .leakhound.yaml (a file like any other); the inline comment in settings.py
  // is honoured as in any file, and listed.
  CHECK(reported.count(fp) == 1);
  CHECK(suppressed.count(fp) == 1);
  // Under a policy forbidding inline allow comments, settings.py is reported too.
  std::ofstream(dir.path() + "/policy.yaml") << "allow_inline: false\n";
  r = Sh(dir.path() + "/empty", "\"$LEAKHOUND\" image ../image --policy ../policy.yaml --format json");
  CHECK(r.code == 1);
  CHECK(nlohmann::json::parse(r.out)["suppressed_findings"].empty());
}
