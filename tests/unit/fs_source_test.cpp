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
  void Push(BlobInput blob) override { paths.push_back(blob.origin.path); }
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
