// A secret value whose printing redacts it.
//
// Everything inside leakhound holds secrets as `Secret`. Streaming one, or asking for
// `Redacted()`, gives a form that is safe to print (a short prefix, an ellipsis and the length).
// Only `Reveal()` gives the raw bytes; sinks call it solely when the user asked for
// `--show-secrets`. Copyable and movable; thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace leakhound {

// The redacted form of `value`: at most 4 leading characters (fewer for short values, so that
// at least three quarters stay hidden), then "…" and the length in bytes, e.g. "ghp_…(40)".
// Non-printable or non-ASCII bytes in the prefix are shown as '?'.
std::string Redact(std::string_view value);

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  std::string Redacted() const { return Redact(value_); }
  // The raw bytes. Call only on an explicit opt-in path (--show-secrets) or for hashing.
  const std::string& Reveal() const { return value_; }
  size_t size() const { return value_.size(); }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }
  friend std::ostream& operator<<(std::ostream& os, const Secret& s) { return os << s.Redacted(); }

 private:
  std::string value_;
};

}  // namespace leakhound
