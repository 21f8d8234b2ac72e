// `leakhound init`: the starter config loads, its commented examples load too, it is not
// overwritten without --force, and in a git work tree the hooks are offered.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "../../src/cli/init_cmd.hpp"
#include "cli/cli.hpp"
#include "config/config.hpp"
#include "test_support.hpp"

using namespace leakhound;
using leakhound::testing::FakeSecrets;
using leakhound::testing::RunShell;
using leakhound::testing::TempDir;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The starter with each `# key: example` comment put in place of the active `key:` line after
// it, as a user uncommenting the examples would.
std::string WithExamples(const std::string& text) {
  static const std::regex example(R"(^(\s*)# ([a-z_]+): (.*)$)");
  static const std::regex active(R"(^(\s*)([a-z_]+):( .*)?$)");
  std::map<std::string, std::string> examples;  // indent + key -> the uncommented line
  std::istringstream in(text);
  std::string line, out;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, example)) {
      examples[m[1].str() + m[2].str()] = m[1].str() + m[2].str() + ": " + m[3].str();
    } else if (std::regex_match(line, m, active) && examples.count(m[1].str() + m[2].str())) {
      out += examples[m[1].str() + m[2].str()] + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

struct Captured {
  int code;
  std::string out;
  std::vector<std::string> installed;
};

Captured Init(InitOptions o, const std::string& stdin_text = "", bool interactive = false) {
  std::istringstream in(stdin_text);
  std::ostringstream out;
  Captured c;
  c.code = InitCommand(o, in, interactive, out, [&](const std::string& repo) {
    c.installed.push_back(repo);
    return 0;
  });
  c.out = out.str();
  return c;
}

}  // namespace

TEST_CASE("init: the starter config loads, and so do its commented examples") {
  TempDir dir;
  const std::string path = dir.Write(".leakhound.yaml", StarterConfig());
  const Config c = LoadConfigFile(path);
  CHECK(c.exclude_paths.empty());
  CHECK(c.disabled_rules.empty());
  CHECK(c.allow_values.empty());
  REQUIRE(c.fail_on);
  CHECK(*c.fail_on == Severity::kLow);
  REQUIRE(c.max_file_size);
  CHECK(*c.max_file_size == 100ull << 20);

  const std::string examples = WithExamples(StarterConfig());
  CHECK(examples != StarterConfig());
  const Config e = LoadConfigFile(dir.Write("examples.yaml", examples));
  CHECK(e.exclude_paths.size() == 4);
  CHECK(e.disabled_rules == std::vector<std::string>{"generic.password"});
  CHECK(e.rules_dirs.size() == 1);
  CHECK(e.allow_values == std::vector<std::string>{"a-known-test-value"});
  CHECK(e.allow_regexes == std::vector<std::string>{"^sk_test_"});
  CHECK(*e.fail_on == Severity::kHigh);
  CHECK(*e.max_file_size == 10ull << 20);
}

TEST_CASE("init: writes .leakhound.yaml, refuses to overwrite it without --force") {
  TempDir dir;
  InitOptions o;
  o.dir = dir.path();
  auto r = Init(o);
  CHECK(r.code == 0);
  const std::string path = dir.path() + "/.leakhound.yaml";
  CHECK(Slurp(path) == StarterConfig());
  CHECK(r.out.find("wrote") != std::string::npos);
  CHECK(r.installed.empty());  // not a git repository: no hooks, no question

  dir.Write(".leakhound.yaml", "fail_on: high\n");
  CHECK_THROWS_WITH(Init(o), Catch::Contains("exists already") && Catch::Contains("--force"));
  CHECK(Slurp(path) == "fail_on: high\n");
  o.force = true;
  CHECK(Init(o).code == 0);
  CHECK(Slurp(path) == StarterConfig());

  o.hooks = true;  // no git repository here to install them in
  CHECK_THROWS_WITH(Init(o), Catch::Contains("not in a git work tree"));
  CHECK_THROWS_WITH(Init({dir.path() + "/missing", false, false, false}),
                    Catch::Contains("not a directory"));
}

TEST_CASE("init: in a git work tree, writes at its top and offers the hooks") {
  TempDir dir;
  REQUIRE(RunShell("git init -q " + dir.path()).code == 0);
  std::filesystem::create_directories(dir.path() + "/src/deep");
  const std::string top_config = dir.path() + "/.leakhound.yaml";
  const auto in_subdir = [&](const std::function<Captured()>& f) {
    const auto old = std::filesystem::current_path();
    std::filesystem::current_path(dir.path() + "/src/deep");
    Captured c = f();
    std::filesystem::current_path(old);
    return c;
  };

  SECTION("not a terminal: no question, a hint") {
    auto r = in_subdir([] { return Init({}); });
    CHECK(r.code == 0);
    CHECK(std::filesystem::exists(top_config));
    CHECK(r.installed.empty());
    CHECK(r.out.find("leakhound hook install") != std::string::npos);
  }
  SECTION("--hooks installs without asking") {
    InitOptions o;
    o.hooks = true;
    auto r = in_subdir([&] { return Init(o); });
    REQUIRE(r.installed.size() == 1);
    CHECK(std::filesystem::equivalent(r.installed[0], dir.path()));
  }
  SECTION("a terminal: asks; yes (or just Enter) installs, no does not") {
    auto yes = in_subdir([] { return Init({}, "\n", true); });
    CHECK(yes.out.find("[Y/n]") != std::string::npos);
    CHECK(yes.installed.size() == 1);
    InitOptions o;
    o.force = true;
    auto no = in_subdir([&] { return Init(o, "n\n", true); });
    CHECK(no.out.find("[Y/n]") != std::string::npos);
    CHECK(no.installed.empty());
    o.no_hooks = true;
    auto quiet = in_subdir([&] { return Init(o, "y\n", true); });
    CHECK(quiet.out.find("[Y/n]") == std::string::npos);
    CHECK(quiet.installed.empty());
  }
}

TEST_CASE("init: the real binary installs a working pre-push hook and the config is used") {
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  REQUIRE(RunShell("git init -q " + repo).code == 0);
  const std::string lh = LEAKHOUND_BINARY;
  auto r = RunShell("cd " + repo + " && " + lh + " init --hooks < /dev/null 2>&1");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("installed") != std::string::npos);
  struct stat st;
  REQUIRE(::stat((repo + "/.git/hooks/pre-push").c_str(), &st) == 0);
  CHECK((st.st_mode & S_IXUSR) != 0);
  CHECK(Slurp(repo + "/.git/hooks/pre-push").find("leakhound") != std::string::npos);
  // Again: the config is there, so it is an error (exit 2) and nothing changes.
  CHECK(RunShell("cd " + repo + " && " + lh + " init --no-hooks < /dev/null 2>/dev/null").code ==
        kExitError);

  // The config it wrote is the one scans use: excluding a directory there takes effect.
  FakeSecrets fake(7);
  dir.Write("repo/vendor/lib.py", "TOKEN = \"" + fake.GithubToken() + "\"  # fake\n");
  // Scans run in the work tree read its config (the one rule: the work tree of the current
  // directory).
  const std::string in_repo = "cd " + testing::ShellQuote(repo) + " && ";
  CHECK(RunShell(in_repo + lh + " scan -q . > /dev/null 2>&1").code == kExitFindings);
  std::string config = Slurp(repo + "/.leakhound.yaml");
  config.replace(config.find("exclude_paths: []"), 17, "exclude_paths: [\"vendor/**\"]");
  dir.Write("repo/.leakhound.yaml", config);
  CHECK(RunShell(in_repo + lh + " scan -q . > /dev/null 2>&1").code == kExitClean);
}
