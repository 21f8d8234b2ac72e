#include <catch2/catch.hpp>

#include "rules/checksum.hpp"
#include "scan/filters.hpp"
#include "leakhound/secret.hpp"
#include "test_support.hpp"

using namespace leakhound;

TEST_CASE("Redact shows a short prefix and the length, never the secret") {
  CHECK(Redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789") == "ghp_\xE2\x80\xA6(40)");
  CHECK(Redact("hunter22") == "hu\xE2\x80\xA6(8)");  // at most a quarter shown
  CHECK(Redact("abc") == "\xE2\x80\xA6(3)");
  CHECK(Redact("") == "\xE2\x80\xA6(0)");
  CHECK(Redact("\x1b[31mxxxxxxxxxxxxxx") == "?[31\xE2\x80\xA6(19)");
  Secret s("supersecretvalue-1234");
  std::ostringstream os;
  os << s;
  CHECK(os.str() == s.Redacted());
  CHECK(os.str().find("supersecret") == std::string::npos);
  CHECK(s.Reveal() == "supersecretvalue-1234");
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
