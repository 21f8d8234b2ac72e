// Credential files recognised by their name, each parsed for what it is: .netrc / _netrc,
// .pgpass, Rails master keys, OpenVPN auth-user-pass files, SFTP editor configs, access keys
// downloaded from cloud consoles (CSV). A value found in a slot that can
// only hold a credential is scored by the credential scorer as such (CredentialSlot::
// kCredentialOnly), so a weak password is still reported, with the confidence saying how sure.
#include <cctype>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/analyzers.hpp"
#include "scan/credential_score.hpp"

namespace leakhound {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The whole line around `offset` (at most 400 bytes), for the scorer's nearby evidence.
std::string_view LineAround(std::string_view data, uint64_t offset) {
  const size_t ls = data.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t begin = (ls == std::string_view::npos || offset == 0) ? 0 : ls + 1;
  size_t end = data.find('\n', offset);
  if (end == std::string_view::npos) end = data.size();
  return data.substr(begin, std::min<size_t>(end - begin, 400));
}

// A flag for a value in a credential-only slot, scored; none when the scorer drops it (a
// reference, a template, an empty value, a true placeholder).
void AddScored(Analysis* a, std::string_view data, const char* rule_id, std::string field,
               std::string_view key, std::string value, uint64_t begin, uint64_t end) {
  if (value.empty()) return;
  CredentialScore s = ScoreCredential(key, value, LineAround(data, begin),
                                      CredentialSlot::kCredentialOnly);
  if (s.drop) return;
  Flag f;
  f.rule_id = rule_id;
  f.secret = std::move(value);
  f.field = std::move(field);
  f.begin = begin;
  f.end = end;
  a->scores.push_back({a->flags.size(), s.score, std::move(s.reasons)});
  a->flags.push_back(std::move(f));
}

// ---- .netrc ----
// Tokens separated by white space, newlines included: "machine NAME", "default", "login NAME",
// "password VALUE", "account VALUE", "macdef NAME" (its body runs to the next empty line). A
// token may be double-quoted with backslash escapes (curl reads them so).
struct Token {
  std::string text;
  uint64_t begin = 0, end = 0;
};

bool NextToken(std::string_view d, size_t* i, Token* t) {
  while (*i < d.size() && IsSpace(d[*i])) ++*i;
  if (*i >= d.size()) return false;
  t->begin = *i;
  t->text.clear();
  if (d[*i] == '"') {
    ++*i;
    while (*i < d.size() && d[*i] != '"' && d[*i] != '\n') {
      if (d[*i] == '\\' && *i + 1 < d.size()) ++*i;
      t->text += d[(*i)++];
    }
    if (*i < d.size() && d[*i] == '"') ++*i;
  } else {
    while (*i < d.size() && !IsSpace(d[*i])) t->text += d[(*i)++];
  }
  t->end = *i;
  return true;
}

Analysis AnalyzeNetrc(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kNetrc;
  size_t i = 0;
  Token t, v;
  std::string machine, login;
  struct Pending {
    std::string value;
    uint64_t begin = 0, end = 0;
    bool set = false;
  } password;
  auto flush = [&] {
    // Anonymous FTP ("login anonymous password user@host") is a convention, not a credential.
    // A password equal to the login is a default account's (and would show in the snippet).
    if (password.set && !EqualsNoCase(login, "anonymous") && !EqualsNoCase(login, "ftp") &&
        password.value != login)
      AddScored(&a, d, "credfile.netrc_password", "netrc " + (machine.empty() ? "default" : machine),
                "password", password.value, password.begin, password.end);
    machine.clear();
    login.clear();
    password = Pending{};
  };
  while (NextToken(d, &i, &t)) {
    if (t.text == "machine" || t.text == "default") {
      flush();
      if (t.text == "machine" && NextToken(d, &i, &v)) machine = v.text;
    } else if (t.text == "login" || t.text == "account") {
      if (!NextToken(d, &i, &v)) break;
      if (t.text == "login") login = v.text;
    } else if (t.text == "password" || t.text == "passwd") {
      if (!NextToken(d, &i, &v)) break;
      password = {v.text, v.begin, v.end, true};
    } else if (t.text == "macdef") {
      // The macro's name, then its body up to an empty line.
      NextToken(d, &i, &v);
      const size_t blank = d.find("\n\n", i);
      i = blank == std::string_view::npos ? d.size() : blank + 2;
    } else if (!t.text.empty() && t.text[0] == '#') {  // a comment (curl, and most readers)
      const size_t nl = d.find('\n', t.begin);
      i = nl == std::string_view::npos ? d.size() : nl + 1;
    }
  }
  flush();
  return a;
}

// The next line of `d` from *pos (without its "\n" or "\r\n"), and where it begins; false at
// the end.
bool NextLine(std::string_view d, size_t* pos, std::string_view* line, uint64_t* begin) {
  if (*pos >= d.size()) return false;
  size_t nl = d.find('\n', *pos);
  if (nl == std::string_view::npos) nl = d.size();
  *line = d.substr(*pos, nl - *pos);
  *begin = *pos;
  *pos = nl + 1;
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  return true;
}

// ---- .pgpass ----
// hostname:port:database:username:password, one per line; ':' and '\' escaped with '\'; '#'
// starts a comment line.
Analysis AnalyzePgpass(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kPgpass;
  size_t pos = 0;
  std::string_view line;
  uint64_t line_begin = 0;
  while (NextLine(d, &pos, &line, &line_begin)) {
    if (line.empty() || line[0] == '#') continue;
    std::string fields[5];
    size_t n = 0, start4 = 0;
    for (size_t i = 0; i < line.size() && n < 5; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        fields[n] += line[++i];
      } else if (line[i] == ':' && n < 4) {
        if (++n == 4) start4 = i + 1;
      } else {
        fields[n] += line[i];
      }
    }
    // No password, or the user name again (a default account, e.g. postgres:postgres).
    if (n != 4 || fields[4].empty() || fields[4] == fields[3]) continue;
    AddScored(&a, d, "credfile.pgpass_password", "pgpass " + fields[0] + ":" + fields[1] + ":" +
              fields[2] + ":" + fields[3], "password", fields[4], line_begin + start4,
              line_begin + line.size());
  }
  return a;
}

// ---- Rails master key ----
// config/master.key (or config/credentials/<env>.key): 32 hexadecimal digits alone, the key
// that decrypts config/credentials.yml.enc.
Analysis AnalyzeRailsMasterKey(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kRailsMasterKey;
  size_t b = 0, e = d.size();
  while (b < e && IsSpace(d[b])) ++b;
  while (e > b && IsSpace(d[e - 1])) --e;
  if (e - b != 32) return a;
  for (size_t i = b; i < e; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(d[i]))) return a;
  Flag f;
  f.rule_id = "credfile.rails_master_key";
  f.secret = std::string(d.substr(b, 32));
  f.field = "master key";
  f.begin = b;
  f.end = e;
  a.flags.push_back(std::move(f));
  return a;
}

// ---- OpenVPN auth-user-pass ----
// The file named by "auth-user-pass FILE": the username on its first line, the password on its
// second. In a .ovpn / .conf profile, the same two lines inline in <auth-user-pass> ...
// </auth-user-pass> (OpenVPN 2.6).
Analysis AnalyzeOpenvpnAuth(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kOpenvpnAuth;
  size_t from = 0, to = d.size();
  const size_t open = d.find("<auth-user-pass>");
  if (open != std::string_view::npos) {
    from = open + 16;
    const size_t close = d.find("</auth-user-pass>", from);
    if (close == std::string_view::npos) return a;
    to = close;
  }
  // The non-empty lines of the block: exactly a user and a password.
  struct Line {
    std::string_view text;
    uint64_t begin;
  };
  std::vector<Line> lines;
  size_t pos = from;
  while (pos < to) {
    size_t nl = d.find('\n', pos);
    if (nl == std::string_view::npos || nl > to) nl = to;
    std::string_view l = d.substr(pos, nl - pos);
    uint64_t b = pos;
    while (!l.empty() && IsSpace(l.front())) l.remove_prefix(1), ++b;
    while (!l.empty() && IsSpace(l.back())) l.remove_suffix(1);
    if (!l.empty()) lines.push_back({l, b});
    if (lines.size() > 2) return a;  // not an auth-user-pass file
    pos = nl + 1;
  }
  if (lines.size() != 2 || lines[0].text.size() > 256 || lines[1].text.size() > 256) return a;
  AddScored(&a, d, "credfile.openvpn_auth_user_pass", "auth-user-pass " + std::string(lines[0].text),
            "password", std::string(lines[1].text), lines[1].begin,
            lines[1].begin + lines[1].text.size());
  return a;
}

// ---- SFTP upload configs of editors ----
// VS Code's SFTP extension (.vscode/sftp.json) and Sublime SFTP (sftp-config.json): a JSON
// object (or a list of them; comments allowed) with the server's "host" and, when saved, its
// "password" or the key's "passphrase".
void AddSftpObject(Analysis* a, std::string_view d, const nlohmann::json& o, size_t* search_from) {
  if (!o.is_object() || !o.contains("host")) return;
  for (const char* key : {"password", "passphrase"}) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) continue;
    const std::string value = it->get<std::string>();
    // Where it is written: the next "key" after the previous one found.
    const std::string quoted = std::string("\"") + key + "\"";
    size_t at = d.find(quoted, *search_from);
    if (at == std::string_view::npos) at = d.find(quoted);
    if (at == std::string_view::npos) continue;
    size_t end = d.find('\n', at);
    if (end == std::string_view::npos) end = d.size();
    *search_from = at + quoted.size();
    AddScored(a, d, "credfile.sftp_config_password",
              std::string("sftp ") + o["host"].dump() + " " + key, key, value, at, end);
  }
}

Analysis AnalyzeSftpConfig(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kSftpConfig;
  nlohmann::json j = nlohmann::json::parse(d, nullptr, /*allow_exceptions=*/false,
                                           /*ignore_comments=*/true);
  if (j.is_discarded()) {
    a.warnings.push_back({0, "not valid JSON: SFTP config not analyzed"});
    return a;
  }
  size_t from = 0;
  if (j.is_array()) {
    for (const auto& o : j) AddSftpObject(&a, d, o, &from);
  } else {
    AddSftpObject(&a, d, j, &from);
  }
  return a;
}

// ---- Access keys downloaded from a cloud console (CSV) ----
// A header row naming the columns ("User name,Password,Access key ID,Secret access key,Console
// login link" for a new AWS IAM user; "Access key ID,Secret access key" for a new key), then one
// row per credential. The secret key and the password columns are reported; nothing else in the
// file says what they are. Fields may be double-quoted ("" is a quote).
struct CsvField {
  std::string text;
  uint64_t begin = 0, end = 0;
};

std::vector<CsvField> CsvRow(uint64_t line_begin, std::string_view line) {
  std::vector<CsvField> out;
  size_t i = 0;
  while (i <= line.size()) {
    CsvField f;
    f.begin = line_begin + i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      f.begin = line_begin + i;
      while (i < line.size()) {
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          f.text += '"';
          i += 2;
        } else if (line[i] == '"') {
          break;
        } else {
          f.text += line[i++];
        }
      }
      f.end = line_begin + i;
      while (i < line.size() && line[i] != ',') ++i;
    } else {
      while (i < line.size() && line[i] != ',') f.text += line[i++];
      f.end = line_begin + i;
    }
    out.push_back(std::move(f));
    ++i;  // past the comma
  }
  return out;
}

std::string NormalizedHeader(std::string_view h) {
  std::string out;
  for (char c : h)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Analysis AnalyzeConsoleKeysCsv(std::string_view d) {
  Analysis a;
  a.kind = FileKind::kConsoleKeysCsv;
  std::vector<std::pair<size_t, const char*>> columns;  // index, rule id
  std::vector<std::string> names;
  bool header = true;
  size_t pos = 0;
  if (d.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 byte-order mark
  std::string_view line;
  uint64_t line_begin = 0;
  while (NextLine(d, &pos, &line, &line_begin)) {
    if (line.empty()) continue;
    const std::vector<CsvField> fields = CsvRow(line_begin, line);
    if (header) {
      header = false;
      for (size_t c = 0; c < fields.size(); ++c) {
        const std::string h = NormalizedHeader(fields[c].text);
        names.push_back(fields[c].text);
        if (h == "secretaccesskey" || h == "accesskeysecret" || h == "secretkey")
          columns.push_back({c, "credfile.console_csv_secret_key"});
        else if (h == "password")
          columns.push_back({c, "credfile.console_csv_password"});
      }
      if (columns.empty()) return a;  // not a credentials download
      continue;
    }
    for (const auto& [c, rule] : columns) {
      if (c >= fields.size() || fields[c].text.empty()) continue;
      AddScored(&a, d, rule, "csv column \"" + names[c] + "\"", names[c], fields[c].text,
                fields[c].begin, fields[c].end);
    }
  }
  return a;
}

}  // namespace

Analysis AnalyzeCredentialFile(FileKind kind, std::string_view data) {
  switch (kind) {
    case FileKind::kNetrc: return AnalyzeNetrc(data);
    case FileKind::kPgpass: return AnalyzePgpass(data);
    case FileKind::kRailsMasterKey: return AnalyzeRailsMasterKey(data);
    case FileKind::kOpenvpnAuth: return AnalyzeOpenvpnAuth(data);
    case FileKind::kSftpConfig: return AnalyzeSftpConfig(data);
    case FileKind::kConsoleKeysCsv: return AnalyzeConsoleKeysCsv(data);
    default: break;
  }
  return {};
}

}  // namespace leakhound
