// Gitignore-style path globs, for excludes in .leakhound.yaml.
//
// `*` matches within one path component, `**` across components (`**/x`, `a/**`, `a/**/b`),
// `?` one character, `[a-z]` / `[!a-z]` a class. A pattern with no '/' (other than a trailing
// one) matches the name at any depth; one with a '/' is anchored at the scan root. A trailing
// '/' matches directories only, and a leading '!' re-includes what an earlier pattern excluded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leakhound {

// Matches `pattern` against the whole of `text`; '/' is only matched by `**`.
bool GlobMatch(std::string_view pattern, std::string_view text);

class PathMatcher {
 public:
  PathMatcher() = default;
  explicit PathMatcher(const std::vector<std::string>& patterns);
  // `path` is relative to the scan root, with '/' separators.
  bool Excluded(std::string_view path, bool is_dir) const;
  // A file's path from a listing that has no directory entries (git trees, the index): excluded
  // when it is, or when one of its parent directories is (as a directory walk would skip it).
  bool ExcludedFile(std::string_view path) const;
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;
  };
  std::vector<Pattern> patterns_;
};

}  // namespace leakhound
