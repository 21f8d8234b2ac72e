#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "leakhound/rule.hpp"
#include "leakhound/ruleset.hpp"
#include "scan/scanner.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("A valid rule file loads every field") {
  std::vector<RuleError> errors;
  auto rules = LoadRulesFromYaml(R"(
rules:
  - id: acme.api_key
    name: ACME key
    description: Grants everything.
    severity: high
    pattern: '\b(acme_[a-z0-9]{32})\b'
    keywords: [ACME_]
    min_entropy: 3.5
    checksum: jwt
    placeholder_filter: false
    max_length: 100
    examples: ['k = acme_0123']
    negative_examples: [nope]
    references: ['https://acme.invalid/docs']
    tags: [acme, api]
)", "acme.yaml", &errors);
  REQUIRE(errors.empty());
  REQUIRE(rules.size() == 1);
  const Rule& r = rules[0];
  CHECK(r.id == "acme.api_key");
  CHECK(r.severity == Severity::kHigh);
  CHECK(r.keywords == std::vector<std::string>{"acme_"});  // lower-cased
  CHECK(r.min_entropy == 3.5);
  CHECK(r.checksum == ChecksumKind::kJwt);
  CHECK_FALSE(r.placeholder_filter);
  CHECK(r.max_length == 100);
  CHECK(r.source == "acme.yaml");
  CHECK(r.HasTag("api"));
}

TEST_CASE("Invalid rules are reported with the file and the rule id, the rest still load") {
  std::vector<RuleError> errors;
  auto rules = LoadRulesFromYaml(R"(
rules:
  - id: good.rule
    severity: low
    pattern: 'good_([a-z]{8})'
  - id: Bad Id
    severity: low
    pattern: 'x(y)'
  - id: bad.severity
    severity: urgent
    pattern: 'x(y)'
  - id: bad.field
    severity: low
    pattern: 'x(y)'
    colour: red
  - severity: low
    pattern: 'x(y)'
)", "mixed.yaml", &errors);
  CHECK(rules.size() == 1);
  REQUIRE(errors.size() == 4);
  CHECK(errors[0].ToString().find("mixed.yaml: rule Bad Id: bad id") == 0);
  CHECK(errors[1].ToString().find("mixed.yaml: rule bad.severity: bad severity 'urgent'") == 0);
  CHECK(errors[2].ToString().find("unknown field 'colour'") != std::string::npos);
  CHECK(errors[3].ToString().find("missing id") != std::string::npos);
}

TEST_CASE("Broken YAML names the file") {
  std::vector<RuleError> errors;
  LoadRulesFromYaml("rules: [ {id: a.b", "broken.yaml", &errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ToString().find("broken.yaml: invalid YAML") == 0);
}

TEST_CASE("Bad patterns are build errors naming the rule") {
  std::vector<RuleError> errors;
  auto rules = LoadRulesFromYaml(R"(
rules:
  - id: ok.rule
    severity: low
    pattern: 'ok_([a-z]{8})'
  - id: re2.rejects
    severity: low
    pattern: 'a(?=b)(c)'
  - id: no.group
    severity: low
    pattern: 'abc'
  - id: empty.match
    severity: low
    pattern: '(a*)'
)", "pat.yaml", &errors);
  REQUIRE(errors.empty());
  auto set = RuleSet::Build(std::move(rules), RuleSetOptions{}, &errors);
  REQUIRE(set);
  CHECK(set->size() == 1);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].ToString().find("pat.yaml: rule re2.rejects: RE2 rejects") == 0);
  CHECK(errors[1].ToString().find("rule no.group: the pattern has no capture group 1") !=
        std::string::npos);
  CHECK(errors[2].ToString().find("rule empty.match: the pattern can match the empty string") !=
        std::string::npos);
}

TEST_CASE("MergeRules overrides by id and appends new ones") {
  std::vector<Rule> base(2), extra(2);
  base[0].id = "a.one";
  base[1].id = "a.two";
  extra[0].id = "a.two";
  extra[0].name = "override";
  extra[1].id = "a.three";
  MergeRules(&base, extra);
  REQUIRE(base.size() == 3);
  CHECK(base[1].name == "override");
  CHECK(base[2].id == "a.three");
}

TEST_CASE("The compiled database is cached on disk and reused") {
  testing::TempDir dir;
  const std::string yaml = R"(
rules:
  - id: c.one
    severity: low
    pattern: 'one_([a-z0-9]{16})'
  - id: c.two
    severity: low
    pattern: 'two_([a-z0-9]{16})'
)";
  RuleSetOptions options;
  options.cache_dir = dir.path() + "/cache";
  std::vector<RuleError> errors;
  auto cold = RuleSet::Build(LoadRulesFromYaml(yaml, "c.yaml", &errors), options, &errors);
  REQUIRE(cold);
  CHECK_FALSE(cold->loaded_from_cache());
  auto warm = RuleSet::Build(LoadRulesFromYaml(yaml, "c.yaml", &errors), options, &errors);
  REQUIRE(warm);
  CHECK(warm->loaded_from_cache());
  CHECK(warm->digest() == cold->digest());
  CHECK(warm->lookback(0) == cold->lookback(0));
  CHECK(errors.empty());
  // A changed rule set is a different key.
  auto other = RuleSet::Build(
      LoadRulesFromYaml(yaml + "  - id: c.three\n    severity: low\n    pattern: 'x([a-z]{9})'\n",
                        "c.yaml", &errors),
      options, &errors);
  REQUIRE(other);
  CHECK_FALSE(other->loaded_from_cache());
  // The warm set (its database mapped from the file) finds what the cold one finds.
  auto count = [](const RuleSet& set) {
    Scanner scanner(set);
    std::vector<RawMatch> out;
    ScanStats stats;
    std::string error;
    REQUIRE(scanner.Scan("x one_a1b2c3d4e5f6g7h8 y two_z9y8x7w6v5u4t3s2\n", &out, &stats, &error));
    return out.size();
  };
  CHECK(count(*cold) == 2);
  CHECK(count(*warm) == 2);
  // One byte changed inside the cached database: its hash catches it, and the rules are
  // compiled again instead.
  {
    const auto path = std::filesystem::path(options.cache_dir) / ("hs-" + cold->digest() + ".db");
    REQUIRE(std::filesystem::exists(path));
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(std::filesystem::file_size(path) - 100));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(path) - 100));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto flipped = RuleSet::Build(LoadRulesFromYaml(yaml, "c.yaml", &errors), options, &errors);
  REQUIRE(flipped);
  CHECK_FALSE(flipped->loaded_from_cache());
  CHECK(count(*flipped) == 2);
  // A corrupt cache file is ignored, not trusted.
  for (const auto& e : std::filesystem::directory_iterator(options.cache_dir))
    std::ofstream(e.path(), std::ios::trunc) << "garbage";
  auto again = RuleSet::Build(LoadRulesFromYaml(yaml, "c.yaml", &errors), options, &errors);
  REQUIRE(again);
  CHECK_FALSE(again->loaded_from_cache());
}

TEST_CASE("The parsed built-in rules are cached on disk; a damaged cache falls back to the YAML") {
  testing::TempDir dir;
  const std::string cache = dir.path() + "/cache";
  std::vector<RuleError> errors;
  const std::vector<Rule> yaml = LoadBuiltinRules(&errors);
  REQUIRE(errors.empty());
  auto same = [&](const std::vector<Rule>& got) {
    REQUIRE(got.size() == yaml.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const Rule& a = got[i];
      const Rule& b = yaml[i];
      CHECK((a.id == b.id && a.name == b.name && a.description == b.description &&
             a.severity == b.severity && a.pattern == b.pattern &&
             a.secret_group == b.secret_group && a.keywords == b.keywords &&
             a.stopwords == b.stopwords && a.min_entropy == b.min_entropy &&
             a.checksum == b.checksum && a.placeholder_filter == b.placeholder_filter &&
             a.max_length == b.max_length && a.references == b.references && a.tags == b.tags &&
             a.analyzer == b.analyzer && a.remediation == b.remediation &&
             a.scorer == b.scorer && a.key_group == b.key_group && a.source == b.source &&
             a.priority == b.priority));
    }
  };
  same(LoadBuiltinRulesCached(cache, &errors));  // parses the YAML, writes the cache
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(cache)) files.push_back(e.path());
  REQUIRE(files.size() == 1);
  same(LoadBuiltinRulesCached(cache, &errors));  // reads the cache
  // Truncated, then garbage: neither is trusted.
  const auto size = std::filesystem::file_size(files[0]);
  std::filesystem::resize_file(files[0], size / 2);
  same(LoadBuiltinRulesCached(cache, &errors));
  std::ofstream(files[0], std::ios::trunc) << "LHRULES4\xff\xff\xff\x7fgarbage";
  same(LoadBuiltinRulesCached(cache, &errors));
  CHECK(errors.empty());
}

TEST_CASE("A pattern Hyperscan cannot take exactly runs as a prefilter, confirmed by RE2") {
  const std::string yaml = R"(
rules:
  - id: big.repeat
    severity: low
    pattern: 'k(?:[a-z]{1,200}[0-9]{1,200}){5}(z)'
    placeholder_filter: false
  - id: plain.rule
    severity: low
    pattern: 'plain_([a-z]{8})'
)";
  // Exact repeats: too large for Hyperscan, so a prefilter. Relaxed (the default), the same
  // pattern compiles exactly. Either way RE2 decides what matches.
  for (const bool relax : {false, true}) {
    INFO("relax_repeats " << relax);
    std::vector<RuleError> errors;
    RuleSetOptions options;
    options.relax_repeats = relax;
    auto set = RuleSet::Build(LoadRulesFromYaml(yaml, "test.yaml", &errors), options, &errors);
    REQUIRE(errors.empty());
    REQUIRE(set->size() == 2);
    CHECK(set->prefiltered(static_cast<size_t>(set->Find("big.repeat"))) == !relax);
    CHECK_FALSE(set->prefiltered(static_cast<size_t>(set->Find("plain.rule"))));
    Scanner scanner(*set);
    std::vector<RawMatch> out;
    ScanStats stats;
    std::string error;
    REQUIRE(scanner.Scan("xx ka1b2c3d4e5z plain_qzmrtwkx", &out, &stats, &error));
    REQUIRE(out.size() == 2);
    CHECK(set->rule(out[0].rule).id == "big.repeat");
    REQUIRE(scanner.Scan("ka1b2c3d4z", &out, &stats, &error));  // four groups: no match
    CHECK(out.empty());
  }
}
