// A secret value whose printing redacts it.
//
// Everything inside leakhound holds secrets as `Secret`. Streaming one, or asking for
// `Redacted()`, gives a form that is safe to print (the documented prefix, an ellipsis, the last
// few characters of a long value and the length).
// Only `Reveal()` gives the raw bytes; sinks call it solely when the user asked for
// `--show-secrets`. Copyable and movable; thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace leakhound {

// How many trailing characters a redacted value shows by default (--redact-keep).
inline constexpr size_t kDefaultRedactKeep = 4;

// The redacted form of `value`, whose first `prefix` bytes are a documented prefix that names
// the kind of secret and is not secret itself ("ghp_", "AKIA"): the prefix, "…", then the last
// `keep` characters of the rest, only when the rest is at least 16 bytes long and never more
// than a quarter of it, then the length in bytes: "ghp_…x7Kq (40)", "…Qm9T (32)", "…(12)".
// A `prefix` longer than half the value is not trusted (nothing of it is shown). Non-printable
// or non-ASCII bytes shown are printed as '?'.
std::string Redact(std::string_view value, size_t prefix = 0, size_t keep = kDefaultRedactKeep);

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value, size_t documented_prefix = 0)
      : value_(std::move(value)), prefix_(documented_prefix) {}

  // A secret known only by its redacted form, `length` bytes long (read back from a report
  // written without --show-secrets): Redacted() and Reveal() give that form as it is.
  static Secret KnownRedacted(std::string redacted, size_t length) {
    Secret s(std::move(redacted));
    s.known_length_ = length;
    s.redacted_only_ = true;
    return s;
  }

  std::string Redacted(size_t keep = kDefaultRedactKeep) const {
    return redacted_only_ ? value_ : Redact(value_, prefix_, keep);
  }
  // The length of the documented prefix (see Redact), 0 when none is known.
  size_t documented_prefix() const { return prefix_; }
  void set_documented_prefix(size_t n) { prefix_ = n; }
  // The raw bytes. Call only on an explicit opt-in path (--show-secrets) or for hashing.
  const std::string& Reveal() const { return value_; }
  size_t size() const { return redacted_only_ ? known_length_ : value_.size(); }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }
  friend std::ostream& operator<<(std::ostream& os, const Secret& s) { return os << s.Redacted(); }

 private:
  std::string value_;
  size_t prefix_ = 0;
  size_t known_length_ = 0;
  bool redacted_only_ = false;
};

}  // namespace leakhound
