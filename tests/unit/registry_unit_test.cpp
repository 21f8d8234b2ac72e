// Registry pieces that need no server: references, credentials files, shards, report merge.
#include <catch2/catch.hpp>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "registry/registry.hpp"
#include "registry/registry_audit.hpp"
#include "cli/registry_cmd.hpp"

using namespace leakhound;

TEST_CASE("image references", "[registry]") {
  ImageReference r;
  std::string e;
  REQUIRE(ParseImageReference("registry.example.com:5000/team/app:1.2", &r, &e));
  CHECK(r.host == "registry.example.com:5000");
  CHECK(r.repo == "team/app");
  CHECK(r.tag == "1.2");
  CHECK(r.Display() == "registry.example.com:5000/team/app:1.2");
  REQUIRE(ParseImageReference("localhost/app", &r, &e));
  CHECK(r.tag == "latest");
  const std::string d = "sha256:" + std::string(64, 'a');
  REQUIRE(ParseImageReference("https://127.0.0.1:5000/a/b@" + d, &r, &e));
  CHECK(r.scheme == "https");
  CHECK(r.digest == d);
  CHECK(r.tag.empty());
  CHECK_FALSE(ParseImageReference("app.tar", &r, &e));
  CHECK_FALSE(ParseImageReference("team/app:1", &r, &e));  // no registry host
  CHECK_FALSE(ParseImageReference("host.io/App:1", &r, &e));  // upper case repo
  CHECK_FALSE(ParseImageReference("host.io/app@sha256:zz", &r, &e));
  CHECK_FALSE(ParseImageReference("user:pw@host.io/app", &r, &e));
  CHECK(e.find("credentials") != std::string::npos);
  CHECK(e.find("pw") == std::string::npos);
}

TEST_CASE("loopback hosts", "[registry]") {
  CHECK(IsLoopbackHost("127.0.0.1:5000"));
  CHECK(IsLoopbackHost("localhost"));
  CHECK(IsLoopbackHost("[::1]:5000"));
  CHECK_FALSE(IsLoopbackHost("10.0.0.1:5000"));
  CHECK_FALSE(IsLoopbackHost("localhost.example.com"));
}

TEST_CASE("plain http needs a flag off loopback; no credentials in URLs", "[registry]") {
  CHECK_THROWS_AS(RegistryClient("http://registry.example.com", RegistryOptions{}), ConfigError);
  CHECK_NOTHROW(RegistryClient("http://127.0.0.1:5000", RegistryOptions{}));
  RegistryOptions plain;
  plain.plain_http = true;
  CHECK_NOTHROW(RegistryClient("http://registry.example.com", plain));
  CHECK_THROWS_AS(RegistryClient("https://u:p@registry.example.com", RegistryOptions{}), ConfigError);
}

TEST_CASE("credentials from auth files", "[registry]") {
  const auto dir = std::filesystem::temp_directory_path() / ("lh-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "config.json");
    // base64("bob:s3cr3t-pass")
    f << R"({"auths": {"https://reg.example.com:5000/v1/": {"auth": "Ym9iOnMzY3IzdC1wYXNz"},
                       "other.example.com": {"username": "amy", "password": "pw2"}}})";
  }
  ::setenv("DOCKER_CONFIG", dir.c_str(), 1);
  ::unsetenv("REGISTRY_AUTH_FILE");
  std::string user, password;
  std::vector<std::string> warning;
  REQUIRE(LookupRegistryCredentials("reg.example.com:5000", &user, &password, &warning));
  CHECK(user == "bob");
  CHECK(password == "s3cr3t-pass");
  REQUIRE(LookupRegistryCredentials("other.example.com", &user, &password, &warning));
  CHECK(user == "amy");
  CHECK_FALSE(LookupRegistryCredentials("third.example.com", &user, &password, &warning));
  ::unsetenv("DOCKER_CONFIG");
  std::filesystem::remove_all(dir);
}

TEST_CASE("credential helpers: answers, none, tokens, time-outs, bad names", "[registry]") {
  const auto dir = std::filesystem::temp_directory_path() / ("lh-helpers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto helper = [&](const std::string& name, const std::string& body) {
    const auto path = dir / ("docker-credential-" + name);
    std::ofstream(path) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  };
  helper("ok", "read s; printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\",\"Secret\":\"pw\"}' \"$s\" \"$s\"\n");
  helper("none", "echo 'credentials not found in native keychain'; exit 1\n");
  helper("token", "printf '{\"Username\":\"<token>\",\"Secret\":\"rt-value-123\"}'\n");
  helper("garbage", "echo not json\n");
  helper("slow", "sleep 5\n");
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir.string() + ":" + old_path).c_str(), 1);
  std::string user, secret, error;
  REQUIRE(RunCredentialHelper("ok", "reg.example.com:5000", &user, &secret, &error));
  CHECK(user == "u-reg.example.com:5000");  // the server was given on stdin
  CHECK(secret == "pw");
  CHECK_FALSE(RunCredentialHelper("none", "reg.example.com", &user, &secret, &error));
  CHECK(error.empty());  // none is not an error
  CHECK_FALSE(RunCredentialHelper("token", "reg.example.com", &user, &secret, &error));
  CHECK(error.find("identity token") != std::string::npos);
  CHECK(error.find("rt-value-123") == std::string::npos);
  CHECK_FALSE(RunCredentialHelper("garbage", "reg.example.com", &user, &secret, &error));
  CHECK(error.find("not {") != std::string::npos);
  CHECK_FALSE(RunCredentialHelper("slow", "reg.example.com", &user, &secret, &error, 300));
  CHECK(error.find("no answer within") != std::string::npos);
  CHECK_FALSE(RunCredentialHelper("absent", "reg.example.com", &user, &secret, &error));
  CHECK(error.find("not on PATH") != std::string::npos);
  CHECK_FALSE(RunCredentialHelper("../../bin/sh", "reg.example.com", &user, &secret, &error));
  CHECK(error.find("not a credential helper name") != std::string::npos);
  ::setenv("PATH", old_path.c_str(), 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("shards split repositories deterministically", "[registry]") {
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 300; ++i) {
    const std::string repo = "team/app" + std::to_string(i);
    const int s = ShardOf(repo, 3);
    REQUIRE(s >= 0);
    REQUIRE(s < 3);
    CHECK(ShardOf(repo, 3) == s);
    ++counts[s];
  }
  for (int c : counts) CHECK(c > 50);  // roughly even
  CHECK(ShardOf("anything", 1) == 0);
}

TEST_CASE("report merge unites locations and images", "[registry]") {
  const auto dir = std::filesystem::temp_directory_path() / ("lh-merge-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto report = [&](const std::string& name, const std::string& images, bool complete) {
    nlohmann::json loc = {{"source", "image"}, {"path", "app/config.py"}, {"line", 3}, {"column", 1},
                          {"attributes", {{"layer_digest", "sha256:1"}, {"image", images}, {"images", images}}}};
    nlohmann::json j = {
        {"findings", {{{"fingerprint", "f1"}, {"rule_id", "github.pat"}, {"severity", "critical"},
                       {"locations", {loc}}}}},
        {"summary", {{"blobs_scanned", 2}, {"complete", complete}, {"errors", nlohmann::json::array()}}}};
    std::ofstream(dir / name) << j.dump();
    return (dir / name).string();
  };
  const auto a = report("a.json", "r/a:1", true), b = report("b.json", "r/b:1, r/c:1", false);
  const auto merged = nlohmann::json::parse(MergeJsonReports({a, b}));
  REQUIRE(merged["findings"].size() == 1);
  REQUIRE(merged["findings"][0]["locations"].size() == 1);
  CHECK(merged["findings"][0]["locations"][0]["attributes"]["images"] == "r/a:1, r/b:1, r/c:1");
  CHECK(merged["summary"]["blobs_scanned"] == 4);
  CHECK(merged["summary"]["complete"] == false);
  std::ofstream(dir / "bad.json") << "[1,2]";
  CHECK_THROWS_AS(MergeJsonReports({(dir / "bad.json").string()}), ConfigError);
  std::filesystem::remove_all(dir);
}
