// Dockerfiles: instructions with line continuations (the escape parser directive included),
// comments, heredocs (RUN <<EOF ... EOF), JSON ("exec") and shell forms.
//
// Facts: "ARG K=V", "ENV K=V" and "RUN ..." lines as an image's config and history show them,
// so the container.* rules (and every vendor rule) read a Dockerfile as they read an image.
// Flags: an ENV that copies a secret build arg, RUN steps that carry a literal secret, and
// COPY/ADD of files that hold credentials.
#include <cctype>
#include <nlohmann/json.hpp>

#include "analyzers/analyzers.hpp"
#include "analyzers/dockerfile_parse.hpp"
#include "scan/filters.hpp"

namespace leakhound {
namespace {

// The "secret" of a finding about a name or a path (what its fingerprint hashes) is prefixed so
// that it never occurs verbatim in the file: reports print snippets of the line unredacted
// there, and no report may hold a finding's secret in full.
const std::string kNamePrefix = "dockerfile:";

using dockerfile::Instruction;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<Instruction> dockerfile::Parse(std::string_view d,
                                           std::vector<AnalyzerWarning>* warnings) {
  std::vector<Instruction> out;
  LineIndex lines(d);
  char escape = '\\';
  bool directives = true;
  size_t pos = 0;
  auto line_at = [&](size_t p, size_t* next) {
    size_t e = d.find('\n', p);
    if (e == std::string_view::npos) e = d.size();
    *next = e < d.size() ? e + 1 : d.size();
    std::string_view l = d.substr(p, e - p);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  };
  while (pos < d.size()) {
    size_t next;
    const std::string_view raw = line_at(pos, &next);
    const std::string_view t = Trim(raw);
    if (t.empty() || t[0] == '#') {
      if (directives && t.size() > 1) {
        const std::string low = Lower(Trim(t.substr(1)));
        if (low.rfind("escape=", 0) == 0 && low.size() == 8) escape = low[7];
        else if (low.find('=') == std::string::npos) directives = false;
      } else if (!t.empty()) {
        directives = false;
      }
      pos = next;
      continue;
    }
    directives = false;
    Instruction in;
    in.begin = pos + (t.data() - raw.data());
    in.first_line_end = pos + raw.size();
    std::string text;
    std::string_view cur = t;
    size_t at = next;
    for (;;) {
      std::string_view body = Trim(cur);
      const bool continued = !body.empty() && body.back() == escape;
      if (continued) body.remove_suffix(1);
      text += body;
      if (!continued || at >= d.size()) {
        in.end = at > 0 && at <= d.size() && d[at - 1] == '\n' ? at - 1 : at;
        break;
      }
      text += ' ';
      // The next line, skipping comment and empty lines inside the continuation.
      size_t n2;
      std::string_view l = line_at(at, &n2);
      while (n2 < d.size() && (Trim(l).empty() || Trim(l)[0] == '#')) {
        at = n2;
        l = line_at(at, &n2);
      }
      cur = l;
      at = n2;
    }
    const size_t sp = text.find_first_of(" \t");
    in.cmd = Upper(text.substr(0, sp));
    in.args = sp == std::string::npos ? "" : std::string(Trim(std::string_view(text).substr(sp)));
    // Heredocs: <<WORD, <<-WORD, <<"WORD", <<'WORD'; bodies follow the instruction.
    for (size_t h = in.args.find("<<"); h != std::string::npos; h = in.args.find("<<", h + 2)) {
      size_t k = h + 2;
      if (k < in.args.size() && in.args[k] == '-') ++k;
      if (k < in.args.size() && (in.args[k] == '"' || in.args[k] == '\'')) ++k;
      size_t w = k;
      while (w < in.args.size() &&
             (std::isalnum(static_cast<unsigned char>(in.args[w])) || in.args[w] == '_'))
        ++w;
      if (w == k) continue;
      const std::string word = in.args.substr(k, w - k);
      std::string body;
      bool closed = false;
      while (at < d.size()) {
        size_t n2;
        const std::string_view l = line_at(at, &n2);
        at = n2;
        if (Trim(l) == word) {
          closed = true;
          break;
        }
        body += l;
        body += '\n';
      }
      if (!closed)
        warnings->push_back({lines.Line(in.begin), "unterminated heredoc <<" + word});
      in.args += "\n" + body;
      in.end = at > 0 && d[at - 1] == '\n' ? at - 1 : at;
    }
    out.push_back(std::move(in));
    pos = at;
  }
  return out;
}

std::vector<std::string> dockerfile::Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'' || c == '"') {
      const size_t close = s.find(c, i + 1);
      if (close == std::string_view::npos) {
        cur += s.substr(i + 1);
        have = true;
        break;
      }
      cur += s.substr(i + 1, close - i - 1);
      have = true;
      i = close;
      continue;
    }
    if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      have = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == '>' || c == '|' || c == ';' ||
        c == '&') {
      if (have) out.push_back(std::move(cur)), cur.clear(), have = false;
      if (!std::isspace(static_cast<unsigned char>(c))) {
        std::string op(1, c);
        if (i + 1 < s.size() && s[i + 1] == c) op += s[++i];
        out.push_back(op);
      }
      continue;
    }
    cur += c;
    have = true;
  }
  if (have) out.push_back(std::move(cur));
  return out;
}

bool dockerfile::IsOperator(const std::string& w) {
  return w == ">" || w == ">>" || w == "|" || w == "||" || w == "&&" || w == ";" || w == "&";
}

bool dockerfile::JsonArgs(const std::string& args, std::vector<std::string>* out) {
  if (args.empty() || args[0] != '[') return false;
  const auto j = nlohmann::json::parse(args, nullptr, false);
  if (!j.is_array()) return false;
  for (const auto& x : j) {
    if (!x.is_string()) return false;
    out->push_back(x.get<std::string>());
  }
  return true;
}

namespace {

using dockerfile::IsOperator;
using dockerfile::JsonArgs;
using dockerfile::Words;

bool IsSensitivePath(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string low = Lower(path);
  const size_t slash = low.find_last_of('/');
  const std::string base = slash == std::string::npos ? low : low.substr(slash + 1);
  for (const char* dir : {".aws/", ".ssh/", ".gnupg/", ".docker/config.json", ".kube/config"})
    if (low.find(dir) != std::string::npos) return true;
  for (const char* name : {".aws", ".ssh", ".gnupg", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
                           ".npmrc", ".pypirc", ".netrc", ".git-credentials", "credentials",
                           "credentials.json", ".dockercfg", ".htpasswd", ".pgpass", ".env"})
    if (base == name) return true;
  if (DetectFileKind(base) == FileKind::kDotenv && !IsDotenvTemplate(base)) return true;
  for (const char* ext : {".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"}) {
    const std::string e(ext);
    if (base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

bool SecretishTarget(const std::string& target) {
  const std::string low = Lower(target);
  // A .env file (not a template) holds the application's secrets.
  if (DetectFileKind(low) == FileKind::kDotenv && !IsDotenvTemplate(low)) return true;
  for (const char* w : {"password", "passwd", "secret", "token", "credential", ".npmrc", ".netrc",
                        ".pypirc", ".git-credentials", ".pgpass", "config.json", "id_rsa",
                        "id_ed25519", ".pem", ".key", "auth", "apikey", "api_key"})
    if (low.find(w) != std::string::npos) return true;
  return false;
}

// RUN steps that carry a literal secret: curl -u user:pass, --password X, URLs with
// credentials, echo/printf of a secret into a credentials file or a password prompt.
void CheckRun(const Instruction& in, const std::vector<std::string>& w, Analysis* out) {
  const std::string field = "RUN";
  // `key` names the slot for the credential scorer ("password" for a --password value).
  auto flag = [&](const std::string& secret, const std::string& key = "password",
                  CredentialSlot slot = CredentialSlot::kCredentialOnly) {
    if (secret.empty() || IsReference(secret) || secret.find('$') != std::string::npos) return;
    Flag fl{"dockerfile.run_secret", secret, field, in.begin, in.end, true};
    fl.key = key;
    fl.slot = slot;
    out->flags.push_back(std::move(fl));
  };
  // KEY=VALUE under a secret name (echo into a file, --build-arg): the value is the secret.
  auto flag_pair = [&](const std::string& pair) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    const std::string key = pair.substr(0, eq);
    for (char c : key)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
        return false;  // not an assignment
    if (IsSecretName(key)) flag(CredentialPart(key, pair.substr(eq + 1)), key, SlotOf(key));
    return true;
  };
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string& x = w[i];
    const bool next = i + 1 < w.size() && !IsOperator(w[i + 1]);
    if ((x == "-u" || x == "--user") && next && w[i + 1].find(':') != std::string::npos)
      flag(w[i + 1].substr(w[i + 1].find(':') + 1));
    if (x.rfind("--user=", 0) == 0 && x.find(':') != std::string::npos)
      flag(x.substr(x.find(':') + 1));
    if ((x == "--password" || x == "--token" || x == "-p") && next && i > 0) {
      // -p is a password only for `docker login` / `podman login`.
      bool login = x != "-p";
      for (size_t k = 0; k < i && !login; ++k) login = w[k] == "login";
      if (login) flag(w[i + 1]);
    }
    for (const char* opt : {"--password=", "--token="})
      if (x.rfind(opt, 0) == 0) flag(x.substr(std::string(opt).size()));
    const size_t scheme = x.find("://");
    if (scheme != std::string::npos) {
      const std::string rest = x.substr(scheme + 3);
      const std::string authority = rest.substr(0, rest.find('/'));
      const size_t atsign = authority.rfind('@');
      // user:password@ is the uri.* rules' (they read this step too); a bare token@ is ours.
      // A bare user name (git@, deploy@) is no secret: only a token-looking one counts.
      if (atsign != std::string::npos && authority.substr(0, atsign).find(':') == std::string::npos) {
        const std::string user = authority.substr(0, atsign);
        if (user.size() >= 12 && ShannonEntropy(user) >= 3.0)
          flag(user, "token", CredentialSlot::kAssignment);
      }
    }
    if (x == "--build-arg" && next) flag_pair(w[i + 1]);
    if (x.rfind("--build-arg=", 0) == 0) flag_pair(x.substr(12));
    if (x == "echo" || x == "printf") {
      std::string literal;
      size_t k = i + 1;
      for (; k < w.size() && !IsOperator(w[k]); ++k) {
        if (w[k].size() > 1 && w[k][0] == '-' && literal.empty()) continue;  // echo -n
        literal += (literal.empty() ? "" : " ") + w[k];
      }
      if (k + 1 < w.size() && literal.find('\n') == std::string::npos) {
        const bool into_file = (w[k] == ">" || w[k] == ">>") && SecretishTarget(w[k + 1]);
        bool into_prompt = false;
        if (w[k] == "|")
          for (size_t m = k + 1; m < w.size() && !(IsOperator(w[m]) && w[m] != "|"); ++m)
            into_prompt = into_prompt || w[m] == "--password-stdin" || w[m] == "chpasswd" ||
                          w[m] == "--passphrase-fd";
        if (into_file || into_prompt) {
          // KEY=VALUE written to a file: the value is the secret if the name says so (and
          // NODE_ENV=production is no secret).
          const size_t colon = literal.find(':');
          if (flag_pair(literal)) {
          } else if (into_prompt && colon != std::string::npos) {
            flag(literal.substr(colon + 1));  // user:password | chpasswd
          } else if (into_prompt) {
            flag(literal);
          } else {
            // A bare value written into a credentials file: the file names the slot.
            const std::string& target = w[k + 1];
            const size_t slash = target.find_last_of('/');
            flag(literal, slash == std::string::npos ? target : target.substr(slash + 1));
          }
        }
      }
    }
  }
}

}  // namespace

Analysis AnalyzeDockerfile(std::string_view d) {
  Analysis out;
  out.kind = FileKind::kDockerfile;
  std::vector<std::string> args;  // ARG names declared so far
  const std::vector<Instruction> instructions = dockerfile::Parse(d, &out.warnings);
  for (const auto& in : instructions) {
    std::vector<std::string> json;
    const bool is_json = JsonArgs(in.args, &json);
    auto fact = [&](const std::string& key, const std::string& value, const std::string& text) {
      out.facts.push_back(
          {key.empty() ? in.cmd : in.cmd + " " + key, key, value, text, in.begin, in.end});
    };
    // ENV / ARG KEY=literal under a secret name: in the image config or history for good.
    auto literal = [&](const std::string& key, const std::string& value) {
      if (!IsSecretName(key) || IsReference(value) || value.find('$') != std::string::npos)
        return;
      Flag fl{"dockerfile.literal_secret", CredentialPart(key, value), in.cmd + " " + key,
              in.begin, in.end, true};
      fl.key = key;
      fl.slot = SlotOf(key);
      out.flags.push_back(std::move(fl));
    };
    if (in.cmd == "ARG") {
      for (const auto& w : Words(in.args)) {
        const size_t eq = w.find('=');
        const std::string key = w.substr(0, eq);
        args.push_back(key);
        if (eq != std::string::npos) {
          fact(key, w.substr(eq + 1), "ARG " + w);
          literal(key, w.substr(eq + 1));
        }
      }
    } else if (in.cmd == "ENV") {
      std::vector<std::pair<std::string, std::string>> pairs;
      const std::vector<std::string> w = Words(in.args);
      if (!w.empty() && w[0].find('=') == std::string::npos) {  // legacy: ENV KEY value words
        const size_t sp = in.args.find_first_of(" \t");
        const std::vector<std::string> rest =
            sp == std::string::npos ? std::vector<std::string>{}
                                    : Words(std::string_view(in.args).substr(sp));
        std::string value;
        for (const auto& r : rest) value += (value.empty() ? "" : " ") + r;
        pairs.emplace_back(w[0], value);
      } else {
        for (const auto& x : w) {
          const size_t eq = x.find('=');
          if (eq != std::string::npos) pairs.emplace_back(x.substr(0, eq), x.substr(eq + 1));
        }
      }
      for (const auto& [key, value] : pairs) {
        fact(key, value, "ENV " + key + "=" + value);
        literal(key, value);
        // ENV KEY=$ARG bakes the build arg's value into the image config.
        std::string ref = value;
        if (ref.rfind("${", 0) == 0 && ref.back() == '}') ref = ref.substr(2, ref.size() - 3);
        else if (ref.rfind("$", 0) == 0) ref = ref.substr(1);
        else continue;
        ref = ref.substr(0, ref.find_first_of(":-}"));
        bool declared = false;
        for (const auto& a : args) declared = declared || a == ref;
        if (declared && (IsSecretName(key) || IsSecretName(ref)))
          out.flags.push_back({"dockerfile.env_from_secret_arg",
                               kNamePrefix + "ENV " + key + "=" + value, "",
                               in.begin, in.first_line_end, false});
      }
    } else if (in.cmd == "RUN") {
      std::string cmd;
      if (is_json) {
        for (const auto& j : json) cmd += (cmd.empty() ? "" : " ") + j;
      } else {
        cmd = in.args;
      }
      fact("", cmd, "RUN " + cmd);
      CheckRun(in, Words(cmd), &out);
    } else if (in.cmd == "COPY" || in.cmd == "ADD") {
      std::vector<std::string> w = is_json ? json : Words(in.args);
      std::vector<std::string> paths;
      for (const auto& x : w)
        if (x.rfind("--", 0) != 0 && x.rfind("<<", 0) != 0) paths.push_back(x);
      if (paths.size() >= 2) {
        paths.pop_back();  // the destination
        for (const auto& src : paths)
          if (IsSensitivePath(src))
            out.flags.push_back({"dockerfile.copy_sensitive_file", kNamePrefix + in.cmd + " " + src, "",
                                 in.begin, in.first_line_end, false});
      }
    }
  }
  dockerfile::CheckHardening(instructions, &out);
  return out;
}

}  // namespace leakhound
