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

// The key's word for its credential, strongest first.
const char* const kStrongWords[] = {
    "password", "passwd", "passphrase", "secret", "credential", "privatekey", "signingkey",
    "encryptionkey", "masterkey", "apikey", "accesskey", "token", "passwort", "contrasena",
    "motdepasse", "senha", "wachtwoord", "haslo"};
const char* const kMediumWords[] = {"pwd", "pass", "pw", "auth", "bearer", "session", "cookie",
                                    "salt", "seed", "otp", "totp", "nonce", "key", "cred"};

std::string_view KeyStrength(const std::string& letters, std::string* word) {
  for (const char* w : kStrongWords)
    if (Contains(letters, w)) {
      *word = w;
      return "key:strong";
    }
  for (const char* w : kMediumWords)
    if (Contains(letters, w)) {
      *word = w;
      return "key:medium";
    }
  return "key:weak";
}

constexpr std::string_view kPlaceholderValues[] = {
    "changeme", "change_me", "change-me", "changeit", "yourpassword", "your_password",
    "your-password", "yoursecret", "your_secret", "your-secret", "yourtoken", "your_token",
    "your-token", "your_api_key", "your-api-key", "yourapikey", "placeholder", "example",
    "redacted", "dummy", "sample", "notasecret", "not_a_secret", "replaceme", "replace_me",
    "replace-me", "todo", "tbd", "fixme", "insert", "enter_", "enter-", "mypassword",
    "my_password", "my-password", "mysecret", "my_secret", "xxxx", "****", "....", "----",
    "____", "fake", "secret_here", "password_here", "token_here", "key_here", "here"};
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
      "valuefrom", "ssm:", "arn:aws", "[[", "]]", "{0}", "{}", "%s", "%d"};
  for (auto m : kMarkers)
    if (Contains(lower, m)) return true;
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
                                std::string_view line, CredentialSlot slot) {
  const Weights& W = LoadWeights();
  CredentialScore out;
  double logit = W.bias;
  auto add = [&](const std::string& name) {
    logit += W.Get(name);
    out.reasons.push_back(name);
  };

  const std::string key_letters = KeyLetters(key);
  std::string key_word;
  const std::string_view strength = KeyStrength(key_letters, &key_word);
  // The weight is the strength's; the reason names the word found ("key:password").
  logit += W.Get(std::string(strength));
  out.reasons.push_back(key_word.empty() ? std::string(strength) : "key:" + key_word);
  if (slot == CredentialSlot::kCredentialOnly) add("slot:credential-only");

  const std::string lower = Lower(value);
  bool fatal = false;
  auto fatal_if = [&](bool cond, const char* name) {
    if (cond) {
      add(name);
      fatal = true;
    }
  };
  fatal_if(value.empty() || LooksLikeReference(value), "value:reference");
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
  for (unsigned char c : value) {
    if (std::islower(c)) has_lower = true;
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
  if (IsAllOf(value, std::isalpha) && value.size() <= 14) add("value:word");
  if (value.size() >= 6 && IsRepeated(lower)) add("value:repeated");
  // An identifier that names the credential: dbPassword, user_password, SECRET_KEY.
  if (!has_digit && !has_symbol && !has_space && value.size() > key_word.size()) {
    const std::string letters = KeyLetters(value);
    for (const char* w : kStrongWords)
      if (Contains(letters, w)) { add("value:keyword-identifier"); break; }
  }
  if (LooksLikeVersion(value)) add("value:version");
  if (lower.find("://") != std::string::npos) add("value:url");
  else if ((value[0] == '/' || value.substr(0, 2) == "./" || value.substr(0, 3) == "../" ||
            value.substr(0, 2) == "~/" || (value.size() > 2 && value[1] == ':' && value[2] == '\\')) &&
           !has_space)
    add("value:path");
  if (LooksLikeEmail(value)) add("value:email");
  if (LooksLikeUuid(value)) add("value:uuid");
  if (LooksLikeFileName(lower)) add("value:filename");
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
