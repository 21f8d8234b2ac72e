// Hardening checks for Dockerfiles (rules tagged `hardening` in rules/hardening.yaml): the final
// stage's user, how base images are named, ADD from a URL, what RUN steps install and leave
// behind, world-writable modes, secret-named build args, EXPOSE 22, and HEALTHCHECK.
//
// Every flag is about an instruction, not a value: `literal` is false, the span is the
// instruction's first line, `field` names the instruction, and the fingerprinted `secret` is
// "dockerfile:" plus what the finding is about (never verbatim in the file).
#include <algorithm>
#include <cctype>
#include <set>

#include "analyzers/dockerfile_parse.hpp"

namespace leakhound::dockerfile {
namespace {

const std::string kPrefix = "dockerfile:";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

struct Stage {
  const Instruction* from = nullptr;
  std::string image;  // as written; "" for a stage built on an earlier one
  std::string alias;
  int parent = -1;  // the earlier stage this one is built on
  const Instruction* user = nullptr;  // the last USER
  std::string user_name;
  bool expose = false;
  bool healthcheck = false;
};

void Flag(Analysis* out, const Instruction& in, const char* rule, const std::string& what,
          const std::string& field) {
  out->flags.push_back({rule, kPrefix + what, field, in.begin, in.first_line_end, false});
}

// A command split at && || ; | into simple commands.
std::vector<std::vector<std::string>> Commands(const std::vector<std::string>& words) {
  std::vector<std::vector<std::string>> out(1);
  for (const auto& w : words) {
    if (IsOperator(w) && w != ">" && w != ">>") {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    out.back().push_back(w);
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

bool Has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The package names an install command names (words after the subcommand, flags skipped),
// or nothing when `cmd` is not an install.
bool InstallPackages(const std::vector<std::string>& cmd, std::string* manager,
                     std::vector<std::string>* packages) {
  size_t i = 0;
  while (i < cmd.size() && (cmd[i] == "sudo" || cmd[i] == "env" ||
                            cmd[i].find('=') != std::string::npos))
    ++i;  // sudo apt-get ..., DEBIAN_FRONTEND=noninteractive apt-get ...
  if (i >= cmd.size()) return false;
  const std::string tool = cmd[i].substr(cmd[i].rfind('/') + 1);
  std::set<std::string> verbs;
  if (tool == "apt-get" || tool == "apt" || tool == "aptitude") verbs = {"install"};
  else if (tool == "apk") verbs = {"add"};
  else if (tool == "yum" || tool == "dnf" || tool == "microdnf" || tool == "zypper") verbs = {"install", "in"};
  else if (tool == "pip" || tool == "pip3") verbs = {"install"};
  else return false;
  size_t k = i + 1;
  while (k < cmd.size() && !verbs.count(cmd[k])) ++k;
  if (k >= cmd.size()) return false;
  *manager = tool == "pip3" ? "pip" : tool == "apt" || tool == "aptitude" ? "apt-get" : tool;
  for (size_t p = k + 1; p < cmd.size(); ++p)
    if (!cmd[p].empty() && cmd[p][0] != '-') packages->push_back(Lower(cmd[p]));
  return true;
}

// A chmod mode that gives write access to others: octal ...[2367], or o+w / a+w / a=rwx.
bool WorldWritableMode(const std::string& mode) {
  if (!mode.empty() && mode.find_first_not_of("01234567") == std::string::npos)
    return mode.size() >= 3 && ((mode.back() - '0') & 2) != 0;
  size_t start = 0;
  while (start <= mode.size()) {
    const size_t comma = std::min(mode.find(',', start), mode.size());
    const std::string clause = mode.substr(start, comma - start);
    const size_t op = clause.find_first_of("+=");
    if (op != std::string::npos && op > 0) {
      const std::string who = clause.substr(0, op);
      if (who.find_first_not_of("ugoa") == std::string::npos &&
          who.find_first_of("oa") != std::string::npos &&
          clause.find('w', op) != std::string::npos)
        return true;
    }
    start = comma + 1;
  }
  return false;
}

void CheckRun(const Instruction& in, Analysis* out) {
  std::vector<std::string> json;
  std::string cmdline;
  if (JsonArgs(in.args, &json)) {
    for (const auto& j : json) cmdline += (cmdline.empty() ? "" : " ") + j;
  } else {
    cmdline = in.args;
  }
  const std::vector<std::string> words = Words(cmdline);
  // RUN flags (--mount=type=cache,...) come first.
  bool cache_mount = false;
  for (const auto& w : words) {
    if (!StartsWith(w, "--")) break;
    if (StartsWith(w, "--mount=") && w.find("type=cache") != std::string::npos) cache_mount = true;
  }
  const std::string low = Lower(cmdline);
  auto removes = [&](std::string_view path) {
    return low.find("rm ") != std::string::npos && low.find(path) != std::string::npos;
  };
  std::set<std::string> reported;  // one flag per rule and subject in a step
  auto flag = [&](const char* rule, const std::string& what, const std::string& field) {
    if (reported.insert(std::string(rule) + "\n" + what).second) Flag(out, in, rule, what, field);
  };
  for (const auto& cmd : Commands(words)) {
    if (cmd.empty()) continue;
    std::string manager;
    std::vector<std::string> packages;
    if (InstallPackages(cmd, &manager, &packages)) {
      for (const auto& p : packages) {
        const std::string name = p.substr(0, p.find_first_of("=<>~"));
        if (name == "sudo" || name == "openssh-server" || name == "openssh" ||
            name == "openssh-server-pam" || name == "dropbear")
          flag("dockerfile.install_sudo_ssh", "RUN install " + name, "RUN");
      }
      if (manager == "apt-get") {
        if (!Has(cmd, "--no-install-recommends") &&
            low.find("install-recommends=false") == std::string::npos &&
            low.find("install-recommends \"false\"") == std::string::npos)
          flag("dockerfile.apt_no_recommends", "RUN apt-get install " + Join(packages), "RUN");
        if (!cache_mount && !removes("/var/lib/apt/lists"))
          flag("dockerfile.package_cache_left", "RUN apt-get install " + Join(packages), "RUN");
      } else if (manager == "apk") {
        if (!Has(cmd, "--no-cache") && !cache_mount && !removes("/var/cache/apk"))
          flag("dockerfile.package_cache_left", "RUN apk add " + Join(packages), "RUN");
      } else if (manager == "pip") {
        if (!Has(cmd, "--no-cache-dir") && !cache_mount &&
            low.find("pip_no_cache_dir") == std::string::npos && !removes(".cache/pip"))
          flag("dockerfile.package_cache_left", "RUN pip install " + Join(packages), "RUN");
      }
    }
    if (cmd[0] == "chmod")
      for (size_t i = 1; i < cmd.size(); ++i)
        if (!StartsWith(cmd[i], "-") && WorldWritableMode(cmd[i])) {
          flag("dockerfile.chmod_777", "RUN chmod " + cmd[i] +
                   (i + 1 < cmd.size() ? " " + cmd[i + 1] : ""), "RUN");
          break;
        }
  }
}

}  // namespace

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

void CheckHardening(const std::vector<Instruction>& instructions, Analysis* out) {
  std::vector<Stage> stages;
  for (const auto& in : instructions) {
    if (in.cmd == "FROM") {
      Stage st;
      st.from = &in;
      std::vector<std::string> w;
      for (const auto& x : Words(in.args))
        if (!StartsWith(x, "--")) w.push_back(x);  // --platform=...
      if (w.empty()) continue;
      st.image = w[0];
      if (w.size() >= 3 && Lower(w[1]) == "as") st.alias = Lower(w[2]);
      for (size_t k = 0; k < stages.size(); ++k)
        if (!stages[k].alias.empty() && stages[k].alias == Lower(st.image)) st.parent = static_cast<int>(k);
      const std::string low = Lower(st.image);
      if (st.parent < 0 && low != "scratch" && st.image.find('$') == std::string::npos) {
        const bool digest = st.image.find('@') != std::string::npos;
        const size_t slash = st.image.rfind('/');
        const size_t colon = st.image.find(':', slash == std::string::npos ? 0 : slash);
        const std::string tag = colon == std::string::npos ? "" : st.image.substr(colon + 1);
        if (!digest) Flag(out, in, "dockerfile.from_unpinned", "FROM " + st.image, "FROM");
        if (!digest && (tag.empty() || tag == "latest"))
          Flag(out, in, "dockerfile.from_latest", "FROM " + st.image, "FROM");
      }
      stages.push_back(std::move(st));
      continue;
    }
    Stage* st = stages.empty() ? nullptr : &stages.back();
    if (in.cmd == "USER" && st) {
      const std::vector<std::string> w = Words(in.args);
      st->user = &in;
      st->user_name = w.empty() ? "" : w[0];
    } else if (in.cmd == "EXPOSE") {
      if (st) st->expose = true;
      for (const auto& w : Words(in.args))
        if (w.substr(0, w.find('/')) == "22")
          Flag(out, in, "dockerfile.expose_ssh", "EXPOSE 22", "EXPOSE");
    } else if (in.cmd == "HEALTHCHECK") {
      if (st) st->healthcheck = true;
    } else if (in.cmd == "ADD") {
      std::vector<std::string> w, json;
      if (JsonArgs(in.args, &json)) w = json;
      else w = Words(in.args);
      bool checksum = false;
      std::vector<std::string> paths;
      for (const auto& x : w) {
        if (StartsWith(x, "--checksum=")) checksum = true;
        if (!StartsWith(x, "--") && !StartsWith(x, "<<")) paths.push_back(x);
      }
      if (!paths.empty()) paths.pop_back();  // the destination
      for (const auto& src : paths) {
        const std::string low = Lower(src);
        if (!checksum && (StartsWith(low, "http://") || StartsWith(low, "https://") ||
                          StartsWith(low, "ftp://")))
          Flag(out, in, "dockerfile.add_url", "ADD " + src, "ADD");
      }
    } else if (in.cmd == "RUN") {
      CheckRun(in, out);
    } else if (in.cmd == "ARG") {
      for (const auto& w : Words(in.args)) {
        const std::string key = w.substr(0, w.find('='));
        if (IsSecretName(key)) Flag(out, in, "dockerfile.secret_arg", "ARG " + key, "ARG " + key);
      }
    }
  }
  if (stages.empty()) return;
  // The final stage's user, through the stages it is built on.
  const Stage& last = stages.back();
  const Stage* s = &last;
  while (s && !s->user && s->parent >= 0) s = &stages[static_cast<size_t>(s->parent)];
  if (!s || !s->user) {
    Flag(out, *last.from, "dockerfile.no_user", "no USER after FROM " + last.image, "FROM");
  } else {
    const std::string name = Lower(s->user_name.substr(0, s->user_name.find(':')));
    if (name == "root" || name == "0")
      Flag(out, *s->user, "dockerfile.no_user", "USER " + s->user_name, "USER");
  }
  bool healthcheck = false, expose = false;
  for (s = &last; s; s = s->parent >= 0 ? &stages[static_cast<size_t>(s->parent)] : nullptr) {
    healthcheck = healthcheck || s->healthcheck;
    expose = expose || s->expose;
  }
  if (expose && !healthcheck)
    Flag(out, *last.from, "dockerfile.no_healthcheck", "no HEALTHCHECK after FROM " + last.image,
         "FROM");
}

}  // namespace leakhound::dockerfile
