// docker compose files: services.*.environment and build.args (a mapping or a list of
// KEY=VALUE), x- extension fields, YAML anchors, aliases and merge keys.
#include "analyzers/analyzers.hpp"
#include "analyzers/hardening.hpp"
#include "analyzers/yaml_util.hpp"

namespace leakhound {
namespace {

using yaml_util::ForEachEntry;
using yaml_util::Get;
using yaml_util::Scalar;

// compose interpolates $VAR and ${VAR} anywhere in a value; $$ is a literal $.
bool Interpolated(std::string_view v) {
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    if (v[i] != '$') continue;
    if (v[i + 1] == '$') {
      ++i;
      continue;
    }
    if (v[i + 1] == '{' || v[i + 1] == '_' || std::isalpha(static_cast<unsigned char>(v[i + 1])))
      return true;
  }
  return false;
}

struct Walker {
  std::string_view data;
  const LineIndex& lines;
  Analysis* out;

  void Entry(const std::string& field, const std::string& key, const std::string& value,
             uint64_t begin, uint64_t end) {
    out->facts.push_back({field, key, value, key + "=" + value, begin, end});
    if (IsSecretName(key) && !IsReference(value) && !Interpolated(value)) {
      Flag fl{"compose.literal_secret", CredentialPart(key, value), field, begin, end, true};
      fl.key = key;
      fl.slot = SlotOf(key);
      out->flags.push_back(std::move(fl));
    }
  }

  // environment / build.args: a mapping, or a list of KEY=VALUE (a bare KEY takes the value
  // from the shell: nothing literal).
  void Variables(const YAML::Node& node, const std::string& field) {
    if (node.IsMap()) {
      ForEachEntry(node, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
        if (!v.IsScalar()) return;
        const std::string value = v.Scalar();
        const auto [b, e] = yaml_util::Span(v, lines, value.size());
        Entry(field + "." + k, k, value, b, e);
      });
    } else if (node.IsSequence()) {
      for (const auto& item : node) {
        const std::string s = Scalar(item);
        const size_t eq = s.find('=');
        if (eq == std::string::npos) continue;
        const std::string k = s.substr(0, eq), value = s.substr(eq + 1);
        const auto [b, e] = yaml_util::Span(item, lines, s.size());
        Entry(field + "." + k, k, value, b, e);
      }
    }
  }

  // x- extension fields: any mapping of scalars, at any depth (they are often anchors that
  // services merge in; the same span found twice is one finding).
  void Extension(const YAML::Node& node, const std::string& field, int depth) {
    if (depth > 6 || !node.IsMap()) return;
    ForEachEntry(node, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
      if (v.IsScalar()) {
        const auto [b, e] = yaml_util::Span(v, lines, v.Scalar().size());
        Entry(field + "." + k, k, v.Scalar(), b, e);
      } else if (k == "environment" || k == "args") {
        Variables(v, field + "." + k);
      } else {
        Extension(v, field + "." + k, depth + 1);
      }
    });
  }
};

}  // namespace

Analysis AnalyzeCompose(std::string_view data) {
  Analysis out;
  out.kind = FileKind::kCompose;
  const LineIndex lines(data);
  Walker w{data, lines, &out};
  for (const auto& doc : yaml_util::LoadAll(data, &out)) {
    if (!doc.IsMap()) continue;
    try {
      ForEachEntry(doc, [&](const std::string& top, const YAML::Node&, const YAML::Node& v) {
        if (top.rfind("x-", 0) == 0) w.Extension(v, top, 0);
        if (top != "services" || !v.IsMap()) return;
        ForEachEntry(v, [&](const std::string& name, const YAML::Node&, const YAML::Node& svc) {
          if (!svc.IsMap()) return;
          const std::string base = "services." + name;
          ForEachEntry(svc, [&](const std::string& k, const YAML::Node&, const YAML::Node& x) {
            if (k == "environment") w.Variables(x, base + ".environment");
            if (k == "build" && x.IsMap() && Get(x, "args")) w.Variables(Get(x, "args"), base + ".build.args");
            if (k == "env_file") {  // a path, a list of paths, or a list of {path: ...}
              auto add = [&](const YAML::Node& n) {
                const std::string p = n.IsMap() ? Scalar(Get(n, "path")) : Scalar(n);
                if (!p.empty()) out.follow_ups.push_back({FollowUpRef::Reason::kEnvFile, p});
              };
              if (x.IsSequence()) {
                for (const auto& item : x) add(item);
              } else {
                add(x);
              }
            }
          });
        });
      });
      CheckComposeHardening(doc, lines, &out);
    } catch (const YAML::Exception& e) {
      out.warnings.push_back({static_cast<uint64_t>(e.mark.line) + 1, "unexpected YAML: " + e.msg});
    }
  }
  return out;
}

}  // namespace leakhound
