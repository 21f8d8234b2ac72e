// yaml-cpp 0.7 loops forever, allocating, on a ',' where a block node should start: every YAML
// leakhound reads goes through SafeLoad/SafeLoadAll, which refuse such input quickly.
#include <catch2/catch.hpp>
#include <chrono>

#include "config/config.hpp"
#include "base/yaml_safe.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Malformed YAML that makes yaml-cpp loop is refused quickly") {
  for (const char* text : {",", ", x", "{a: 1}\n,", "# comment\n,", "\"x\"\n,", ",<<ap_Ver"}) {
    INFO(text);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(SafeLoadAll(text), YAML::ParserException);
    CHECK_THROWS_AS(SafeLoad(text), YAML::ParserException);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  }
  // Valid YAML still loads, documents and all.
  const auto docs = SafeLoadAll("a: 1\n---\n- x\n- y\n---\n");
  REQUIRE(docs.size() == 3);
  CHECK(docs[0]["a"].as<int>() == 1);
  CHECK(docs[1].size() == 2);
  CHECK(SafeLoad("b: [1, 2, 3]")["b"].size() == 3);
}

TEST_CASE("A .leakhound.yaml that would make yaml-cpp loop is a config error naming the file") {
  testing::TempDir dir;
  const std::string path = dir.Write(".leakhound.yaml", "{exclude_paths: []}\n,\n");
  try {
    LoadConfigFile(path);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}
