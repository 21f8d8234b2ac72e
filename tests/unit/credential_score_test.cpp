// The credential scorer (src/scan/credential_score.cpp): keys, values, slots, and what each
// feature does to the score. Every value here is made up for the test.
#include <catch2/catch.hpp>

#include <algorithm>

#include "scan/credential_score.hpp"

using namespace leakhound;

namespace {

bool Has(const CredentialScore& s, const std::string& reason) {
  return std::find(s.reasons.begin(), s.reasons.end(), reason) != s.reasons.end();
}

Confidence Conf(std::string_view key, std::string_view value,
                CredentialSlot slot = CredentialSlot::kAssignment, bool quoted = true) {
  const CredentialScore s = ScoreCredential(key, value, "", slot, quoted);
  REQUIRE_FALSE(s.drop);
  return ConfidenceFromScore(s.score);
}

bool Dropped(std::string_view key, std::string_view value,
             CredentialSlot slot = CredentialSlot::kAssignment, bool quoted = true) {
  return ScoreCredential(key, value, "", slot, quoted).drop;
}

// Not reported at the default confidence: dropped, or low.
bool BelowMedium(std::string_view key, std::string_view value) {
  const CredentialScore s = ScoreCredential(key, value, "");
  return s.drop || ConfidenceFromScore(s.score) == Confidence::kLow;
}

}  // namespace

TEST_CASE("Human passwords assigned to password keys are reported at medium or above") {
  CHECK(Conf("DB_PASSWORD", "Summer2024") >= Confidence::kMedium);
  CHECK(Conf("password", "hunter22") >= Confidence::kMedium);
  CHECK(Conf("$db_pass", "Letmein!4") >= Confidence::kMedium);
  CHECK(Conf("smtpPassword", "P@ssw0rd430") == Confidence::kHigh);
  CHECK(Conf("app.smtp.password", "z4UHqu.37Yv*42K6-nj89") == Confidence::kHigh);
  const auto s = ScoreCredential("DB_PASSWORD", "Summer2024", "DB_PASSWORD=Summer2024");
  CHECK(Has(s, "key:password"));
  CHECK(Has(s, "value:letters+digits"));
  CHECK(Has(s, "value:mixed-case"));
}

TEST_CASE("The key's words decide whether it names a credential") {
  // A word that only starts or ends like one.
  CHECK(Dropped("bypass", "abc123xyz"));
  CHECK(Dropped("compass", "north42x"));
  CHECK(Dropped("passenger_name", "Jo3hn"));
  CHECK(Dropped("pwm_freq", "1000abc"));
  // About the credential, not the credential.
  CHECK(Dropped("password_field", "pass1word"));
  CHECK(Dropped("PASSWORD_LABEL", "Show1"));
  CHECK(Dropped("forgot_password", "link123x"));
  CHECK(Dropped("csrf_token", "a8f3k2m9q1"));
  CHECK(Dropped("next_token", "a8f3k2m9q1"));
  CHECK(Dropped("signing_key_id", "5e551f094c0365"));
  CHECK(Has(ScoreCredential("csrf_token", "a8f3k2m9q1", ""), "key:not-a-credential"));
  // Compounds and camelCase still count.
  CHECK(Conf("dbPass", "Banana2017*") >= Confidence::kMedium);
  CHECK(Conf("ROOTPW", "Xk9#mQ2vLp") >= Confidence::kMedium);
  CHECK(Has(ScoreCredential("XMLPassword", "Xk9#mQ2vLp", ""), "key:password"));
  CHECK(Has(ScoreCredential("encryptionKey", "Xk9#mQ2vLp7Rt", ""), "key:encryption_key"));
  // In a credential-only slot the key does not have to say so.
  CHECK_FALSE(Dropped("IDENTIFIED BY", "pokemon19", CredentialSlot::kCredentialOnly));
  CHECK(Conf("IDENTIFIED BY", "pokemon19", CredentialSlot::kCredentialOnly) >= Confidence::kMedium);
}

TEST_CASE("References, code, empty values and placeholders are dropped") {
  for (const char* v : {"${DB_PASSWORD}", "$DB_PASSWORD", "{{ .Values.password }}", "%s",
                        "<password>", "os.environ['X']", "getPassword()", "process.env.PW",
                        "", "changeme", "your-password-here", "xxxx", "****", "true", "null",
                        "password"})
    CHECK(Dropped("password", v));
  // A format string is a reference only when the rest is plain text.
  CHECK(Dropped("url", "postgres://%s:%s@%s/db", CredentialSlot::kCredentialOnly));
  CHECK_FALSE(Dropped("password", "BOz8qD_6So8nR%s63P6.#d6"));
  CHECK_FALSE(Dropped("password", "Vk%I=%D*NQE!3^UDG"));
}

TEST_CASE("Labels, words, sentences, paths and identifiers stay below medium") {
  CHECK(Dropped("label", "Enter your password", CredentialSlot::kCredentialOnly));
  CHECK(Conf("password", "Passwort") == Confidence::kLow);
  const auto translated = ScoreCredential("newPassword", "Contrase\xC3\xB1" "a", "");
  CHECK((translated.drop || ConfidenceFromScore(translated.score) == Confidence::kLow));
  CHECK(Has(translated, "value:non-ascii"));
  CHECK(Dropped("private_key", "certs/server-2024.key"));
  CHECK(Dropped("password", "self.password"));
  CHECK(Conf("password", "user_input", CredentialSlot::kAssignment, /*quoted=*/false) ==
        Confidence::kLow);
  // The same identifier quoted is a literal (weak, but a literal).
  CHECK_FALSE(Has(ScoreCredential("password", "user_input", "", CredentialSlot::kAssignment,
                                  true),
                  "value:identifier"));
  CHECK(Conf("secret", "hunter") == Confidence::kLow);
  CHECK(BelowMedium("JWT_SECRET", "secretsecret"));
}

TEST_CASE("A weak literal in a credential-only slot is reported; its confidence says how weak") {
  CHECK(Conf("POSTGRES_PASSWORD", "secret123", CredentialSlot::kCredentialOnly) >=
        Confidence::kMedium);
  CHECK(Conf("DB_PASSWORD", "sunshine", CredentialSlot::kCredentialOnly) >= Confidence::kMedium);
  const auto s = ScoreCredential("POSTGRES_PASSWORD", "secret123", "",
                                 CredentialSlot::kCredentialOnly);
  CHECK(Has(s, "slot:credential-only"));
}

TEST_CASE("Confidence follows the score") {
  CHECK(ConfidenceFromScore(0.95) == Confidence::kHigh);
  CHECK(ConfidenceFromScore(0.80) == Confidence::kHigh);
  CHECK(ConfidenceFromScore(0.79) == Confidence::kMedium);
  CHECK(ConfidenceFromScore(0.50) == Confidence::kMedium);
  CHECK(ConfidenceFromScore(0.49) == Confidence::kLow);
  CHECK(ScoreFromConfidence(Confidence::kHigh) > ScoreFromConfidence(Confidence::kMedium));
  CHECK(ScoreFromConfidence(Confidence::kMedium) > ScoreFromConfidence(Confidence::kLow));
}

// Lines of a Debian minbase image that once failed the image gate (CI, container_image):
// /etc/ssl/openssl.cnf and /usr/share/lintian/overrides/base-passwd.
TEST_CASE("Distribution config files: key identifiers, pass-phrase specs and tags are not reported") {
  CHECK(BelowMedium("authorityKeyIdentifier", "keyid,issuer"));
  CHECK(BelowMedium("authorityKeyIdentifier", "keyid:always"));
  CHECK(Has(ScoreCredential("subjectKeyIdentifier", "hash", ""), "key:not-a-credential"));
  // An OpenSSL pass-phrase argument: pass:VALUE is scored on VALUE; env:, file:, fd: point away.
  CHECK(BelowMedium("secret", "pass:insta"));
  CHECK(Conf("secret", "pass:Tq8#vNw2Lk9z") >= Confidence::kMedium);
  CHECK(Dropped("passin", "env:CA_PASS"));
  CHECK(Dropped("secret", "file:/run/secrets/ca.pass"));
  // A lintian override (package: tag) and other hyphenated tags.
  CHECK(BelowMedium("base-passwd", "no-debconf-config"));
  CHECK(Has(ScoreCredential("base-passwd", "no-debconf-config", ""), "value:hyphenated-words"));
  // ...but a password with digits or capitals between hyphens stays a password.
  CHECK(Conf("password", "Blue-Horse-42-Staple") >= Confidence::kMedium);
}
