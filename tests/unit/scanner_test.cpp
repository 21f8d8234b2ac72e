#include <fcntl.h>
#include <unistd.h>

#include <set>

#include <catch2/catch.hpp>

#include "engine_rules.hpp"
#include "scan/blob_scanner.hpp"
#include "config/config.hpp"
#include "test_support.hpp"

using namespace leakhound;
using leakhound::testing::FakeSecrets;

namespace {

const RuleSet& EngineRules() {
  static auto set = testing::RulesFromYaml(kEngineRulesYaml);
  return *set;
}

std::vector<Match> ScanText(const std::string& text, BlobScanOptions options = {}) {
  BlobScanner scanner(EngineRules(), options);
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(text, &result, &error));
  return result.matches;
}

std::string RuleId(const Match& m) { return EngineRules().rule(m.rule).id; }

// Scans `text` from a file with tiny chunks, to exercise the chunked path.
BlobScanResult ScanChunked(const std::string& text, uint64_t chunk, uint64_t overlap) {
  testing::TempDir dir;
  const std::string path = dir.Write("blob", text);
  BlobScanOptions options;
  options.chunk_bytes = chunk;
  options.chunk_overlap = overlap;
  BlobScanner scanner(EngineRules(), options);
  BlobScanResult result;
  std::string error;
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  auto status = scanner.ScanFile(fd, text.size(), true, &result, &error);
  ::close(fd);
  REQUIRE(status == BlobScanner::FileStatus::kScanned);
  return result;
}

}  // namespace

TEST_CASE("A token is found with its line, column and confidence") {
  FakeSecrets fake(1);
  const std::string good = fake.GithubToken(), bad = fake.GithubToken("ghp_", false);
  const std::string text = "first line\n  TOKEN_A: " + good + "\nx = '" + bad + "'\n";
  auto m = ScanText(text);
  REQUIRE(m.size() == 2);
  CHECK(RuleId(m[0]) == "t.ghp");
  CHECK(m[0].secret.Reveal() == good);
  CHECK(m[0].line == 2);
  CHECK(m[0].column == 12);
  CHECK(m[0].confidence == Confidence::kHigh);
  CHECK(m[1].line == 3);
  CHECK(m[1].column == 6);
  CHECK(m[1].confidence == Confidence::kLow);  // failed checksum: reported, lower confidence
  CHECK(m[0].offset == text.find(good));
}

TEST_CASE("Word boundaries, keywords, entropy and placeholders") {
  FakeSecrets fake(2);
  const std::string tok = fake.GithubToken();
  CHECK(ScanText("x" + tok).empty());                // no boundary before
  CHECK(ScanText(tok + "Z").empty());                // longer than the format
  const std::string forty = fake.Base62(40);
  CHECK(ScanText("api_key = " + forty).empty());     // matched, but no "secret" keyword
  auto m = ScanText("secret_key = " + forty);
  REQUIRE(m.size() == 1);
  CHECK(RuleId(m[0]) == "t.keyword");
  CHECK(ScanText("token = \"aaaaaaaaaaaa\"").empty());  // low entropy
  CHECK(ScanText("token = \"changeme-Q7x9\"").empty()); // placeholder
  CHECK(ScanText("token = \"" + fake.Base62(20) + "\"").size() == 1);
}

TEST_CASE("A generic match overlapping a specific rule's secret is suppressed") {
  FakeSecrets fake(3);
  const std::string tok = fake.GithubToken();
  BlobScanner scanner(EngineRules(), BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer("token = \"" + tok + "\"", &result, &error));
  REQUIRE(result.matches.size() == 1);
  CHECK(RuleId(result.matches[0]) == "t.ghp");
  CHECK(result.suppressed == 1);
}

TEST_CASE("leakhound:allow on the line and the allow-list drop a match") {
  FakeSecrets fake(4);
  const std::string a = fake.GithubToken(), b = fake.GithubToken(), c = fake.GithubToken();
  AllowList allow({b}, {"^ghp_" + c.substr(4, 6)});
  BlobScanOptions options;
  options.allow = &allow;
  BlobScanner scanner(EngineRules(), options);
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer("t = '" + a + "'  # leakhound:allow\n" + b + "\n" + c + "\n", &result,
                             &error));
  CHECK(result.matches.empty());
  CHECK(result.allowed == 3);
}

TEST_CASE("Snippets redact every secret on the line") {
  FakeSecrets fake(5);
  const std::string a = fake.GithubToken(), b = fake.GithubToken();
  auto m = ScanText("pair: " + a + " and " + b + "\n");
  REQUIRE(m.size() == 2);
  const std::string e = "\xE2\x80\xA6";  // …
  // Without a documented prefix, each shows its last 4; with the rule's, "ghp_" too.
  CHECK(m[0].snippet.Render(false) ==
        "pair: " + e + a.substr(36) + " (40) and " + e + b.substr(36) + " (40)");
  const std::string redacted = m[0].snippet.Render(false, 4, [](std::string_view) { return 4; });
  CHECK(redacted ==
        "pair: ghp_" + e + a.substr(36) + " (40) and ghp_" + e + b.substr(36) + " (40)");
  CHECK(m[0].snippet.Render(false, 0, [](std::string_view) { return 4; }) ==
        "pair: ghp_" + e + "(40) and ghp_" + e + "(40)");
  CHECK(m[0].snippet.Render(true) == "pair: " + a + " and " + b);
  // A long line is cut around the secret, and control bytes are not printed.
  auto long_line = ScanText(std::string(500, '-') + "\x1b " + a + std::string(500, '-'));
  REQUIRE(long_line.size() == 1);
  const std::string s = long_line[0].snippet.Render(false);
  CHECK(s.find(a) == std::string::npos);
  CHECK(s.find('\x1b') == std::string::npos);
  CHECK(s.size() < 300);
  CHECK(long_line[0].snippet.truncated_left);
  CHECK(long_line[0].snippet.truncated_right);
}

TEST_CASE("Multi-line secrets are found and reported at their first line") {
  const std::string body = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
                           "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n";
  auto m = ScanText("x\ny\n-----BEGIN TEST KEY-----\n" + body + "-----END TEST KEY-----\n");
  REQUIRE(m.size() == 1);
  CHECK(RuleId(m[0]) == "t.block");
  CHECK(m[0].line == 3);
  CHECK(m[0].snippet.Render(false).find("MIIB") == std::string::npos);
}

TEST_CASE("Many secrets in one buffer: all found, in order, linear work") {
  FakeSecrets fake(6);
  std::string text;
  std::vector<std::string> tokens;
  for (int i = 0; i < 5000; ++i) {
    tokens.push_back(fake.GithubToken());
    text += tokens.back() + (i % 7 == 0 ? "\n" : " ");
  }
  auto m = ScanText(text);
  REQUIRE(m.size() == tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) REQUIRE(m[i].secret.Reveal() == tokens[i]);
}

TEST_CASE("The per-blob match cap truncates and says so") {
  FakeSecrets fake(8);
  std::string text;
  for (int i = 0; i < 50; ++i) text += fake.GithubToken() + "\n";
  BlobScanOptions options;
  options.limits.max_matches = 10;
  BlobScanner scanner(EngineRules(), options);
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(text, &result, &error));
  CHECK(result.matches.size() == 10);
  CHECK(result.truncated);
}

TEST_CASE("Chunked scanning finds exactly what a whole-buffer scan finds") {
  FakeSecrets fake(9);
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += "line " + std::to_string(i) + " filler " + fake.Base62(i % 50) + "\n";
    if (i % 13 == 0) text += "tok " + fake.GithubToken() + "\n";
    if (i % 57 == 0) text += "-----BEGIN TEST KEY-----\n" + fake.Base62(64) + "\n-----END TEST KEY-----\n";
  }
  const auto whole = ScanText(text);
  REQUIRE(whole.size() > 30);
  for (uint64_t chunk : {1024u, 4096u, 10000u}) {
    DYNAMIC_SECTION("chunk " << chunk) {
      const auto result = ScanChunked(text, chunk, 512);
      REQUIRE(result.matches.size() == whole.size());
      for (size_t i = 0; i < whole.size(); ++i) {
        CHECK(result.matches[i].offset == whole[i].offset);
        CHECK(result.matches[i].line == whole[i].line);
        CHECK(result.matches[i].column == whole[i].column);
        CHECK(result.matches[i].secret == whole[i].secret);
      }
      CHECK(result.bytes == text.size());
    }
  }
}

TEST_CASE("Binary detection and blob ids") {
  CHECK(LooksBinary(std::string("ab\0cd", 5)));
  CHECK_FALSE(LooksBinary("plain text"));
  CHECK(LooksBinary(std::string(9000, 'a') + std::string(1, '\0')) == false);
  // git hash-object of "hello\n"
  CHECK(ComputeBlobId("hello\n").Hex() == "ce013625030ba8dba906f756967f9e9ca394464a");
  CHECK(ComputeBlobId("").Hex() == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST_CASE("Content ids: equal for equal bytes, different otherwise") {
  const std::string a(100000, 'a');
  std::string b = a;
  b[99999] = 'b';
  CHECK(ComputeContentId(a) == ComputeContentId(std::string(100000, 'a')));
  CHECK_FALSE(ComputeContentId(a) == ComputeContentId(b));
  CHECK_FALSE(ComputeContentId("") == ComputeContentId(std::string(1, '\0')));
  CHECK_FALSE(ComputeContentId("hello\n") == ComputeBlobId("hello\n"));
  // Every short input of one byte gets its own id.
  std::set<std::string> seen;
  for (int c = 0; c < 256; ++c) seen.insert(ComputeContentId(std::string(1, char(c))).Hex());
  CHECK(seen.size() == 256);
}

TEST_CASE("Priority: vendor over fallback over generic; same span, same tier: one finding") {
  auto rules = testing::RulesFromYaml(R"yaml(
rules:
  - id: v.token
    severity: high
    pattern: '\b(vnd_[a-z0-9]{20})\b'
  - id: f.credfile
    severity: high
    pattern: 'login:([a-z0-9_]{10,40})'
    tags: [fallback]
  - id: g.assign
    severity: low
    pattern: 'key=([a-z0-9_]{10,40})'
    tags: [generic]
  - id: a.same
    severity: medium
    pattern: 'dup=([a-z0-9]{12})'
  - id: b.same
    severity: high
    pattern: 'dup=([a-z0-9]{12})'
)yaml");
  BlobScanner scanner(*rules, BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  auto ids = [&](const std::string& text) {
    REQUIRE(scanner.ScanBuffer(text, &result, &error));
    std::vector<std::string> out;
    for (const auto& m : result.matches) out.push_back(rules->rule(m.rule).id);
    return out;
  };
  CHECK(ids("login:vnd_q8zr2lmt9vx4cb7nw3kd") == std::vector<std::string>{"v.token"});
  CHECK(ids("login:q8zr2lmt9vx4cb7nw3kd") == std::vector<std::string>{"f.credfile"});
  CHECK(ids("key=q8zr2lmt9vx4cb7nw3kd") == std::vector<std::string>{"g.assign"});
  CHECK(ids("key=vnd_q8zr2lmt9vx4cb7nw3kd") == std::vector<std::string>{"v.token"});
  CHECK(ids("dup=q8zr2lmt9vx4") == std::vector<std::string>{"b.same"});  // the more severe
  CHECK(result.suppressed == 1);
}

TEST_CASE("A reused result does not carry counts over") {
  FakeSecrets fake(12);
  const std::string tok = fake.GithubToken();
  BlobScanner scanner(EngineRules(), BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer("token = \"" + tok + "\"  # leakhound:allow\n", &result, &error));
  CHECK(result.allowed == 1);
  REQUIRE(scanner.ScanBuffer("clean\n", &result, &error));
  CHECK(result.allowed == 0);
  CHECK(result.suppressed == 0);
  CHECK(result.matches.empty());
  testing::TempDir dir;
  const std::string path = dir.Write("f", "x " + tok + "\n");
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(scanner.ScanFile(fd, 43 + 2, true, &result, &error) == BlobScanner::FileStatus::kScanned);
  ::close(fd);
  CHECK(result.bytes == ("x " + tok + "\n").size());  // as read, not as announced
  CHECK(result.matches.size() == 1);
}

TEST_CASE("Chunked scanning: columns of a line that spans chunks count from its real start") {
  FakeSecrets fake(13);
  const std::string tok = fake.GithubToken();
  const std::string text = "first\n" + std::string(10000, 'a') + " " + tok + " tail\nnext " + tok + "\n";
  const auto whole = ScanText(text);
  REQUIRE(whole.size() == 2);
  CHECK(whole[0].column == 10002);
  const auto chunked = ScanChunked(text, 1024, 512);
  REQUIRE(chunked.matches.size() == 2);
  CHECK(chunked.matches[0].line == 2);
  CHECK(chunked.matches[0].column == 10002);
  CHECK(chunked.matches[1].line == 3);
  CHECK(chunked.matches[1].column == 6);
}
