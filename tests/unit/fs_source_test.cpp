#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "leakhound/source.hpp"
#include "config/glob.hpp"
#include "test_support.hpp"

using namespace leakhound;

namespace {
struct CollectingSink : BlobSink {
  std::vector<std::string> paths;
  std::vector<std::pair<SkipReason, std::string>> skipped;
  std::vector<std::string> errors;
  std::vector<BlobInput> inputs;
  void Push(BlobInput blob) override {
    paths.push_back(blob.origin.path);
    inputs.push_back(std::move(blob));
  }
  void Skipped(SkipReason r, const std::string& p) override { skipped.emplace_back(r, p); }
  void Error(const std::string& p, const std::string& m) override { errors.push_back(p + ": " + m); }
};
}  // namespace

TEST_CASE("FsSource walks files in order, skipping .git, symlinks, FIFOs and excludes") {
  testing::TempDir dir;
  dir.Write("b.txt", "b");
  dir.Write("a/one.py", "1");
  dir.Write("a/two.min.js", "2");
  dir.Write(".git/config", "x");
  dir.Write("vendor/lib.c", "v");
  REQUIRE(::symlink("b.txt", (dir.path() + "/link").c_str()) == 0);
  REQUIRE(::mkfifo((dir.path() + "/pipe").c_str(), 0600) == 0);
  PathMatcher exclude({"*.min.js", "vendor/"});
  FsOptions options;
  options.exclude = &exclude;
  FsSource source(dir.path(), options);
  CollectingSink sink;
  source.Enumerate(sink);
  CHECK(sink.paths == std::vector<std::string>{dir.path() + "/a/one.py", dir.path() + "/b.txt"});
  CHECK(sink.errors.empty());
  CHECK(sink.skipped.size() == 4);  // two.min.js, vendor/, link, pipe
}

TEST_CASE("FsSource follows symlinks when asked, and stops at loops") {
  testing::TempDir dir;
  dir.Write("real/file.txt", "x");
  REQUIRE(::symlink("real", (dir.path() + "/alias").c_str()) == 0);
  REQUIRE(::symlink("..", (dir.path() + "/real/up").c_str()) == 0);
  FsOptions options;
  options.follow_symlinks = true;
  FsSource source(dir.path(), options);
  CollectingSink sink;
  source.Enumerate(sink);
  CHECK(std::count(sink.paths.begin(), sink.paths.end(), dir.path() + "/real/file.txt") == 1);
  CHECK(std::count(sink.paths.begin(), sink.paths.end(), dir.path() + "/alias/file.txt") == 1);
  CHECK_FALSE(sink.errors.empty());  // the loops are reported, not followed forever
  for (const auto& e : sink.errors) CHECK(e.find("symlink loop") != std::string::npos);
}

TEST_CASE("FsSource reports a missing root and scans a single file root") {
  testing::TempDir dir;
  CollectingSink sink;
  FsSource(dir.path() + "/nope", FsOptions{}).Enumerate(sink);
  REQUIRE(sink.errors.size() == 1);
  CHECK(sink.errors[0].find("/nope: No such file") != std::string::npos);
  const std::string file = dir.Write("one.txt", "x");
  CollectingSink sink2;
  FsSource(file, FsOptions{}).Enumerate(sink2);
  CHECK(sink2.paths == std::vector<std::string>{file});
}

namespace {
// The resolver FsSource hands out with the file at `rel` under `root`.
std::shared_ptr<const ReferenceResolver> ResolverFor(const std::string& root, const std::string& rel,
                                                     FsOptions options = {}) {
  FsSource source(root, options);
  CollectingSink sink;
  source.Enumerate(sink);
  for (auto& in : sink.inputs)
    if (in.origin.path == root + "/" + rel) return in.resolver;
  return nullptr;
}
FollowUpRef EnvFile(const std::string& path) { return {FollowUpRef::Reason::kEnvFile, path}; }
constexpr uint64_t kNoCap = ~0ull;
}  // namespace

TEST_CASE("FsSource resolves a follow-up reference next to the referring file, inside its root") {
  testing::TempDir dir;
  const std::string root = dir.path() + "/proj";
  dir.Write("proj/app/compose.yaml", "services: {}\n");
  dir.Write("proj/app/config/web.vars", "A=1\n");
  dir.Write("proj/shared.vars", "B=2\n");
  auto resolver = ResolverFor(root, "app/compose.yaml");
  REQUIRE(resolver);
  Origin from;
  from.path = root + "/app/compose.yaml";

  ResolvedRef r = resolver->Resolve(from, EnvFile("config/web.vars"), kNoCap);
  CHECK(r.status == ResolveStatus::kRead);
  CHECK(r.origin.source == "file");
  CHECK(r.origin.path == root + "/app/config/web.vars");
  CHECK(r.data == "A=1\n");
  // Up a directory is fine while it stays inside the root.
  CHECK(resolver->Resolve(from, EnvFile("../shared.vars"), kNoCap).status == ResolveStatus::kRead);

  SECTION("a reference outside the root is not read") {
    dir.Write("outside.vars", "C=3\n");
    ResolvedRef out = resolver->Resolve(from, EnvFile("../../outside.vars"), kNoCap);
    CHECK(out.status == ResolveStatus::kOutsideRoot);
    CHECK(out.data.empty());
    // Absolute references are not followed at all.
    CHECK(resolver->Resolve(from, EnvFile(dir.path() + "/outside.vars"), kNoCap).status ==
          ResolveStatus::kNotFollowed);
  }
  SECTION("a symlink inside the root that points out of it is not read") {
    dir.Write("outside.vars", "C=3\n");
    REQUIRE(::symlink((dir.path() + "/outside.vars").c_str(),
                      (root + "/app/config/link.vars").c_str()) == 0);
    REQUIRE(::symlink(dir.path().c_str(), (root + "/app/up").c_str()) == 0);
    CHECK(resolver->Resolve(from, EnvFile("config/link.vars"), kNoCap).status ==
          ResolveStatus::kOutsideRoot);
    CHECK(resolver->Resolve(from, EnvFile("up/outside.vars"), kNoCap).status ==
          ResolveStatus::kOutsideRoot);
    // One that stays inside is read, as the file it names.
    REQUIRE(::symlink("web.vars", (root + "/app/config/alias.vars").c_str()) == 0);
    CHECK(resolver->Resolve(from, EnvFile("config/alias.vars"), kNoCap).data == "A=1\n");
  }
  SECTION("a file over the size cap is not read: the source's cap and the caller's") {
    dir.Write("proj/app/big.vars", std::string(100, 'x'));
    CHECK(resolver->Resolve(from, EnvFile("big.vars"), 99).status == ResolveStatus::kTooLarge);
    CHECK(resolver->Resolve(from, EnvFile("big.vars"), 100).status == ResolveStatus::kRead);
    FsOptions small;
    small.max_file_size = 50;
    auto capped = ResolverFor(root, "app/compose.yaml", small);
    REQUIRE(capped);
    CHECK(capped->Resolve(from, EnvFile("big.vars"), kNoCap).status == ResolveStatus::kTooLarge);
  }
  SECTION("a missing file, a directory and a FIFO are not read, and are not errors") {
    ResolvedRef missing = resolver->Resolve(from, EnvFile("config/missing.vars"), kNoCap);
    CHECK(missing.status == ResolveStatus::kNotFound);
    CHECK(missing.error.empty());
    CHECK(resolver->Resolve(from, EnvFile("config"), kNoCap).status == ResolveStatus::kNotRegular);
    REQUIRE(::mkfifo((root + "/app/pipe.vars").c_str(), 0600) == 0);
    CHECK(resolver->Resolve(from, EnvFile("pipe.vars"), kNoCap).status == ResolveStatus::kNotRegular);
  }
  SECTION("only file origins are followed") {
    Origin image = from;
    image.source = "image";
    CHECK(resolver->Resolve(image, EnvFile("config/web.vars"), kNoCap).status ==
          ResolveStatus::kNotFollowed);
  }
}

TEST_CASE("FsSource with a single file root follows no reference") {
  testing::TempDir dir;
  const std::string file = dir.Write("compose.yaml", "services: {}\n");
  dir.Write("web.vars", "A=1\n");
  FsSource source(file, FsOptions{});
  CollectingSink sink;
  source.Enumerate(sink);
  REQUIRE(sink.inputs.size() == 1);
  REQUIRE(sink.inputs[0].resolver);
  CHECK(sink.inputs[0].resolver->Resolve(sink.inputs[0].origin, EnvFile("web.vars"), kNoCap).status ==
        ResolveStatus::kOutsideRoot);
}
