#include <catch2/catch.hpp>

#include "engine_rules.hpp"
#include "leakhound/finding.hpp"
#include "scan/finding_store.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Fingerprint is a stable hash of (rule id, secret)") {
  const std::string a = Fingerprint("github.pat", "secret-value");
  CHECK(a.size() == 32);
  CHECK(a == Fingerprint("github.pat", "secret-value"));
  CHECK(a != Fingerprint("github.oauth", "secret-value"));
  CHECK(a != Fingerprint("github.pat", "secret-valuf"));
  // Pinned, so that baselines stay valid across versions: sha256("a.b\0s")[:16].
  CHECK(Fingerprint("a.b", "s") == "2bc657c1b8eaf97ebc3a5e4fccff77eb");
}

TEST_CASE("One finding per (rule, secret), with every location once") {
  auto rules = testing::RulesFromYaml(kEngineRulesYaml);
  FindingStore store(*rules);
  Match m;
  m.rule = 0;
  m.secret = Secret("ghp_value_one");
  m.line = 3;
  m.column = 7;
  Origin a{"file", "b.py", {}}, b{"file", "a.py", {}};
  store.Add(m, a);
  store.Add(m, b);
  store.Add(m, a);  // the same place again: not a second location
  m.line = 9;
  store.Add(m, a);
  Match other = m;
  other.secret = Secret("ghp_value_two");
  store.Add(other, a);
  auto findings = store.Take();
  REQUIRE(findings.size() == 2);
  const Finding& f = findings[0].secret.Reveal() == "ghp_value_one" ? findings[0] : findings[1];
  REQUIRE(f.locations.size() == 3);
  CHECK(f.locations[0].origin.path == "a.py");  // sorted
  CHECK(f.locations[1].origin.path == "b.py");
  CHECK(f.locations[1].line == 3);
  CHECK(f.locations[2].line == 9);
  CHECK(f.fingerprint == Fingerprint("t.ghp", "ghp_value_one"));
}

TEST_CASE("A secret two passes report in one place under rules of different priority is one finding") {
  auto rules = testing::RulesFromYaml(kEngineRulesYaml);
  const int vendor = rules->Find("t.ghp"), generic = rules->Find("t.generic_token");
  REQUIRE(vendor >= 0);
  REQUIRE(generic >= 0);
  FindingStore store(*rules);
  Match m;
  m.secret = Secret("same_secret_value");
  m.line = 2;
  m.column = 13;
  // The walk read config/web.vars as a plain file (a generic rule), the compose env_file pass
  // read it as a .env file (the field, and how it was read, in the attributes).
  m.rule = static_cast<uint32_t>(generic);
  store.Add(m, Origin{"file", "config/web.vars", {}});
  store.Add(m, Origin{"file", "other.txt", {}});  // elsewhere: stays
  Match analyzed = m;
  analyzed.rule = static_cast<uint32_t>(vendor);
  analyzed.field = "DB_PASSWORD";
  store.Add(analyzed, Origin{"file", "config/web.vars", {{"analyzed_as", "dotenv"}, {"env_file_of", "compose.yaml"}}});
  // The same secret on another line of the same file: a different place, stays.
  m.line = 5;
  store.Add(m, Origin{"file", "config/web.vars", {}});
  const auto findings = store.Take();
  REQUIRE(findings.size() == 2);
  for (const auto& f : findings) {
    if (f.rule == static_cast<uint32_t>(vendor)) {
      REQUIRE(f.locations.size() == 1);
      CHECK(f.locations[0].origin.path == "config/web.vars");
    } else {
      REQUIRE(f.locations.size() == 2);
      CHECK(f.locations[0].origin.path == "config/web.vars");
      CHECK(f.locations[0].line == 5);
      CHECK(f.locations[1].origin.path == "other.txt");
    }
  }
}
