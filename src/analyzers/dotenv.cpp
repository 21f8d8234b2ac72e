// .env files: KEY=VALUE lines, as docker compose, python-dotenv and dotenv (node) read them:
// `export` prefixes, single / double / back quotes (double quotes take escapes), values that
// span lines inside quotes, inline comments after whitespace, ${VAR} references.
#include "analyzers/analyzers.hpp"

#include <cctype>

namespace leakhound {
namespace {

bool IsKeyStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

}  // namespace

Analysis AnalyzeDotenv(std::string_view d) {
  Analysis out;
  out.kind = FileKind::kDotenv;
  const size_t n = d.size();
  size_t pos = 0;
  uint64_t line = 1;
  uint64_t bad_lines = 0, first_bad = 0;
  auto eol = [&](size_t p) {
    const size_t e = d.find('\n', p);
    return e == std::string_view::npos ? n : e;
  };
  auto next_line = [&](size_t e) {  // moves past the '\n' at e (or to the end)
    pos = e < n ? e + 1 : n;
    ++line;
  };
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (pos < n) {
    size_t p = pos;
    while (p < n && blank(d[p])) ++p;
    const size_t e = eol(p);
    if (p == e || d[p] == '#' || (d[p] == '\r' && p + 1 == e)) {
      next_line(e);
      continue;
    }
    if (d.compare(p, 6, "export") == 0 && p + 6 < n && blank(d[p + 6])) {
      p += 6;
      while (p < n && blank(d[p])) ++p;
    }
    const size_t key_begin = p;
    if (p < n && IsKeyStart(d[p])) {
      while (p < n && IsKeyChar(d[p])) ++p;
    }
    const std::string key(d.substr(key_begin, p - key_begin));
    while (p < n && blank(d[p])) ++p;
    if (key.empty() || p >= n || d[p] != '=') {
      if (bad_lines++ == 0) first_bad = line;
      next_line(e);
      continue;
    }
    ++p;  // '='
    while (p < n && blank(d[p])) ++p;
    const uint64_t key_line = line;
    std::string value;
    size_t vbegin = p, vend = p;
    const char q = p < n ? d[p] : '\0';
    if (q == '"' || q == '\'' || q == '`') {
      size_t k = p + 1;
      bool closed = false;
      for (; k < n; ++k) {
        const char c = d[k];
        if (c == q) {
          closed = true;
          break;
        }
        if (c == '\\' && q == '"' && k + 1 < n) {
          const char x = d[++k];
          switch (x) {
            case 'n': value.push_back('\n'); break;
            case 't': value.push_back('\t'); break;
            case 'r': value.push_back('\r'); break;
            case '"': case '\\': case '$': value.push_back(x); break;
            case '\n': ++line; break;  // a line continuation inside the quotes
            default: value.push_back('\\'); value.push_back(x); break;
          }
          continue;
        }
        if (c == '\n') ++line;
        value.push_back(c);
      }
      if (!closed) {
        out.warnings.push_back({key_line, "unterminated " + std::string(1, q) +
                                              "-quoted value of " + key});
        line = key_line;
        const size_t le = eol(p);
        vbegin = p + 1;
        vend = le;
        value.assign(d.substr(vbegin, vend - vbegin));
        if (!value.empty() && value.back() == '\r') value.pop_back();
        next_line(le);
      } else {
        vbegin = p + 1;
        vend = k;
        next_line(eol(k));
      }
    } else {
      const size_t le = eol(p);
      size_t k = p;
      for (; k < le; ++k)
        if (d[k] == '#' && k > p && blank(d[k - 1])) break;  // an inline comment
      size_t end = k;
      while (end > p && (blank(d[end - 1]) || d[end - 1] == '\r')) --end;
      vbegin = p;
      vend = end;
      value.assign(d.substr(p, end - p));
      next_line(le);
    }
    Fact f;
    f.field = key;
    f.key = key;
    f.value = value;
    f.text = key + "=" + value;
    f.begin = vbegin;
    f.end = vend;
    if (IsSecretName(key) && !IsReference(value)) {
      Flag fl{"dotenv.secret", CredentialPart(key, value), key, vbegin, vend, true};
      fl.key = key;
      fl.slot = SlotOf(key);
      out.flags.push_back(std::move(fl));
    }
    out.facts.push_back(std::move(f));
  }
  if (bad_lines)
    out.warnings.push_back(
        {first_bad, "not a KEY=VALUE line" +
                        (bad_lines > 1 ? " (and " + std::to_string(bad_lines - 1) + " more)"
                                       : std::string())});
  return out;
}

}  // namespace leakhound
