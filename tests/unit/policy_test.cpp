// Policy files (--policy): parsing, and how a policy restricts the repository's config, the
// command line and the rule set.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli/common_options.hpp"
#include "config/config.hpp"
#include "test_support.hpp"

using namespace leakhound;
using leakhound::testing::TempDir;

namespace {

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool AnyContains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("policy: parsing, and errors naming the file") {
  TempDir dir;
  const std::string path = dir.Write("gate.yaml",
                                     "allow_inline: false\n"
                                     "allow_repo_config: [exclude_paths, rules]\n"
                                     "allow_baseline: false\n"
                                     "min_fail_on: HIGH\n"
                                     "required_rules: [\"aws.*\", github.pat]\n"
                                     "exclude_paths: [\"vendor/**\"]\n");
  const Policy p = LoadPolicyFile(path);
  CHECK(p.source == path);
  CHECK_FALSE(p.allow_inline);
  CHECK_FALSE(p.allow_baseline);
  CHECK(p.allow_repo_config);
  REQUIRE(p.repo_config_keys);
  CHECK(*p.repo_config_keys == std::vector<std::string>{"exclude_paths", "rules"});
  CHECK(p.min_fail_on == Severity::kHigh);
  CHECK(p.config.exclude_paths == std::vector<std::string>{"vendor/**"});
  CHECK(RuleRequired(p.required_rules, "aws.access_key_id"));
  CHECK(RuleRequired(p.required_rules, "github.pat"));
  CHECK_FALSE(RuleRequired(p.required_rules, "github.oauth"));

  const std::string defaults = dir.Write("empty.yaml", "");
  const Policy d = LoadPolicyFile(defaults);
  CHECK(d.allow_inline);
  CHECK(d.allow_baseline);
  CHECK(d.allow_repo_config);
  CHECK_FALSE(d.repo_config_keys);

  for (const std::string& bad :
       {std::string("allow_inline: maybe\n"), std::string("allow_repo_config: [no_such_key]\n"),
        std::string("min_fail_on: severe\n"), std::string("required_rules: aws.*\n"),
        std::string("unknown_key: 1\n"), std::string("allow_inline: [\n")}) {
    const std::string file = dir.Write("bad.yaml", bad);
    const std::string error = ErrorOf([&] { LoadPolicyFile(file); });
    INFO(bad << " -> " << error);
    CHECK(error.rfind(file + ":", 0) == 0);
  }
  // A policy key in a repository's config is an error that says where it belongs.
  const std::string config = dir.Write("repo/.leakhound.yaml", "allow_inline: true\n");
  const std::string error = ErrorOf([&] { LoadConfigFile(config); });
  CHECK(error.find(config + ": 'allow_inline' is a policy key") == 0);
}

TEST_CASE("policy: allow-list entries and disabled rules say where they were set") {
  TempDir dir;
  const std::string path = dir.Write(".leakhound.yaml",
                                     "disable_rules: [generic.password]\n"
                                     "allow:\n"
                                     "  values:\n"
                                     "    - a-known-test-value\n"
                                     "  regexes: [\"^sk_test_\"]\n");
  const Config c = LoadConfigFile(path);
  REQUIRE(c.allow_value_sources.size() == 1);
  CHECK(c.allow_value_sources[0] == "allow.values entry in " + path + ":4");
  CHECK(c.allow_regex_sources[0] == "allow.regexes entry in " + path + ":5");
  CHECK(c.disabled_rule_sources[0] == "disable_rules entry in " + path + ":1");
  AllowList allow(c.allow_values, c.allow_regexes, c.allow_value_sources, c.allow_regex_sources);
  Suppression why;
  CHECK(allow.Allows("a-known-test-value", &why));
  CHECK(why.kind == "allow_value");
  CHECK(why.source == c.allow_value_sources[0]);
  CHECK(allow.Allows("sk_test_abc", &why));
  CHECK(why.kind == "allow_regex");
  CHECK_FALSE(allow.Allows("something-else", &why));
}

TEST_CASE("policy: precedence of policy, --config and the repository's config") {
  TempDir dir;
  const Policy policy = LoadPolicyFile(dir.Write("gate.yaml",
                                                 "allow_repo_config: [exclude_paths]\n"
                                                 "min_fail_on: high\n"
                                                 "exclude_paths: [\"third_party/**\"]\n"));
  const Config repo = LoadConfigFile(dir.Write("repo/.leakhound.yaml",
                                               "exclude_paths: [\"fixtures/**\"]\n"
                                               "allow:\n  values: [x-allowed]\n"
                                               "fail_on: critical\n"));
  SECTION("without a policy: the trusted config, else the repository's, unchanged") {
    const Config trusted = LoadConfigFile(dir.Write("ci.yaml", "fail_on: medium\n"));
    CHECK(ApplyPolicy(nullptr, &trusted, &repo, dir.path()).fail_on == Severity::kMedium);
    const Config c = ApplyPolicy(nullptr, nullptr, &repo, dir.path());
    CHECK(c.fail_on == Severity::kCritical);
    CHECK(c.allow_values == std::vector<std::string>{"x-allowed"});
    CHECK(c.policy_source.empty());
  }
  SECTION("a key list keeps only the listed keys; min_fail_on caps fail_on") {
    const Config c = ApplyPolicy(&policy, nullptr, &repo, dir.path());
    CHECK(c.exclude_paths == std::vector<std::string>{"third_party/**", "fixtures/**"});
    CHECK(c.allow_values.empty());
    CHECK_FALSE(c.fail_on);  // the repository may not set it
    CHECK(c.min_fail_on == Severity::kHigh);
    CHECK(c.guard_high_rules);
    CHECK(c.guarded_source == repo.source);
    CHECK(AnyContains(c.notes, "'allow' ignored"));
    CHECK(AnyContains(c.notes, "'fail_on' ignored"));
  }
  SECTION("allow_repo_config: false ignores the repository's config entirely") {
    Policy closed = policy;
    closed.allow_repo_config = false;
    closed.repo_config_keys.reset();
    const Config c = ApplyPolicy(&closed, nullptr, &repo, dir.path());
    CHECK(c.exclude_paths == std::vector<std::string>{"third_party/**"});
    CHECK(c.allow_values.empty());
    CHECK(AnyContains(c.notes, "allow_repo_config: false"));
  }
  SECTION("allow_repo_config: true takes the repository's config, capped by min_fail_on") {
    Policy open = policy;
    open.repo_config_keys.reset();
    const Config c = ApplyPolicy(&open, nullptr, &repo, dir.path());
    CHECK(c.allow_values == std::vector<std::string>{"x-allowed"});
    CHECK(c.fail_on == Severity::kHigh);  // critical is above the floor
    CHECK_FALSE(c.guard_high_rules);
    CHECK(AnyContains(c.notes, "lowered to high"));
  }
  SECTION("--config FILE is the gate's own: not limited by allow_repo_config") {
    const Config trusted = LoadConfigFile(
        dir.Write("ci.yaml", "allow:\n  values: [ci-allowed]\nfail_on: medium\n"));
    const Config c = ApplyPolicy(&policy, &trusted, nullptr, dir.path());
    CHECK(c.allow_values == std::vector<std::string>{"ci-allowed"});
    CHECK(c.fail_on == Severity::kMedium);
    CHECK(c.guarded_source.empty());
  }
  SECTION("the failing severity: --fail-on is capped too, and none becomes the floor") {
    Config c = ApplyPolicy(&policy, nullptr, &repo, dir.path());
    bool never = false, capped = false;
    CHECK(FailOn(c, "critical", &never, &capped) == Severity::kHigh);
    CHECK(capped);
    CHECK(FailOn(c, "none", &never, &capped) == Severity::kHigh);
    CHECK_FALSE(never);
    CHECK(FailOn(c, "low", &never, &capped) == Severity::kLow);
    CHECK_FALSE(capped);
    CHECK(FailOn(c, "", &never, &capped) == Severity::kLow);
  }
}

TEST_CASE("policy: required rules, and a repository's rules under a policy") {
  TempDir dir;
  const std::string policy_path =
      dir.Write("gate.yaml", "allow_repo_config: [disable_rules, rules]\nrequired_rules: [\"github.*\"]\n");
  const Policy policy = LoadPolicyFile(policy_path);
  std::ostringstream err;
  RuleOptions ro;
  ro.no_cache = true;

  SECTION("a repository may not disable a required rule, nor one of severity high or above") {
    const Config repo = LoadConfigFile(dir.Write(
        "repo/.leakhound.yaml", "disable_rules: [github.pat, aws.access_key_id, generic.password]\n"));
    Config c = ApplyPolicy(&policy, nullptr, &repo, dir.path());
    auto rules = LoadRuleSet(ro, &c, err);
    CHECK(rules->Find("github.pat") >= 0);
    CHECK(rules->Find("aws.access_key_id") >= 0);  // severity high or above
    CHECK(rules->Find("generic.password") < 0);    // lower: the repository may
    CHECK(AnyContains(c.notes, "disabling github.pat ignored"));
    CHECK(AnyContains(c.notes, "disabling aws.access_key_id (severity"));
  }
  SECTION("--disable-rule of a required rule is an error") {
    Config c = ApplyPolicy(&policy, nullptr, nullptr, dir.path());
    ro.disabled = {"github.pat"};
    const std::string error = ErrorOf([&] { LoadRuleSet(ro, &c, err); });
    CHECK(error.find("--disable-rule github.pat: the policy " + policy_path) == 0);
  }
  SECTION("a repository rule reusing a built-in id is an error naming the file") {
    const std::string repo_path = dir.Write("repo/.leakhound.yaml",
                                            "rules:\n"
                                            "  - id: slack.webhook_url\n"
                                            "    name: Replaced\n"
                                            "    severity: info\n"
                                            "    pattern: 'nomatch-(x{40})'\n");
    const Config repo = LoadConfigFile(repo_path);
    Config c = ApplyPolicy(&policy, nullptr, &repo, dir.path());
    const std::string error = ErrorOf([&] { LoadRuleSet(ro, &c, err); });
    CHECK(error.find(repo_path + ": rule 'slack.webhook_url' reuses a built-in rule id") == 0);
    // Without a policy the same config replaces the rule, as before.
    Config plain = ApplyPolicy(nullptr, nullptr, &repo, dir.path());
    CHECK(LoadRuleSet(ro, &plain, err)->Find("slack.webhook_url") >= 0);
  }
  SECTION("a required rule cannot be replaced, even by --rules") {
    dir.Write("extra/github.yaml",
              "rules:\n"
              "  - id: github.pat\n"
              "    name: Replaced\n"
              "    severity: info\n"
              "    pattern: 'nomatch-(x{40})'\n");
    Config c = ApplyPolicy(&policy, nullptr, nullptr, dir.path());
    ro.rules_dirs = {dir.path() + "/extra"};
    const std::string error = ErrorOf([&] { LoadRuleSet(ro, &c, err); });
    CHECK(error.find("rule 'github.pat' would replace a rule the policy") != std::string::npos);
    CHECK(error.find("github.yaml") != std::string::npos);
  }
}
