// What the analyzers share: file kinds, secret-looking names, references, base64, lines.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "analyzers/analyzers.hpp"

namespace leakhound {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool EndsWithYaml(std::string_view s) { return EndsWith(s, ".yaml") || EndsWith(s, ".yml"); }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool ContainsText(std::string_view data, std::string_view needle) {
  return !needle.empty() && data.size() >= needle.size() &&
         memmem(data.data(), data.size(), needle.data(), needle.size()) != nullptr;
}

// Lower-case words of an identifier: split at non-alphanumerics and at camelCase humps.
std::vector<std::string> Words(std::string_view key) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c)) {
      if (!cur.empty()) words.push_back(std::move(cur)), cur.clear();
      continue;
    }
    const bool hump = std::isupper(c) && i > 0 &&
                      std::islower(static_cast<unsigned char>(key[i - 1]));
    if (hump && !cur.empty()) words.push_back(std::move(cur)), cur.clear();
    cur.push_back(Lower(static_cast<char>(c)));
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool In(const std::string& w, std::initializer_list<const char*> list) {
  for (const char* x : list)
    if (w == x) return true;
  return false;
}

// Credential files named by convention. OpenVPN's auth-user-pass file has no fixed name, so
// only the names people give it inside an openvpn directory count (and "auth-user-pass").
FileKind DetectCredentialFileKind(std::string_view path, std::string_view base) {
  if (base == ".netrc" || base == "_netrc") return FileKind::kNetrc;
  if (base == ".pgpass" || base == "pgpass.conf") return FileKind::kPgpass;
  // Rails: config/master.key, config/credentials/<environment>.key (the content decides).
  if (base == "master.key" ||
      (EndsWith(base, ".key") && path.find("config/credentials/") != std::string_view::npos))
    return FileKind::kRailsMasterKey;
  if (base == "auth-user-pass" || EndsWith(base, ".ovpn")) return FileKind::kOpenvpnAuth;
  if (base == "sftp.json" || base == "sftp-config.json") return FileKind::kSftpConfig;
  // Access keys downloaded from a cloud console: AWS names them credentials.csv (a new IAM
  // user), accessKeys.csv or USER_accessKeys.csv (a new key); other clouds use the same names.
  if (base == "credentials.csv" || base == "accessKeys.csv" || EndsWith(base, "_accessKeys.csv") ||
      EndsWith(base, "_credentials.csv"))
    return FileKind::kConsoleKeysCsv;
  const bool in_openvpn = StartsWith(path, "openvpn/") ||
                          path.find("/openvpn/") != std::string_view::npos;
  if (in_openvpn)
    for (const char* n : {"auth.txt", "auth.conf", "pass.txt", "passwd.txt", "password.txt",
                          "credentials.txt", "credentials", "creds.txt", "login.txt", "login.conf",
                          "userpass.txt", "up.txt", "user-pass.txt", "auth-user-pass.txt"})
      if (base == n) return FileKind::kOpenvpnAuth;
  return FileKind::kNone;
}

}  // namespace

FileKind DetectFileKind(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.size() < 4) return FileKind::kNone;
  switch (base[0]) {
    case '.':
      if (base == ".env" || StartsWith(base, ".env.")) return FileKind::kDotenv;
      break;
    case 'D':
    case 'd':
      if (base == "Dockerfile" || base == "dockerfile" || StartsWith(base, "Dockerfile."))
        return FileKind::kDockerfile;
      if (StartsWith(base, "docker-compose") && EndsWithYaml(base)) return FileKind::kCompose;
      break;
    case 'C':
      if (base == "Containerfile" || StartsWith(base, "Containerfile."))
        return FileKind::kDockerfile;
      break;
    case 'c':
      if (StartsWith(base, "compose.") && EndsWithYaml(base)) return FileKind::kCompose;
      break;
    default: break;
  }
  if (const FileKind k = DetectCredentialFileKind(path, base); k != FileKind::kNone) return k;
  const char last = base.back();
  if (last == 'v' && EndsWith(base, ".env")) return FileKind::kDotenv;
  if (last == 'e' && (EndsWith(base, ".Dockerfile") || EndsWith(base, ".dockerfile")))
    return FileKind::kDockerfile;
  if ((last == 'l' || last == 'y') && EndsWithYaml(base)) return FileKind::kYaml;
  return FileKind::kNone;
}

FileKind SniffYaml(std::string_view data) {
  if (ContainsText(data, "apiVersion:") && ContainsText(data, "kind:"))
    return FileKind::kKubernetes;
  if (StartsWith(data, "services:") || ContainsText(data, "\nservices:"))
    return FileKind::kCompose;
  return FileKind::kNone;
}

bool IsDotenvTemplate(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string base(slash == std::string_view::npos ? path : path.substr(slash + 1));
  std::transform(base.begin(), base.end(), base.begin(), Lower);
  for (const char* t : {"example", "sample", "template", "dist", "tpl", "defaults"})
    if (EndsWith(base, std::string(".") + t) || StartsWith(base, std::string(t) + ".") ||
        base.find(std::string(".") + t + ".") != std::string::npos)
      return true;
  return false;
}

std::string_view AnalyzerName(FileKind kind) {
  switch (kind) {
    case FileKind::kDotenv: return "dotenv";
    case FileKind::kCompose: return "compose";
    case FileKind::kDockerfile: return "dockerfile";
    case FileKind::kKubernetes: return "kubernetes";
    case FileKind::kNetrc:
    case FileKind::kPgpass:
    case FileKind::kRailsMasterKey:
    case FileKind::kOpenvpnAuth:
    case FileKind::kSftpConfig:
    case FileKind::kConsoleKeysCsv: return "credfile";
    case FileKind::kYaml:
    case FileKind::kNone: break;
  }
  return "";
}

// Documented credential variables of common database and service images (their Docker Hub
// and vendor documentation): the values they take are the service's password or token.
bool IsImageCredentialVariable(std::string_view key) {
  static constexpr std::string_view kVariables[] = {
      "POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD", "POSTGRESQL_POSTGRES_PASSWORD",
      "MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "MARIADB_ROOT_PASSWORD", "MARIADB_PASSWORD",
      "MONGO_INITDB_ROOT_PASSWORD", "MONGODB_ROOT_PASSWORD", "MONGODB_PASSWORD",
      "RABBITMQ_DEFAULT_PASS", "RABBITMQ_ERLANG_COOKIE", "REDIS_PASSWORD", "VALKEY_PASSWORD",
      "MINIO_ROOT_PASSWORD", "MINIO_SECRET_KEY", "MSSQL_SA_PASSWORD", "SA_PASSWORD",
      "ORACLE_PASSWORD", "ORACLE_PWD", "APP_USER_PASSWORD", "ELASTIC_PASSWORD",
      "KIBANA_PASSWORD", "NEO4J_AUTH", "GF_SECURITY_ADMIN_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD",
      "KC_BOOTSTRAP_ADMIN_PASSWORD", "KC_DB_PASSWORD", "PGADMIN_DEFAULT_PASSWORD",
      "WORDPRESS_DB_PASSWORD", "DOCKER_INFLUXDB_INIT_PASSWORD", "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN",
      "INFLUXDB_ADMIN_PASSWORD", "COUCHDB_PASSWORD", "CLICKHOUSE_PASSWORD", "ARANGO_ROOT_PASSWORD",
      "CASSANDRA_PASSWORD", "NEXTCLOUD_ADMIN_PASSWORD", "VAULT_DEV_ROOT_TOKEN_ID",
      "LDAP_ADMIN_PASSWORD", "LDAP_CONFIG_PASSWORD", "SONAR_JDBC_PASSWORD",
      "ME_CONFIG_MONGODB_ADMINPASSWORD", "ME_CONFIG_BASICAUTH_PASSWORD", "GITEA__DATABASE__PASSWD",
      "DATABASE__CONNECTION__PASSWORD", "JENKINS_ADMIN_PASSWORD", "NEXUS_SECURITY_INITIAL_PASSWORD",
      "PHPMYADMIN_PASSWORD", "PMA_PASSWORD", "ZO_ROOT_USER_PASSWORD", "ADMIN_PASSWORD"};
  std::string upper(key);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto v : kVariables)
    if (upper == v) return true;
  return false;
}

bool IsCredentialOnlyName(std::string_view key) {
  if (IsImageCredentialVariable(key)) return true;
  if (!IsSecretName(key)) return false;
  for (const auto& x : Words(key))
    if (In(x, {"password", "passwd", "pwd", "passphrase", "pass", "pw", "passwort", "passw"}) ||
        (x.size() > 8 && (EndsWith(x, "password") || EndsWith(x, "passwd"))))
      return true;
  return false;
}

std::string CredentialPart(std::string_view key, const std::string& value) {
  std::string upper(key);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "NEO4J_AUTH") {  // user/password, or "none"
    const size_t slash = value.find('/');
    if (slash != std::string::npos) return value.substr(slash + 1);
  }
  return value;
}

bool IsKnownDefaultCredential(std::string_view key, std::string_view value) {
  std::string v(value);
  for (char& c : v) c = Lower(c);
  if (v.size() < 2) return false;
  // The documented first-run credentials of common images and products.
  for (const char* d : {"guest", "postgres", "mysql", "mariadb", "mongo", "mongodb", "neo4j",
                        "minioadmin", "elastic", "changeme", "oracle", "rabbitmq", "redis",
                        "keycloak", "grafana", "airflow", "jenkins", "sonar", "vagrant"})
    if (v == d) return true;
  for (const auto& w : Words(key))  // POSTGRES_PASSWORD=postgres, REDIS_PASSWORD=redis
    if (w == v) return true;
  return false;
}

std::string DefaultCredentialRule(FileKind kind) {
  if (kind == FileKind::kYaml || kind == FileKind::kNone) return "";
  return std::string(AnalyzerName(kind)) + ".default_credential";
}

bool IsSecretName(std::string_view key) {
  if (IsImageCredentialVariable(key)) return true;
  const std::vector<std::string> w = Words(key);
  if (w.empty()) return false;
  const std::string& last = w.back();
  // Names of things about a secret, not the secret.
  if (In(last, {"file", "files", "path", "paths", "dir", "url", "uri", "endpoint", "host",
                "hostname", "port", "name", "names", "id", "ids", "arn", "type", "length", "len",
                "size", "ttl", "expiry", "expires", "expiration", "lifetime", "timeout", "header",
                "field", "mode", "version", "enabled", "enable", "disabled", "policy", "count",
                "prefix", "suffix", "format", "algorithm", "alg", "location", "ref", "env", "var",
                "user", "username", "issuer", "audience", "scope", "scopes", "method", "provider",
                "store", "backend", "required", "min", "max", "rotation", "hint", "reset", "label",
                "title", "help", "text", "message", "prompt", "placeholder", "description",
                "regex", "pattern", "strength", "complexity", "expired", "changed", "days",
                "hours", "minutes", "seconds", "age", "attempts", "retries", "history",
                "chars", "characters", "digits", "level", "rounds", "iterations", "cost"}))
    return false;
  for (const auto& x : w)
    if (x == "public" || x == "pub") return false;
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string& x = w[i];
    if (In(x, {"password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "tokens",
               "apikey", "apitoken", "credential", "credentials", "privatekey", "secretkey",
               "accesskey", "authkey", "authtoken", "pass"}))
      return true;
    if (x.size() > 8 && (EndsWith(x, "password") || EndsWith(x, "token") || EndsWith(x, "secret")))
      return true;  // dbpassword, githubtoken
  }
  // ..._KEY: STRIPE_KEY, API_KEY, SIGNING_KEY; not PRIMARY_KEY, SORT_KEY.
  if (last == "key" && w.size() >= 2 &&
      !In(w[w.size() - 2], {"primary", "foreign", "sort", "partition", "cache", "idempotency",
                            "routing", "unique", "lookup", "index", "map", "group", "object",
                            "bucket", "hash", "shard", "dedup", "query", "translation", "i18n",
                            "label", "metric", "storage", "redis", "s3", "dynamo"}))
    return true;
  if (last == "auth" && w.size() >= 2) return true;  // NPM_AUTH, BASIC_AUTH
  return false;
}

bool IsReference(std::string_view v) {
  if (v.empty()) return true;
  if (v[0] == '$' || ContainsText(v, "${") || ContainsText(v, "$(") || ContainsText(v, "{{"))
    return true;
  const bool spaces = v.find_first_of(" \t\r\n") != std::string_view::npos;
  if (!spaces && (v[0] == '/' || StartsWith(v, "./") || StartsWith(v, "../") ||
                  StartsWith(v, "~/")))
    return true;  // a file path (/run/secrets/db_password among them)
  for (const char* p : {"vault:", "arn:aws:", "op://", "ref+", "secretref:", "sm://",
                        "gcp:secretmanager", "awssm:", "keyvault:", "azurekeyvault:", "file:"})
    if (StartsWith(v, p)) return true;
  if (StartsWith(v, "http://") || StartsWith(v, "https://")) {
    const std::string_view rest = v.substr(v.find("//") + 2);
    const std::string_view authority = rest.substr(0, rest.find('/'));
    if (authority.find('@') == std::string_view::npos) return true;  // no credentials in it
  }
  return false;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t chars = 0, pad = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') { ++pad; continue; }
    else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    else return false;
    if (pad) return false;  // data after padding
    ++chars;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (pad > 2 || chars % 4 == 1) return false;
  if (pad && (chars + pad) % 4 != 0) return false;
  return true;
}

LineIndex::LineIndex(std::string_view data) : data_(data) {
  starts_.push_back(0);
  for (const char* p = data.data(), *end = data.data() + data.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p)
    starts_.push_back(static_cast<uint64_t>(p - data.data()) + 1);
}

uint64_t LineIndex::Line(uint64_t offset) const {
  return static_cast<uint64_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                               starts_.begin());
}

uint64_t LineIndex::LineStart(uint64_t offset) const { return starts_[Line(offset) - 1]; }

uint64_t LineIndex::LineEnd(uint64_t offset) const {
  const uint64_t line = Line(offset);
  return line < starts_.size() ? starts_[line] - 1 : data_.size();
}

uint64_t LineIndex::OffsetOfLine(uint64_t line) const {
  if (line == 0) return 0;
  return line <= starts_.size() ? starts_[line - 1] : data_.size();
}

Analysis AnalyzeFile(FileKind kind, std::string_view data) {
  if (kind == FileKind::kYaml) kind = SniffYaml(data);
  switch (kind) {
    case FileKind::kDotenv: return AnalyzeDotenv(data);
    case FileKind::kCompose: return AnalyzeCompose(data);
    case FileKind::kDockerfile: return AnalyzeDockerfile(data);
    case FileKind::kKubernetes: return AnalyzeKubernetes(data);
    case FileKind::kNetrc:
    case FileKind::kPgpass:
    case FileKind::kRailsMasterKey:
    case FileKind::kOpenvpnAuth:
    case FileKind::kSftpConfig:
    case FileKind::kConsoleKeysCsv: return AnalyzeCredentialFile(kind, data);
    case FileKind::kYaml:
    case FileKind::kNone: break;
  }
  return {};
}

}  // namespace leakhound
