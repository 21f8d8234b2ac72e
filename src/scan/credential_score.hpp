// The credential scorer: how sure we are that a value assigned to a credential-looking key is a
// real credential. A key/value candidate (a rule with `scorer: credential`, or a config-file
// analyzer's literal in a credential slot) gets a score in [0, 1] from cheap, explainable
// features of the key (its strength: `password` > `pass` > `key`), the value (length, character
// classes, entropy, words, numbers, versions, paths, references, templates, placeholders) and
// the line around it; the reasons are kept for the report.
//
// The model is logistic: score = sigmoid(bias + sum of the weights of the features present).
// The weights are data: src/scan/credential_weights.tsv (embedded at build time; documented
// there and in docs/scoring.md). Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leakhound/rule.hpp"

namespace leakhound {

struct CredentialScore {
  double score = 0;                  // in [0, 1]
  std::vector<std::string> reasons;  // "key:password", "value:mixed-case+digits", ...
  // Below the floor at any confidence: code, a reference, an empty value, a true placeholder.
  bool drop = false;
};

// What kind of slot the value sits in. A credential-only slot (a Kubernetes Secret's data, a
// database image's password variable, a `.netrc` password, a `--password` flag) is reported
// whatever the value's strength; a general assignment needs a value that looks like one.
enum class CredentialSlot { kAssignment, kCredentialOnly };

// Scores `value` assigned to `key`; `line` is the whole line (or less), for nearby evidence;
// `quoted`: the value was a string literal (an unquoted identifier is likelier code). In an
// assignment, a key without a credential's word, or one about the credential rather than the
// credential itself (password_field, csrf_token, bypass), drops the candidate.
CredentialScore ScoreCredential(std::string_view key, std::string_view value,
                                std::string_view line,
                                CredentialSlot slot = CredentialSlot::kAssignment,
                                bool quoted = true);

// The confidence a score gives: high from 0.80, medium from 0.50, else low.
Confidence ConfidenceFromScore(double score);

// The score a finding of a rule without the scorer gets: from its checksum outcome (passing
// 0.95, none 0.75, failing 0.35).
double ScoreFromConfidence(Confidence c);

// True for values that are references or code, not literals: `${VAR}`, `$VAR`, `{{ x }}`,
// `%s`, `<password>`, `os.environ[...]`, `getenv(...)`, `process.env.X`, a call `f(...)`.
bool LooksLikeReference(std::string_view value);

}  // namespace leakhound
