#include "scan/credential_score.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "scan/filters.hpp"

namespace leakhound {

// rules/scoring/credential_weights.tsv, embedded by CMake (cmake/EmbedWeights.cmake).
extern const char* const kCredentialWeightsTsv;

namespace {

struct Weights {
  double bias = 0;
  std::unordered_map<std::string, double> w;
  double Get(const std::string& name) const {
    auto it = w.find(name);
    return it == w.end() ? 0.0 : it->second;
  }
};

const Weights& LoadWeights() {
  static const Weights weights = [] {
    Weights out;
    std::string_view text(kCredentialWeightsTsv);
    while (!text.empty()) {
      const size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      if (line.empty() || line[0] == '#') continue;
      const size_t t1 = line.find('\t');
      if (t1 == std::string_view::npos) continue;
      const size_t t2 = line.find('\t', t1 + 1);
      const std::string name(line.substr(0, t1));
      const std::string num(line.substr(t1 + 1, t2 == std::string_view::npos ? line.npos : t2 - t1 - 1));
      const double v = std::strtod(num.c_str(), nullptr);
      if (name == "bias") out.bias = v;
      else out.w[name] = v;
    }
    return out;
  }();
  return weights;
}

std::string Lower(std::string_view s) {
  std::string out(s.size(), '\0');
  for (size_t i = 0; i < s.size(); ++i)
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  return out;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// The key's letters only, lower case: "DB_PASSWORD" -> "dbpassword", "x-api-key" -> "xapikey".
std::string KeyLetters(std::string_view key) {
  std::string out;
  for (char c : key)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The key split into lower-case words: "DB_PASSWORD" -> db, password; "smtpPasswordHash" ->
// smtp, password, hash; "XMLPassword" -> xml, password; "app.smtp.pass" -> app, smtp, pass.
std::vector<std::string> KeyWords(std::string_view key) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = key[i];
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (std::isupper(c) && !cur.empty()) {
      const unsigned char prev = key[i - 1];
      const bool next_lower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1]));
      if (std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower)) flush();
    }
    cur += static_cast<char>(std::tolower(c));
  }
  flush();
  return words;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

constexpr std::string_view kStrongPasswordWords[] = {"password", "passwd", "passphrase",
                                                     "passwort", "pword", "contrasena",
                                                     "motdepasse", "senha", "wachtwoord", "haslo"};
constexpr std::string_view kWeakPasswordWords[] = {"pass", "pwd", "pw"};
constexpr std::string_view kNotPasswords[] = {"bypass", "compass", "encompass", "surpass",
                                              "trespass", "overpass", "underpass"};
constexpr std::string_view kStrongWords[] = {"secret", "secrets", "credential", "credentials",
                                             "token", "apikey", "privatekey", "signingkey",
                                             "encryptionkey", "masterkey", "accesskey",
                                             "secretkey", "clientsecret", "authtoken", "psk"};
constexpr std::string_view kMediumWords[] = {"auth", "authorization", "bearer", "session",
                                             "cookie", "salt", "seed", "otp", "totp", "nonce",
                                             "key", "creds", "cred", "hmac", "jwt"};
// Words that make "key" strong when they come right before it: api key, signing key...
constexpr std::string_view kKeyQualifiers[] = {"api", "private", "signing", "encryption",
                                               "master", "access", "secret", "client", "sign",
                                               "crypt", "hmac", "jwt", "encrypt", "decrypt",
                                               "aes", "app", "license", "service", "admin"};
// A word after the credential's word that makes the key about the credential, not the
// credential itself: password_field, token_url, secret_name, api_key_id.
constexpr std::string_view kNotCredentialAfter[] = {
    "field", "fields", "label", "hint", "policy", "policies", "length", "len", "min", "max",
    "minlength", "maxlength", "regex", "regexp", "pattern", "reset", "url", "uri", "link",
    "file", "path", "dir", "env", "var", "name", "names", "prompt", "placeholder", "text",
    "message", "msg", "title", "help", "required", "rule", "rules", "strength", "expiry",
    "expires", "expiration", "age", "changed", "attempts", "retries", "count", "type", "types",
    "mode", "format", "column", "col", "param", "header", "selector", "input", "id", "ids",
    "enabled", "visible", "show", "toggle", "icon", "error", "errors", "validation",
    "validator", "valid", "invalid", "mismatch", "encoder", "hasher", "manager", "provider",
    "service", "handler", "form", "page", "view", "screen", "dialog", "button", "btn", "box",
    "component", "widget", "class", "css", "style", "size", "limit", "timeout", "ttl",
    "lifetime", "location", "endpoint", "command", "cmd", "script", "source", "ref", "arn",
    "version", "kind", "schema", "store", "storage", "helper", "prefix", "suffix", "index",
    "idx", "hash", "digest", "algorithm", "algo", "cipher", "bits", "size", "generator",
    "callback", "changed", "updated", "created", "at", "date", "time", "last", "used",
    "expired", "revoked", "auth", "identifier", "identifiers", "usage"};
// A word right before it that does the same: forgot_password, csrf_token, next_token.
constexpr std::string_view kNotCredentialBefore[] = {
    "forgot", "reset", "change", "show", "hide", "toggle", "use", "has", "is", "require",
    "requires", "enable", "enabled", "validate", "verify", "check", "min", "max", "next",
    "page", "continuation", "cancellation", "cancel", "csrf", "xsrf", "pagination", "no",
    "without", "lexer", "parse", "parser", "eof", "public", "publishable", "sitekey", "site",
    "recaptcha", "captcha", "num", "number", "invalid", "wrong", "bad", "expected", "field",
    "input", "hashed", "hash", "encrypted", "encoded"};

bool In(std::string_view w, const std::string_view* list, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (w == list[i]) return true;
  return false;
}
#define IN(w, list) In(w, list, sizeof(list) / sizeof(list[0]))

// How much a word says "credential": 2 strong, 1 medium, 0 not; -1 a word that merely starts
// like one (passenger, passive, passport).
int WordStrength(const std::string& w, const std::string* prev, std::string* word) {
  for (auto p : kStrongPasswordWords)
    if (w == p || EndsWith(w, p) || w.rfind(p, 0) == 0) { *word = std::string(p); return 2; }
  for (auto p : kWeakPasswordWords)
    if (w == p || (EndsWith(w, p) && !IN(w, kNotPasswords))) { *word = std::string(p); return 1; }
  if (w.rfind("pass", 0) == 0 || w.rfind("pwd", 0) == 0) return -1;
  for (auto p : kStrongWords)
    if (w == p || EndsWith(w, p)) { *word = std::string(p); return 2; }
  if (w == "key" || w == "keys") {
    const bool qualified = prev && IN(*prev, kKeyQualifiers);
    *word = qualified ? *prev + "_key" : "key";
    return qualified ? 2 : 1;
  }
  for (auto p : kMediumWords)
    if (w == p) { *word = std::string(p); return 1; }
  return 0;
}

struct KeyClass {
  std::string_view strength = "key:weak";  // the weight's name
  std::string word;                        // the credential's word, for the reason
  bool not_credential = false;             // about the credential (password_field), or no key
};

KeyClass ClassifyKey(std::string_view key) {
  KeyClass out;
  const std::vector<std::string> words = KeyWords(key);
  int best = 0;
  size_t at = 0;
  bool lookalike = false;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w;
    const int s = WordStrength(words[i], i ? &words[i - 1] : nullptr, &w);
    if (s < 0) lookalike = true;
    if (s > 0 && s >= best) {  // the last, strongest word
      best = s;
      at = i;
      out.word = w;
    }
  }
  if (best == 0) {
    out.not_credential = lookalike;
    return out;
  }
  out.strength = best == 2 ? "key:strong" : "key:medium";
  for (size_t i = at + 1; i < words.size(); ++i)
    if (IN(words[i], kNotCredentialAfter)) out.not_credential = true;
  if (at > 0 && IN(words[at - 1], kNotCredentialBefore)) out.not_credential = true;
  return out;
}

constexpr std::string_view kPlaceholderValues[] = {
    "changeme", "change_me", "change-me", "changeit", "yourpassword", "your_password",
    "your-password", "yoursecret", "your_secret", "your-secret", "yourtoken", "your_token",
    "your-token", "your_api_key", "your-api-key", "yourapikey", "placeholder", "example",
    "redacted", "dummy", "sample", "notasecret", "not_a_secret", "replaceme", "replace_me",
    "replace-me", "todo", "tbd", "fixme", "insert", "enter_", "enter-", "mypassword",
    "my_password", "my-password", "mysecret", "my_secret", "xxxx", "****", "....", "----",
    "____", "\xE2\x80\xA6" /* … : a redacted value, e.g. in a report */, "fake", "secret_here", "password_here", "token_here", "key_here", "here"};
constexpr std::string_view kPlaceholderWhole[] = {
    "secret", "password", "passwd", "pass", "pwd", "token", "test", "testing", "tests", "foo",
    "bar", "baz", "foobar", "qux", "none", "empty", "unset", "value", "default", "string",
    "admin", "root", "user", "username", "key", "apikey", "api_key", "abc", "abcd", "abc123",
    "1234", "12345", "123456", "test123", "pass123", "mask", "masked", "hidden", "secure",
    "private", "redacted", "xxx", "n/a", "na", "null", "sensitive", "required", "optional",
    "tmp", "temp", "demo", "local", "dev", "development"};
constexpr std::string_view kLiteralKeywords[] = {"true",  "false", "null", "none", "nil",
                                                 "undefined", "yes", "no", "on", "off"};

bool IsAllOf(std::string_view s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!pred(c)) return false;
  return true;
}

bool LooksLikeVersion(std::string_view v) {
  // 1.2, v1.2.3, 2024.01.05-rc1
  size_t i = 0;
  if (i < v.size() && (v[i] == 'v' || v[i] == 'V')) ++i;
  int dots = 0, digits = 0;
  for (; i < v.size(); ++i) {
    const unsigned char c = v[i];
    if (std::isdigit(c)) ++digits;
    else if (c == '.') ++dots;
    else if (c == '-' || c == '+') break;
    else return false;
  }
  return dots >= 1 && digits >= 2;
}

bool LooksLikeUuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (v[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(v[i]))) {
      return false;
    }
  }
  return true;
}

bool LooksLikeFileName(const std::string& lower) {
  static constexpr std::string_view kExt[] = {".pem", ".key", ".crt", ".cer", ".txt", ".json",
                                              ".yaml", ".yml", ".xml", ".p12", ".pfx", ".jks",
                                              ".conf", ".cfg", ".ini", ".env", ".properties",
                                              ".html", ".php", ".js", ".py", ".sh", ".gpg"};
  for (auto e : kExt)
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
      return true;
  return false;
}

// "secretsecret", "abcabcabc": the value is one part repeated.
bool IsRepeated(std::string_view v) {
  for (size_t p = 1; p <= v.size() / 2; ++p) {
    if (v.size() % p) continue;
    bool same = true;
    for (size_t i = p; i < v.size() && same; ++i) same = v[i] == v[i - p];
    if (same) return true;
  }
  return false;
}

bool LooksLikeEmail(std::string_view v) {
  const size_t at = v.find('@');
  if (at == std::string_view::npos || at == 0 || v.find('@', at + 1) != std::string_view::npos)
    return false;
  const size_t dot = v.find('.', at);
  if (dot == std::string_view::npos || dot + 2 > v.size()) return false;
  for (unsigned char c : v)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '@'))
      return false;
  return true;
}

}  // namespace

bool LooksLikeReference(std::string_view v) {
  if (v.empty()) return true;
  const char c0 = v[0];
  if (c0 == '$' || c0 == '%' || c0 == '@' || c0 == '&' || c0 == '*' || c0 == '!') {
    // $VAR, ${VAR}, %VAR%, @Value, &ref / *alias (YAML), !vault / !Ref
    if (v.size() == 1) return true;
    if (c0 == '$' || c0 == '%') {
      const unsigned char c1 = v[1];
      if (std::isalpha(c1) || c1 == '{' || c1 == '(' || c1 == '_' || c1 == 's' || c1 == 'd')
        return true;
    } else {
      if (std::isalpha(static_cast<unsigned char>(v[1]))) return true;
    }
  }
  const std::string lower = Lower(v);
  static constexpr std::string_view kMarkers[] = {
      "${", "{{", "}}", "$(", "%(", "#{", "<%", "%>", "{%", "os.environ", "getenv", "process.env",
      "env(", "env[", "environ[", "config.get", "config[", "settings.", "vault:", "secretkeyref",
      "valuefrom", "ssm:", "arn:aws", "[[", "]]", "{0}", "{}"};
  for (auto m : kMarkers)
    if (Contains(lower, m)) return true;
  // printf-style formats ("%s", "user:%s", "postgres://%s:%s@%s"): case-sensitive, and only when
  // the rest is plain text (a random password may hold "%s" beside its other symbols).
  if (Contains(v, "%s") || Contains(v, "%d")) {
    bool plain = true;
    for (size_t i = 0; i < v.size() && plain; ++i) {
      const unsigned char c = v[i];
      if (c == '%' && i + 1 < v.size() && (v[i + 1] == 's' || v[i + 1] == 'd')) { ++i; continue; }
      plain = std::isalnum(c) || c == ' ' || c == ':' || c == '/' || c == '@' || c == '.' ||
              c == '_' || c == '-' || c == '=';
    }
    if (plain) return true;
  }
  // An interpolation: f"{token}", `${x}` (caught above), "{user.password}"
  for (size_t open = v.find('{'); open != std::string_view::npos; open = v.find('{', open + 1)) {
    size_t i = open + 1;
    if (i < v.size() && (std::isalpha(static_cast<unsigned char>(v[i])) || v[i] == '_')) {
      while (i < v.size() && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '_' ||
                              v[i] == '.' || v[i] == '[' || v[i] == ']' || v[i] == '\'' ||
                              v[i] == '"'))
        ++i;
      // ...but not a password scheme's tag: {SSHA}..., {CRYPT}$6$..., {noop}secret (Spring)
      static constexpr std::string_view kSchemes[] = {
          "ssha", "sha", "smd5", "md5", "crypt", "ssha256", "ssha384", "ssha512", "sha256",
          "sha512", "pbkdf2", "argon2", "bcrypt", "cleartext", "plain", "noop", "scrypt"};
      std::string name = Lower(v.substr(open + 1, i - open - 1));
      bool scheme = false;
      for (auto sc : kSchemes) scheme = scheme || name == sc;
      if (i < v.size() && (v[i] == '}' || v[i] == ':' || v[i] == '!') && !scheme) return true;
    }
  }
  if (lower.front() == '<' && lower.back() == '>') return true;  // <password>
  if (lower.front() == '[' && lower.back() == ']') return true;  // [PASSWORD]
  if (lower.front() == '{' && lower.back() == '}') return true;  // {password}
  // A call or member access in code: getPassword(), self.password, cfg.db.pass
  const size_t paren = lower.find('(');
  if (paren != std::string::npos && paren > 0 && lower.back() == ')') {
    bool ident = true;
    for (size_t i = 0; i < paren; ++i) {
      const unsigned char c = lower[i];
      if (!(std::isalnum(c) || c == '_' || c == '.')) ident = false;
    }
    if (ident) return true;
  }
  return false;
}

CredentialScore ScoreCredential(std::string_view key, std::string_view value,
                                std::string_view line, CredentialSlot slot, bool quoted) {
  const Weights& W = LoadWeights();
  CredentialScore out;
  double logit = W.bias;
  auto add = [&](const std::string& name) {
    logit += W.Get(name);
    out.reasons.push_back(name);
  };

  const KeyClass kc = ClassifyKey(key);
  const std::string& key_word = kc.word;
  // The weight is the strength's; the reason names the word found ("key:password").
  logit += W.Get(std::string(kc.strength));
  out.reasons.push_back(key_word.empty() ? std::string(kc.strength) : "key:" + key_word);
  if (slot == CredentialSlot::kCredentialOnly) add("slot:credential-only");

  // An OpenSSL pass-phrase argument (openssl.cnf, -passin/-passout): "pass:VALUE" holds the
  // password itself; env:VAR, file:PATH and fd:N only say where it is.
  std::string lower = Lower(value);
  bool passphrase_source = false;
  if (lower.rfind("env:", 0) == 0 || lower.rfind("file:", 0) == 0 || lower.rfind("fd:", 0) == 0) {
    const std::string_view rest = value.substr(value.find(':') + 1);
    passphrase_source = !rest.empty() && rest.find_first_of(" \t") == std::string_view::npos;
  } else if (lower.rfind("pass:", 0) == 0 && value.size() > 5) {
    value.remove_prefix(5);
    lower.erase(0, 5);
  }
  bool fatal = false;
  auto fatal_if = [&](bool cond, const char* name) {
    if (cond) {
      add(name);
      fatal = true;
    }
  };
  if (slot != CredentialSlot::kCredentialOnly && (kc.not_credential || key_word.empty()))
    fatal_if(true, "key:not-a-credential");
  if (!fatal)
    fatal_if(value.empty() || passphrase_source || LooksLikeReference(value), "value:reference");
  if (!fatal) {
    for (auto k : kLiteralKeywords)
      if (lower == k) { fatal_if(true, "value:literal-keyword"); break; }
  }
  if (!fatal && !key_word.empty() && lower == key_word) fatal_if(true, "value:equals-key");
  if (!fatal) {
    bool ph = IsPlaceholder(value);
    for (auto p : kPlaceholderValues)
      if (!ph && Contains(lower, p)) ph = true;
    for (auto p : kPlaceholderWhole)
      if (!ph && lower == p) ph = true;
    fatal_if(ph, "value:placeholder");
  }
  if (fatal) {
    out.score = 1.0 / (1.0 + std::exp(-logit));
    out.drop = true;
    return out;
  }

  bool has_lower = false, has_upper = false, has_digit = false, has_symbol = false,
       has_space = false;
  bool all_letters = !value.empty();
  for (unsigned char c : value) {
    if (!(std::isalpha(c) || c >= 0x80)) all_letters = false;
    if (std::islower(c) || c >= 0x80) has_lower = true;  // a letter outside ASCII counts as one
    else if (std::isupper(c)) has_upper = true;
    else if (std::isdigit(c)) has_digit = true;
    else if (c == ' ' || c == '\t') has_space = true;
    else if (c != '-' && c != '_' && c != '.') has_symbol = true;
  }
  const bool has_alpha = has_lower || has_upper;
  if (has_space) add("value:sentence");
  if (value.size() < 4) add("value:too-short");
  else if (value.size() < 6) add("value:short");
  if (value.size() >= 16) add("value:long");
  if (has_alpha && has_digit) add("value:letters+digits");
  if (has_symbol) add("value:symbol");
  if (has_lower && has_upper) add("value:mixed-case");
  const double h = ShannonEntropy(value);
  if (h >= 3.5) add("value:entropy>=3.5");
  if (h >= 4.2) add("value:entropy>=4.2");
  if (IsAllOf(value, std::isdigit)) add("value:numeric");
  size_t chars = 0;  // characters, not bytes (UTF-8 continuation bytes are not counted)
  bool non_ascii = false;
  for (unsigned char c : value) {
    if ((c & 0xC0) != 0x80) ++chars;
    if (c >= 0x80) non_ascii = true;
  }
  if (all_letters && chars <= 14) add("value:word");
  if (non_ascii) add("value:non-ascii");
  // Lower-case words joined by hyphens: a tag, a name or an option (no-debconf-config,
  // read-only-root, keep-alive-timeout), seldom a password.
  {
    size_t hyphens = 0;
    bool kebab = !value.empty() && value.front() != '-' && value.back() != '-';
    for (size_t i = 0; i < value.size() && kebab; ++i) {
      const unsigned char c = value[i];
      if (c == '-') {
        ++hyphens;
        if (value[i - 1] == '-') kebab = false;
      } else if (!std::islower(c)) {
        kebab = false;
      }
    }
    if (kebab && hyphens >= 2) add("value:hyphenated-words");
  }  // natural language: a label, a translation
  // Code, not a literal: an identifier (user_input, userPass) where the value is unquoted, or a
  // member access or lookup (self.password, cfg.db.pass, db.example.com,
  // Rails.configuration.stripe[:secret_key], settings['password']).
  if (!has_digit && !has_space) {
    const unsigned char c0 = value[0];
    bool ident = std::isalpha(c0) || c0 == '_' || c0 == '$';
    bool camel = false, access = false;
    for (size_t i = 0; i < value.size() && ident; ++i) {
      const unsigned char c = value[i];
      if (c == '.' || c == '[' || (c == ':' && i + 1 < value.size() && value[i + 1] == ':')) {
        access = true;
        continue;
      }
      if (!(std::isalpha(c) || c == '_' || c == '$' || c == ']' || c == ':' ||
            (access && (c == '\'' || c == '"'))))
        ident = false;
      if (i > 0 && std::isupper(c) && std::islower(static_cast<unsigned char>(value[i - 1])))
        camel = true;
    }
    const char last = value.back();
    if (ident && access && last != '.' && last != '[') {
      add("value:dotted-identifier");  // code or a host name, never a literal credential
      out.score = 1.0 / (1.0 + std::exp(-logit));
      out.drop = true;
      return out;
    }
    else if (ident && !access && !quoted &&
             (camel || value.find('_') != std::string_view::npos))
      add("value:identifier");
  }
  // An identifier that names the credential: dbPassword, user_password, SECRET_KEY.
  if (!has_digit && !has_symbol && !has_space && value.size() > key_word.size()) {
    const std::string letters = KeyLetters(value);
    bool named = false;
    for (auto w : kStrongPasswordWords) named = named || Contains(letters, w);
    for (auto w : kStrongWords) named = named || Contains(letters, w);
    if (named) add("value:keyword-identifier");
  }
  if (value.size() >= 4 && IsRepeated(value)) add("value:repeated");
  if (LooksLikeVersion(value)) add("value:version");
  if (lower.find("://") != std::string::npos) add("value:url");
  else if ((value[0] == '/' || value.substr(0, 2) == "./" || value.substr(0, 3) == "../" ||
            value.substr(0, 2) == "~/" || (value.size() > 2 && value[1] == ':' && value[2] == '\\')) &&
           !has_space)
    add("value:path");
  if (LooksLikeEmail(value)) add("value:email");
  if (LooksLikeUuid(value)) add("value:uuid");
  if (LooksLikeFileName(lower)) {
    add("value:filename");
    if ((lower.find('/') != std::string::npos || lower.find('\\') != std::string::npos) &&
        std::find(out.reasons.begin(), out.reasons.end(), "value:path") == out.reasons.end())
      add("value:path");  // certs/server.key
  }
  const std::string line_lower = Lower(line.substr(0, std::min<size_t>(line.size(), 400)));
  static constexpr std::string_view kUiWords[] = {"label", "placeholder", "hint", "message",
                                                  "translat", "i18n", "tooltip", "prompt",
                                                  "description", "title"};
  for (auto w : kUiWords)
    if (Contains(line_lower, w)) { add("line:ui"); break; }

  out.score = 1.0 / (1.0 + std::exp(-logit));
  out.drop = out.score < 0.2;
  return out;
}

Confidence ConfidenceFromScore(double score) {
  return score >= 0.8 ? Confidence::kHigh : score >= 0.5 ? Confidence::kMedium : Confidence::kLow;
}

double ScoreFromConfidence(Confidence c) {
  return c == Confidence::kHigh ? 0.95 : c == Confidence::kMedium ? 0.75 : 0.35;
}

}  // namespace leakhound
