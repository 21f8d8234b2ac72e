// Rules: data that describes one kind of secret, loaded from YAML.
//
// A rule is validated when loaded (required fields, severity, id syntax); whether its pattern
// compiles is checked when a RuleSet is built. Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakhound {

enum class Severity { kInfo = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };
enum class Confidence { kLow = 0, kMedium = 1, kHigh = 2 };
// Offline validators a rule may name with `checksum:`.
enum class ChecksumKind {
  kNone,
  kGithubCrc32,
  kJwt,
  kBase64_64,
  kBase58Check,
  kBip39,
  kBech32,
};
// How a rule's matches are judged after RE2 confirms them: by min_entropy and the placeholder
// filter (kNone), or by the credential scorer (a score in [0, 1] from the key and the value):
// `credential` for a key/value assignment, `credential-slot` for a place that can only hold a
// credential (`IDENTIFIED BY '...'`, `sshpass -p ...`, a password argument of a login call).
enum class Scorer { kNone = 0, kCredential = 1, kCredentialSlot = 2 };

std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view name);
std::string_view ConfidenceName(Confidence c);
std::optional<Confidence> ParseConfidence(std::string_view name);
std::string_view ChecksumName(ChecksumKind k);
std::optional<ChecksumKind> ParseChecksum(std::string_view name);

struct Rule {
  std::string id;  // stable, e.g. "github.pat"
  std::string name;
  std::string description;
  Severity severity = Severity::kMedium;
  std::string pattern;  // RE2 and Hyperscan syntax
  int secret_group = 1;
  std::vector<std::string> keywords;   // lower-cased; the match must contain one
  std::vector<std::string> stopwords;  // lower-cased; the match must contain none
  double min_entropy = 0.0;
  ChecksumKind checksum = ChecksumKind::kNone;
  bool placeholder_filter = true;
  uint32_t max_length = 8192;  // longest match considered, bytes
  // `scorer: credential`: the credential scorer decides (min_entropy and the placeholder filter
  // still apply when set), and findings are filtered by --min-confidence. `key_group` is the
  // capture group holding the key (0: the whole match before the secret).
  Scorer scorer = Scorer::kNone;
  int key_group = 0;
  std::vector<std::string> examples;
  std::vector<std::string> negative_examples;
  std::vector<std::string> references;
  std::vector<std::string> tags;
  // Set on a rule that a config-file analyzer reports (dotenv, compose, dockerfile, kubernetes):
  // it has no pattern and is not compiled; the analyzer decides, using min_entropy and
  // placeholder_filter, and the examples are whole files of that kind.
  std::string analyzer;
  // What to do about a finding, when the rule says (shown in reports).
  std::string remediation;
  std::string source;  // where it was loaded from, e.g. "rules/github.yaml" or "<builtin>/github.yaml"

  bool HasTag(std::string_view tag) const;
  // Where two rules report overlapping secrets, the higher priority wins: a vendor rule (2)
  // over a rule tagged `fallback` (1: JWTs, credential-file formats) over one tagged `generic`
  // (0: keyword assignments). Set once when the rule is loaded.
  int priority = 2;
  // An identifier rule (tagged `identifier`) is lowest too: it never takes a secret's place.
  void SetPriorityFromTags() {
    priority = HasTag("generic") || HasTag("identifier") ? 0 : HasTag("fallback") ? 1 : 2;
  }
  // A rule for a value that grants nothing alone and has no revocation of its own (an account
  // id, a tenant id, a client id, a user name): tagged `identifier`. Its matches are never
  // findings; they are reported as context of a secret found near them (AttachIdentifiers).
  bool IsIdentifier() const { return HasTag("identifier"); }
  // A rule whose evidence is context (a key word, a file's kind) rather than a distinctive
  // prefix or structure: tagged `generic`, or judged by the credential scorer. Only such
  // findings are filtered by --min-confidence.
  bool IsContextual() const { return scorer != Scorer::kNone || HasTag("generic"); }
};

// How many leading bytes of `secret`, found by `rule`, are the documented prefix of its kind
// of secret (shown when it is redacted): the longest of the rule's keywords, or of the literal
// texts its secret group starts with in the pattern ("ghp_", "AKIA"), that `secret` starts
// with and that is at most half of it. 0 for generic and analyzer rules.
size_t DocumentedPrefixLength(const Rule& rule, std::string_view secret);

struct RuleError {
  std::string source;   // file
  std::string rule_id;  // may be empty when the file itself is bad
  std::string message;
  std::string ToString() const;
};

// Parses one YAML rule file (`rules: [...]`). Rules that are invalid are not returned; each
// problem is appended to `errors`, naming the file and the rule id.
std::vector<Rule> LoadRulesFromYaml(std::string_view yaml_text, const std::string& source,
                                    std::vector<RuleError>* errors);

// Loads every *.yaml / *.yml file in `dir` (sorted by name). A missing or unreadable directory
// is an error.
std::vector<Rule> LoadRulesFromDirectory(const std::string& dir, std::vector<RuleError>* errors);

// The rules compiled into the binary. With a `cache_dir`, the parsed rules (without their
// examples, which only `rules check` needs) are cached there, keyed by a hash of the embedded
// files, because parsing the YAML costs more than the rest of a warm start.
std::vector<Rule> LoadBuiltinRules(std::vector<RuleError>* errors);
std::vector<Rule> LoadBuiltinRulesCached(const std::string& cache_dir,
                                         std::vector<RuleError>* errors);

// Reads a whole file; false when it cannot be opened or read.
bool ReadWholeFile(const std::string& path, std::string* out);
// Writes a file atomically (temporary file, then rename); false on failure.
bool WriteFileAtomic(const std::string& path, std::string_view data);

// Merges `overrides` into `base`: a rule with an id already present replaces it.
void MergeRules(std::vector<Rule>* base, std::vector<Rule> overrides);

}  // namespace leakhound
