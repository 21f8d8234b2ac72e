// The config-file analyzers' parsers, one file kind at a time, and AnalyzeBlob's merge with the
// normal scan. Every secret-looking value here is fake, generated at random for tests.
#include <limits.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "analyzers/analyzers.hpp"
#include "analyzers/yaml_util.hpp"
#include "test_support.hpp"

using namespace leakhound;

namespace {

std::map<std::string, Fact> FactsByField(const Analysis& a) {
  std::map<std::string, Fact> out;
  for (const auto& f : a.facts) out.emplace(f.field, f);
  return out;
}

uint64_t LineOf(std::string_view data, uint64_t offset) { return LineIndex(data).Line(offset); }

// The flags of the secrets rules (the hardening checks have their own tests).
std::vector<std::string> FlagIds(const Analysis& a) {
  static const std::set<std::string> hardening = [] {
    std::vector<RuleError> errors;
    std::set<std::string> ids;
    for (const auto& r : LoadBuiltinRules(&errors))
      if (r.HasTag("hardening")) ids.insert(r.id);
    return ids;
  }();
  std::vector<std::string> out;
  for (const auto& f : a.flags)
    if (!hardening.count(f.rule_id)) out.push_back(f.rule_id + " " + f.secret);
  return out;
}

}  // namespace

TEST_CASE("analyzers: file kinds from the base name") {
  CHECK(DetectFileKind("app/.env") == FileKind::kDotenv);
  CHECK(DetectFileKind(".env.production") == FileKind::kDotenv);
  CHECK(DetectFileKind("config/prod.env") == FileKind::kDotenv);
  CHECK(DetectFileKind(".envrc") == FileKind::kNone);
  CHECK(DetectFileKind("x/Dockerfile") == FileKind::kDockerfile);
  CHECK(DetectFileKind("Dockerfile.prod") == FileKind::kDockerfile);
  CHECK(DetectFileKind("api.Dockerfile") == FileKind::kDockerfile);
  CHECK(DetectFileKind("Containerfile") == FileKind::kDockerfile);
  CHECK(DetectFileKind("docker-compose.override.yml") == FileKind::kCompose);
  CHECK(DetectFileKind("compose.yaml") == FileKind::kCompose);
  CHECK(DetectFileKind("deploy/secret.yml") == FileKind::kYaml);
  CHECK(DetectFileKind("README.md") == FileKind::kNone);
  CHECK(DetectFileKind("env") == FileKind::kNone);
  CHECK(SniffYaml("apiVersion: v1\nkind: Secret\n") == FileKind::kKubernetes);
  CHECK(SniffYaml("version: '3'\nservices:\n  a: {}\n") == FileKind::kCompose);
  CHECK(SniffYaml("name: ci\non: push\n") == FileKind::kNone);
  CHECK(IsDotenvTemplate(".env.example"));
  CHECK(IsDotenvTemplate("app/.env.sample"));
  CHECK_FALSE(IsDotenvTemplate(".env.local"));
}

TEST_CASE("analyzers: secret names and references") {
  for (const char* k : {"DB_PASSWORD", "apiKey", "client-secret", "STRIPE_KEY", "GITHUB_TOKEN",
                        "githubToken", "NPM_AUTH", "passphrase", "AWS_SECRET_ACCESS_KEY"})
    CHECK(IsSecretName(k));
  for (const char* k : {"DB_PASSWORD_FILE", "TOKEN_URL", "PUBLIC_KEY", "SECRET_NAME", "PRIMARY_KEY",
                        "PORT", "username", "API_KEY_ID", "PASSWORD_MIN_LENGTH"})
    CHECK_FALSE(IsSecretName(k));
  for (const char* v : {"${DB_PASSWORD}", "$TOKEN", "{{ .Values.x }}", "/run/secrets/db",
                        "vault:secret/data/x#y", "https://example.invalid/path"})
    CHECK(IsReference(v));
  for (const char* v : {"Zr8kq2LmW5vXpT", "https://u:Zr8kq2Lm@host/x", "a b c"})
    CHECK_FALSE(IsReference(v));
  std::string out;
  CHECK(DecodeBase64("cHJvZHVjdGlvbg==", &out));
  CHECK(out == "production");
  CHECK(DecodeBase64("cHJv\nZHVj", &out));
  CHECK(out == "produc");
  CHECK_FALSE(DecodeBase64("not*base64", &out));
  CHECK_FALSE(DecodeBase64("abcde", &out));
}

TEST_CASE("analyzers: .env parsing") {
  const std::string d =
      "# comment\n"
      "export A=plain # trailing comment\n"
      "B=\"esc\\\"aped\\nline\"\n"
      "C='single $NOT_EXPANDED'\n"
      "D=\"multi\n"
      "line\"\n"
      "E=after\n"
      "  F = spaced\n"
      "G=\n";
  const Analysis a = AnalyzeDotenv(d);
  CHECK(a.warnings.empty());
  auto f = FactsByField(a);
  REQUIRE(f.size() == 7);
  CHECK(f["A"].value == "plain");
  CHECK(f["B"].value == "esc\"aped\nline");
  CHECK(f["C"].value == "single $NOT_EXPANDED");
  CHECK(f["D"].value == "multi\nline");
  CHECK(f["E"].value == "after");
  CHECK(f["F"].value == "spaced");
  CHECK(f["G"].value == "");
  CHECK(LineOf(d, f["A"].begin) == 2);
  CHECK(LineOf(d, f["D"].begin) == 5);
  CHECK(LineOf(d, f["E"].begin) == 7);
  CHECK(d.substr(f["A"].begin, f["A"].end - f["A"].begin) == "plain");

  const Analysis bad = AnalyzeDotenv("A=1\nB=\"open\nC=2\n!!junk\n");
  REQUIRE(bad.warnings.size() == 2);
  CHECK(bad.warnings[0].line == 2);
  CHECK(bad.warnings[1].line == 4);
  CHECK(FactsByField(bad).count("C") == 1);  // parsing went on after the bad quote
}

TEST_CASE("analyzers: Dockerfile parsing") {
  const std::string d =
      "# escape=`\n"
      "FROM alpine\n"
      "ARG TOKEN\n"
      "ENV A=1 `\n"
      "  # a comment inside the continuation\n"
      "    API_SECRET=Kx7Pq2mZrT4vW9aBc3\n"
      "ENV LEGACY_PASSWORD some words here\n"
      "ENV COPY_TOKEN=$TOKEN\n"
      "RUN [\"sh\", \"-c\", \"curl -u me:Vq8mZr2LxW7kQ https://x\"]\n"
      "RUN <<EOT\n"
      "echo \"Rk2vT9qLx4ZmW7nB\" > /root/.pgpass\n"
      "EOT\n"
      "COPY --chown=app id_ed25519 .env.example /home/app/\n";
  const Analysis a = AnalyzeDockerfile(d);
  CHECK(a.warnings.empty());
  auto f = FactsByField(a);
  REQUIRE(f.count("ENV API_SECRET"));
  CHECK(f["ENV API_SECRET"].text == "ENV API_SECRET=Kx7Pq2mZrT4vW9aBc3");
  CHECK(LineOf(d, f["ENV API_SECRET"].begin) == 4);
  CHECK(f["ENV LEGACY_PASSWORD"].value == "some words here");
  // (ENV LEGACY_PASSWORD's words are a flag the credential scorer then drops: a sentence.)
  CHECK(FlagIds(a) == std::vector<std::string>{
                          "dockerfile.literal_secret Kx7Pq2mZrT4vW9aBc3",
                          "dockerfile.literal_secret some words here",
                          "dockerfile.env_from_secret_arg dockerfile:ENV COPY_TOKEN=$TOKEN",
                          "dockerfile.run_secret Vq8mZr2LxW7kQ",
                          "dockerfile.run_secret Rk2vT9qLx4ZmW7nB",
                          "dockerfile.copy_sensitive_file dockerfile:COPY id_ed25519"});
  const Analysis open = AnalyzeDockerfile("FROM a\nRUN <<EOF\necho hi\n");
  REQUIRE(open.warnings.size() == 1);
  CHECK(open.warnings[0].line == 2);
}

TEST_CASE("analyzers: compose parsing (maps, lists, anchors and merge keys)") {
  const std::string d =
      "x-common: &common\n"
      "  SHARED_TOKEN: Zr8kq2LmW5vXpTq\n"
      "services:\n"
      "  a:\n"
      "    environment:\n"
      "      <<: *common\n"
      "      DB_PASSWORD: \"Kx7Pq2mZrT4vW9aB\"\n"
      "      REF_PASSWORD: ${REF_PASSWORD}\n"
      "      ESCAPED_PASSWORD: \"pa$$Wq3vRt8LpZ2m\"\n"
      "  b:\n"
      "    build:\n"
      "      args: [\"NPM_TOKEN=Rk2vT9qLx4ZmW7nB\", \"PLAIN\"]\n";
  const Analysis a = AnalyzeCompose(d);
  CHECK(a.warnings.empty());
  auto f = FactsByField(a);
  CHECK(f.count("services.a.environment.SHARED_TOKEN") == 1);
  CHECK(LineOf(d, f["services.a.environment.SHARED_TOKEN"].begin) == 2);  // the anchor's line
  CHECK(LineOf(d, f["services.b.build.args.NPM_TOKEN"].begin) == 12);
  const auto flags = FlagIds(a);
  CHECK(std::count(flags.begin(), flags.end(), "compose.literal_secret Kx7Pq2mZrT4vW9aB") == 1);
  CHECK(std::count(flags.begin(), flags.end(), "compose.literal_secret pa$$Wq3vRt8LpZ2m") == 1);
  CHECK(std::count(flags.begin(), flags.end(), "compose.literal_secret Rk2vT9qLx4ZmW7nB") == 1);
  for (const auto& x : flags) CHECK(x.find("REF_PASSWORD") == std::string::npos);

  const Analysis bad = AnalyzeCompose("services:\n  a: [\n");
  REQUIRE(bad.warnings.size() == 1);
  CHECK(bad.warnings[0].message.rfind("invalid YAML", 0) == 0);
  CHECK(AnalyzeCompose("services:\n  a: {{ .Values }}\n").warnings.empty());  // Helm, not YAML
}

TEST_CASE("analyzers: Kubernetes parsing (multi-document, base64 data, Helm values)") {
  const std::string d =
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata: {name: s, namespace: prod}\n"
      "data:\n"
      "  password: WnI4a3EyTG1XNXZYcFQ=\n"
      "  helm: '{{ .Values.x | b64enc }}'\n"
      "---\n"
      "apiVersion: v1\n"
      "kind: ConfigMap\n"
      "metadata: {name: c}\n"
      "data:\n"
      "  API_TOKEN: Kx7Pq2mZrT4vW9aB\n"
      "  LOG_LEVEL: debug\n"
      "---\n"
      "apiVersion: batch/v1\n"
      "kind: CronJob\n"
      "metadata: {name: j}\n"
      "spec:\n"
      "  jobTemplate:\n"
      "    spec:\n"
      "      template:\n"
      "        spec:\n"
      "          containers:\n"
      "            - name: run\n"
      "              env:\n"
      "                - {name: DB_PASSWORD, value: Rk2vT9qLx4ZmW7nB}\n"
      "                - {name: API_KEY, value: '{{ .Values.key }}'}\n";
  const Analysis a = AnalyzeKubernetes(d);
  CHECK(a.warnings.empty());
  auto f = FactsByField(a);
  REQUIRE(f.count("Secret prod/s data.password"));
  CHECK(f["Secret prod/s data.password"].value == "Zr8kq2LmW5vXpT");
  CHECK(LineOf(d, f["Secret prod/s data.password"].begin) == 5);
  CHECK(FlagIds(a) == std::vector<std::string>{
                          "kubernetes.secret_literal Zr8kq2LmW5vXpT",
                          "kubernetes.configmap_secret Kx7Pq2mZrT4vW9aB",
                          "kubernetes.env_secret Rk2vT9qLx4ZmW7nB"});
  CHECK(a.flags[2].field == "CronJob default/j container run env DB_PASSWORD");
}

TEST_CASE("analyzers: AnalyzeBlob merges facts and flags with the normal scan") {
  const RuleSet& rules = testing::BuiltinRules();
  BlobScanner scanner(rules, BlobScanOptions{});
  testing::FakeSecrets fake(7);
  const std::string token = fake.GithubToken();
  // A base64-encoded GitHub token in a Secret: only the decoded fact can show it.
  std::string b64;
  {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < token.size(); i += 3) {
      const uint32_t n = (uint8_t(token[i]) << 16) | (uint8_t(token[i + 1]) << 8) | uint8_t(token[i + 2]);
      b64 += t[n >> 18], b64 += t[(n >> 12) & 63], b64 += t[(n >> 6) & 63], b64 += t[n & 63];
    }
    if (i + 1 == token.size()) {
      const uint32_t n = uint8_t(token[i]) << 16;
      b64 += t[n >> 18], b64 += t[(n >> 12) & 63], b64 += "==";
    } else if (i + 2 == token.size()) {
      const uint32_t n = (uint8_t(token[i]) << 16) | (uint8_t(token[i + 1]) << 8);
      b64 += t[n >> 18], b64 += t[(n >> 12) & 63], b64 += t[(n >> 6) & 63], b64 += '=';
    }
  }
  const std::string d = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  gh: " + b64 + "\n";
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(d, &result, &error));
  // The decode stage already finds the token inside the base64 value.
  REQUIRE(result.matches.size() == 1);
  CHECK(result.matches[0].decoded == "base64");
  AnalyzedBlob analyzed;
  AnalyzeBlob(FileKind::kYaml, d, scanner, nullptr, &result.matches, &analyzed);
  REQUIRE(result.matches.size() == 1);  // github.pat outranks kubernetes.secret_literal
  const Match& m = result.matches[0];
  CHECK(rules.rule(m.rule).id == "github.pat");
  CHECK(m.secret.Reveal() == token);
  CHECK(m.line == 5);
  CHECK(m.column == 7);
  // One finding, whether the analyzer's (with its field) or the decode stage's is kept.
  CHECK((m.field == "Secret default/s data.gh" || m.decoded == "base64"));
  CHECK(m.snippet.Render(false).find(b64) == std::string::npos);  // the encoded form is redacted
}

TEST_CASE("analyzers: a compose file's env_file references come back as follow-ups to read") {
  const RuleSet& rules = testing::BuiltinRules();
  BlobScanner scanner(rules, BlobScanOptions{});
  const std::string d =
      "services:\n"
      "  web:\n"
      "    env_file: [config/web.vars, {path: extra.vars, required: false}, .env.local]\n";
  CHECK(AnalyzeCompose(d).follow_ups.size() == 3);
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(d, &result, &error));
  AnalyzedBlob analyzed;
  AnalyzeBlob(FileKind::kCompose, d, scanner, nullptr, &result.matches, &analyzed);
  // .env.local is named like a .env file: a walk analyzes it anyway.
  REQUIRE(analyzed.follow_ups.size() == 2);
  CHECK(analyzed.follow_ups[0].path == "config/web.vars");
  CHECK(analyzed.follow_ups[1].path == "extra.vars");
  CHECK(analyzed.follow_ups[0].reason == FollowUpRef::Reason::kEnvFile);

  // What is read for it is analyzed as a .env file, and says which compose file named it.
  Origin compose;
  compose.path = "app/compose.yaml";
  Origin followed;
  followed.path = "app/config/web.vars";
  CHECK(OriginFileKind(followed) == FileKind::kNone);
  followed.attributes = FollowUpAttributes(compose, analyzed.follow_ups[0]);
  CHECK(OriginFileKind(followed) == FileKind::kDotenv);
  CHECK(followed.attributes ==
        std::vector<std::pair<std::string, std::string>>{{"analyzed_as", "dotenv"},
                                                         {"env_file_of", "app/compose.yaml"}});
}

TEST_CASE("analyzers: when a .env file counts as committed") {
  const RuleSet& rules = testing::BuiltinRules();
  const std::vector<std::pair<std::string, std::string>> secrets = {{"DB_PASSWORD", "x"}};
  testing::TempDir dir;
  const std::string tracked_file = dir.Write(".env", "DB_PASSWORD=x\n");
  const std::string untracked_file = dir.Write("other/.env", "DB_PASSWORD=x\n");
  char real[PATH_MAX];
  REQUIRE(::realpath(tracked_file.c_str(), real));
  const std::unordered_map<std::string, std::string> tracked = {{real, ".env"}};
  Match m;
  Origin o;
  o.source = "git";
  o.path = "config/.env";
  REQUIRE(CommittedDotenvMatchAt(rules, o, {}, secrets, &m));  // in history: committed
  CHECK(m.secret.Reveal() == "git:config/.env");
  o.source = "staged";
  CHECK(CommittedDotenvMatchAt(rules, o, {}, secrets, &m));
  o.path = "config/.env.example";
  CHECK_FALSE(CommittedDotenvMatchAt(rules, o, {}, secrets, &m));  // a template
  o.path = "config/.env";
  CHECK_FALSE(CommittedDotenvMatchAt(rules, o, {}, {}, &m));  // no secret in it
  o.source = "file";
  o.path = tracked_file;
  CHECK_FALSE(CommittedDotenvMatchAt(rules, o, {}, secrets, &m));  // on disk, nothing tracked
  REQUIRE(CommittedDotenvMatchAt(rules, o, tracked, secrets, &m));  // on disk and tracked
  CHECK(m.secret.Reveal() == "git:.env");
  o.path = untracked_file;
  CHECK_FALSE(CommittedDotenvMatchAt(rules, o, tracked, secrets, &m));
  o.source = "image";
  o.path = ".env";
  CHECK_FALSE(CommittedDotenvMatchAt(rules, o, tracked, secrets, &m));
}

// ---- issue 14: credential-only slots, default credentials, YAML merge keys ----

namespace {

struct Hit {
  std::string rule;
  std::string secret;
  uint64_t line = 0;
  Confidence confidence = Confidence::kMedium;
  double score = 0;
  std::vector<std::string> reasons;
};

// The secret findings (hardening checks left out) AnalyzeBlob gives for `d` read as `kind`.
std::vector<Hit> Hits(FileKind kind, const std::string& d,
                      std::vector<AnalyzerWarning>* warnings = nullptr) {
  const RuleSet& rules = testing::BuiltinRules();
  BlobScanner scanner(rules, BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(d, &result, &error));
  AnalyzedBlob analyzed;
  AnalyzeBlob(kind, d, scanner, nullptr, &result.matches, &analyzed);
  if (warnings) *warnings = analyzed.warnings;
  std::vector<Hit> out;
  for (const auto& m : result.matches) {
    const Rule& r = rules.rule(m.rule);
    if (r.HasTag("hardening") || m.about_name) continue;
    out.push_back({r.id, m.secret.Reveal(), m.line, m.confidence, m.score, m.reasons});
  }
  return out;
}

// The one hit on `line` (REQUIREd to be there, and alone).
Hit On(const std::vector<Hit>& hits, uint64_t line) {
  std::vector<Hit> on;
  for (const auto& h : hits)
    if (h.line == line) on.push_back(h);
  INFO("line " << line);
  REQUIRE(on.size() == 1);
  return on[0];
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE("analyzers: the Docker checklist's weak passwords are reported at medium or more") {
  // Weak on purpose, fake: the checklist's own examples.
  auto check = [](const Hit& h, const std::string& rule, const std::string& secret) {
    INFO(rule << " " << secret);
    CHECK(h.rule == rule);
    CHECK(h.secret == secret);
    CHECK(h.confidence >= Confidence::kMedium);
    CHECK(h.score >= 0.5);
    CHECK(Has(h.reasons, "slot:credential-only"));
  };
  const auto env = Hits(FileKind::kDotenv, "DB_PASSWORD=secret123\nREDIS_PASSWORD=\"secret!\"\n");
  check(On(env, 1), "dotenv.secret", "secret123");
  check(On(env, 2), "dotenv.secret", "secret!");
  CHECK(Has(On(env, 1).reasons, "key:password"));

  const auto docker = Hits(FileKind::kDockerfile,
                           "FROM alpine\n"
                           "RUN echo \"password123\" > /app/.env\n"
                           "RUN echo \"DB_PASSWORD=secret123\" >> .env\n"
                           "ENV POSTGRES_PASSWORD=secret123\n"
                           "RUN docker build --build-arg DB_PASSWORD=hunter42 .\n"
                           "RUN echo \"NODE_ENV=production\" >> /app/.env\n"
                           "ARG ADMIN_PASSWORD=secret123\n");
  check(On(docker, 2), "dockerfile.run_secret", "password123");
  check(On(docker, 3), "dockerfile.run_secret", "secret123");
  check(On(docker, 4), "dockerfile.literal_secret", "secret123");
  check(On(docker, 5), "dockerfile.run_secret", "hunter42");
  check(On(docker, 7), "dockerfile.literal_secret", "secret123");
  for (const auto& h : docker) CHECK(h.line != 6);

  const std::string images =
      "services:\n"
      "  pg:\n"
      "    environment:\n"
      "      POSTGRES_PASSWORD: secret123\n"
      "  my:\n"
      "    environment:\n"
      "      - MYSQL_ROOT_PASSWORD=rootpw2024\n"
      "      - MARIADB_PASSWORD=maria2024\n"
      "  mongo:\n"
      "    environment:\n"
      "      MONGO_INITDB_ROOT_PASSWORD: mongo2024!\n"
      "  mq:\n"
      "    environment:\n"
      "      RABBITMQ_DEFAULT_PASS: letmein!\n"
      "  redis:\n"
      "    environment:\n"
      "      REDIS_PASSWORD: redis2024\n"
      "  minio:\n"
      "    environment:\n"
      "      MINIO_ROOT_PASSWORD: minio2024\n"
      "  neo4j:\n"
      "    environment:\n"
      "      NEO4J_AUTH: neo4j/graph2024\n"
      "  vault:\n"
      "    environment:\n"
      "      VAULT_DEV_ROOT_TOKEN_ID: vault2024x\n";
  const auto svc = Hits(FileKind::kCompose, images);
  check(On(svc, 4), "compose.literal_secret", "secret123");
  check(On(svc, 7), "compose.literal_secret", "rootpw2024");
  check(On(svc, 8), "compose.literal_secret", "maria2024");
  check(On(svc, 11), "compose.literal_secret", "mongo2024!");
  check(On(svc, 14), "compose.literal_secret", "letmein!");
  check(On(svc, 17), "compose.literal_secret", "redis2024");
  check(On(svc, 20), "compose.literal_secret", "minio2024");
  check(On(svc, 23), "compose.literal_secret", "graph2024");  // the password of user/password
  check(On(svc, 26), "compose.literal_secret", "vault2024x");

  const auto k8s = Hits(FileKind::kYaml,
                        "apiVersion: v1\n"
                        "kind: Secret\n"
                        "metadata: {name: db}\n"
                        "stringData:\n"
                        "  db-password: \"secret123\"\n"
                        "  db-host: \"postgres.default.svc.cluster.local\"\n"
                        "data:\n"
                        "  api-password: d2VsY29tZTIwMjU=\n");
  check(On(k8s, 5), "kubernetes.secret_literal", "secret123");
  check(On(k8s, 8), "kubernetes.secret_literal", "welcome2025");
  for (const auto& h : k8s) CHECK(h.line != 6);
  // A key written twice (invalid YAML, but seen): both values are looked at. A URL with
  // credentials under a *-url key is still a Secret's value.
  const auto twice = Hits(FileKind::kYaml,
                          "apiVersion: v1\n"
                          "kind: Secret\n"
                          "metadata: {name: db}\n"
                          "stringData:\n"
                          "  password: \"secret99\"\n"
                          "  database-url: \"oracle://app:Zr8kq2LmW5@ora.internal:1521/ORCL\"\n"
                          "  password: \"welcome2024\"\n");
  check(On(twice, 5), "kubernetes.secret_literal", "secret99");
  check(On(twice, 7), "kubernetes.secret_literal", "welcome2024");
  CHECK_FALSE(On(twice, 6).secret.empty());  // (a connection-string rule may report it first)
}

TEST_CASE("analyzers: references and placeholders in credential slots stay quiet at medium") {
  const auto env = Hits(FileKind::kDotenv,
                        "DB_PASSWORD=${DB_PASSWORD}\n"
                        "DB_PASSWORD_FILE=/run/secrets/db_password\n"
                        "MQ_PASSWORD=$(cat /run/secrets/mq)\n"
                        "SMTP_PASSWORD=\n"
                        "ADMIN_PASSWORD=<admin-password>\n"
                        "MASKED_PASSWORD=****\n"
                        "PASSWORD_LABEL=Show password\n"
                        "PASSWORD_AUTH_ENABLED=true\n"
                        "ROOT_PASSWORD=changeme\n"
                        "APP_PASSWORD=your-password-here\n"
                        "MQ_PASS=xxxxxxxx\n"
                        "PASSWORD_EXPIRY_DAYS=\"5\"\n"
                        "MAX_PASSWORD_ATTEMPTS=5\n");
  // Only the two placeholders a default could be: low, under a rule of their own.
  REQUIRE(env.size() == 2);
  CHECK(On(env, 9).rule == "dotenv.default_credential");
  CHECK(On(env, 9).confidence == Confidence::kLow);
  CHECK(Has(On(env, 9).reasons, "default-credential"));
  CHECK(On(env, 10).rule == "dotenv.default_credential");
  CHECK(On(env, 10).confidence == Confidence::kLow);

  const auto compose = Hits(FileKind::kCompose,
                            "services:\n"
                            "  db:\n"
                            "    environment:\n"
                            "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n"
                            "      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root\n"
                            "      RABBITMQ_DEFAULT_PASS: guest\n"
                            "      REDIS_PASSWORD: redis\n"
                            "      MARIADB_PASSWORD: \"$${NOT_INTERPOLATED}\"\n");
  // guest and redis are documented defaults: low only. ($$ is a literal $, and the value a
  // reference-looking literal: quiet.)
  for (const auto& h : compose) {
    INFO(h.rule << " line " << h.line);
    CHECK(h.rule == "compose.default_credential");
    CHECK(h.confidence == Confidence::kLow);
  }
  CHECK(compose.size() == 2);

  const auto k8s = Hits(FileKind::kKubernetes,
                        "apiVersion: apps/v1\n"
                        "kind: Deployment\n"
                        "metadata: {name: web}\n"
                        "spec:\n"
                        "  template:\n"
                        "    spec:\n"
                        "      containers:\n"
                        "        - name: app\n"
                        "          env:\n"
                        "            - name: DB_PASSWORD\n"
                        "              valueFrom:\n"
                        "                secretKeyRef: {name: db, key: password}\n"
                        "            - name: API_PASSWORD\n"
                        "              value: \"{{ .Values.password }}\"\n");
  CHECK(k8s.empty());

  const auto docker = Hits(FileKind::kDockerfile,
                           "FROM alpine\n"
                           "ARG DB_PASSWORD\n"
                           "ENV PASSWORD=\"\"\n"
                           "ENV DB_PASSWORD_FILE=/run/secrets/db_password\n"
                           "RUN echo \"$DB_PASSWORD\" | docker login -u ci --password-stdin r.io\n"
                           "RUN --mount=type=secret,id=pw curl -u \"ci:$(cat /run/secrets/pw)\" https://x/p\n"
                           "RUN git clone https://git@github.com/org/app.git /src\n");
  CHECK(docker.empty());
}

TEST_CASE("analyzers: credential-only names") {
  for (const char* k : {"DB_PASSWORD", "POSTGRES_PASSWORD", "RABBITMQ_DEFAULT_PASS", "db-pwd",
                        "passphrase", "NEO4J_AUTH", "VAULT_DEV_ROOT_TOKEN_ID", "MINIO_SECRET_KEY",
                        "ME_CONFIG_MONGODB_ADMINPASSWORD"})
    CHECK(IsCredentialOnlyName(k));
  for (const char* k : {"API_TOKEN", "STRIPE_KEY", "DB_PASSWORD_FILE", "PASSWORD_LABEL",
                        "PASSWORD_TITLE", "POSTGRES_USER", "PORT"})
    CHECK_FALSE(IsCredentialOnlyName(k));
  CHECK(IsSecretName("VAULT_DEV_ROOT_TOKEN_ID"));  // an image's documented token variable
  CHECK(CredentialPart("NEO4J_AUTH", "neo4j/Zr8kq2Lm") == "Zr8kq2Lm");
  CHECK(CredentialPart("DB_PASSWORD", "a/b") == "a/b");
  CHECK(IsKnownDefaultCredential("POSTGRES_PASSWORD", "postgres"));
  CHECK(IsKnownDefaultCredential("RABBITMQ_DEFAULT_PASS", "guest"));
  CHECK_FALSE(IsKnownDefaultCredential("POSTGRES_PASSWORD", "secret123"));
}

TEST_CASE("analyzers: YAML merge keys in each form, found where the value is written") {
  const std::string d =
      "x-common: &common\n"                      // 1
      "  GITHUB_ACTIONS:\n"                      // 2
      "  SHARED_PASSWORD: Zr8kq2LmW5vXpTq\n"     // 3
      "x-env: &env\n"                            // 4
      "  SHARED_PASSWORD: Kx7Pq2mZrT4vW9aB\n"    // 5 (hidden by *common, listed first)
      "  ENV_TOKEN: Rk2vT9qLx4ZmW7nB\n"          // 6
      "x-base: &base\n"                          // 7
      "  image: app\n"                           // 8
      "  deploy:\n"                              // 9
      "    resources:\n"                         // 10
      "      reservations: {devices: [{driver: nvidia, capabilities: [gpu]}]}\n"  // 11
      "  environment:\n"                         // 12
      "    <<: *common\n"                        // 13
      "services:\n"                              // 14
      "  a:\n"                                   // 15
      "    <<: *base\n"                          // 16: a service-level merge
      "  b:\n"                                   // 17
      "    environment:\n"                       // 18
      "      <<: [*common, *env]\n"              // 19: a merge list
      "      ENV_TOKEN: Wq3vRt8LpZ2mXk7N\n"      // 20: written here, wins over *env
      "  c:\n"                                   // 21
      "    environment: *env\n";                 // 22: a plain alias
  const Analysis a = AnalyzeCompose(d);
  CHECK(a.warnings.empty());  // no "invalid node" (deploy.resources without limits)
  auto f = FactsByField(a);
  REQUIRE(f.count("services.a.environment.SHARED_PASSWORD"));
  CHECK(f["services.a.environment.SHARED_PASSWORD"].value == "Zr8kq2LmW5vXpTq");
  CHECK(LineOf(d, f["services.a.environment.SHARED_PASSWORD"].begin) == 3);
  CHECK(f["services.b.environment.SHARED_PASSWORD"].value == "Zr8kq2LmW5vXpTq");  // first wins
  CHECK(f["services.b.environment.ENV_TOKEN"].value == "Wq3vRt8LpZ2mXk7N");
  CHECK(LineOf(d, f["services.b.environment.ENV_TOKEN"].begin) == 20);
  CHECK(f["services.c.environment.ENV_TOKEN"].value == "Rk2vT9qLx4ZmW7nB");
  CHECK(LineOf(d, f["services.c.environment.ENV_TOKEN"].begin) == 6);
  size_t shared = 0;
  for (const auto& [field, fact] : f) shared += fact.key == "SHARED_PASSWORD" ? 1 : 0;
  CHECK(shared == 6);  // x-common, x-env, x-base.environment, a, b, c: one fact per field
  CHECK(LineOf(d, f["services.c.environment.SHARED_PASSWORD"].begin) == 5);

  const auto hits = Hits(FileKind::kCompose, d);
  CHECK(On(hits, 3).secret == "Zr8kq2LmW5vXpTq");  // one finding, at the anchor's line
  CHECK(On(hits, 20).secret == "Wq3vRt8LpZ2mXk7N");
  CHECK(On(hits, 6).secret == "Rk2vT9qLx4ZmW7nB");

  // Kubernetes: a merge key in a container's env entry and in a Secret's stringData.
  const std::string k =
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata: {name: s}\n"
      "x-defaults: &defaults\n"
      "  db-password: \"secret123\"\n"
      "stringData:\n"
      "  <<: *defaults\n"
      "  other: plain\n"
      "---\n"
      "apiVersion: v1\n"
      "kind: Pod\n"
      "metadata: {name: p}\n"
      "spec:\n"
      "  containers:\n"
      "    - name: app\n"
      "      env:\n"
      "        - &pw {name: DB_PASSWORD, value: hunter2024}\n"
      "        - <<: *pw\n"
      "          name: OTHER_PASSWORD\n";
  const Analysis ka = AnalyzeKubernetes(k);
  CHECK(ka.warnings.empty());
  auto kf = FactsByField(ka);
  REQUIRE(kf.count("Secret default/s stringData.db-password"));
  CHECK(LineOf(k, kf["Secret default/s stringData.db-password"].begin) == 5);
  REQUIRE(kf.count("Pod default/p container app env OTHER_PASSWORD"));
  CHECK(kf["Pod default/p container app env OTHER_PASSWORD"].value == "hunter2024");
  CHECK(LineOf(k, kf["Pod default/p container app env OTHER_PASSWORD"].begin) == 17);

  // A quoted "<<" is an ordinary key.
  const Analysis q = AnalyzeCompose("services:\n  a:\n    environment:\n      \"<<\": x\n");
  CHECK(FactsByField(q).count("services.a.environment.<<") == 1);
}

TEST_CASE("analyzers: a billion laughs is a warning, not an out-of-memory") {
  std::string d = "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    d += std::string("x-") + c + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) d += std::string(i ? ", " : "") + "*" + static_cast<char>(c - 1);
    d += "]\n";
  }
  const std::string compose = d + "services:\n  app:\n    environment:\n      LAUGHS: *i\n";
  const Analysis a = AnalyzeCompose(compose);
  REQUIRE(a.warnings.size() == 1);
  CHECK(a.warnings[0].message.find("billion laughs") != std::string::npos);
  CHECK(a.facts.empty());
  const Analysis k = AnalyzeKubernetes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" +
                                       d + "data: {k: *i}\n");
  REQUIRE(k.warnings.size() == 1);
  CHECK(k.warnings[0].message.find("billion laughs") != std::string::npos);
  // Sizes: a shared anchor counts each time it is used; the count stops at the cap.
  const YAML::Node n = YAML::Load("a: &a [1, 2]\nb: [*a, *a]\n");
  // root, key a, [1, 2], key b, [*a, *a] (itself, and [1, 2] twice)
  CHECK(yaml_util::ExpandedSize(n, 1000) == 1 + 1 + 3 + 1 + (1 + 3 + 3));
  CHECK(yaml_util::ExpandedSize(YAML::Load(d), 5000) == 5001);
}
