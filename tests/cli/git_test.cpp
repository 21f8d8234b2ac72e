// leakhound git and the hooks, end to end: real repositories built with the git CLI, the real
// binary, and real pushes to a local bare remote through the installed hook.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sources/git_source.hpp"
#include "test_support.hpp"

using leakhound::testing::FakeSecrets;
using leakhound::testing::TempDir;

namespace {

using Result = leakhound::testing::ShellResult;

// Runs a shell command in `dir` with a fixed git identity; returns exit code and stdout.
Result Sh(const std::string& dir, const std::string& cmd) {
  return leakhound::testing::RunInGitDir(dir, cmd, LEAKHOUND_BINARY);
}

void Git(const std::string& dir, const std::string& args) {
  INFO("git " << args);
  REQUIRE(Sh(dir, "git -c init.defaultBranch=main " + args + " >/dev/null").code == 0);
}

void Commit(const std::string& dir, const std::string& path, const std::string& content,
            const std::string& message) {
  std::ofstream(dir + "/" + path, std::ios::binary) << content;
  Git(dir, "add -A");
  Git(dir, "commit -q -m '" + message + "'");
}

nlohmann::json ScanJson(const std::string& dir, const std::string& args, int* code = nullptr) {
  auto r = Sh(dir, "\"$LEAKHOUND\" git " + args + " --format json");
  if (code) *code = r.code;
  return nlohmann::json::parse(r.out);
}

// rule id -> list of (path, in_head, commit summary)
std::map<std::string, std::vector<std::tuple<std::string, std::string, std::string>>> Locations(
    const nlohmann::json& report, const std::string& secret_prefix = "") {
  std::map<std::string, std::vector<std::tuple<std::string, std::string, std::string>>> out;
  for (const auto& f : report["findings"])
    for (const auto& l : f["locations"])
      out[f["fingerprint"]].emplace_back(l["path"], l["attributes"].value("in_head", ""),
                                         l["attributes"].value("summary", ""));
  return out;
}

}  // namespace

TEST_CASE("git history: removed secrets, one finding per secret, renames, merges, branches") {
  TempDir dir;
  FakeSecrets fake(200);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  const std::string a = fake.GithubToken(), b = fake.GithubToken();
  Commit(repo, "app.py", "print('hello')\n", "init");
  Commit(repo, "config.py", "TOKEN = '" + a + "'\n", "add config");
  Git(repo, "rm -q config.py");
  Git(repo, "commit -q -m 'remove secret'");
  Git(repo, "checkout -q -b feature");
  Commit(repo, "other.py", "x = '" + a + "'\ny = '" + b + "'\n", "feature");
  Git(repo, "mv other.py renamed.py");
  Git(repo, "commit -q -m rename");
  Git(repo, "checkout -q main");
  Commit(repo, "main.txt", "main side\n", "main work");
  Git(repo, "merge -q --no-ff feature -m merge");
  Commit(repo, "bin.dat", std::string("\0\1binary ", 9) + fake.GithubToken(), "binary");

  int code = 0;
  auto report = ScanJson(repo, ".", &code);
  CHECK(code == 1);
  REQUIRE(report["findings"].size() == 2);  // a and b; the token in the binary blob is skipped
  CHECK(report["summary"]["skipped"]["binary"] == 1);
  for (const auto& f : report["findings"]) {
    std::set<std::string> paths;
    for (const auto& l : f["locations"]) {
      paths.insert(l["path"]);
      CHECK(l["source"] == "git");
      CHECK(l["attributes"]["commit"].get<std::string>().size() == 40);
      CHECK(l["attributes"]["author"] == "Dev <dev@example.invalid>");
      if (l["path"] == "config.py") {
        CHECK(l["attributes"]["summary"] == "add config");  // the commit that introduced it
        CHECK(l["attributes"]["in_head"] == "false");        // deleted later: still reported
      }
      if (l["path"] == "other.py") CHECK(l["attributes"]["summary"] == "feature");
      if (l["path"] == "renamed.py") {
        CHECK(l["attributes"]["summary"] == "rename");
        CHECK(l["attributes"]["in_head"] == "true");
      }
    }
    if (f["locations"].size() == 3)
      CHECK(paths == std::set<std::string>{"config.py", "other.py", "renamed.py"});
    else
      CHECK(paths == std::set<std::string>{"other.py", "renamed.py"});
  }
  // Each unique blob was scanned once: the renamed file's blob is a duplicate.
  CHECK(report["summary"]["duplicate_blobs"].get<int>() >= 1);
  // No secret in the default output.
  const std::string human = Sh(repo, "\"$LEAKHOUND\" git .").out;
  CHECK(human.find(a) == std::string::npos);
  CHECK(human.find("(no longer in HEAD)") != std::string::npos);
}

TEST_CASE("git history: the same secret in many commits and branches is one finding") {
  TempDir dir;
  FakeSecrets fake(201);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  const std::string a = fake.GithubToken();
  Commit(repo, "s.txt", "t " + a + "\n", "first");
  for (int i = 0; i < 5; ++i) {
    Commit(repo, "s.txt", "t " + a + "\nline " + std::to_string(i) + "\n", "edit " + std::to_string(i));
    Git(repo, "branch b" + std::to_string(i));
  }
  auto report = ScanJson(repo, ".");
  REQUIRE(report["findings"].size() == 1);
  const auto& locs = report["findings"][0]["locations"];
  CHECK(locs.size() == 6);  // six blob versions of s.txt, each named by its commit
  std::set<std::string> summaries;
  for (const auto& l : locs) summaries.insert(l["attributes"]["summary"]);
  CHECK(summaries.count("first"));
  CHECK(report["summary"]["blobs_scanned"] == 6);
}

TEST_CASE("git options: --branch, --range, --since-commit, --no-history, --worktree, sizes") {
  TempDir dir;
  FakeSecrets fake(202);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  const std::string a = fake.GithubToken(), b = fake.GithubToken(), c = fake.GithubToken();
  Commit(repo, "a.txt", "a " + a + "\n", "a");
  const std::string base = Sh(repo, "git rev-parse HEAD").out.substr(0, 40);
  Git(repo, "checkout -q -b side");
  Commit(repo, "b.txt", "b " + b + "\n", "b");
  Git(repo, "checkout -q main");
  Commit(repo, "big.txt", std::string(5000, 'x') + " " + c + "\n", "big");
  auto count = [&](const std::string& args) {
    return ScanJson(repo, args)["findings"].size();
  };
  CHECK(count(".") == 3);
  CHECK(count(". --branch main") == 2);
  CHECK(count(". --branch side") == 2);
  CHECK(count(". --range " + base + "..side") == 1);
  CHECK(count(". --since-commit " + base) == 2);
  CHECK(count(". --no-history") == 2);
  auto small = ScanJson(repo, ". --max-blob-size 1k");
  CHECK(small["findings"].size() == 2);
  CHECK(small["summary"]["skipped"]["too_large"] == 1);
  // Uncommitted work: modified and untracked files, read from the work tree.
  std::ofstream(repo + "/new.txt") << "n " << fake.GithubToken() << "\n";
  auto wt = ScanJson(repo, ". --no-history --worktree");
  CHECK(wt["findings"].size() == 3);
  bool worktree = false;
  for (const auto& f : wt["findings"])
    for (const auto& l : f["locations"]) worktree = worktree || l["source"] == "worktree";
  CHECK(worktree);
  CHECK(Sh(repo, "\"$LEAKHOUND\" git . --range nope..main --format json").code == 2);
  CHECK(Sh(repo, "\"$LEAKHOUND\" git . --range 'a...b'").code == 2);
  // An unknown revision is an error naming it, before anything is scanned.
  CHECK(Sh(repo, "\"$LEAKHOUND\" git . --branch no-such-branch --allow-incomplete").code == 2);
}

TEST_CASE("git: empty, bare and shallow repositories; a path inside the work tree") {
  TempDir dir;
  FakeSecrets fake(203);
  Git(dir.path(), "init -q empty");
  int code = -1;
  auto empty = ScanJson(dir.path() + "/empty", ".", &code);
  CHECK(code == 0);
  CHECK(empty["findings"].empty());

  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  const std::string a = fake.GithubToken();
  Commit(repo, "old.txt", "old " + a + "\n", "old secret");
  for (int i = 0; i < 3; ++i) Commit(repo, "f.txt", std::to_string(i), "c" + std::to_string(i));
  std::filesystem::create_directories(repo + "/sub/dir");
  CHECK(ScanJson(repo + "/sub/dir", ".")["findings"].size() == 1);  // finds its repository

  Git(dir.path(), "clone -q --bare repo bare.git");
  CHECK(ScanJson(dir.path() + "/bare.git", ".")["findings"].size() == 1);

  Git(dir.path(), "clone -q --depth 1 file://" + repo + " shallow");
  auto shallow = ScanJson(dir.path() + "/shallow", ".", &code);
  CHECK(code != 2);  // the boundary commit counts as a root; no error
  CHECK(shallow["findings"].size() == 1);  // old.txt is still in the shallow HEAD

  CHECK(Sh(dir.path(), "\"$LEAKHOUND\" git /nonexistent/path").code == 2);
}

TEST_CASE("pre-push input parsing") {
  using leakhound::ParsePrePushInput;
  const std::string z(40, '0'), s(40, 'a');
  auto u = ParsePrePushInput("refs/heads/main " + s + " refs/heads/main " + z + "\n\n");
  REQUIRE(u.size() == 1);
  CHECK(u[0].new_remote_ref());
  CHECK_FALSE(u[0].deletes());
  CHECK(ParsePrePushInput("(delete) " + z + " refs/heads/x " + s + "\n")[0].deletes());
  CHECK_THROWS_WITH(ParsePrePushInput("refs/heads/main nothex refs/heads/main " + z),
                    Catch::Contains("line 1"));
  CHECK_THROWS(ParsePrePushInput("too few fields\n"));
}

TEST_CASE("hooks: install chains an existing hook; pushes are blocked only for new secrets") {
  TempDir dir;
  FakeSecrets fake(204);
  const std::string d = dir.path();
  Git(d, "init -q --bare remote.git");
  Git(d, "clone -q remote.git clone");
  const std::string repo = d + "/clone";
  // An existing hook that leaves a trace: it must keep running after install.
  std::ofstream(repo + "/.git/hooks/pre-push") << "#!/bin/sh\ncat > /dev/null\ntouch \"$(git rev-parse --git-dir)/old-hook-ran\"\n";
  Sh(repo, "chmod +x .git/hooks/pre-push");
  REQUIRE(Sh(repo, "\"$LEAKHOUND\" hook install --pre-push --pre-commit").code == 0);
  CHECK(std::filesystem::exists(repo + "/.git/hooks/pre-push.leakhound-chained"));

  Commit(repo, "a.txt", "clean\n", "clean");
  CHECK(Sh(repo, "git push -q origin main").code == 0);
  CHECK(std::filesystem::exists(repo + "/.git/old-hook-ran"));

  // A staged secret: the pre-commit hook blocks it.
  const std::string secret = fake.GithubToken();
  std::ofstream(repo + "/s.py") << "k = '" << secret << "'\n";
  Git(repo, "add s.py");
  CHECK(Sh(repo, "git commit -q -m secret").code != 0);
  Git(repo, "commit -q --no-verify -m secret");
  // The pre-push hook blocks the commit that carries it.
  CHECK(Sh(repo, "git push -q origin main").code != 0);
  CHECK(Sh(repo, "git ls-remote remote.git 2>/dev/null; git ls-remote origin main").out.find(
            Sh(repo, "git rev-parse HEAD").out.substr(0, 40)) == std::string::npos);
  // Pushed anyway: from now on it is on the remote, and unrelated pushes are not blocked.
  CHECK(Sh(repo, "git push -q --no-verify origin main").code == 0);
  Commit(repo, "b.txt", "more\n", "unrelated");
  CHECK(Sh(repo, "git push -q origin main").code == 0);
  // A new branch whose only new commit is clean; then one with a new secret.
  Git(repo, "checkout -q -b topic");
  Commit(repo, "c.txt", "topic\n", "topic");
  CHECK(Sh(repo, "git push -q origin topic").code == 0);
  std::ofstream(repo + "/d.txt") << "t = '" << fake.GithubToken() << "'\n";
  Git(repo, "add d.txt");
  Git(repo, "commit -q --no-verify -m 'topic secret'");
  CHECK(Sh(repo, "git push -q origin topic").code != 0);
  // A tag on a clean commit, and deleting a branch, go through.
  Git(repo, "tag -a v1 -m v1 main");
  CHECK(Sh(repo, "git push -q origin v1").code == 0);
  CHECK(Sh(repo, "git push -q origin --delete topic").code == 0);

  REQUIRE(Sh(repo, "\"$LEAKHOUND\" hook uninstall").code == 0);
  std::string restored;
  std::ifstream in(repo + "/.git/hooks/pre-push");
  restored.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  CHECK(restored.find("old-hook-ran") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(repo + "/.git/hooks/pre-commit"));
}

TEST_CASE("hooks: core.hooksPath is honoured and --force replaces instead of chaining") {
  TempDir dir;
  Git(dir.path(), "init -q repo");
  const std::string repo = dir.path() + "/repo";
  Git(repo, "config core.hooksPath .githooks");
  std::filesystem::create_directories(repo + "/.githooks");
  std::ofstream(repo + "/.githooks/pre-commit") << "#!/bin/sh\nexit 0\n";
  REQUIRE(Sh(repo, "\"$LEAKHOUND\" hook install --pre-commit --force").code == 0);
  CHECK_FALSE(std::filesystem::exists(repo + "/.githooks/pre-commit.leakhound-chained"));
  std::ifstream in(repo + "/.githooks/pre-commit");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("leakhound-hook v1") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(repo + "/.git/hooks/pre-commit"));
}

TEST_CASE("hook pre-push: the pre-commit framework's range, and the repository's baseline") {
  TempDir dir;
  FakeSecrets fake(205);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  Commit(repo, "a.txt", "clean\n", "base");
  const std::string base = Sh(repo, "git rev-parse HEAD").out.substr(0, 40);
  Commit(repo, "s.txt", "t " + fake.GithubToken() + "\n", "secret");
  const std::string env = "PRE_COMMIT_FROM_REF=" + base + " PRE_COMMIT_TO_REF=HEAD ";
  CHECK(Sh(repo, env + "\"$LEAKHOUND\" hook pre-push origin url < /dev/null").code == 1);
  CHECK(Sh(repo, "PRE_COMMIT_FROM_REF=HEAD PRE_COMMIT_TO_REF=HEAD \"$LEAKHOUND\" hook pre-push"
                 " < /dev/null").code == 0);
  // Accepted in .leakhound-baseline at the top of the work tree: the hook lets it through.
  REQUIRE(Sh(repo, "\"$LEAKHOUND\" baseline create . -o .leakhound-baseline").code == 0);
  CHECK(Sh(repo, env + "\"$LEAKHOUND\" hook pre-push origin url < /dev/null").code == 0);
  // Git's own protocol on stdin: a deletion scans nothing.
  const std::string z(40, '0');
  CHECK(Sh(repo, "printf '(delete) " + z + " refs/heads/x " + base +
                     "\\n' | \"$LEAKHOUND\" hook pre-push origin url").code == 0);
  CHECK(Sh(repo, "echo 'garbage line' | \"$LEAKHOUND\" hook pre-push origin url").code == 2);
}

TEST_CASE("hooks: exclude_paths of .leakhound.yaml apply to the pushed and the staged files") {
  TempDir dir;
  FakeSecrets fake(207);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  Sh(repo, "mkdir -p fixtures src");
  Commit(repo, ".leakhound.yaml", "exclude_paths:\n  - fixtures/\n", "config");
  const std::string base = Sh(repo, "git rev-parse HEAD").out.substr(0, 40);
  Commit(repo, "fixtures/token.txt", "t " + fake.GithubToken() + "\n", "fixture");
  const std::string env = "PRE_COMMIT_FROM_REF=" + base + " PRE_COMMIT_TO_REF=HEAD ";
  CHECK(Sh(repo, env + "\"$LEAKHOUND\" hook pre-push origin url < /dev/null").code == 0);
  CHECK(Sh(repo, "\"$LEAKHOUND\" git . --no-baseline").code == 0);  // the same rule as `git`
  // Outside the excluded directory, the same kind of secret still blocks the push.
  Commit(repo, "src/token.txt", "t " + fake.GithubToken() + "\n", "leak");
  CHECK(Sh(repo, env + "\"$LEAKHOUND\" hook pre-push origin url < /dev/null").code == 1);
  // pre-commit: a staged file under fixtures/ passes, one elsewhere is blocked.
  std::ofstream(repo + "/fixtures/more.txt") << "t " << fake.GithubToken() << "\n";
  Sh(repo, "git add fixtures/more.txt");
  CHECK(Sh(repo, "\"$LEAKHOUND\" hook pre-commit").code == 0);
  std::ofstream(repo + "/src/more.txt") << "t " << fake.GithubToken() << "\n";
  Sh(repo, "git add src/more.txt");
  CHECK(Sh(repo, "\"$LEAKHOUND\" hook pre-commit").code == 1);
}

TEST_CASE("git: a secret in a commit summary is redacted in the report") {
  TempDir dir;
  FakeSecrets fake(206);
  const std::string repo = dir.path() + "/repo";
  Git(dir.path(), "init -q repo");
  const std::string token = fake.GithubToken();
  Commit(repo, "s.txt", "t " + token + "\n", "add token " + token);
  for (const char* format : {"human", "json", "sarif", "gitlab"}) {
    auto r = Sh(repo, std::string("\"$LEAKHOUND\" git . --format ") + format);
    INFO(format);
    CHECK(r.code == 1);
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.out.find("add token ghp_") != std::string::npos);  // the summary, redacted
  }
}
