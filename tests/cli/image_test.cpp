// leakhound image, end to end: real images written by tests/fixtures/images/make_images.py (OCI
// layouts, OCI archives, skopeo-made docker-archives, Docker 25 `docker save` archives), scanned
// by the real binary. The script plants fresh random fake secrets on every run and tells us only
// their fingerprints and where it put them; the tests check the report against that.
// Run alone with: build/tests/cli_tests "image:*"
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_support.hpp"

using leakhound::testing::TempDir;
using json = nlohmann::json;

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr auto& Quote = leakhound::testing::ShellQuote;

// Runs a shell command; returns its exit code, stdout and stderr.
Result Sh(const std::string& cmd) {
  const auto r = leakhound::testing::RunShellWithStderr(cmd);
  return {r.code, r.out, r.err};
}

// The fixtures, written once per test binary.
struct Fixtures {
  std::unique_ptr<TempDir> dir;
  json manifest;
  std::string error;
};

const Fixtures& GetFixtures() {
  static const Fixtures fixtures = [] {
    Fixtures f;
    f.dir = std::make_unique<TempDir>();
    const std::string script = LEAKHOUND_SOURCE_DIR "/tests/fixtures/images/make_images.py";
    auto r = Sh("python3 " + Quote(script) + " " + Quote(f.dir->path() + "/images"));
    if (r.code != 0) {
      f.error = "make_images.py exited " + std::to_string(r.code) + ": " + r.err;
      return f;
    }
    try {
      f.manifest = json::parse(r.out);
    } catch (const std::exception& e) {
      f.error = std::string("make_images.py printed no JSON manifest: ") + e.what() + "\n" + r.out;
    }
    return f;
  }();
  return fixtures;
}

const json& Fixture(const std::string& name) {
  const Fixtures& f = GetFixtures();
  INFO(f.error);
  REQUIRE(f.error.empty());
  REQUIRE(f.manifest["fixtures"].contains(name));
  return f.manifest["fixtures"][name];
}

std::vector<json> Planted(const std::string& fixture) {
  std::vector<json> out;
  for (const auto& p : GetFixtures().manifest["planted"])
    if (p["fixture"] == fixture) out.push_back(p);
  return out;
}

// One way of handing the image to `leakhound image`.
struct Variant {
  std::string kind;  // oci-dir, oci-archive, docker-archive, docker-oci-archive
  std::string path;
  const json* images;               // per platform: manifest_digest, layers[] (digest, diff_id, created_by)
  std::set<std::string> platforms;  // the platforms this variant holds
  bool docker() const { return kind.rfind("docker", 0) == 0; }
  std::string Describe(const std::string& fixture) const {
    return "fixture " + fixture + ", variant " + kind + " (" + path + ")";
  }
};

std::vector<Variant> Variants(const std::string& name) {
  const json& fx = Fixture(name);
  std::set<std::string> all;
  for (const auto& img : fx["images"]) all.insert(img["platform"].get<std::string>());
  std::vector<Variant> out{{"oci-dir", fx["oci_dir"], &fx["images"], all},
                           {"oci-archive", fx["oci_archive"], &fx["images"], all}};
  if (fx["docker_archive"].is_string()) {
    std::set<std::string> platforms;
    for (const auto& p : fx["docker_archive_platforms"]) platforms.insert(p.get<std::string>());
    out.push_back({"docker-archive", fx["docker_archive"], &fx["images"], platforms});
  } else if (!fx.contains("docker_archive_not_applicable")) {  // zstd layers, several images: by design
    WARN("fixture " << name << ": docker-archive variant NOT TESTED: "
                    << fx.value("docker_archive_skipped", std::string("not written")));
  }
  if (fx["docker_oci_archive"].is_string())
    out.push_back({"docker-oci-archive", fx["docker_oci_archive"], &fx["docker_oci_images"], all});
  return out;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool IsDigest(const std::string& s) {
  return s.size() == 71 && StartsWith(s, "sha256:") &&
         s.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
}

// The fixture manifest's record of one image of a variant: by platform, and by tag when the
// layout holds several images ("" when it does not).
const json& ImageInfo(const Variant& v, const std::string& platform, const std::string& tag) {
  for (const auto& img : *v.images)
    if (img["platform"] == platform && (tag.empty() || EndsWith(img["ref"].get<std::string>(), ":" + tag)))
      return img;
  FAIL("no image for platform " << platform << " tag '" << tag << "' in the fixture manifest");
  throw std::logic_error("unreachable");
}

// The digest a location's layer_digest must carry: the blob as stored in this variant (OCI: the
// compressed blob; docker archives store uncompressed tars, whose digest is the diff_id).
std::string ExpectedLayerDigest(const Variant& v, const json& image, int layer) {
  const json& l = image["layers"].at(layer - 1);
  return v.kind == "docker-archive" ? l["diff_id"].get<std::string>() : l["digest"].get<std::string>();
}

struct Scan {
  int code = -1;
  json report;
  std::string out, err;
};

Scan RunImage(const std::string& path, const std::string& args, const std::string& format = "json") {
  // The secrets checks only: the hardening checks (on by default for images) have their own
  // tests (hardening_test.cpp).
  auto r = Sh(Quote(LEAKHOUND_BINARY) + " image " + Quote(path) + " --checks secrets " + args +
              " --format " + format);
  Scan s{r.code, json(), r.out, r.err};
  if (format == "json") {
    try {
      s.report = json::parse(r.out);
    } catch (const std::exception&) {
      s.report = json();
    }
  }
  return s;
}

// Scans and requires a parseable JSON report; the failure message shows what the binary said.
Scan ImageJson(const std::string& path, const std::string& args = "") {
  Scan s = RunImage(path, args);
  INFO("leakhound image " << path << " " << args << " --format json\nexit " << s.code << "\nstderr: "
                          << s.err << "\nstdout: " << s.out.substr(0, 4000));
  REQUIRE(s.report.is_object());
  REQUIRE(s.report["findings"].is_array());
  REQUIRE(s.report["summary"].is_object());
  return s;
}

std::vector<const json*> FindingsWith(const json& report, const std::string& fingerprint) {
  std::vector<const json*> out;
  for (const auto& f : report["findings"])
    if (f["fingerprint"] == fingerprint) out.push_back(&f);
  return out;
}

std::string Attr(const json& loc, const std::string& key) {
  if (!loc.contains("attributes") || !loc["attributes"].contains(key)) return "<absent>";
  const json& v = loc["attributes"][key];
  return v.is_string() ? v.get<std::string>() : "<not a string: " + v.dump() + ">";
}

// Shape of every location of an image report (whatever was planted).
void CheckLocationShapes(const json& report, const std::string& what) {
  for (const auto& f : report["findings"]) {
    for (const auto& l : f["locations"]) {
      INFO(what << ": finding " << f["rule_id"] << " location " << l.dump());
      const std::string source = l.value("source", "");
      CHECK((source == "image" || source == "image-config"));
      const std::string path = l.value("path", "");
      CHECK(!path.empty());
      CHECK(!StartsWith(path, "/"));
      CHECK(!StartsWith(path, "./"));
      CHECK(l["line"].is_number_integer());
      REQUIRE(l["attributes"].is_object());
      for (const auto& [k, v] : l["attributes"].items()) {
        INFO("attribute " << k);
        CHECK(v.is_string());
      }
      CHECK(Attr(l, "image") != "<absent>");
      CHECK(IsDigest(Attr(l, "image_digest")));
      CHECK(Attr(l, "platform").find('/') != std::string::npos);
      if (source == "image") {
        CHECK(!Attr(l, "layer").empty());
        CHECK(Attr(l, "layer").find_first_not_of("0123456789") == std::string::npos);
        CHECK(IsDigest(Attr(l, "layer_digest")));
        CHECK(Attr(l, "created_by") != "<absent>");
        const std::string visible = Attr(l, "visible");
        CHECK((visible == "true" || visible == "false"));
        if (visible == "false") {
          CHECK(Attr(l, "removed_in_layer") != "<absent>");
        } else {
          CHECK(Attr(l, "removed_in_layer") == "<absent>");
        }
      }
      if (source == "image-config") {
        const bool known = path == "Cmd" || path == "Entrypoint" || path == "Healthcheck" ||
                           StartsWith(path, "Env[") || StartsWith(path, "Labels[") ||
                           StartsWith(path, "history[");
        CHECK(known);
      }
    }
  }
}

// What one scan covered.
struct Scope {
  std::set<std::string> platforms;  // the platforms scanned
  std::set<std::string> tags;       // several images in one layout: the tags scanned (empty: all)
  bool nested = true;               // nested archives opened
  std::string image_ref;            // when set: the exact "image" attribute of every location
};

Scope All(const Variant& v) { return Scope{v.platforms, {}, true, ""}; }

// Checks every secret the script planted in `fixture` against the report of one variant.
//   expect "found" / "found-nested" (in scope): one finding, with exactly the planted locations
//   expect "absent", or out of scope: no finding with that fingerprint
void CheckPlanted(const json& report, const std::string& fixture, const Variant& v, const Scope& scope) {
  const auto planted = Planted(fixture);
  REQUIRE(!planted.empty());
  // fingerprint -> the planted locations the scan must report
  std::map<std::string, std::vector<json>> wanted;
  std::map<std::string, std::string> rule_of;
  std::set<std::string> absent;
  for (const auto& p : planted) {
    const std::string fp = p["fingerprint"];
    const std::string expect = p["expect"];
    const std::string tag = p.value("image_tag", "");
    const bool in_scope = scope.platforms.count(p["platform"].get<std::string>()) > 0 &&
                          (scope.tags.empty() || tag.empty() || scope.tags.count(tag) > 0);
    if (in_scope && (expect == "found" || (expect == "found-nested" && scope.nested))) {
      wanted[fp].push_back(p);
      rule_of[fp] = p["rule_id"];
    } else {
      absent.insert(fp);
    }
  }
  for (const auto& [fp, _] : wanted) absent.erase(fp);  // e.g. a token shared by two platforms

  for (const auto& fp : absent) {
    std::ostringstream where;
    for (const auto& p : planted) {
      if (p["fingerprint"] != fp) continue;
      where << " " << p["rule_id"].get<std::string>() << " at " << p["path"].get<std::string>() << " ("
            << p["platform"].get<std::string>() << ", expect " << p["expect"].get<std::string>();
      if (p.contains("image_tag")) where << ", image tag " << p["image_tag"].get<std::string>();
      if (p.contains("note")) where << ": " << p["note"].get<std::string>();
      where << ")";
    }
    auto found = FindingsWith(report, fp);
    INFO(v.Describe(fixture) << ": expected NO finding with fingerprint " << fp << " -" << where.str()
                             << (found.empty() ? "" : "\nbut got: " + found[0]->dump(1)));
    CHECK(found.empty());
  }

  for (const auto& [fp, locs] : wanted) {
    const std::string what = v.Describe(fixture) + ": " + rule_of[fp] + " (fingerprint " + fp + ") planted at " +
                             locs[0]["path"].get<std::string>();
    auto found = FindingsWith(report, fp);
    {
      INFO(what << ": expected exactly one finding with this fingerprint, got " << found.size());
      CHECK(found.size() == 1);
    }
    if (found.empty()) continue;
    const json& f = *found[0];
    {
      INFO(what << ": rule_id");
      CHECK(f["rule_id"] == rule_of[fp]);
    }
    {
      INFO(what << ": expected " << locs.size() << " locations, got " << f["locations"].size() << ": "
                << f["locations"].dump(1));
      CHECK(f["locations"].size() == locs.size());
    }
    for (const auto& p : locs) {
      const std::string source = p["source"], path = p["path"], platform = p["platform"];
      const std::string tag = p.value("image_tag", "");
      const int layer = p.value("layer", 0);
      std::ostringstream where;
      where << what << ": location source " << source << ", path " << path << ", platform " << platform;
      if (layer) where << ", layer " << layer;
      if (!tag.empty()) where << ", in the image tagged " << tag;
      const json* loc = nullptr;
      for (const auto& l : f["locations"])
        if (l.value("source", "") == source && l.value("path", "") == path && Attr(l, "platform") == platform &&
            (!layer || Attr(l, "layer") == std::to_string(layer)) && (tag.empty() || EndsWith(Attr(l, "image"), tag)))
          loc = &l;
      if (!loc) {
        FAIL_CHECK(where.str() << ": no such location; the finding's locations are "
                               << f["locations"].dump(1));
        continue;
      }
      INFO(where.str() << "; actual location: " << loc->dump(1));
      const json& image = ImageInfo(v, platform, tag);
      {
        const std::string ref = image["ref"];
        const std::string actual = Attr(*loc, "image");
        if (!scope.image_ref.empty()) {
          INFO("attribute image: \"" << scope.image_ref << "\"");
          CHECK(actual == scope.image_ref);
        } else if (v.kind == "docker-archive") {
          INFO("attribute image: the RepoTag, docker.io/example/" << fixture << ":latest");
          CHECK(EndsWith(actual, "example/" + fixture + ":latest"));
        } else if (v.kind == "docker-oci-archive") {
          INFO("attribute image: the image's name (" << ref << ") or its tag");
          CHECK(EndsWith(actual, ref.substr(ref.rfind(':') + 1)));
        } else {
          INFO("attribute image: the index.json ref name \"" << ref << "\"");
          CHECK(actual == ref);
        }
      }
      {
        INFO("attribute image_digest: the manifest's digest "
             << (v.docker() ? "(any sha256: digest for docker archives)" : image["manifest_digest"].dump()));
        if (v.kind == "oci-dir" || v.kind == "oci-archive") {
          CHECK(Attr(*loc, "image_digest") == image["manifest_digest"].get<std::string>());
        } else {
          CHECK(IsDigest(Attr(*loc, "image_digest")));
        }
      }
      {
        INFO("attribute platform");
        CHECK(Attr(*loc, "platform") == platform);
      }
      if (source == "image") {
        {
          INFO("line " << p["line"]);
          CHECK(loc->value("line", 0) == p["line"].get<int>());
        }
        {
          INFO("attribute layer_digest: " << ExpectedLayerDigest(v, image, layer));
          CHECK(Attr(*loc, "layer_digest") == ExpectedLayerDigest(v, image, layer));
        }
        {
          const std::string expected = image["layers"].at(layer - 1)["created_by"];
          const std::string actual = Attr(*loc, "created_by");
          INFO("attribute created_by: the history step of layer " << layer << " (possibly truncated, redacted)");
          CHECK(actual != "<absent>");
          CHECK(!actual.empty());
          if (expected.find('=') == std::string::npos) {  // nothing to redact: a prefix of the step
            const size_t n = std::min<size_t>(16, expected.size());
            CHECK(actual.substr(0, n) == expected.substr(0, n));
          }
        }
        {
          const bool visible = p["visible"].get<bool>();
          INFO("attribute visible: " << (visible ? "true" : "false"));
          CHECK(Attr(*loc, "visible") == (visible ? "true" : "false"));
          if (visible) {
            INFO("attribute removed_in_layer: absent for a visible file");
            CHECK(Attr(*loc, "removed_in_layer") == "<absent>");
          } else {
            INFO("attribute removed_in_layer: " << p["removed_in_layer"]);
            CHECK(Attr(*loc, "removed_in_layer") == std::to_string(p["removed_in_layer"].get<int>()));
          }
        }
      }
    }
  }
}

void CheckComplete(const Scan& s, const std::string& what, int expected_code) {
  INFO(what << ": expected exit " << expected_code << ", a complete scan and no errors; stderr: " << s.err
            << "\nsummary: " << s.report["summary"].dump(1));
  CHECK(s.code == expected_code);
  CHECK(s.report["summary"]["complete"] == true);
  CHECK(s.report["summary"]["errors"].empty());
}

std::set<std::string> LocationPaths(const json& report) {
  std::set<std::string> out;
  for (const auto& f : report["findings"])
    for (const auto& l : f["locations"]) out.insert(l.value("path", ""));
  return out;
}

// Every secret value of a report made with --show-secrets.
std::vector<std::string> SecretsOf(const json& report) {
  std::vector<std::string> out;
  for (const auto& f : report["findings"]) out.push_back(f.value("secret", ""));
  return out;
}

}  // namespace

TEST_CASE("image: the fixture script writes every fixture and reports what it planted") {
  const Fixtures& f = GetFixtures();
  INFO(f.error);
  REQUIRE(f.error.empty());
  for (const char* name : {"whiteout", "opaque", "zstd", "multiarch", "nested", "corrupt", "lowsev", "tworefs"}) {
    INFO("fixture " << name);
    const json& fx = Fixture(name);
    CHECK(std::filesystem::exists(fx["oci_dir"].get<std::string>() + "/index.json"));
    CHECK(std::filesystem::exists(fx["oci_dir"].get<std::string>() + "/oci-layout"));
    CHECK(std::filesystem::exists(fx["oci_archive"].get<std::string>()));
    CHECK(!Planted(name).empty());
  }
  if (!f.manifest["skopeo"].get<bool>())
    WARN("skopeo is not installed: the docker-archive variants are not tested");
  // The manifest never carries a secret value: only fingerprints.
  for (const auto& p : f.manifest["planted"]) {
    CHECK(p["fingerprint"].get<std::string>().size() == 32);
    CHECK(!p.contains("secret"));
  }
}

TEST_CASE("image: whiteout fixture: deleted files, config Env, build args and history, skipped entries") {
  const std::string name = "whiteout";
  const json& fx = Fixture(name);
  for (const auto& v : Variants(name)) {
    const std::string what = v.Describe(name);
    auto s = ImageJson(v.path);
    CheckComplete(s, what, 1);
    CheckLocationShapes(s.report, what);
    CheckPlanted(s.report, name, v, All(v));
    const auto paths = LocationPaths(s.report);
    for (const auto& link : fx["symlinks"]) {
      INFO(what << ": symlink " << link << " must be skipped, not scanned or followed");
      CHECK(paths.count(link.get<std::string>()) == 0);
    }
    for (const auto& dev : fx["devices"]) {
      INFO(what << ": device " << dev << " must be skipped");
      CHECK(paths.count(dev.get<std::string>()) == 0);
    }
    for (const auto& clean : fx["clean_config_paths"]) {
      INFO(what << ": " << clean << " (PATH=/usr/bin, the maintainer label, Cmd) holds no secret");
      CHECK(paths.count(clean.get<std::string>()) == 0);
    }
    const json& skipped = s.report["summary"]["skipped"];
    INFO(what << ": summary.skipped " << skipped.dump());
    {
      INFO("expected skipped.symlinks >= " << fx["symlinks"].size());
      CHECK(skipped.value("symlinks", 0) >= static_cast<int>(fx["symlinks"].size()));
    }
    {
      INFO("expected skipped.special_files >= " << fx["devices"].size() << " (character devices)");
      CHECK(skipped.value("special_files", 0) >= static_cast<int>(fx["devices"].size()));
    }
    {
      INFO("expected skipped.binary >= 1 (usr/lib/libhello.so.1, with a token inside)");
      CHECK(skipped.value("binary", 0) >= 1);
    }
    // The build-arg layer's created_by is reported, but without the values it carried.
    const auto secrets = SecretsOf(ImageJson(v.path, "--show-secrets").report);
    const std::string build_arg_layer = std::to_string(fx["build_arg_layer"].get<int>());
    bool seen = false;
    for (const auto& f : s.report["findings"])
      for (const auto& l : f["locations"])
        if (l.value("source", "") == "image") {
          seen = seen || Attr(l, "layer") == build_arg_layer;
          for (const auto& secret : secrets) {
            INFO(what << ": created_by of layer " << Attr(l, "layer") << " must not contain a secret value ("
                      << secret.substr(0, 4) << "..., " << secret.size() << " characters)");
            CHECK(Attr(l, "created_by").find(secret) == std::string::npos);
          }
        }
    INFO(what << ": a location in layer " << build_arg_layer << " (app/config.py) carries the build-arg created_by");
    CHECK(seen);
  }
}

TEST_CASE("image: opaque whiteout hides the directory's earlier files") {
  const std::string name = "opaque";
  for (const auto& v : Variants(name)) {
    auto s = ImageJson(v.path);
    CheckComplete(s, v.Describe(name), 1);
    CheckLocationShapes(s.report, v.Describe(name));
    CheckPlanted(s.report, name, v, All(v));
    INFO(v.Describe(name) << ": data/new.txt and the .wh..wh..opq marker hold nothing");
    const auto paths = LocationPaths(s.report);
    CHECK(paths.count("data/new.txt") == 0);
    CHECK(paths.count("data/.wh..wh..opq") == 0);
  }
}

TEST_CASE("image: zstd layers; the same content in two layers is one finding with two locations") {
  const std::string name = "zstd";
  for (const auto& v : Variants(name)) {
    auto s = ImageJson(v.path);
    CheckComplete(s, v.Describe(name), 1);
    CheckLocationShapes(s.report, v.Describe(name));
    CheckPlanted(s.report, name, v, All(v));  // srv/token.txt: one finding, layers 1 and 2
  }
}

TEST_CASE("image: multi-platform index: every platform by default, --platform selects one") {
  const std::string name = "multiarch";
  for (const auto& v : Variants(name)) {
    const std::string what = v.Describe(name);
    auto all = ImageJson(v.path);
    CheckComplete(all, what, 1);
    CheckLocationShapes(all.report, what);
    // etc/shared.conf holds the same token in both images: one finding, one location per platform.
    CheckPlanted(all.report, name, v, All(v));
    if (v.docker()) continue;  // one platform only
    // The attribute names the variant ("linux/arm64/v8", as docker does); --platform without a
    // variant selects any variant of that os/arch.
    for (const auto& [flag, platform] :
         std::vector<std::pair<std::string, std::string>>{{"linux/arm64", "linux/arm64/v8"},
                                                          {"linux/arm64/v8", "linux/arm64/v8"},
                                                          {"linux/amd64", "linux/amd64"}}) {
      const std::string what_p = what + " --platform " + flag;
      auto one = ImageJson(v.path, "--platform " + flag);
      CheckComplete(one, what_p, 1);
      CheckPlanted(one.report, name, v, Scope{{platform}, {}, true, ""});
      for (const auto& f : one.report["findings"])
        for (const auto& l : f["locations"]) {
          INFO(what_p << ": every location's platform attribute is " << platform << ": " << l.dump());
          CHECK(Attr(l, "platform") == platform);
        }
    }
  }
}

TEST_CASE("image: archives inside layers are opened; --max-archive-depth 0 keeps them closed") {
  const std::string name = "nested";
  for (const auto& v : Variants(name)) {
    auto s = ImageJson(v.path);
    CheckComplete(s, v.Describe(name), 1);
    CheckLocationShapes(s.report, v.Describe(name));
    CheckPlanted(s.report, name, v, All(v));
    auto shallow = ImageJson(v.path, "--max-archive-depth 0");
    INFO(v.Describe(name) << " --max-archive-depth 0: nested archives unopened, their tokens not found; "
                          << "stderr: " << shallow.err);
    CHECK(shallow.code != 2);
    CHECK(shallow.report["summary"]["complete"] == true);
    CheckPlanted(shallow.report, name, v, Scope{v.platforms, {}, /*nested=*/false, ""});
  }
}

TEST_CASE("image: a truncated layer makes the scan incomplete (exit 2); the other layers are scanned") {
  const std::string name = "corrupt";
  const json& fx = Fixture(name);
  const int broken = fx["broken_layer"];
  for (const auto& v : Variants(name)) {
    const std::string what = v.Describe(name);
    INFO((v.kind == "docker-archive" ? fx.value("docker_archive_note", "") : ""));
    auto s = ImageJson(v.path);
    const json& summary = s.report["summary"];
    {
      INFO(what << ": expected exit 2 and summary.complete false; got exit " << s.code << ", summary "
                << summary.dump(1) << "\nstderr: " << s.err);
      CHECK(s.code == 2);
      CHECK(summary["complete"] == false);
    }
    const json& layer = fx["images"][0]["layers"].at(broken - 1);
    const std::string digest = layer["digest"], diff_id = layer["diff_id"];
    bool named = false;
    for (const auto& e : summary["errors"]) {
      const std::string text = e.value("path", "") + " " + e.value("message", "");
      named = named || text.find("layer " + std::to_string(broken)) != std::string::npos ||
              text.find(digest.substr(7)) != std::string::npos || text.find(diff_id.substr(7)) != std::string::npos;
    }
    {
      INFO(what << ": expected summary.errors to name layer " << broken << " (\"layer " << broken << "\" or its digest "
                << digest << (v.docker() ? " / " + diff_id : "") << "); errors: " << summary["errors"].dump(1));
      CHECK(named);
    }
    CheckLocationShapes(s.report, what);
    CheckPlanted(s.report, name, v, All(v));
  }
}

TEST_CASE("image: no secret value in the default human, json and sarif outputs") {
  for (const std::string name : {"whiteout", "nested", "multiarch", "zstd", "tworefs"}) {
    for (const auto& v : Variants(name)) {
      const std::string what = v.Describe(name);
      auto shown = ImageJson(v.path, "--show-secrets");
      const auto secrets = SecretsOf(shown.report);
      {
        INFO(what << " --show-secrets: every planted secret that must be found is shown in full");
        std::map<std::string, size_t> length;
        for (const auto& p : Planted(name))
          if (StartsWith(p["expect"].get<std::string>(), "found") && v.platforms.count(p["platform"].get<std::string>()))
            length[p["fingerprint"]] = p["secret_length"];
        for (const auto& [fp, n] : length) {
          auto found = FindingsWith(shown.report, fp);
          INFO("fingerprint " << fp << ", " << n << " characters");
          REQUIRE(found.size() == 1);
          CHECK(found[0]->value("secret", "").size() == n);
        }
      }
      for (const std::string format : {"human", "json", "sarif"}) {
        auto hidden = RunImage(v.path, "", format);
        INFO(what << " --format " << format << ": exit 1 and no secret value in stdout or stderr");
        CHECK(hidden.code == 1);
        CHECK(!hidden.out.empty());
        for (const auto& secret : secrets) {
          REQUIRE(secret.size() >= 8);
          INFO("a secret of " << secret.size() << " characters starting " << secret.substr(0, 4));
          CHECK(hidden.out.find(secret) == std::string::npos);
          CHECK(hidden.err.find(secret) == std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("image: --fail-on critical with only lower-severity findings exits 0") {
  for (const auto& v : Variants("lowsev")) {
    const std::string what = v.Describe("lowsev");
    auto s = ImageJson(v.path);
    CheckComplete(s, what, 1);
    CheckPlanted(s.report, "lowsev", v, All(v));
    for (const auto& f : s.report["findings"]) {
      INFO(what << ": finding " << f["rule_id"] << " severity " << f["severity"] << " (expected below critical)");
      CHECK(f["severity"] != "critical");
    }
    auto crit = RunImage(v.path, "--fail-on critical");
    INFO(what << " --fail-on critical: expected exit 0, got " << crit.code << "; stderr " << crit.err);
    CHECK(crit.code == 0);
  }
  // With a critical finding, --fail-on critical still fails.
  auto whiteout = RunImage(Fixture("whiteout")["oci_dir"], "--fail-on critical");
  INFO("whiteout --fail-on critical: expected exit 1 (github.pat is critical), got " << whiteout.code);
  CHECK(whiteout.code == 1);
}

TEST_CASE("image: several images in one layout; --image-ref selects one (name:tag or :tag)") {
  const std::string name = "tworefs";
  for (const auto& v : Variants(name)) {
    const std::string what = v.Describe(name);
    // By default every image: etc/shared.conf is one finding with a location in each image.
    auto all = ImageJson(v.path);
    CheckComplete(all, what, 1);
    CheckLocationShapes(all.report, what);
    CheckPlanted(all.report, name, v, All(v));
    // name:tag, as written in the layout (OCI ref name) or the docker RepoTag.
    const std::string v1 = v.docker() ? "example/tworefs:v1" : "example.invalid/tworefs:v1";
    auto one = ImageJson(v.path, "--image-ref " + v1);
    CheckComplete(one, what + " --image-ref " + v1, 1);
    CheckPlanted(one.report, name, v, Scope{v.platforms, {"v1"}, true, ""});
    // :tag
    auto two = ImageJson(v.path, "--image-ref :v2");
    CheckComplete(two, what + " --image-ref :v2", 1);
    CheckPlanted(two.report, name, v, Scope{v.platforms, {"v2"}, true, ""});
    // A reference that names no image: nothing was scanned, an error.
    auto none = RunImage(v.path, "--image-ref :no-such-tag");
    INFO(what << " --image-ref :no-such-tag: expected exit 2, got " << none.code << "; stderr " << none.err);
    CHECK(none.code == 2);
  }
}

TEST_CASE("image: --image-ref :latest selects the image tagged latest, whatever the archive kind") {
  const std::string name = "whiteout";
  for (const auto& v : Variants(name)) {
    auto s = ImageJson(v.path, "--image-ref :latest");
    CheckComplete(s, v.Describe(name) + " --image-ref :latest (index.json ref name / RepoTag tag \"latest\")", 1);
    if (s.code == 1) CheckPlanted(s.report, name, v, All(v));
  }
}

TEST_CASE("image: without a ref name, the image attribute is the manifest digest") {
  const json& fx = Fixture("whiteout");
  TempDir dir;
  const std::string copy = dir.path() + "/unnamed";
  std::filesystem::copy(fx["oci_dir"].get<std::string>(), copy, std::filesystem::copy_options::recursive);
  json index = json::parse(ReadFile(copy + "/index.json"));
  for (auto& m : index["manifests"]) m.erase("annotations");
  std::ofstream(copy + "/index.json", std::ios::trunc) << index.dump();
  auto s = ImageJson(copy);
  const std::string digest = fx["images"][0]["manifest_digest"];
  CheckComplete(s, "whiteout without a ref name", 1);
  REQUIRE(!s.report["findings"].empty());
  for (const auto& f : s.report["findings"])
    for (const auto& l : f["locations"]) {
      INFO("whiteout without a ref name: attribute image is the manifest digest " << digest << ": " << l.dump());
      CHECK(Attr(l, "image") == digest);
    }
}

TEST_CASE("image: a missing path or a directory that is not an image is an error (exit 2)") {
  TempDir dir;
  dir.Write("notes.txt", "not an image\n");
  auto missing = RunImage(dir.path() + "/no-such-image", "");
  INFO("missing path: exit " << missing.code << ", stderr " << missing.err);
  CHECK(missing.code == 2);
  CHECK(!missing.err.empty());
  auto plain = RunImage(dir.path(), "");
  INFO("plain directory: exit " << plain.code << ", stderr " << plain.err);
  CHECK(plain.code == 2);
  auto tar = Sh("tar -C " + Quote(dir.path()) + " -cf " + Quote(dir.path() + "/plain.tar") + " notes.txt");
  REQUIRE(tar.code == 0);
  auto plain_tar = RunImage(dir.path() + "/plain.tar", "");
  INFO("a tar that is no image: exit " << plain_tar.code << ", stderr " << plain_tar.err);
  CHECK(plain_tar.code == 2);
}

TEST_CASE("image: a nested archive that expands past --max-archive-bytes is cut short with a warning") {
  const std::string name = "bomb";
  for (const auto& v : Variants(name)) {
    const std::string what = v.Describe(name);
    // Under the default cap everything is read, the token inside the zip included.
    auto full = ImageJson(v.path);
    CheckComplete(full, what, 1);
    CheckPlanted(full.report, name, v, All(v));
    // With a 4 MiB cap the zip's tail (after 8 MiB of zeros) is skipped, with a warning, and the
    // scan goes on: the file after the zip is still found, and the scan counts as complete.
    auto capped = ImageJson(v.path, "--max-archive-bytes 4MB");
    INFO(what << " --max-archive-bytes 4MB: stderr " << capped.err);
    CHECK(capped.code == 1);
    CHECK(capped.report["summary"]["complete"] == true);
    bool warned = false;
    for (const auto& w : capped.report["summary"]["warnings"])
      warned = warned || (w["path"].get<std::string>().find("app/bomb.zip") != std::string::npos &&
                          w["message"].get<std::string>().find("--max-archive-bytes") != std::string::npos);
    CHECK(warned);
    CheckPlanted(capped.report, name, v, Scope{v.platforms, {}, /*nested=*/false, ""});
  }
}
