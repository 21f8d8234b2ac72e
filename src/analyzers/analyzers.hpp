// Config-file analyzers: .env files, docker-compose files, Dockerfiles, Kubernetes manifests.
//
// An analyzer parses one file (with a real parser: yaml-cpp for YAML) into
//  - facts: key/value pairs as the rules should read them ("DB_PASSWORD=value", "ENV K=V"),
//    with a decoded value where the file encodes it (base64 Secret data, quoted .env values,
//    Dockerfile line continuations), scanned by the normal rules; and
//  - flags: findings of the analyzer's own rules (rules/analyzers.yaml: rules with an
//    `analyzer:` field and no pattern), such as a literal secret in a compose `environment`.
// Both carry the span of the value in the original file, so findings point at its real line.
//
// AnalyzeBlob (analyze_blob.cpp) joins an analysis with the normal scan of the same bytes: it
// scans the facts, filters the flags (entropy, placeholder, allow-list, disabled rules) and
// de-duplicates everything by span and rule priority. The pipeline calls it for any blob whose
// path names a known kind (DetectFileKind is a few byte comparisons on the base name).
//
// Everything here is a pure function of its inputs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "leakhound/blob.hpp"
#include "scan/blob_scanner.hpp"
#include "scan/credential_score.hpp"

namespace leakhound {

class AllowList;

enum class FileKind : uint8_t {
  kNone = 0,
  kDotenv,      // .env, .env.*, *.env
  kCompose,     // compose.yaml, docker-compose*.yml, ...
  kDockerfile,  // Dockerfile, Dockerfile.*, *.Dockerfile, Containerfile
  kYaml,        // any other *.yaml / *.yml: the content decides (SniffYaml)
  kKubernetes,  // a YAML file whose content has apiVersion: and kind:
  // Credential files, by name (credfiles.cpp):
  kNetrc,           // .netrc, _netrc
  kPgpass,          // .pgpass, pgpass.conf
  kRailsMasterKey,  // config/master.key, config/credentials/*.key
  kOpenvpnAuth,     // auth-user-pass files (under an openvpn directory), *.ovpn profiles
  kSftpConfig,      // sftp.json (VS Code SFTP), sftp-config.json (Sublime SFTP)
  kConsoleKeysCsv,  // credentials.csv, accessKeys.csv, *_accessKeys.csv: cloud console downloads
};

// The kind a path names, from its base name only.
FileKind DetectFileKind(std::string_view path);
// For kYaml: kKubernetes, kCompose or kNone, from a cheap look at the content.
FileKind SniffYaml(std::string_view data);
// .env.example, .env.sample, .env.template, .env.dist (files meant to be committed).
bool IsDotenvTemplate(std::string_view path);
// The analyzer name of a kind, as rules name it in `analyzer:` ("dotenv"...); "" for none.
std::string_view AnalyzerName(FileKind kind);

// A value as the rules should read it. `text` is scanned; [begin, end) is where the value
// (or the instruction holding it) is in the file.
struct Fact {
  std::string field;  // "services.web.environment.DB_PASSWORD", "Secret default/db data.password"
  std::string key;
  std::string value;
  std::string text;
  uint64_t begin = 0, end = 0;
};

// A finding of an analyzer rule. `secret` is what its fingerprint hashes (the value; for a
// finding about a file or a name, that path or name).
struct Flag {
  std::string rule_id;
  std::string secret;
  std::string field;
  uint64_t begin = 0, end = 0;  // the span shown (and redacted) in the snippet
  // The secret is a literal value: the rule's min_entropy and placeholder filter apply (for a
  // rule with `scorer: credential`, the credential scorer decides instead, from `key`, the
  // value and `slot`).
  bool literal = true;
  std::string key;  // the name the value is assigned to (DB_PASSWORD, "password" for --password)
  CredentialSlot slot = CredentialSlot::kAssignment;
};

// The analyzer's own score of one of its flags (ScoreCredential, for a value in a
// credential-only slot): it replaces the rule's min_entropy and placeholder filter, and the
// finding's confidence comes from it.
struct FlagScore {
  size_t flag = 0;  // index in Analysis::flags
  double score = 0;
  std::vector<std::string> reasons;
};

struct AnalyzerWarning {
  uint64_t line = 0;  // 1-based; 0 when not tied to a line
  std::string message;
};

struct Analysis {
  FileKind kind = FileKind::kNone;
  std::vector<Fact> facts;
  std::vector<Flag> flags;
  std::vector<FlagScore> scores;  // for some of the flags, in any order
  std::vector<AnalyzerWarning> warnings;
  // Files the analyzed file refers to and that are worth reading too (compose: the services'
  // env_file references, as written, relative to the compose file).
  std::vector<FollowUpRef> follow_ups;
};

Analysis AnalyzeDotenv(std::string_view data);
Analysis AnalyzeCompose(std::string_view data);
Analysis AnalyzeDockerfile(std::string_view data);
Analysis AnalyzeKubernetes(std::string_view data);
// Credential files by name (kNetrc ... kSftpConfig); others: empty.
Analysis AnalyzeCredentialFile(FileKind kind, std::string_view data);
// The credential-file kinds, in order (rules check runs a `credfile` rule's examples as each).
inline constexpr FileKind kCredentialFileKinds[] = {FileKind::kNetrc, FileKind::kPgpass,
                                                    FileKind::kRailsMasterKey,
                                                    FileKind::kOpenvpnAuth,
                                                    FileKind::kSftpConfig,
                                                    FileKind::kConsoleKeysCsv};
// Dispatches on `kind` (kYaml is sniffed first). kNone gives an empty analysis.
Analysis AnalyzeFile(FileKind kind, std::string_view data);

// ---- shared by the analyzers ----

// A secret-looking key name: DB_PASSWORD, apiKey, client-secret, STRIPE_KEY, GITHUB_TOKEN...
// but not DB_PASSWORD_FILE, TOKEN_URL, PUBLIC_KEY, SECRET_NAME.
bool IsSecretName(std::string_view key);
// A name that can only hold a credential: a password-like name (DB_PASSWORD, RABBITMQ_DEFAULT_PASS,
// db-pwd, passphrase) or a documented credential variable of a common database or service image
// (POSTGRES_PASSWORD, MONGO_INITDB_ROOT_PASSWORD, NEO4J_AUTH, VAULT_DEV_ROOT_TOKEN_ID...).
bool IsCredentialOnlyName(std::string_view key);
// A documented credential variable of a common image (the list in common.cpp).
bool IsImageCredentialVariable(std::string_view key);
// The slot a value under `key` sits in, for the credential scorer.
inline CredentialSlot SlotOf(std::string_view key) {
  return IsCredentialOnlyName(key) ? CredentialSlot::kCredentialOnly : CredentialSlot::kAssignment;
}
// The secret part of a value under `key`: the password of NEO4J_AUTH=user/password; else the
// value itself.
std::string CredentialPart(std::string_view key, const std::string& value);
// A documented default (guest, postgres, minioadmin...) or the key's own word
// (REDIS_PASSWORD=redis): a default credential rather than a chosen one.
bool IsKnownDefaultCredential(std::string_view key, std::string_view value);
// The rule id of the default-credential finding of an analyzer ("compose.default_credential").
std::string DefaultCredentialRule(FileKind kind);

// A value that refers to a secret kept elsewhere rather than holding one: ${VAR}, $VAR,
// {{ template }}, /run/secrets/..., a path, a URL without credentials, vault:/arn:/op:// refs.
bool IsReference(std::string_view value);
// Strict standard base64 (padding optional, whitespace ignored); false when invalid.
bool DecodeBase64(std::string_view in, std::string* out);

// Start offsets of the lines of a buffer, for offset -> (line, column).
class LineIndex {
 public:
  explicit LineIndex(std::string_view data);
  uint64_t Line(uint64_t offset) const;  // 1-based
  uint64_t LineStart(uint64_t offset) const;
  uint64_t LineEnd(uint64_t offset) const;  // offset of the '\n' (or the end)
  uint64_t OffsetOfLine(uint64_t line) const;  // 1-based line -> its start
  uint64_t size() const { return data_.size(); }

 private:
  std::string_view data_;
  std::vector<uint64_t> starts_;
};

// ---- the pipeline's entry point ----

struct AnalyzedBlob {
  std::vector<AnalyzerWarning> warnings;
  uint64_t suppressed = 0;  // matches dropped in favour of a better one on the same span
  uint64_t allowed = 0;
  // For a .env file: each key whose value gave a finding, with that value (the "committed
  // .env" finding lists them).
  std::vector<std::pair<std::string, std::string>> dotenv_secrets;
  // Files to read and analyze too (a compose file's env_file references), for the blob's
  // source to resolve: see FollowUpAttributes. Leaves out what a walk analyzes anyway (a
  // reference named like a .env file).
  std::vector<FollowUpRef> follow_ups;
};

// The kind of file the blob at `origin` is: DetectFileKind of its path, unless it was read
// as a follow-up reference that says how to read it (FollowUpAttributes).
FileKind OriginFileKind(const Origin& origin);
// The attributes of the origin of a follow-up reference read for the blob at `from`: how to
// analyze it (analyzed_as) and which file referred to it (env_file_of).
std::vector<std::pair<std::string, std::string>> FollowUpAttributes(const Origin& from,
                                                                    const FollowUpRef& ref);

// Runs the analyzer of `kind` over `data`, scans its facts with `scanner`, and merges the
// result into `matches` (the normal matches of the same bytes, replaced by the merged list).
void AnalyzeBlob(FileKind kind, std::string_view data, BlobScanner& scanner,
                 const AllowList* allow, std::vector<Match>* matches, AnalyzedBlob* out);

// The "committed .env file" match for a .env file at `path` (repository-relative) holding
// `secrets` (its secret, what the fingerprint hashes, is "git:" + path); false when the rule is
// disabled.
bool CommittedDotenvMatch(const RuleSet& rules, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& secrets,
                          Match* out);

// The "committed .env file" match for a .env file found at `origin` holding `secrets`: one
// found in git history or the index, or on disk and listed in `tracked` (TrackedDotenvFiles);
// never a template (.env.example...). False when the file is not committed, holds no secret,
// or the rule is disabled.
bool CommittedDotenvMatchAt(const RuleSet& rules, const Origin& origin,
                            const std::unordered_map<std::string, std::string>& tracked,
                            const std::vector<std::pair<std::string, std::string>>& secrets,
                            Match* out);

// Files tracked by the git repository that contains `root`, if any: real path -> path in the
// repository. Only .env-kind files are listed (cheap: one pass over the index).
std::unordered_map<std::string, std::string> TrackedDotenvFiles(const std::string& root);

}  // namespace leakhound
