// Issue 20, "The first hour, fixed": the command-line items, end to end through the real binary
// (run in a chosen directory, since the config and the baseline are found from there).
// Run alone with: build/tests/cli_tests "[first-hour]"
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.hpp"

using leakhound::testing::FakeSecrets;
using leakhound::testing::ShellQuote;
using leakhound::testing::TempDir;
using json = nlohmann::json;

namespace {

const std::string kBin = LEAKHOUND_BINARY;

struct Run {
  int code;
  std::string out, err;
};

// Runs `leakhound ARGS` with /bin/sh in `cwd`; `input` (if any) on stdin.
Run Lh(const std::string& cwd, const std::string& args, const std::string& input = "") {
  std::string cmd = "cd " + ShellQuote(cwd) +
                    " && export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.invalid "
                    "GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.invalid "
                    "GIT_CONFIG_NOSYSTEM=1 && ";
  if (!input.empty()) cmd += "printf '%s' " + ShellQuote(input) + " | ";
  cmd += ShellQuote(kBin) + " " + args;
  auto r = leakhound::testing::RunShellWithStderr(cmd);
  return {r.code, r.out, r.err};
}

// A shell command in `cwd` (git, mkfifo...); the test fails unless it succeeds.
void Sh(const std::string& cwd, const std::string& cmd) {
  INFO(cmd);
  auto r = leakhound::testing::RunShell(
      "cd " + ShellQuote(cwd) +
      " && export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.invalid "
      "GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.invalid GIT_CONFIG_NOSYSTEM=1 && (" +
      cmd + ") >/dev/null 2>&1");
  REQUIRE(r.code == 0);
}

json Json(const Run& r) {
  INFO(r.err);
  return json::parse(r.out);
}

std::set<std::string> Paths(const json& report) {
  std::set<std::string> paths;
  for (const auto& f : report["findings"])
    for (const auto& l : f["locations"]) paths.insert(l["path"].get<std::string>());
  return paths;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("first hour 1: a repeatable option takes one value; the paths after it are scanned",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2001);
  dir.Write("app/a.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("config/b.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("other/c.py", "t = '" + fake.GithubToken() + "'\n");
  auto r = Lh(dir.path(), "scan --disable-rule uri.postgres app config --format json");
  CHECK(r.code == 1);
  CHECK(r.err.find("no such rule") == std::string::npos);
  CHECK(Paths(Json(r)) == std::set<std::string>{"app/a.py", "config/b.py"});
  // a,b: a list
  auto list = Lh(dir.path(), "scan --disable-rule github.pat,uri.postgres app -q");
  CHECK(list.code == 0);
  // --rules DIR PATH: PATH is scanned, not taken for a rules directory
  dir.Write("rules/acme.yaml", R"(
rules:
  - id: acme.token
    name: ACME token
    severity: high
    pattern: '\b(acme_[a-z0-9]{24})\b'
    examples: ['key = acme_q8zr2lmt9vx4cb7nw3kd6hpf']
    negative_examples: ['key = acme_short']
)");
  auto rules = Lh(dir.path(), "scan --rules rules app --format json");
  CHECK(Paths(Json(rules)) == std::set<std::string>{"app/a.py"});
  // git --branch REF DIR
  Sh(dir.path(), "git -c init.defaultBranch=main init -q repo && cd repo && echo x > f && "
                 "git add f && git commit -qm init");
  CHECK(Lh(dir.path(), "git --branch main repo -q").code == 0);
  CHECK(Lh(dir.path(), "git --range HEAD~0..HEAD repo -q").code == 0);
}

TEST_CASE("first hour 2: .leakhound.yaml is found one way by every command, and named",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2002);
  Sh(dir.path(), "git -c init.defaultBranch=main init -q .");
  dir.Write(".leakhound.yaml", "exclude_paths: ['app/vendor/']\ndisable_rules: [uri.postgres]\n");
  dir.Write("app/vendor/v.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("app/src/s.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("lib/l.py", "t = '" + fake.GithubToken() + "'\n");
  const std::set<std::string> want = {"app/src/s.py", "lib/l.py"};
  auto a = Lh(dir.path(), "scan app lib --format json");
  auto b = Lh(dir.path(), "scan lib app --format json");
  CHECK(Paths(Json(a)) == want);
  CHECK(Paths(Json(b)) == want);
  CHECK(Json(a)["summary"]["config"] == dir.path() + "/.leakhound.yaml");
  // From a subdirectory of the work tree: the same file, globs still relative to it.
  auto sub = Lh(dir.path() + "/app", "scan . --format json");
  CHECK(Paths(Json(sub)) == std::set<std::string>{"src/s.py"});
  CHECK(Json(sub)["summary"]["config"] == dir.path() + "/.leakhound.yaml");
  auto human = Lh(dir.path(), "scan app");
  CHECK(human.out.find("config: " + dir.path() + "/.leakhound.yaml") != std::string::npos);
  // --config wins.
  dir.Write("other.yaml", "disable_rules: [github.pat]\n");
  CHECK(Lh(dir.path(), "scan app --config other.yaml -q").code == 0);
  // Outside any work tree: the current directory's.
  TempDir plain;
  plain.Write(".leakhound.yaml", "disable_rules: [github.pat]\n");
  plain.Write("x/t.py", "t = '" + fake.GithubToken() + "'\n");
  CHECK(Lh(plain.path(), "scan x -q").code == 0);
}

TEST_CASE("first hour 3: git --since-commit with a revision that does not exist is an error",
          "[first-hour]") {
  TempDir dir;
  Sh(dir.path(), "git -c init.defaultBranch=main init -q . && echo x > f && git add f && "
                 "git commit -qm init");
  auto r = Lh(dir.path(), "git --since-commit no-such-rev .");
  CHECK(r.code == 2);
  CHECK(r.err.find("'no-such-rev'") != std::string::npos);
  CHECK(Lh(dir.path(), "git --range nope..HEAD . --allow-incomplete").code == 2);
  CHECK(Lh(dir.path(), "git --since-commit HEAD . -q").code == 0);
}

TEST_CASE("first hour 4: a missing local image path is 'no such file' at once, no network",
          "[first-hour]") {
  TempDir dir;
  const auto t0 = std::chrono::steady_clock::now();
  for (const char* path : {"./missing.tar", "../missing.tar", "/nonexistent/app.tar"}) {
    auto r = Lh(dir.path(), std::string("image ") + path);
    CHECK(r.code == 2);
    CHECK(r.err.find("no such file") != std::string::npos);
    CHECK(r.err.find("https://") == std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("first hour 5: scan - reads standard input; a FIFO named on the command line is read",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2005);
  const std::string token = fake.GithubToken();
  auto r = Lh(dir.path(), "scan - --stdin-name app.env --format json", "GH=" + token + "\n");
  CHECK(r.code == 1);
  CHECK(Paths(Json(r)) == std::set<std::string>{"app.env"});
  CHECK(r.out.find(token) == std::string::npos);
  auto unnamed = Lh(dir.path(), "scan - --format json", "GH=" + token + "\n");
  CHECK(Paths(Json(unnamed)) == std::set<std::string>{"<stdin>"});
  auto devstdin = Lh(dir.path(), "scan /dev/stdin -q", "GH=" + token + "\n");
  CHECK(devstdin.code == 1);
  // A FIFO named on the command line is read; one met while walking is skipped.
  Sh(dir.path(), "mkdir walk && mkfifo walk/pipe");
  auto walked = Lh(dir.path(), "scan walk --format json");
  CHECK(walked.code == 0);
  CHECK(Json(walked)["summary"]["skipped"]["special_files"] == 1);
  Sh(dir.path(), "mkfifo named");
  auto named = leakhound::testing::RunShellWithStderr(
      "cd " + ShellQuote(dir.path()) + " && (printf 'GH=%s\\n' " + ShellQuote(token) +
      " > named &) && " + ShellQuote(kBin) + " scan named -q");
  CHECK(named.code == 1);
}

TEST_CASE("first hour 6: --allow-incomplete never turns a missing input into a pass",
          "[first-hour]") {
  TempDir dir;
  dir.Write("ok.txt", "fine\n");
  auto r = Lh(dir.path(), "scan ok.txt no/such --allow-incomplete");
  CHECK(r.code == 2);
  CHECK(r.err.find("no/such") != std::string::npos);
  CHECK(Lh(dir.path(), "scan /no/such --allow-incomplete").code == 2);
  dir.Write("broken.tar", "not a tar at all");
  CHECK(Lh(dir.path(), "image broken.tar --allow-incomplete").code == 2);
}

TEST_CASE("first hour 7: baseline create from history, a report; the default baseline",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2007);
  Sh(dir.path(), "git -c init.defaultBranch=main init -q .");
  const std::string token = fake.GithubToken();
  dir.Write("old.py", "t = '" + token + "'\n");
  Sh(dir.path(), "git add -A && git commit -qm secret && git rm -q old.py && git commit -qm gone");
  // The work tree has no secret: a baseline of it is empty, the history's is not.
  auto worktree = Lh(dir.path(), "baseline create .");
  CHECK(worktree.out.find("github.pat") == std::string::npos);
  auto history = Lh(dir.path(), "baseline create --git -o .leakhound-baseline");
  CHECK(history.code == 0);
  const std::string text = Slurp(dir.path() + "/.leakhound-baseline");
  CHECK(text.find("github.pat  # old.py:1") != std::string::npos);
  // Read by default from the top of the work tree, by `git` and `scan`; --no-baseline ignores it.
  CHECK(Lh(dir.path(), "git . -q").code == 0);
  CHECK(Lh(dir.path(), "git . -q --no-baseline").code == 1);
  // --from-report: the same lines from a JSON report.
  Lh(dir.path(), "git . --no-baseline -f json -o report.json -q");
  auto from = Lh(dir.path(), "baseline create --from-report report.json");
  CHECK(from.code == 0);
  CHECK(from.out.substr(from.out.find('\n', from.out.find("remove a line"))) ==
        text.substr(text.find('\n', text.find("remove a line"))));
  CHECK(Lh(dir.path(), "baseline create --from-report old.py").code == 2);
  // scan reads it too: the same secret in a file is accepted.
  dir.Write("copy.py", "t = '" + token + "'\n");
  CHECK(Lh(dir.path(), "scan . -q").code == 0);
  CHECK(Lh(dir.path(), "scan . -q --no-baseline").code == 1);
}

TEST_CASE("first hour 7: the pre-push hook's advice names a baseline that unblocks the push",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2017);
  Sh(dir.path(), "git -c init.defaultBranch=main init -q --bare remote.git && "
                 "git -c init.defaultBranch=main clone -q remote.git work");
  const std::string work = dir.path() + "/work";
  Sh(work, ShellQuote(kBin) + " hook install");
  dir.Write("work/old.py", "t = '" + fake.GithubToken() + "'\n");
  Sh(work, "git add -A && git commit -qm secret && git rm -q old.py && git commit -qm gone");
  auto blocked = leakhound::testing::RunShellWithStderr(
      "cd " + ShellQuote(work) + " && git push -q origin main 2>&1");
  CHECK(blocked.code != 0);
  CHECK(blocked.out.find("leakhound baseline create --git -o .leakhound-baseline") !=
        std::string::npos);
  Sh(work, ShellQuote(kBin) + " baseline create --git -o .leakhound-baseline");
  Sh(work, "git push -q origin main");
}

TEST_CASE("first hour 9: with -o, a one-line summary on stderr unless -q", "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2009);
  dir.Write("a.py", "t = '" + fake.GithubToken() + "'\n");
  auto r = Lh(dir.path(), "scan . -o report.txt");
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("1 finding (1 ") != std::string::npos);
  CHECK(r.err.find("report in report.txt; exit 1") != std::string::npos);
  CHECK(Lh(dir.path(), "scan . -o report.txt -q").err.empty());
}

TEST_CASE("first hour 11: --fail-on none reports and exits 0, still 2 on errors",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2011);
  dir.Write("a.py", "t = '" + fake.GithubToken() + "'\n");
  auto r = Lh(dir.path(), "scan . --fail-on none --format json");
  CHECK(r.code == 0);
  CHECK(Json(r)["findings"].size() == 1);
  CHECK(Lh(dir.path(), "scan . nope --fail-on none -q").code == 2);
}

TEST_CASE("first hour 12: command-line friction", "[first-hour]") {
  TempDir dir;
  auto typo = Lh(dir.path(), "scna .");
  CHECK(typo.code == 2);
  CHECK(typo.err.find("unknown command 'scna'; did you mean 'scan'?") != std::string::npos);
  CHECK(typo.err.find("registry") != std::string::npos);  // the command list
  auto sub = Lh(dir.path(), "rules lsit");
  CHECK(sub.err.find("did you mean 'list'?") != std::string::npos);
  auto bare = Lh(dir.path(), "");
  CHECK(bare.code == 0);
  CHECK(bare.out.find("Subcommands:") != std::string::npos);
  auto help = Lh(dir.path(), "help scan");
  CHECK(help.code == 0);
  CHECK(help.out == Lh(dir.path(), "scan --help").out);
  CHECK(Lh(dir.path(), "help rules list").out == Lh(dir.path(), "rules list --help").out);
  CHECK(Lh(dir.path(), "help").out == Lh(dir.path(), "--help").out);
  // Severities in any case; one name for the human format.
  CHECK(Lh(dir.path(), "scan . --fail-on HIGH -q").code == 0);
  auto human = Lh(dir.path(), "rules list -f human");
  CHECK(human.code == 0);
  CHECK(human.out == Lh(dir.path(), "rules list -f text").out);
  // A subcommand's --help has its own footer, not the top-level one.
  for (const char* cmd : {"registry", "report", "report merge", "scan"}) {
    auto h = Lh(dir.path(), std::string(cmd) + " --help");
    INFO(cmd);
    CHECK(h.out.find("Exit codes: 0 no finding") == std::string::npos);
    CHECK(h.out.find("Examples:") != std::string::npos);
  }
  auto norepo = Lh(dir.path(), "git .");
  CHECK(norepo.code == 2);
  CHECK(norepo.err.find("leakhound scan .") != std::string::npos);
  auto nodir = Lh(dir.path(), "git /nonexistent");
  CHECK(nodir.code == 2);
  CHECK(nodir.err.find("/nonexistent: no such directory") != std::string::npos);
}

TEST_CASE("first hour 13: --exclude, --respect-gitignore", "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2013);
  Sh(dir.path(), "git -c init.defaultBranch=main init -q .");
  dir.Write(".gitignore", "ignored/\n");
  dir.Write("ignored/x.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("gen/y.py", "t = '" + fake.GithubToken() + "'\n");
  dir.Write("src/z.py", "t = '" + fake.GithubToken() + "'\n");
  auto all = Lh(dir.path(), "scan . --format json");
  CHECK(Paths(Json(all)).size() == 3);  // ignored files are scanned by default
  auto some = Lh(dir.path(), "scan . --exclude 'gen/' --exclude '*.none' --respect-gitignore "
                             "--format json");
  CHECK(Paths(Json(some)) == std::set<std::string>{"src/z.py"});
  CHECK(Json(some)["summary"]["skipped"]["excluded"] == 2);
}

TEST_CASE("first hour 15: --honor-gitleaks-allow", "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2015);
  dir.Write("a.py", "t = '" + fake.GithubToken() + "'  # gitleaks:allow\n");
  CHECK(Lh(dir.path(), "scan . -q").code == 1);
  CHECK(Lh(dir.path(), "scan . -q --honor-gitleaks-allow").code == 0);
}

TEST_CASE("first hour 17: hook install into a committed core.hooksPath warns, no absolute path",
          "[first-hour]") {
  TempDir dir;
  Sh(dir.path(), "git -c init.defaultBranch=main init -q . && mkdir .husky && "
                 "git config core.hooksPath .husky");
  auto r = Lh(dir.path(), "hook install");
  CHECK(r.code == 0);
  CHECK(r.out.find("warning: core.hooksPath") != std::string::npos);
  const std::string hook = Slurp(dir.path() + "/.husky/pre-push");
  CHECK(hook.find("LEAKHOUND=leakhound\n") != std::string::npos);
  CHECK(hook.find(kBin) == std::string::npos);
  // The usual place: no warning, this binary's path.
  TempDir plain;
  Sh(plain.path(), "git -c init.defaultBranch=main init -q .");
  auto p = Lh(plain.path(), "hook install");
  CHECK(p.out.find("warning") == std::string::npos);
}

TEST_CASE("first hour 14: --verbose lists the dropped candidates and why, redacted",
          "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2014);
  const std::string allowed = fake.GithubToken(), baselined = fake.GithubToken();
  dir.Write("a.py", "t = '" + allowed + "'  # leakhound:allow\n"
                    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n");
  dir.Write("b.py", "\n\nu = '" + baselined + "'\n");
  Lh(dir.path(), "scan b.py -f json -o r.json -q");
  Sh(dir.path(), ShellQuote(kBin) + " baseline create --from-report r.json -o base.txt");
  auto quiet = Lh(dir.path(), "scan a.py b.py --baseline base.txt");
  CHECK(quiet.code == 0);
  CHECK(quiet.err.find("dropped") == std::string::npos);  // only with --verbose
  auto r = Lh(dir.path(), "scan a.py b.py --baseline base.txt --verbose");
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.err.find("leakhound: dropped a.py:1 github.pat ghp_") != std::string::npos);
  CHECK(r.err.find(": allow comment (leakhound:allow)") != std::string::npos);
  CHECK(r.err.find("leakhound: dropped b.py:3 github.pat ghp_") != std::string::npos);
  CHECK(r.err.find(": in the baseline base.txt") != std::string::npos);
  CHECK(r.err.find("a.py:2 aws.") != std::string::npos);  // the documentation's example key
  CHECK(r.err.find("placeholder value") != std::string::npos);
  CHECK(r.err.find(" candidates dropped") != std::string::npos);
  for (const auto& s : {allowed, baselined, std::string("AKIAIOSFODNN7EXAMPLE")})
    CHECK(r.err.find(s) == std::string::npos);  // redacted
  // The same with -o: the report file holds no dropped list.
  auto o = Lh(dir.path(), "scan a.py --verbose -o out.json -f json");
  CHECK(o.err.find("allow comment") != std::string::npos);
  CHECK(Slurp(dir.path() + "/out.json").find("allow comment") == std::string::npos);
}

TEST_CASE("report merge keeps what the shards suppressed, marked, in every format") {
  TempDir dir;
  FakeSecrets fake(2112);
  const std::string t1 = fake.GithubToken(), t2 = fake.GithubToken();
  dir.Write("one/a.py", "t = '" + t1 + "'  # leakhound:allow\n");
  dir.Write("two/b.py", "t = '" + t2 + "'\n");
  // Shards written with --show-secrets: the merge redacts again, suppressed findings included.
  Sh(dir.path(), ShellQuote(kBin) + " scan one -f json -o s1.json -q --fail-on none --show-secrets");
  Sh(dir.path(), ShellQuote(kBin) + " scan two -f json -o s2.json -q --fail-on none --show-secrets");
  auto merged = Lh(dir.path(), "report merge s1.json s2.json");
  REQUIRE(merged.code == 0);
  const auto j = Json(merged);
  CHECK(j["findings"].size() == 1);
  REQUIRE(j["suppressed_findings"].size() == 1);
  CHECK(j["suppressed_findings"][0]["suppression"]["kind"] == "inline_allow");
  CHECK(j["summary"]["findings_suppressed"] == 1);
  auto human = Lh(dir.path(), "report merge s1.json s2.json -f human --show-suppressed");
  CHECK(human.out.find("one/a.py:1") != std::string::npos);
  auto sarif = Lh(dir.path(), "report merge s1.json s2.json -f sarif -o merged.sarif");
  CHECK(sarif.code == 0);
  const auto s = json::parse(Slurp(dir.path() + "/merged.sarif"));
  size_t dismissed = 0;
  for (const auto& r : s["runs"][0]["results"]) dismissed += r.contains("suppressions");
  CHECK(dismissed == 1);
  for (const auto* out : {&merged.out, &human.out})
    CHECK((out->find(t1) == std::string::npos && out->find(t2) == std::string::npos));
  CHECK(Slurp(dir.path() + "/merged.sarif").find(t1) == std::string::npos);
}

TEST_CASE("first hour 11: report merge writes any format", "[first-hour]") {
  TempDir dir;
  FakeSecrets fake(2111);
  const std::string t1 = fake.GithubToken(), t2 = fake.GithubToken();
  dir.Write("one/a.py", "t = '" + t1 + "'\n");
  dir.Write("two/b.py", "\nt = '" + t2 + "'\nu = '" + t1 + "'\n");
  Sh(dir.path(), ShellQuote(kBin) + " scan one -f json -o s1.json -q --fail-on none");
  Sh(dir.path(), ShellQuote(kBin) + " scan two -f json -o s2.json -q --fail-on none");
  Sh(dir.path(), ShellQuote(kBin) +
                     " scan one two -f json -o full.json -q --fail-on none --show-secrets");
  auto json_out = Lh(dir.path(), "report merge s1.json s2.json");
  CHECK(json_out.code == 0);
  CHECK(Json(json_out)["findings"].size() == 2);
  CHECK(Json(json_out)["summary"]["merged_reports"] == 2);

  auto human = Lh(dir.path(), "report merge s1.json s2.json -f human");
  CHECK(human.code == 0);
  CHECK(human.out.find("one/a.py:1") != std::string::npos);
  CHECK(human.out.find("two/b.py:2") != std::string::npos);
  CHECK(human.out.find("two/b.py:3") != std::string::npos);
  CHECK(human.out.find("ghp_…") != std::string::npos);  // as the shards redacted it

  auto jsonl = Lh(dir.path(), "report merge s1.json s2.json -f jsonl");
  std::istringstream lines(jsonl.out);
  std::string line;
  int findings = 0, summaries = 0;
  while (std::getline(lines, line)) {
    const auto j = json::parse(line);
    findings += j["type"] == "finding";
    summaries += j["type"] == "summary";
  }
  CHECK(findings == 2);
  CHECK(summaries == 1);

  auto sarif = Lh(dir.path(), "report merge s1.json s2.json -f sarif -o merged.sarif");
  CHECK(sarif.code == 0);
  const auto s = json::parse(Slurp(dir.path() + "/merged.sarif"));
  CHECK(s["version"] == "2.1.0");
  CHECK(s["runs"][0]["results"].size() == 3);  // one result per location
  CHECK(s["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "github.pat");

  auto gitlab = Lh(dir.path(), "report merge s1.json s2.json -f gitlab");
  const auto g = Json(gitlab);
  CHECK(g["vulnerabilities"].size() == 3);
  CHECK(g["scan"]["status"] == "success");

  // A report written with --show-secrets: redacted in the merge unless asked.
  for (const char* format : {"json", "human", "jsonl", "sarif", "gitlab"}) {
    INFO(format);
    auto hidden = Lh(dir.path(), std::string("report merge full.json -f ") + format);
    CHECK(hidden.code == 0);
    CHECK(hidden.out.find(t1) == std::string::npos);
    CHECK(hidden.out.find(t2) == std::string::npos);
    if (std::string(format) != "gitlab") {
      auto shown = Lh(dir.path(), std::string("report merge full.json --show-secrets -f ") + format);
      CHECK(shown.out.find(t1) != std::string::npos);
    }
  }
  CHECK(Lh(dir.path(), "report merge s1.json -f xml").code == 2);
}

TEST_CASE("--format gitlab: GitLab's secret-detection report from scan and git",
          "[first-hour][gitlab]") {
  TempDir dir;
  FakeSecrets fake(2200);
  const std::string token = fake.GithubToken();
  Sh(dir.path(), "git -c init.defaultBranch=main init -q .");
  dir.Write("app/settings.py", "\nGITHUB_TOKEN = '" + token + "'\n");
  Sh(dir.path(), "git add -A && git commit -qm config");
  for (const char* target : {"./app", "app", "."}) {
    auto r = Lh(dir.path(), std::string("scan -f gitlab ") + target);
    INFO(target << r.err);
    CHECK(r.code == 1);
    CHECK(r.out.find(token) == std::string::npos);
    const auto j = Json(r);
    CHECK(j["version"] == "15.0.7");
    REQUIRE(j["vulnerabilities"].size() == 1);
    const auto& v = j["vulnerabilities"][0];
    CHECK(v["location"]["file"] == "app/settings.py");
    CHECK(v["location"]["start_line"] == 2);
    CHECK(v["location"]["commit"]["sha"] == "0000000");
    CHECK(v["severity"] == "Critical");
    CHECK(v["identifiers"][0]["value"] == "github.pat");
    CHECK(j["scan"]["status"] == "success");
    CHECK(j["scan"]["scanner"]["id"] == "leakhound");
  }
  // Stable ids from one run to the next.
  CHECK(Json(Lh(dir.path(), "scan -f gitlab ."))["vulnerabilities"][0]["id"] ==
        Json(Lh(dir.path(), "scan -f gitlab ."))["vulnerabilities"][0]["id"]);
  // An absolute path under the current directory is made relative.
  CHECK(Json(Lh(dir.path(), "scan -f gitlab " + ShellQuote(dir.path() + "/app")))
            ["vulnerabilities"][0]["location"]["file"] == "app/settings.py");
  // git: the commit that introduced it.
  auto g = Lh(dir.path(), "git . -f gitlab --show-secrets");
  CHECK(g.out.find(token) == std::string::npos);  // never, even with --show-secrets
  const auto gj = Json(g);
  REQUIRE(gj["vulnerabilities"].size() == 1);
  const auto& loc = gj["vulnerabilities"][0]["location"];
  CHECK(loc["file"] == "app/settings.py");
  CHECK(loc["commit"]["sha"].get<std::string>().size() == 40);
  CHECK(loc["commit"]["message"] == "config");
  // An incomplete scan is a failure.
  auto bad = Lh(dir.path(), "scan -f gitlab app nope");
  CHECK(Json(bad)["scan"]["status"] == "failure");
}
