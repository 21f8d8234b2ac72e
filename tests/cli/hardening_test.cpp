// The hardening checks end to end, through the real binary: the hardened Dockerfile and compose
// file in tests/fixtures/hardening/good give no finding, the bad ones give exactly the expected
// (rule id, line, field) rows; an OCI image written by tests/fixtures/hardening/make_image.py
// gives exactly the expected image findings (a setuid file a later layer deletes does not fire;
// caches deleted later still do); and the switches: off by default for `scan`, on by default
// for `image`, --checks, the config's checks:, --disable-rule and baselines.
// Run alone with: build/tests/cli_tests "hardening:*"
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "test_support.hpp"

using leakhound::testing::RunJsonReport;
using leakhound::testing::RunShell;
using leakhound::testing::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LEAKHOUND_BINARY;
const std::string kFixtures = LEAKHOUND_SOURCE_DIR "/tests/fixtures/hardening";

constexpr auto& Q = leakhound::testing::ShellQuote;
constexpr auto& Attr = leakhound::testing::LocationAttr;
using Run = leakhound::testing::JsonRun;

// Runs leakhound with a JSON report.
Run Leakhound(const std::string& args, const std::string& cwd = ".") {
  return RunJsonReport(kBin, args, cwd);
}

// (rule id, path, line, field) for every location.
using Row = std::tuple<std::string, std::string, int, std::string>;

std::multiset<Row> Rows(const json& report) {
  std::multiset<Row> rows;
  for (const auto& f : report["findings"])
    for (const auto& l : f["locations"])
      rows.emplace(f["rule_id"], l["path"], l["line"].get<int>(), Attr(l, "field"));
  return rows;
}

const std::multiset<Row>& BadRows() {
  static const std::multiset<Row> rows = {
      {"dockerfile.from_unpinned", "bad/Dockerfile", 1, "FROM"},
      {"dockerfile.secret_arg", "bad/Dockerfile", 2, "ARG NPM_TOKEN"},
      {"dockerfile.from_unpinned", "bad/Dockerfile", 5, "FROM"},
      {"dockerfile.from_latest", "bad/Dockerfile", 5, "FROM"},
      {"dockerfile.no_healthcheck", "bad/Dockerfile", 5, "FROM"},
      {"dockerfile.add_url", "bad/Dockerfile", 6, "ADD"},
      {"dockerfile.install_sudo_ssh", "bad/Dockerfile", 7, "RUN"},  // sudo
      {"dockerfile.install_sudo_ssh", "bad/Dockerfile", 7, "RUN"},  // openssh-server
      {"dockerfile.package_cache_left", "bad/Dockerfile", 7, "RUN"},
      {"dockerfile.apt_no_recommends", "bad/Dockerfile", 7, "RUN"},
      {"dockerfile.package_cache_left", "bad/Dockerfile", 8, "RUN"},  // apk add
      {"dockerfile.package_cache_left", "bad/Dockerfile", 8, "RUN"},  // pip install
      {"dockerfile.chmod_777", "bad/Dockerfile", 9, "RUN"},
      {"dockerfile.expose_ssh", "bad/Dockerfile", 10, "EXPOSE"},
      {"dockerfile.no_user", "bad/Dockerfile", 12, "USER"},
      {"compose.no_cap_drop", "bad/docker-compose.yml", 2, "services.app"},
      {"compose.no_read_only", "bad/docker-compose.yml", 2, "services.app"},
      {"compose.no_new_privileges", "bad/docker-compose.yml", 2, "services.app"},
      {"compose.no_pids_limit", "bad/docker-compose.yml", 2, "services.app"},
      {"compose.no_resource_limits", "bad/docker-compose.yml", 2, "services.app"},
      {"compose.privileged", "bad/docker-compose.yml", 4, "services.app.privileged"},
      {"compose.cap_add", "bad/docker-compose.yml", 5, "services.app.cap_add"},
      {"compose.network_mode_host", "bad/docker-compose.yml", 6, "services.app.network_mode"},
      {"compose.docker_socket", "bad/docker-compose.yml", 8, "services.app.volumes"},
      {"compose.no_cap_drop", "bad/docker-compose.yml", 9, "services.db"},
      {"compose.no_read_only", "bad/docker-compose.yml", 9, "services.db"},
      {"compose.no_new_privileges", "bad/docker-compose.yml", 9, "services.db"},
      {"compose.no_pids_limit", "bad/docker-compose.yml", 9, "services.db"},
      {"compose.no_resource_limits", "bad/docker-compose.yml", 9, "services.db"},
      {"compose.database_port_published", "bad/docker-compose.yml", 12, "services.db.ports"},
      {"compose.database_network_not_internal", "bad/docker-compose.yml", 14, "services.db.networks"},
      {"compose.no_cap_drop", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.no_read_only", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.no_new_privileges", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.no_pids_limit", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.no_resource_limits", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.default_network_only", "bad/docker-compose.yml", 15, "services.cache"},
      {"compose.database_network_not_internal", "bad/docker-compose.yml", 15, "services.cache"},
  };
  return rows;
}

// (rule id, source, path, layer, visible) of an image finding's location.
using ImageRow = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::set<ImageRow> ImageRows(const json& report) {
  std::set<ImageRow> rows;
  for (const auto& f : report["findings"])
    for (const auto& l : f["locations"])
      rows.emplace(f["rule_id"], l["source"], l["path"], Attr(l, "layer"), Attr(l, "visible"));
  return rows;
}

const std::set<ImageRow> kImageRows = {
    {"image.root_user", "image-config", "User", "", ""},
    {"image.setuid_binary", "image", "usr/bin/passwd", "1", "true"},
    {"image.setuid_binary", "image", "usr/bin/sudo", "1", "true"},
    {"image.setuid_binary", "image", "usr/bin/wall", "1", "true"},
    {"image.sshd_sudo", "image", "usr/bin/sudo", "1", "true"},
    {"image.sshd_sudo", "image", "usr/sbin/sshd", "1", "true"},
    {"image.package_manager_in_minimal", "image", "usr/bin/dpkg", "1", "true"},
    {"image.world_writable", "image", "etc/app.conf", "1", "true"},
    {"image.world_writable", "image", "srv/uploads", "1", "true"},
    {"image.package_cache", "image", "var/cache/apt/archives/curl_7.88.1-10_amd64.deb", "2", "true"},
    {"image.package_cache", "image",
     "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "2", "false"},
    {"image.package_cache", "image", "root/.npm/_cacache/index-v5", "2", "false"},
};

std::string MakeImage(const TempDir& dir) {
  const std::string layout = dir.path() + "/layout";
  const auto made = RunShell("python3 " + Q(kFixtures + "/make_image.py") + " " + Q(layout));
  REQUIRE(made.code == 0);
  return layout;
}

}  // namespace

TEST_CASE("hardening: the hardened Dockerfile and compose file give no finding") {
  const Run r = Leakhound("scan --checks secrets,hardening good", kFixtures);
  CHECK(r.code == 0);
  CHECK(r.report["findings"].empty());
  CHECK(r.report["summary"]["warnings"].empty());
}

TEST_CASE("hardening: the bad Dockerfile and compose file give exactly the expected findings") {
  const Run r = Leakhound("scan --checks hardening bad", kFixtures);
  CHECK(r.code == 1);
  CHECK(Rows(r.report) == BadRows());
  for (const auto& f : r.report["findings"]) {
    CHECK(f.contains("remediation"));
    // Findings about an instruction or a setting: the snippet shows the line as it is.
    for (const auto& l : f["locations"])
      CHECK(std::string(l["snippet"]).find("\xe2\x80\xa6") == std::string::npos);
  }
}

TEST_CASE("hardening: off by default for scan; --checks and the config's checks: turn it on") {
  TempDir dir;
  fs::copy(kFixtures + "/bad", dir.path() + "/bad", fs::copy_options::recursive);
  const Run plain = Leakhound("scan bad", dir.path());
  CHECK(plain.code == 0);
  CHECK(plain.report["findings"].empty());
  {
    // Found in the current directory (the config is read one way for every command).
    std::ofstream(dir.path() + "/.leakhound.yaml") << "checks: [secrets, hardening]\n";
  }
  const Run configured = Leakhound("scan bad", dir.path());
  CHECK(Rows(configured.report) == BadRows());
  // The command line wins over the config.
  CHECK(Leakhound("scan --checks secrets bad", dir.path()).report["findings"].empty());
  const auto bad_value = RunShell(Q(kBin) + " scan --checks hardnening " + Q(dir.path()) + " 2>&1");
  CHECK(bad_value.code == 2);
  CHECK(bad_value.out.find("unknown check 'hardnening'") != std::string::npos);
}

TEST_CASE("hardening: a rule can be disabled, and findings baselined") {
  TempDir dir;
  fs::copy(kFixtures + "/bad", dir.path() + "/bad", fs::copy_options::recursive);
  const Run off = Leakhound("scan bad --checks hardening --disable-rule compose.no_read_only "
                            "--disable-rule dockerfile.no_user", dir.path());
  std::multiset<Row> want;
  for (const auto& row : BadRows())
    if (std::get<0>(row) != "compose.no_read_only" && std::get<0>(row) != "dockerfile.no_user")
      want.insert(row);
  CHECK(Rows(off.report) == want);
  const auto created = RunShell("cd " + Q(dir.path()) + " && " + Q(kBin) +
                                " baseline create --checks hardening -o base.txt bad 2>/dev/null");
  REQUIRE(created.code == 0);
  const Run baselined = Leakhound("scan --checks hardening --baseline base.txt bad", dir.path());
  CHECK(baselined.code == 0);
  CHECK(baselined.report["findings"].empty());
  CHECK(baselined.report["summary"]["findings_baselined"].get<int>() > 30);
}

TEST_CASE("hardening: image checks are on by default and see the final filesystem") {
  TempDir dir;
  const std::string layout = MakeImage(dir);
  const Run r = Leakhound("image " + Q(layout), dir.path());
  CHECK(r.code == 1);
  CHECK(ImageRows(r.report) == kImageRows);  // usr/bin/chsh: deleted in layer 3, not reported
  for (const auto& f : r.report["findings"])
    for (const auto& l : f["locations"]) {
      CHECK(Attr(l, "image") == "shop/hardening:1");
      if (f["rule_id"] == "image.package_cache" && Attr(l, "visible") == "false")
        CHECK(Attr(l, "removed_in_layer") == "3");
    }
  // Only the secrets checks: nothing here.
  const Run secrets = Leakhound("image --checks secrets " + Q(layout), dir.path());
  CHECK(secrets.code == 0);
  CHECK(secrets.report["findings"].empty());
  // Disabled rules and info severity: setuid gone, and --fail-on medium ignores the rest below.
  const Run off = Leakhound("image " + Q(layout) + " --disable-rule image.setuid_binary "
                            "--disable-rule image.root_user --disable-rule image.world_writable",
                            dir.path());
  for (const auto& row : ImageRows(off.report)) {
    CHECK(std::get<0>(row) != "image.setuid_binary");
    CHECK(std::get<0>(row) != "image.root_user");
  }
  CHECK(RunShell(Q(kBin) + " image " + Q(layout) + " --fail-on medium --disable-rule "
                 "image.setuid_binary --disable-rule image.root_user --disable-rule "
                 "image.world_writable >/dev/null 2>&1").code == 0);
}

TEST_CASE("hardening: the rules are listed with their tag") {
  const auto list = RunShell(Q(kBin) + " rules list --format json");
  const json rules = json::parse(list.out);
  size_t hardening = 0;
  for (const auto& r : rules) {
    const auto& tags = r["tags"];
    if (std::find(tags.begin(), tags.end(), "hardening") == tags.end()) continue;
    ++hardening;
    CHECK(!r["remediation"].get<std::string>().empty());
    CHECK(!r["analyzer"].get<std::string>().empty());
  }
  CHECK(hardening == 29);
}

TEST_CASE("hardening: findings that are not secrets show no secret fields, in every report") {
  TempDir dir;
  leakhound::testing::FakeSecrets fake(2020);
  const std::string npm = "npm_" + fake.Base62(36);
  // A hardening check whose instruction holds a secret: shown, with the secret redacted.
  dir.Write("app/Dockerfile", "FROM ubuntu:latest\nARG NPM_TOKEN=" + npm + "\nUSER root\n");
  dir.Write("app/.env", "DB_PASSWORD=" + fake.Base62(20) + "\n");
  RunShell("cd " + Q(dir.path()) + " && git init -q && git add app/.env");
  const auto human = RunShell(kBin + " scan --checks secrets,hardening " + Q(dir.path() + "/app") +
                              " 2>/dev/null");
  REQUIRE(human.code == 1);
  CHECK(human.out.find(npm) == std::string::npos);
  // Split the report into findings (blank-line separated blocks).
  std::vector<std::string> blocks;
  for (size_t at = 0, next; at < human.out.size(); at = next + 2) {
    next = human.out.find("\n\n", at);
    if (next == std::string::npos) next = human.out.size();
    blocks.push_back(human.out.substr(at, next - at));
  }
  int hardening = 0, reference = 0, secret = 0;
  for (const auto& b : blocks) {
    const bool is_hardening = b.find("dockerfile.") != std::string::npos &&
                              b.find("dockerfile.run_secret") == std::string::npos;
    const bool is_reference = b.find("dotenv.committed") != std::string::npos;
    if (!is_hardening && !is_reference) {
      secret += b.find("\n  secret       ") != std::string::npos;
      continue;
    }
    INFO(b);
    (is_hardening ? hardening : reference)++;
    CHECK(b.find("  secret ") == std::string::npos);
    CHECK(b.find("confidence") == std::string::npos);
    CHECK(b.find("entropy") == std::string::npos);
    CHECK(b.find("why:") == std::string::npos);
    CHECK(b.find("\n  kind         ") != std::string::npos);
    CHECK(b.find("\n  fix          ") != std::string::npos);
  }
  CHECK(hardening >= 3);  // from_unpinned/from_latest, no_user, no_healthcheck
  CHECK(reference == 1);
  CHECK(secret >= 1);
  // The offending instruction is shown in full (no "FROM…(18)").
  CHECK(human.out.find("\n    FROM ubuntu:latest\n") != std::string::npos);
  CHECK(human.out.find("\n    USER root\n") != std::string::npos);
  CHECK(human.out.find("\n    ARG NPM_TOKEN=npm_\xE2\x80\xA6") != std::string::npos);

  const Run run = Leakhound("scan --checks secrets,hardening " + Q(dir.path() + "/app"));
  for (const auto& f : run.report["findings"]) {
    const std::string id = f["rule_id"];
    const bool secret_kind = f["kind"] == "secret";
    CHECK(f.contains("secret") == secret_kind);
    CHECK(f.contains("confidence") == secret_kind);
    CHECK(f.contains("entropy") == secret_kind);
    if (id == "dotenv.committed") CHECK(f["kind"] == "reference");
    if (id == "dockerfile.no_user") CHECK(f["kind"] == "hardening");
    if (id == "dotenv.secret") CHECK(f["kind"] == "secret");
  }
  CHECK(run.report.dump().find(npm) == std::string::npos);
}
