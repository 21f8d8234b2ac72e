// Hardening checks for docker compose files (rules tagged `hardening` in rules/hardening.yaml):
// per service, privileges and capabilities, a read-only root filesystem, no-new-privileges,
// process, memory and CPU limits, the host network, the Docker socket, and where database
// services are reachable from.
//
// Flags are about a setting, not a value: `literal` is false, the span is the line of the
// offending value (or of the service's name, for a setting that is missing), `field` is
// "services.<name>[.<key>]", and the fingerprinted `secret` is "compose:" plus what the finding
// is about (never verbatim in the file).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "analyzers/hardening.hpp"
#include "analyzers/yaml_util.hpp"

namespace leakhound {
namespace {

using yaml_util::ForEachEntry;
using yaml_util::Get;
using yaml_util::Scalar;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool True(const YAML::Node& n) {
  const std::string v = Lower(Scalar(n));
  return v == "true" || v == "yes" || v == "on";
}

// The items of a list, or the keys of a mapping (networks: [a] or networks: {a: {}}), with
// their nodes.
std::vector<std::pair<std::string, YAML::Node>> Items(const YAML::Node& n) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (n && n.IsSequence()) {
    for (const auto& x : n) out.emplace_back(Scalar(x), x);
  } else if (n && n.IsMap()) {
    for (const auto& kv : n)
      if (kv.first.IsScalar()) out.emplace_back(kv.first.Scalar(), kv.first);
  }
  return out;
}

// "docker.io/library/postgres:16@sha256:..." -> "postgres".
std::string ImageBase(const std::string& image) {
  std::string s = image.substr(0, image.find('@'));
  const size_t slash = s.rfind('/');
  if (slash != std::string::npos) s = s.substr(slash + 1);
  return Lower(s.substr(0, s.find(':')));
}

bool IsDatabase(const std::string& image) {
  static const std::set<std::string> kDatabases = {
      "postgres",      "postgresql", "postgis",    "timescaledb", "mysql",     "mariadb",
      "percona",       "mongo",      "mongodb",    "redis",       "valkey",    "keydb",
      "redis-stack",   "memcached",  "elasticsearch", "opensearch", "cassandra", "couchdb",
      "couchbase",     "neo4j",      "influxdb",   "clickhouse-server", "clickhouse",
      "cockroach",     "mssql-server", "oracle-database", "etcd"};
  return kDatabases.count(ImageBase(image)) > 0;
}

// A compose port (short or long syntax) published on an address other than loopback.
bool PublishedBeyondLoopback(const YAML::Node& p) {
  std::string host_ip;
  if (p.IsMap()) {
    if (!Get(p, "published")) return false;  // a container port only: not published
    host_ip = Scalar(Get(p, "host_ip"));
  } else {
    std::string s = Scalar(p);
    s = s.substr(0, s.find('/'));
    // [HOST_IP:][HOST_PORT:]CONTAINER_PORT; an IPv6 host ip is in brackets.
    if (!s.empty() && s[0] == '[') {
      const size_t close = s.find(']');
      host_ip = s.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    } else {
      const size_t first = s.find(':'), last = s.rfind(':');
      if (first != std::string::npos && first != last) host_ip = s.substr(0, first);
    }
  }
  return !(host_ip == "127.0.0.1" || host_ip == "::1" || host_ip == "localhost");
}

const std::set<std::string> kHarmlessCaps = {"NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID"};

struct Checker {
  const LineIndex& lines;
  Analysis* out;
  std::map<std::string, bool> internal_networks;  // top-level networks: name -> internal

  void Flag(const char* rule, const YAML::Node& at, const std::string& field,
            const std::string& what) {
    const uint64_t b = static_cast<uint64_t>(std::max(0, at.Mark().pos));
    out->flags.push_back({rule, "compose:" + what, field, b, lines.LineEnd(b), false});
  }

  void Service(const std::string& name, const YAML::Node& key, const YAML::Node& svc) {
    std::map<std::string, YAML::Node> v;
    std::map<std::string, YAML::Node> keys;
    ForEachEntry(svc, [&](const std::string& k, const YAML::Node& kn, const YAML::Node& x) {
      v.emplace(k, x);
      keys.emplace(k, kn);
    });
    // A key set to something (a null value counts as missing).
    auto has = [&](const std::string& k) { return v.count(k) && !v[k].IsNull(); };
    auto get = [&](const std::string& k) { return has(k) ? v[k] : YAML::Node(); };
    const std::string base = "services." + name;
    const std::string image = Scalar(get("image"));
    const std::string about = name + (image.empty() ? "" : " (" + image + ")");

    if (True(get("privileged")))
      Flag("compose.privileged", get("privileged"), base + ".privileged", about + " privileged");

    bool drop_all = false;
    for (const auto& [cap, n] : Items(get("cap_drop"))) drop_all = drop_all || Lower(cap) == "all";
    if (!drop_all) Flag("compose.no_cap_drop", key, base, about + " no cap_drop ALL");
    for (const auto& [cap, n] : Items(get("cap_add"))) {
      std::string c = cap;
      std::transform(c.begin(), c.end(), c.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      if (c.rfind("CAP_", 0) == 0) c = c.substr(4);
      if (!kHarmlessCaps.count(c)) Flag("compose.cap_add", n, base + ".cap_add", about + " cap_add " + c);
    }

    if (!True(get("read_only"))) Flag("compose.no_read_only", key, base, about + " not read_only");

    bool nnp = false;
    for (const auto& [opt, n] : Items(get("security_opt"))) {
      const std::string o = Lower(opt);
      nnp = nnp || o == "no-new-privileges" || o == "no-new-privileges:true" ||
            o == "no-new-privileges=true";
    }
    if (!nnp) Flag("compose.no_new_privileges", key, base, about + " no no-new-privileges");

    const YAML::Node deploy = get("deploy");
    // (Never assign a looked-up node: yaml-cpp throws "invalid node" when the key is absent,
    // as with a deploy.resources holding only reservations.)
    const YAML::Node limits = yaml_util::Get(yaml_util::Get(deploy, "resources"), "limits");
    auto limit = [&](const char* k) {
      const YAML::Node& l = limits;  // const: reading a missing key must not add it
      return l && l.IsMap() && l[k] && !l[k].IsNull();
    };
    if (!has("pids_limit") && !limit("pids"))
      Flag("compose.no_pids_limit", key, base, about + " no pids_limit");
    const bool memory = has("mem_limit") || limit("memory");
    const bool cpu = has("cpus") || has("cpu_quota") || limit("cpus");
    if (!memory || !cpu)
      Flag("compose.no_resource_limits", key, base,
           about + (memory ? "" : " no memory limit") + (cpu ? "" : " no cpu limit"));

    const std::string network_mode = Lower(Scalar(get("network_mode")));
    if (network_mode == "host")
      Flag("compose.network_mode_host", get("network_mode"), base + ".network_mode",
           about + " network_mode host");

    const YAML::Node volumes = get("volumes");
    if (volumes && volumes.IsSequence())
      for (const auto& vol : volumes) {
        std::string source = vol.IsMap() ? Scalar(Get(vol, "source")) : Scalar(vol);
        if (!vol.IsMap()) source = source.substr(0, source.find(':'));
        if (source.size() >= 11 && source.compare(source.size() - 11, 11, "docker.sock") == 0)
          Flag("compose.docker_socket", vol, base + ".volumes", about + " mounts " + source);
      }

    const auto networks = Items(get("networks"));
    if (networks.empty() && network_mode.empty())
      Flag("compose.default_network_only", key, base, about + " default network only");

    if (!IsDatabase(image)) return;
    const YAML::Node ports = get("ports");
    if (ports && ports.IsSequence())
      for (const auto& p : ports)
        if (PublishedBeyondLoopback(p))
          Flag("compose.database_port_published", p, base + ".ports",
               about + " publishes " + (p.IsMap() ? Scalar(Get(p, "published")) : Scalar(p)));
    if (networks.empty() && network_mode.empty())
      Flag("compose.database_network_not_internal", key, base, about + " on the default network");
    for (const auto& [net, n] : networks) {
      auto it = internal_networks.find(net);
      if (it == internal_networks.end() || !it->second)
        Flag("compose.database_network_not_internal", n, base + ".networks",
             about + " on network " + net);
    }
  }
};

}  // namespace

void CheckComposeHardening(const YAML::Node& doc, const LineIndex& lines, Analysis* out) {
  Checker c{lines, out, {}};
  const YAML::Node networks = Get(doc, "networks");
  if (networks && networks.IsMap())
    ForEachEntry(networks, [&](const std::string& k, const YAML::Node&, const YAML::Node& n) {
      c.internal_networks[k] = n.IsMap() && True(Get(n, "internal"));
    });
  const YAML::Node services = Get(doc, "services");
  if (!services || !services.IsMap()) return;
  ForEachEntry(services, [&](const std::string& name, const YAML::Node& key, const YAML::Node& svc) {
    if (svc.IsMap()) c.Service(name, key, svc);
  });
}

}  // namespace leakhound
