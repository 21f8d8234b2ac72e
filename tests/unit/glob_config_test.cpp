#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "config/glob.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Glob matching") {
  CHECK(GlobMatch("*.js", "app.js"));
  CHECK_FALSE(GlobMatch("*.js", "dir/app.js"));
  CHECK(GlobMatch("**/*.js", "dir/sub/app.js"));
  CHECK(GlobMatch("**/*.js", "app.js"));
  CHECK(GlobMatch("vendor/**", "vendor/a/b.c"));
  CHECK(GlobMatch("a/**/b", "a/b"));
  CHECK(GlobMatch("a/**/b", "a/x/y/b"));
  CHECK(GlobMatch("file?.txt", "file1.txt"));
  CHECK_FALSE(GlobMatch("file?.txt", "file/.txt"));
  CHECK(GlobMatch("[a-c]x", "bx"));
  CHECK_FALSE(GlobMatch("[!a-c]x", "bx"));
  CHECK(GlobMatch("\\*lit", "*lit"));
  CHECK_FALSE(GlobMatch("\\*lit", "xlit"));
}

TEST_CASE("PathMatcher: gitignore-style semantics") {
  PathMatcher m({"*.min.js", "/build", "docs/", "testdata/**", "!testdata/keep.txt"});
  CHECK(m.Excluded("web/app.min.js", false));
  CHECK(m.Excluded("build", true));
  CHECK_FALSE(m.Excluded("src/build", true));  // anchored
  CHECK(m.Excluded("docs", true));
  CHECK_FALSE(m.Excluded("docs", false));       // directories only
  CHECK(m.Excluded("testdata/x/y.txt", false));
  CHECK_FALSE(m.Excluded("testdata/keep.txt", false));
  CHECK_FALSE(m.Excluded("src/main.c", false));
}

TEST_CASE("ParseSize") {
  CHECK(ParseSize("123") == 123);
  CHECK(ParseSize("64k") == 64 * 1024);
  CHECK(ParseSize("100MB") == 100ull << 20);
  CHECK(ParseSize("1GiB") == 1ull << 30);
  CHECK_THROWS_AS(ParseSize("lots"), ConfigError);
  CHECK_THROWS_AS(ParseSize("5 parsecs"), ConfigError);
  CHECK_THROWS_AS(ParseSize("99999999999999999999999"), ConfigError);
}

TEST_CASE("Config file: every key, and errors name the file") {
  testing::TempDir dir;
  const std::string path = dir.Write(".leakhound.yaml", R"(
exclude_paths: ["vendor/**"]
disable_rules: [generic.password]
rules_dirs: [more-rules]
rules:
  - id: acme.token
    severity: high
    pattern: 'acme_([a-z0-9]{20})'
allow:
  values: ["known-value"]
  regexes: ["^sk_test_"]
fail_on: medium
max_file_size: 5MB
)");
  Config c = LoadConfigFile(path);
  CHECK(c.exclude_paths == std::vector<std::string>{"vendor/**"});
  CHECK(c.disabled_rules == std::vector<std::string>{"generic.password"});
  REQUIRE(c.rules_dirs.size() == 1);
  CHECK(c.rules_dirs[0] == dir.path() + "/more-rules");
  REQUIRE(c.rules.size() == 1);
  CHECK(c.rules[0].id == "acme.token");
  CHECK(c.fail_on == Severity::kMedium);
  CHECK(c.max_file_size == 5ull << 20);
  auto found = FindConfig(dir.path());
  REQUIRE(found);
  CHECK(found->source == path);

  const std::string bad = dir.Write("bad.yaml", "fail_on: sometimes\n");
  CHECK_THROWS_WITH(LoadConfigFile(bad), Catch::Contains("bad.yaml") && Catch::Contains("fail_on"));
  const std::string typo = dir.Write("typo.yaml", "exclude_path: [x]\n");
  CHECK_THROWS_WITH(LoadConfigFile(typo), Catch::Contains("unknown key 'exclude_path'"));
  const std::string regex = dir.Write("re.yaml", "allow:\n  regexes: ['(unclosed']\n");
  CHECK_THROWS_WITH(LoadConfigFile(regex), Catch::Contains("re.yaml") && Catch::Contains("bad regex"));
  CHECK_THROWS_AS(LoadConfigFile(dir.path() + "/missing.yaml"), ConfigError);
}

TEST_CASE("AllowList") {
  AllowList a({"exact-one"}, {"^sk_test_", "[0-9]{3}$"});
  CHECK(a.Allows("exact-one"));
  CHECK(a.Allows("sk_test_abc"));
  CHECK(a.Allows("zzz123"));
  CHECK_FALSE(a.Allows("exact-two"));
  CHECK_FALSE(AllowList({}, {}).Allows("x"));
}

TEST_CASE("PathMatcher::ExcludedFile: a file under an excluded directory (git listings)") {
  PathMatcher m({"fixtures/", "build", "*.min.js", "docs/**/secret.txt"});
  CHECK(m.ExcludedFile("fixtures/token.txt"));
  CHECK(m.ExcludedFile("fixtures/deep/er/token.txt"));
  CHECK(m.ExcludedFile("src/build/out.txt"));       // an unanchored name: any level
  CHECK(m.ExcludedFile("web/app.min.js"));
  CHECK(m.ExcludedFile("docs/a/b/secret.txt"));
  CHECK_FALSE(m.ExcludedFile("src/fixtures.txt"));  // a file, not the directory
  CHECK_FALSE(m.ExcludedFile("src/token.txt"));
  CHECK_FALSE(m.Excluded("fixtures/token.txt", false));  // Excluded alone sees only the file
}
