// Hyperscan compiles large bounded repeats unbounded (HyperscanPattern); RE2 confirms with the
// exact pattern. These tests hold the rewrite to the regex syntax, and the engine to the same
// findings either way, on every built-in rule's examples and on the labelled corpora.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "leakhound/ruleset.hpp"
#include "scan/scanner.hpp"
#include "test_support.hpp"

namespace leakhound {
namespace {

TEST_CASE("HyperscanPattern unbounds large repeats and nothing else", "[ruleset]") {
  CHECK(HyperscanPattern("a{100,1000}") == "a{100,}");
  CHECK(HyperscanPattern("[A-Za-z0-9+/]{0,1000}={0,2}") == "[A-Za-z0-9+/]{0,}={0,2}");
  CHECK(HyperscanPattern("x{0,16}?y") == "x{0,}?y");
  CHECK(HyperscanPattern("x{2,15}") == "x{2,15}");        // below the bound: exact
  CHECK(HyperscanPattern("x{40}") == "x{40}");            // a fixed count: exact
  CHECK(HyperscanPattern("x{40,}") == "x{40,}");
  CHECK(HyperscanPattern("\\{1,100\\}") == "\\{1,100\\}");  // escaped braces are literals
  CHECK(HyperscanPattern("[{1,100}]") == "[{1,100}]");      // inside a class: literals
  CHECK(HyperscanPattern("[]{1,100}]a{1,100}") == "[]{1,100}]a{1,}");
  CHECK(HyperscanPattern("[^]x]{1,100}") == "[^]x]{1,}");
  CHECK(HyperscanPattern("[\\]]{1,100}") == "[\\]]{1,}");
  CHECK(HyperscanPattern("\\Qa{1,100}\\E") == "\\Qa{1,100}\\E");  // quoting: left alone
  CHECK(HyperscanPattern("a{100,10}") == "a{100,10}");             // invalid: left to the engines
}

using Found = std::tuple<uint32_t, uint64_t, uint64_t>;

std::set<Found> RawFindings(Scanner& scanner, std::string_view text) {
  std::vector<RawMatch> out;
  ScanStats stats;
  std::string error;
  REQUIRE(scanner.Scan(text, &out, &stats, &error));
  std::set<Found> found;
  for (const auto& m : out) found.insert({m.rule, m.secret_start, m.secret_end});
  return found;
}

TEST_CASE("Relaxed repeats find what the exact patterns find", "[ruleset]") {
  const RuleSet& relaxed = testing::BuiltinRules();
  std::vector<RuleError> errors;
  RuleSetOptions options;
  options.cache_dir = DefaultCacheDir();
  options.relax_repeats = false;
  auto exact = RuleSet::Build(LoadBuiltinRulesCached(options.cache_dir, &errors), options, &errors);
  REQUIRE(errors.empty());
  REQUIRE(exact);
  REQUIRE(exact->size() == relaxed.size());

  std::vector<std::pair<std::string, std::string>> texts;  // name, text
  for (const auto& r : relaxed.rules()) {
    for (const auto& e : r.examples) texts.push_back({r.id + " example", e});
    for (const auto& e : r.negative_examples) texts.push_back({r.id + " negative example", e});
  }
  namespace fs = std::filesystem;
  const fs::path top = fs::path(LEAKHOUND_TEST_DIR).parent_path();
  for (const fs::path dir : {top / "corpus", top / "tests" / "accuracy" / "corpus"}) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      texts.push_back({entry.path().string(), text.str()});
    }
  }
  REQUIRE(texts.size() > 2000);
  size_t total = 0;
  Scanner exact_scanner(*exact), relaxed_scanner(relaxed);
  for (const auto& [name, text] : texts) {
    INFO(name);
    const auto a = RawFindings(exact_scanner, text);
    const auto b = RawFindings(relaxed_scanner, text);
    CHECK(a == b);
    total += a.size();
  }
  CHECK(total > 1000);
}

}  // namespace
}  // namespace leakhound
