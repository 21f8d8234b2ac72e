#include "config/glob.hpp"

namespace leakhound {
namespace {

// Matches a bracket class at p (just past '['); sets *len to the class's length in the pattern.
bool MatchClass(std::string_view p, char c, size_t* len, bool* ok) {
  size_t i = 0;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < p.size() && (first || p[i] != ']')) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) matched = true;
    ++i;
  }
  if (i >= p.size()) {  // no closing ']': not a class
    *ok = false;
    return false;
  }
  *ok = true;
  *len = i + 1;  // through ']'
  return matched != negate;
}

bool Match(std::string_view p, std::string_view t) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      if (rest.empty()) return true;
      if (rest[0] == '/') {
        rest.remove_prefix(1);
        if (Match(rest, t)) return true;
        for (size_t i = 0; i < t.size(); ++i)
          if (t[i] == '/' && Match(rest, t.substr(i + 1))) return true;
        return false;
      }
      for (size_t i = 0; i <= t.size(); ++i)
        if (Match(rest, t.substr(i))) return true;
      return false;
    }
    const char c = p[0];
    if (c == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= t.size(); ++i) {
        if (Match(rest, t.substr(i))) return true;
        if (i < t.size() && t[i] == '/') break;
      }
      return false;
    }
    if (t.empty()) return false;
    if (c == '?') {
      if (t[0] == '/') return false;
      p.remove_prefix(1);
      t.remove_prefix(1);
      continue;
    }
    if (c == '[') {
      size_t len = 0;
      bool ok = false;
      const bool m = MatchClass(p.substr(1), t[0], &len, &ok);
      if (ok) {
        if (!m || t[0] == '/') return false;
        p.remove_prefix(1 + len);
        t.remove_prefix(1);
        continue;
      }
    }
    char lit = c;
    if (c == '\\' && p.size() > 1) {
      lit = p[1];
      p.remove_prefix(1);
    }
    if (t[0] != lit) return false;
    p.remove_prefix(1);
    t.remove_prefix(1);
  }
  return t.empty();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) { return Match(pattern, text); }

PathMatcher::PathMatcher(const std::vector<std::string>& patterns) {
  for (std::string g : patterns) {
    Pattern p;
    if (!g.empty() && g[0] == '!') {
      p.negate = true;
      g.erase(0, 1);
    }
    if (!g.empty() && g.back() == '/') {
      p.dir_only = true;
      g.pop_back();
    }
    if (!g.empty() && g[0] == '/') {
      p.anchored = true;
      g.erase(0, 1);
    }
    if (g.find('/') != std::string::npos) p.anchored = true;
    if (g.empty()) continue;
    p.glob = std::move(g);
    patterns_.push_back(std::move(p));
  }
}

bool PathMatcher::ExcludedFile(std::string_view path) const {
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1))
    if (Excluded(path.substr(0, slash), true)) return true;
  return Excluded(path, false);
}

bool PathMatcher::Excluded(std::string_view path, bool is_dir) const {
  bool excluded = false;
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (const auto& p : patterns_) {
    if (p.dir_only && !is_dir) continue;
    if (GlobMatch(p.glob, p.anchored ? path : name)) excluded = !p.negate;
  }
  return excluded;
}

}  // namespace leakhound
