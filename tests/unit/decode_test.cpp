// The decode stage (scan/decode.hpp) and its use by the blob scanner.
#include <catch2/catch.hpp>

#include "engine_rules.hpp"
#include "scan/blob_scanner.hpp"
#include "scan/decode.hpp"
#include "test_support.hpp"

using namespace leakhound;
using leakhound::testing::FakeSecrets;

namespace {

std::string B64(std::string_view in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += a[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string Hex(std::string_view in) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : in) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The engine's rules, plus the decoder's own rule.
const RuleSet& Rules() {
  static auto set = testing::RulesFromYaml(std::string(kEngineRulesYaml) + R"yaml(
  - id: encoded.user_password
    analyzer: decoder
    name: encoded user:password
    severity: high
    min_entropy: 2.0
    tags: [fallback]
)yaml");
  return *set;
}

BlobScanResult Scan(const std::string& text) {
  BlobScanner scanner(Rules(), BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(text, &result, &error));
  return result;
}

std::string Id(const Match& m) { return Rules().rule(m.rule).id; }

}  // namespace

TEST_CASE("Base64Decode and HexDecode accept their encodings only", "[decode]") {
  std::string out;
  CHECK(Base64Decode("aGVsbG8gd29ybGQ=", &out));
  CHECK(out == "hello world");
  CHECK(Base64Decode("aGVsbG8gd29ybGQ", &out));  // padding is optional
  CHECK(out == "hello world");
  CHECK(Base64Decode("-_-_", &out));  // URL-safe alphabet
  CHECK_FALSE(Base64Decode("aGVsb", &out));         // 1 mod 4
  CHECK_FALSE(Base64Decode("aGVs!G8=", &out));      // not the alphabet
  CHECK_FALSE(Base64Decode("aGVsbG8gd29ybGQ==", &out));  // padded to a length not 0 mod 4
  CHECK(HexDecode("68656c6C6f", &out));
  CHECK(out == "hello");
  CHECK_FALSE(HexDecode("68656", &out));
  CHECK_FALSE(HexDecode("6865zz", &out));
  CHECK(IsText("line one\r\n\tline two"));
  CHECK_FALSE(IsText(std::string("a\0b", 3)));
  CHECK_FALSE(IsText("caf\xc3\xa9"));
}

TEST_CASE("FindEncoded finds runs that decode to text, and only those", "[decode]") {
  const std::string b64 = B64("token = \"not a real one at all\"");
  const std::string hex = Hex("some hex encoded text");
  const std::string text = "a: " + b64 + "\nidentifier getConnectionStringFromConfig\nb=" + hex +
                           "\nsha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
                           "binary: 3q2+78r+ur7erb7v3q2+7w==\n";
  std::vector<DecodedSpan> spans;
  FindEncoded(text, DecodeLimits{}, &spans);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].encoding == Encoding::kBase64);
  CHECK(text.substr(spans[0].begin, spans[0].end - spans[0].begin) == b64);
  CHECK(spans[0].text == "token = \"not a real one at all\"");
  CHECK(spans[1].encoding == Encoding::kHex);
  CHECK(spans[1].text == "some hex encoded text");

  // "key=value": the '=' is not padding, and the value is its own run.
  spans.clear();
  FindEncoded("KEY_B64=" + B64("user:Zq4!mLp9"), DecodeLimits{}, &spans);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].begin == 8);
  CHECK(spans[0].text == "user:Zq4!mLp9");
}

TEST_CASE("FindEncoded is bounded", "[decode]") {
  DecodeLimits limits;
  limits.max_run = 64;
  std::vector<DecodedSpan> spans;
  FindEncoded(B64(std::string(100, 'x') + " long text"), limits, &spans);
  CHECK(spans.empty());  // the run is longer than max_run
  limits = DecodeLimits{};
  limits.max_spans = 2;
  std::string many;
  for (int i = 0; i < 10; ++i) many += B64("plain text number " + std::to_string(i)) + "\n";
  FindEncoded(many, limits, &spans);
  CHECK(spans.size() == 2);
}

TEST_CASE("SplitUserPassword takes Basic credentials, not URLs or sentences", "[decode]") {
  std::string_view u, p;
  REQUIRE(SplitUserPassword("deploy:Zq4!mLp9", &u, &p));
  CHECK(u == "deploy");
  CHECK(p == "Zq4!mLp9");
  CHECK(SplitUserPassword("CORP\\svc:pa:ss", &u, &p));
  CHECK(p == "pa:ss");
  CHECK_FALSE(SplitUserPassword("https://example.org/x", &u, &p));
  CHECK_FALSE(SplitUserPassword("note: this is text", &u, &p));
  CHECK_FALSE(SplitUserPassword(":nouser", &u, &p));
  CHECK_FALSE(SplitUserPassword("user:", &u, &p));
}

TEST_CASE("A secret inside a base64 value is reported at the encoded value", "[decode]") {
  FakeSecrets fake(14);
  const std::string token = fake.GithubToken();
  const std::string encoded = B64("GITHUB_TOKEN=" + token + "\n");
  const std::string text = "first line\nCONFIG_B64='" + encoded + "' # more\n";
  const BlobScanResult r = Scan(text);
  REQUIRE(r.matches.size() == 1);
  const Match& m = r.matches[0];
  CHECK(Id(m) == "t.ghp");
  CHECK(m.secret.Reveal() == token);
  CHECK(m.decoded == "base64");
  CHECK(m.line == 2);
  CHECK(m.column == 13);
  CHECK(m.offset == text.find(encoded));
  // The snippet shows the line with the encoded value redacted.
  const std::string shown = m.snippet.Render(false);
  CHECK(shown.find(encoded) == std::string::npos);
  CHECK(shown.find("CONFIG_B64=") != std::string::npos);
}

TEST_CASE("Hex and nested encodings are decoded, two levels deep", "[decode]") {
  FakeSecrets fake(15);
  const std::string token = fake.GithubToken();
  BlobScanResult r = Scan("TOKEN_HEX=" + Hex(token) + "\n");
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].decoded == "hex");
  CHECK(r.matches[0].secret.Reveal() == token);

  r = Scan("x: " + B64("inner: " + B64("tok " + token + " end")) + "\n");
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].decoded == "base64+base64");
  CHECK(r.matches[0].secret.Reveal() == token);

  // Three levels: past the depth limit.
  r = Scan("x: " + B64("a " + B64("b " + B64("tok " + token + " end"))) + "\n");
  CHECK(r.matches.empty());
}

TEST_CASE("A base64 user:password pair is reported, placeholders are not", "[decode]") {
  BlobScanResult r = Scan("Authorization: Basic " + B64("deploy:Vq8mZr2LxW7k") + "\n");
  REQUIRE(r.matches.size() == 1);
  CHECK(Id(r.matches[0]) == "encoded.user_password");
  CHECK(r.matches[0].secret.Reveal() == "deploy:Vq8mZr2LxW7k");
  CHECK(r.matches[0].decoded == "base64");
  CHECK(Scan("Authorization: Basic " + B64("admin:changeme") + "\n").matches.empty());
  CHECK(Scan("Authorization: Basic " + B64("user:${PASSWORD}") + "\n").matches.empty());
  CHECK(Scan("Authorization: Basic " + B64("backup:backup") + "\n").matches.empty());
  CHECK(Scan("link: " + B64("https://example.org/some/path") + "\n").matches.empty());
}

TEST_CASE("A generic match of an encoded value gives way to what it holds", "[decode]") {
  FakeSecrets fake(16);
  const std::string token = fake.GithubToken();
  // t.generic_token matches the encoded value itself; t.ghp matches inside it.
  const std::string text = "token = \"" + B64("k=" + token) + "\"\n";
  const BlobScanResult r = Scan(text);
  REQUIRE(r.matches.size() == 1);
  CHECK(Id(r.matches[0]) == "t.ghp");
  CHECK(r.suppressed >= 1);
}

TEST_CASE("Nothing decodes: no decoded match, and plain matches are unchanged", "[decode]") {
  FakeSecrets fake(17);
  const std::string token = fake.GithubToken();
  const std::string text = "plain " + token + "\nimport getConnectionStringFromConfig\n";
  const BlobScanResult r = Scan(text);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].decoded.empty());
  CHECK(r.matches[0].line == 1);
}

TEST_CASE("The chunked path decodes too, once per value", "[decode]") {
  FakeSecrets fake(18);
  const std::string token = fake.GithubToken();
  std::string text;
  for (int i = 0; i < 200; ++i) text += "filler line number " + std::to_string(i) + "\n";
  const std::string encoded = B64("GITHUB_TOKEN=" + token);
  text += "CONFIG_B64=" + encoded + "\n";
  for (int i = 0; i < 200; ++i) text += "more filler " + std::to_string(i) + "\n";
  testing::TempDir dir;
  const std::string path = dir.Write("blob", text);
  BlobScanOptions options;
  options.chunk_bytes = 1024;
  options.chunk_overlap = 256;
  BlobScanner scanner(Rules(), options);
  BlobScanResult result;
  std::string error;
  FILE* f = fopen(path.c_str(), "rb");
  REQUIRE(f);
  const auto status = scanner.ScanFile(fileno(f), text.size(), true, &result, &error);
  fclose(f);
  REQUIRE(status == BlobScanner::FileStatus::kScanned);
  REQUIRE(result.matches.size() == 1);
  CHECK(result.matches[0].line == 201);
  CHECK(result.matches[0].offset == text.find(encoded));
  CHECK(result.matches[0].decoded == "base64");
}
