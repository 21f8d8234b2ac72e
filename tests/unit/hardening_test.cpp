// The hardening checks' logic: Dockerfile and compose flags (rule id, line, field), the
// --checks parser, and the image checks over image listings (final filesystem, caches in any
// layer, the config user, minimal bases).
#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "analyzers/analyzers.hpp"
#include "config/config.hpp"
#include "sources/image_checks.hpp"

using namespace leakhound;

namespace {

// (rule id, line, field) of every hardening flag (rules prefixed as given).
using Row = std::tuple<std::string, uint64_t, std::string>;

std::multiset<Row> Flags(const Analysis& a, std::string_view data) {
  const LineIndex lines(data);
  std::multiset<Row> out;
  static const std::set<std::string> kSecrets = {
      "dockerfile.env_from_secret_arg", "dockerfile.run_secret", "dockerfile.copy_sensitive_file",
      "compose.literal_secret"};
  for (const auto& f : a.flags) {
    if (kSecrets.count(f.rule_id)) continue;
    CHECK_FALSE(f.literal);
    out.emplace(f.rule_id, lines.Line(f.begin), f.field);
  }
  return out;
}

std::multiset<Row> DockerFlags(const std::string& d) { return Flags(AnalyzeDockerfile(d), d); }
std::multiset<Row> ComposeFlags(const std::string& d) { return Flags(AnalyzeCompose(d), d); }

std::multiset<std::string> ImageHits(const std::string& listing) {
  ImageCheckInput in;
  std::vector<ImageLayerFacts> layers;
  std::string error;
  INFO(listing);
  REQUIRE(ParseImageListing(listing, &in, &layers, &error));
  std::multiset<std::string> out;
  for (const auto& h : CheckImage(in)) out.insert(h.rule_id + " " + h.origin.path);
  return out;
}

}  // namespace

TEST_CASE("hardening: Dockerfile final stage user, through the stages it builds on") {
  CHECK(DockerFlags("FROM a@sha256:1\nUSER app\n").empty());
  CHECK(DockerFlags("FROM a@sha256:1\n") == std::multiset<Row>{{"dockerfile.no_user", 1, "FROM"}});
  CHECK(DockerFlags("FROM a@sha256:1\nUSER 0:0\n") ==
        std::multiset<Row>{{"dockerfile.no_user", 2, "USER"}});
  // Only the final stage counts; a stage built on an earlier one inherits its USER.
  CHECK(DockerFlags("FROM a@sha256:1 AS base\nUSER app\nFROM base\nRUN true\n").empty());
  CHECK(DockerFlags("FROM a@sha256:1 AS b\nUSER app\nFROM c@sha256:2\n") ==
        std::multiset<Row>{{"dockerfile.no_user", 3, "FROM"}});
}

TEST_CASE("hardening: Dockerfile FROM pinning") {
  const std::string d =
      "FROM node:20 AS a\nFROM ubuntu\nFROM reg:5000/x/y\nFROM reg:5000/x/y:latest@sha256:1\n"
      "FROM a\nFROM scratch\nFROM ${BASE}\nFROM --platform=$BUILDPLATFORM alpine:3.20\nUSER 1\n";
  CHECK(DockerFlags(d) == std::multiset<Row>{{"dockerfile.from_unpinned", 1, "FROM"},
                                             {"dockerfile.from_unpinned", 2, "FROM"},
                                             {"dockerfile.from_latest", 2, "FROM"},
                                             {"dockerfile.from_unpinned", 3, "FROM"},
                                             {"dockerfile.from_latest", 3, "FROM"},
                                             {"dockerfile.from_unpinned", 8, "FROM"}});
}

TEST_CASE("hardening: Dockerfile RUN steps: installs, caches, chmod") {
  auto run = [](const std::string& cmd) { return DockerFlags("FROM a@sha256:1\nUSER 1\n" + cmd + "\n"); };
  CHECK(run("RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*").empty());
  CHECK(run("RUN --mount=type=cache,target=/var/cache/apt apt-get install -y --no-install-recommends curl").empty());
  CHECK(run("RUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl") ==
        std::multiset<Row>{{"dockerfile.apt_no_recommends", 3, "RUN"},
                           {"dockerfile.package_cache_left", 3, "RUN"}});
  CHECK(run("RUN apk add --no-cache openssh-server sudo=1.9.15-r0") ==
        std::multiset<Row>{{"dockerfile.install_sudo_ssh", 3, "RUN"},
                           {"dockerfile.install_sudo_ssh", 3, "RUN"}});
  CHECK(run("RUN [\"pip\", \"install\", \"--no-cache-dir\", \"flask\"]").empty());
  CHECK(run("RUN python -m pip install flask").empty());  // not recognised: no false alarm
  CHECK(run("RUN pip3 install flask") ==
        std::multiset<Row>{{"dockerfile.package_cache_left", 3, "RUN"}});
  for (const char* mode : {"777", "0666", "o+w", "a=rwx", "u+x,o+rw"})
    CHECK(run(std::string("RUN chmod ") + mode + " /x") ==
          std::multiset<Row>{{"dockerfile.chmod_777", 3, "RUN"}});
  for (const char* mode : {"755", "0644", "u+w", "go-w", "+x", "1775"})
    CHECK(run(std::string("RUN chmod ") + mode + " /x").empty());
  // A continuation line: the finding is on the instruction's first line.
  CHECK(run("RUN set -e; \\\n    chmod 777 /data") ==
        std::multiset<Row>{{"dockerfile.chmod_777", 3, "RUN"}});
}

TEST_CASE("hardening: Dockerfile ARG, ADD, EXPOSE, HEALTHCHECK") {
  CHECK(DockerFlags("FROM a@sha256:1\nARG GITHUB_TOKEN API_URL\nARG DB_PASSWORD_FILE\nUSER 1\n") ==
        std::multiset<Row>{{"dockerfile.secret_arg", 2, "ARG GITHUB_TOKEN"}});
  CHECK(DockerFlags("FROM a@sha256:1\nADD [\"http://x.invalid/a\", \"/a\"]\nADD b /b\nUSER 1\n") ==
        std::multiset<Row>{{"dockerfile.add_url", 2, "ADD"}});
  CHECK(DockerFlags("FROM a@sha256:1\nEXPOSE 22/tcp\nHEALTHCHECK NONE\nUSER 1\n") ==
        std::multiset<Row>{{"dockerfile.expose_ssh", 2, "EXPOSE"}});
  CHECK(DockerFlags("FROM a@sha256:1 AS b\nEXPOSE 80\nFROM b\nUSER 1\n") ==
        std::multiset<Row>{{"dockerfile.no_healthcheck", 3, "FROM"}});
  CHECK(DockerFlags("FROM a@sha256:1\nEXPOSE 2222\nUSER 1\nCMD [\"x\"]\nHEALTHCHECK CMD x\n").empty());
}

TEST_CASE("hardening: compose, a hardened service gives nothing") {
  const std::string good =
      "services:\n"
      "  api:\n"
      "    image: api:1@sha256:1\n"
      "    cap_drop: [all]\n"
      "    cap_add: [CAP_NET_BIND_SERVICE]\n"
      "    read_only: true\n"
      "    security_opt: [no-new-privileges]\n"
      "    networks: {front: {}}\n"
      "    deploy: {resources: {limits: {cpus: '1', memory: 64M, pids: 50}}}\n"
      "networks: {front: {}}\n";
  CHECK(ComposeFlags(good).empty());
}

TEST_CASE("hardening: compose, each missing setting on the service's line") {
  const std::string d =
      "services:\n"
      "  api:\n"
      "    image: api:1\n"
      "    cap_drop: [ALL]\n"
      "    read_only: true\n"
      "    pids_limit:\n"  // null: missing
      "    network_mode: none\n"
      "    mem_limit: 64m\n";
  CHECK(ComposeFlags(d) == std::multiset<Row>{{"compose.no_new_privileges", 2, "services.api"},
                                              {"compose.no_pids_limit", 2, "services.api"},
                                              {"compose.no_resource_limits", 2, "services.api"}});
}

TEST_CASE("hardening: compose databases: ports and networks") {
  const std::string d =
      "x-base: &base\n"
      "  cap_drop: [ALL]\n  read_only: true\n  security_opt: ['no-new-privileges:true']\n"
      "  pids_limit: 10\n  mem_limit: 1g\n  cpus: 1\n"
      "services:\n"
      "  pg:\n"                                         // 9
      "    <<: *base\n"
      "    image: bitnami/postgresql:16\n"
      "    ports:\n"
      "      - 5432\n"                                  // 13: a random host port is published
      "      - '[::1]:5433:5432'\n"
      "      - {target: 5432, published: 5434, host_ip: 0.0.0.0}\n"  // 15
      "      - {target: 5432}\n"
      "    networks: [back, edge]\n"                    // 17
      "  web:\n"
      "    <<: *base\n"
      "    image: nginx\n"
      "    ports: ['80:80']\n"
      "    networks: [edge]\n"
      "networks:\n  back: {internal: true}\n  edge: {}\n";
  CHECK(ComposeFlags(d) ==
        std::multiset<Row>{{"compose.database_port_published", 13, "services.pg.ports"},
                           {"compose.database_port_published", 15, "services.pg.ports"},
                           {"compose.database_network_not_internal", 17, "services.pg.networks"}});
}

TEST_CASE("hardening: --checks and checks: values") {
  CHECK(ParseChecks({"secrets"}).secrets);
  CHECK_FALSE(ParseChecks({"secrets"}).hardening);
  const Checks both = ParseChecks({"secrets, hardening"});
  CHECK((both.secrets && both.hardening));
  const Checks h = ParseChecks({"hardening"});
  CHECK((!h.secrets && h.hardening));
  CHECK(ParseChecks({"all"}).hardening);
  CHECK_THROWS_AS(ParseChecks({"secret"}), ConfigError);
  CHECK_THROWS_AS(ParseChecks({}), ConfigError);
}

TEST_CASE("hardening: image checks see the final filesystem") {
  const std::string listing =
      "image shop/app:1\nuser root\n"
      "layer\n"
      "file 4755 usr/bin/passwd\nfile 2755 usr/bin/wall\nfile 4755 usr/bin/chsh\n"
      "file 0755 usr/sbin/sshd\nfile 0755 usr/bin/dpkg\nfile 0666 etc/app.conf\n"
      "dir 0777 srv/uploads\ndir 1777 tmp\ndir 1777 run/lock\nfile 0666 tmp/x\nlink etc/alt\n"
      "file 0644 var/cache/apt/archives/curl_8.deb 400000\n"
      "file 0644 var/cache/apt/archives/libcurl_8.deb 600000\n"
      "layer\n"
      "whiteout usr/bin/chsh\n"           // deleted: not reported
      "file 0755 usr/bin/wall\n"          // replaced without the bit: not reported
      "opaque srv\n"                     // srv/uploads emptied... and srv itself kept
      "whiteout var/cache/apt/archives\n";  // the cache is still in layer 1
  CHECK(ImageHits(listing) == std::multiset<std::string>{
                                  "image.root_user User",
                                  "image.setuid_binary usr/bin/passwd",
                                  "image.sshd_sudo usr/sbin/sshd",
                                  "image.world_writable etc/app.conf",
                                  "image.package_cache var/cache/apt/archives/curl_8.deb"});
}

TEST_CASE("hardening: image user, caches per layer, minimal bases") {
  CHECK(ImageHits("image a:1\nuser 1000\n").empty());
  CHECK(ImageHits("image a:1\nuser \n") == std::multiset<std::string>{"image.root_user User"});
  CHECK(ImageHits("image a:1\nuser 0:1000\n") == std::multiset<std::string>{"image.root_user User"});
  const std::string caches =
      "image a:1\nuser app\n"
      "layer\nfile 0644 root/.npm/_cacache/a 1\nfile 0644 home/dev/.cache/pip/http/b 2\n"
      "file 0644 var/lib/apt/lists/lock 0\nfile 0644 var/lib/apt/lists/partial/x 0\n"
      "layer\nfile 0644 var/cache/apk/APKINDEX.tar.gz 9\nfile 0644 home/.npm/not-a-home 1\n";
  CHECK(ImageHits(caches) == std::multiset<std::string>{
                                 "image.package_cache root/.npm/_cacache/a",
                                 "image.package_cache home/dev/.cache/pip/http/b",
                                 "image.package_cache var/cache/apk/APKINDEX.tar.gz"});
  CHECK(ImageHits("image gcr.io/distroless/base:1\nuser 1\nlayer\nfile 0755 usr/bin/dpkg\n") ==
        std::multiset<std::string>{"image.package_manager_in_minimal usr/bin/dpkg"});
  CHECK(ImageHits("image debian:12\nuser 1\nlayer\nfile 0755 usr/bin/dpkg\n").empty());
  ImageCheckInput in;
  std::vector<ImageLayerFacts> layers;
  std::string error;
  CHECK_FALSE(ParseImageListing("file 0644 x\n", &in, &layers, &error));
  CHECK(error == "line 1: 'file' before the first 'layer'");
  CHECK_FALSE(ParseImageListing("layer\nfile 9z x\n", &in, &layers, &error));
}

TEST_CASE("image layers keep paths as hashes: lookups before and after sealing, whiteouts") {
  ImageLayerFacts lower, upper;
  for (int i = 0; i < 1000; ++i) lower.paths.insert("usr/lib/file" + std::to_string(i));
  lower.paths.insert("usr/lib/file7");  // again
  CHECK(lower.paths.count("usr/lib/file999") == 1);  // linear before Seal()
  CHECK(lower.paths.count("usr/lib/file1000") == 0);
  lower.paths.Seal();
  CHECK(lower.paths.size() == 1000);
  CHECK(lower.paths.count("usr/lib/file0") == 1);
  CHECK(lower.paths.count("usr/lib/file999") == 1);
  CHECK(lower.paths.count("usr/lib/file1000") == 0);
  CHECK(lower.paths.count("usr/lib/file") == 0);
  CHECK(lower.paths.count("") == 0);
  upper.paths.insert("etc/passwd");
  upper.deleted.insert("usr/lib");
  upper.opaque.push_back("var/cache/");
  upper.paths.Seal();
  CHECK(upper.Removes("etc/passwd"));          // replaced
  CHECK(upper.Removes("usr/lib/file3"));       // under a deleted directory
  CHECK(upper.Removes("var/cache/apt/x.deb"));  // under an opaque directory
  CHECK_FALSE(upper.Removes("etc/shadow"));
  CHECK_FALSE(upper.Removes("usr/libexec/x"));
}
