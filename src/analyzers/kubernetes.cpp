// Kubernetes manifests (multi-document files included): Secret stringData and data (base64,
// decoded before the rules read it), ConfigMap data and container env[].value under
// secret-looking names. Helm templates ({{ ... }}) are not values.
#include "analyzers/analyzers.hpp"
#include "scan/filters.hpp"
#include "analyzers/yaml_util.hpp"

namespace leakhound {
namespace {

using yaml_util::ForEachEntry;
using yaml_util::Get;
using yaml_util::Scalar;

// Keys of a Secret that name where or who, not the secret itself (when its value looks random,
// another key of the Secret is reported).
bool PlainSecretKey(std::string_view key) {
  std::string k(key);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* p : {"username", "user", "host", "hostname", "port", "database", "db",
                        "dbname", "name", "namespace", "region", "endpoint", "email", "url",
                        "uri", "ca.crt", "tls.crt", "type", "account", "project", "cluster"})
    if (k == p) return true;
  // db-host, redis_port, smtp-username: the last word says what it is.
  const size_t sep = k.find_last_of("-_");
  if (sep != std::string::npos && sep + 1 < k.size())
    for (const char* p : {"username", "user", "host", "hostname", "port", "database", "db",
                          "dbname", "name", "namespace", "region", "email", "type", "account",
                          "project", "cluster", "server", "address", "addr"})
      if (k.compare(sep + 1, std::string::npos, p) == 0) return true;
  return false;
}

struct Walker {
  std::string_view data;
  const LineIndex& lines;
  Analysis* out;

  // Containers anywhere below `node` (Pod spec, Deployment template, CronJob jobTemplate...).
  void Containers(const YAML::Node& node, const std::string& where, int depth) {
    if (depth > 12) return;
    if (node.IsSequence()) {
      for (const auto& x : node) Containers(x, where, depth + 1);
      return;
    }
    if (!node.IsMap()) return;
    ForEachEntry(node, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
      if ((k == "containers" || k == "initContainers" || k == "ephemeralContainers") &&
          v.IsSequence()) {
        for (const auto& c : v) {
          if (!c.IsMap() || !Get(c, "env") || !Get(c, "env").IsSequence()) continue;
          const std::string cfield = where + " container " + Scalar(Get(c, "name")) + " env ";
          for (const auto& e : Get(c, "env")) {
            if (!e.IsMap() || !Get(e, "value") || !Get(e, "value").IsScalar()) continue;
            const std::string name = Scalar(Get(e, "name")), value = Get(e, "value").Scalar();
            const auto [b, en] = yaml_util::Span(Get(e, "value"), lines, value.size());
            out->facts.push_back({cfield + name, name, value, name + "=" + value, b, en});
            if (IsSecretName(name) && !IsReference(value)) {
              Flag fl{"kubernetes.env_secret", CredentialPart(name, value), cfield + name, b, en,
                      true};
              fl.key = name;
              fl.slot = SlotOf(name);
              out->flags.push_back(std::move(fl));
            }
          }
        }
      } else if (v.IsMap() || v.IsSequence()) {
        Containers(v, where, depth + 1);
      }
    });
  }

  void Document(const YAML::Node& doc) {
    if (!doc.IsMap()) return;
    const std::string kind = Scalar(Get(doc, "kind"));
    if (kind.empty() || !Get(doc, "apiVersion")) return;
    const YAML::Node meta = Get(doc, "metadata");
    std::string ns = meta && meta.IsMap() ? Scalar(Get(meta, "namespace")) : "";
    if (ns.empty()) ns = "default";
    const std::string name = meta && meta.IsMap() ? Scalar(Get(meta, "name")) : "";
    const std::string where = kind + " " + ns + "/" + name;
    if (kind == "Secret") {
      for (const char* section : {"stringData", "data"}) {
        const YAML::Node m = Get(doc, section);
        if (!m || !m.IsMap()) continue;
        const bool encoded = std::string_view(section) == "data";
        ForEachEntry(m, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
          if (!v.IsScalar()) return;
          std::string value = v.Scalar();
          const auto [b, e] = yaml_util::Span(v, lines, value.size());
          const std::string field = where + " " + section + "." + k;
          if (encoded) {
            if (value.find("{{") != std::string::npos) return;  // a Helm template
            std::string decoded;
            if (!DecodeBase64(value, &decoded)) {
              out->warnings.push_back({lines.Line(b), field + " is not valid base64"});
              return;
            }
            if (decoded.find('\0') != std::string::npos) return;  // binary (a keystore...)
            value = std::move(decoded);
          }
          out->facts.push_back({field, k, value, k + "=" + value, b, e});
          // Any key of a Secret may hold a secret, but a value under a plain name (APP_ENV:
          // production) must look random to count.
          const bool named = IsSecretName(k) || (!PlainSecretKey(k) && value.size() >= 16 &&
                                                 ShannonEntropy(value) >= 3.5);
          if (named && !IsReference(value)) {
            // A Secret's data can only hold secrets.
            Flag fl{"kubernetes.secret_literal", value, field, b, e, true};
            fl.key = k;
            fl.slot = CredentialSlot::kCredentialOnly;
            out->flags.push_back(std::move(fl));
          }
        });
      }
    } else if (kind == "ConfigMap") {
      const YAML::Node m = Get(doc, "data");
      if (m && m.IsMap())
        ForEachEntry(m, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
          if (!v.IsScalar() || !IsSecretName(k)) return;
          const std::string value = v.Scalar();
          const auto [b, e] = yaml_util::Span(v, lines, value.size());
          const std::string field = where + " data." + k;
          out->facts.push_back({field, k, value, k + "=" + value, b, e});
          if (!IsReference(value)) {
            Flag fl{"kubernetes.configmap_secret", value, field, b, e, true};
            fl.key = k;
            fl.slot = SlotOf(k);
            out->flags.push_back(std::move(fl));
          }
        });
    }
    Containers(doc, where, 0);
  }
};

}  // namespace

Analysis AnalyzeKubernetes(std::string_view data) {
  Analysis out;
  out.kind = FileKind::kKubernetes;
  const LineIndex lines(data);
  Walker w{data, lines, &out};
  for (const auto& doc : yaml_util::LoadAll(data, &out)) {
    try {
      w.Document(doc);
    } catch (const YAML::Exception& e) {
      out.warnings.push_back({static_cast<uint64_t>(e.mark.line) + 1, "unexpected YAML: " + e.msg});
    }
  }
  return out;
}

}  // namespace leakhound
