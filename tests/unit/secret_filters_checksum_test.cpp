#include <catch2/catch.hpp>

#include "rules/checksum.hpp"
#include "scan/filters.hpp"
#include "leakhound/rule.hpp"
#include "leakhound/secret.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Redact keeps the documented prefix and the last 4 characters, within limits") {
  const std::string e = "\xE2\x80\xA6";  // …
  const std::string token = "ghp_abcdefghijklmnopqrstuvwxyz012345x7Kq";  // fake, 40 bytes
  // The documented prefix, then the last 4 of the 36 after it.
  CHECK(Redact(token, 4) == "ghp_" + e + "x7Kq (40)");
  CHECK(Secret(token, 4).Redacted() == "ghp_" + e + "x7Kq (40)");
  // Two tokens of the same kind can be told apart.
  CHECK(Redact("ghp_abcdefghijklmnopqrstuvwxyz012345Zz99", 4) != Redact(token, 4));
  // --redact-keep: fewer, none, or more, but never more than a quarter of the rest (36 / 4 = 9).
  CHECK(Redact(token, 4, 2) == "ghp_" + e + "Kq (40)");
  CHECK(Redact(token, 4, 0) == "ghp_" + e + "(40)");
  CHECK(Redact(token, 4, 8) == "ghp_" + e + "2345x7Kq (40)");
  CHECK(Redact(token, 4, 100) == "ghp_" + e + "12345x7Kq (40)");
  // The rest after the prefix must be at least 16 characters for any of it to show.
  CHECK(Redact("AKIA0123456789ABCDEF", 4) == "AKIA" + e + "CDEF (20)");  // rest 16
  CHECK(Redact("AKIA0123456789ABCDE", 4) == "AKIA" + e + "(19)");         // rest 15
  // Without a documented prefix: nothing below 16 characters, the last 4 from 16 on.
  CHECK(Redact("hunter22") == e + "(8)");
  CHECK(Redact("Zq8rTw2mLx9vB4n") == e + "(15)");
  CHECK(Redact("Zq8rTw2mLx9vB4nK") == e + "B4nK (16)");
  CHECK(Redact("abc") == e + "(3)");
  CHECK(Redact("") == e + "(0)");
  // A "prefix" longer than half the value is not trusted.
  CHECK(Redact("ghp_abcd", 6) == e + "(8)");
  // Control and non-ASCII bytes shown are printed as '?'.
  CHECK(Redact("\x1b[31mxxxxxxxxxxxxx\x7f\xff") == e + "xx?? (20)");
  Secret s("supersecretvalue-1234");
  std::ostringstream os;
  os << s;
  CHECK(os.str() == s.Redacted());
  CHECK(os.str().find("supersecret") == std::string::npos);
  CHECK(s.Reveal() == "supersecretvalue-1234");
}

TEST_CASE("A rule's documented prefix: from its keywords or its secret group's literal start") {
  Rule gh;
  gh.id = "t.ghp";
  gh.pattern = R"(\b(ghp_[A-Za-z0-9]{36})\b)";
  const std::string token(std::string("ghp_") + std::string(36, 'a'));
  CHECK(DocumentedPrefixLength(gh, token) == 4);
  CHECK(DocumentedPrefixLength(gh, "xyz_" + std::string(36, 'a')) == 0);
  Rule aws;
  aws.pattern = R"(\b((?:AKIA|ASIA)[A-Z0-9]{16})\b)";
  CHECK(DocumentedPrefixLength(aws, "ASIA0123456789ABCDEF") == 4);
  Rule slack;
  slack.pattern = R"((xox[baprs]-[0-9A-Za-z-]{10,}))";
  CHECK(DocumentedPrefixLength(slack, "xoxb-0123456789abcdef") == 3);  // up to the class
  Rule named;
  named.pattern = R"(token=(?P<t>sk\-live_[a-z0-9]{24}))";
  CHECK(DocumentedPrefixLength(named, "sk-live_" + std::string(24, 'a')) == 8);
  Rule optional_char;
  optional_char.pattern = R"((glpatx?-[0-9a-z]{20}))";
  CHECK(DocumentedPrefixLength(optional_char, "glpat-" + std::string(20, 'a')) == 5);  // "glpat"
  Rule by_keyword;
  by_keyword.pattern = R"(([A-Za-z0-9]{32}))";
  by_keyword.keywords = {"dapi"};  // lower-cased, matched without case
  CHECK(DocumentedPrefixLength(by_keyword, "DAPI" + std::string(28, 'a')) == 4);
  // A generic rule's keyword names the key, never a prefix of the value.
  Rule generic = by_keyword;
  generic.tags = {"generic"};
  CHECK(DocumentedPrefixLength(generic, "dapi" + std::string(28, 'a')) == 0);
  // Never more than half the value.
  CHECK(DocumentedPrefixLength(gh, "ghp_abc") == 0);
}

TEST_CASE("Shannon entropy") {
  CHECK(ShannonEntropy("") == 0.0);
  CHECK(ShannonEntropy("aaaa") == 0.0);
  CHECK(ShannonEntropy("ab") == Approx(1.0));
  CHECK(ShannonEntropy("0123456789abcdef") == Approx(4.0));
}

TEST_CASE("Placeholder filter") {
  for (const char* p : {"AKIAIOSFODNN7EXAMPLE", "changeme", "xxxxxxxxxxxxxxxx", "${API_KEY}",
                        "<your-token>", "{{ secret }}", "your_api_key_here", "dummy-token-1",
                        "aaaaaaaaaaaa", "abc111111def", "key12345678", "abcdefghij", "REDACTED",
                        "****", "sample_key", "placeholder", "$(cat /run/secrets/x)"}) {
    INFO(p);
    CHECK(IsPlaceholder(p));
  }
  testing::FakeSecrets fake(7);
  for (int i = 0; i < 50; ++i) {
    const std::string token = fake.GithubToken();
    INFO(Redact(token));
    CHECK_FALSE(IsPlaceholder(token));
  }
  CHECK_FALSE(IsPlaceholder("q8Zr2LmT9vX4cB7n"));
}

TEST_CASE("GitHub CRC-32 checksum") {
  testing::FakeSecrets fake(11);
  for (const char* prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"}) {
    CHECK(ValidGithubCrc32(fake.GithubToken(prefix, true)));
    CHECK_FALSE(ValidGithubCrc32(fake.GithubToken(prefix, false)));
  }
  CHECK_FALSE(ValidGithubCrc32("ghp_short"));
  CHECK_FALSE(ValidGithubCrc32("nounderscore"));
  CHECK(Base62Encode(0, 6) == "000000");
  CHECK(Base62Encode(61, 1) == "z");
  CHECK(Base62Encode(62, 2) == "10");
}

TEST_CASE("JWT and base64 validators") {
  // {"alg":"HS256","typ":"JWT"} . {"sub":"1"} . signature
  CHECK(ValidJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
  CHECK_FALSE(ValidJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0"));
  CHECK_FALSE(ValidJwt("bm90anNvbg.eyJzdWIiOiIxIn0.c2ln"));
  CHECK_FALSE(ValidJwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln"));  // no "alg"
  std::string out;
  CHECK(DecodeBase64("aGVsbG8=", &out, false));
  CHECK(out == "hello");
  CHECK(DecodeBase64("aGVsbG8", &out, false));
  CHECK_FALSE(DecodeBase64("aGV$bG8=", &out, false));
  const std::string key64(88, 'A');  // 64 zero bytes, padded
  CHECK(ValidBase64Of64Bytes(key64.substr(0, 86) + "=="));
  CHECK_FALSE(ValidBase64Of64Bytes("QUJD"));
}
