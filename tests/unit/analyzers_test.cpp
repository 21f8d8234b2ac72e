// The config-file analyzers' parsers, one file kind at a time, and AnalyzeBlob's merge with the
// normal scan. Every secret-looking value here is fake, generated at random for tests.
#include <limits.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "analyzers/analyzers.hpp"
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
  CHECK(FlagIds(a) == std::vector<std::string>{
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
  CHECK(result.matches.empty());
  AnalyzedBlob analyzed;
  AnalyzeBlob(FileKind::kYaml, d, scanner, nullptr, &result.matches, &analyzed);
  REQUIRE(result.matches.size() == 1);  // github.pat outranks kubernetes.secret_literal
  const Match& m = result.matches[0];
  CHECK(rules.rule(m.rule).id == "github.pat");
  CHECK(m.secret.Reveal() == token);
  CHECK(m.line == 5);
  CHECK(m.column == 7);
  CHECK(m.field == "Secret default/s data.gh");
  CHECK(m.snippet.Render(false).find(b64) == std::string::npos);  // the encoded form is redacted
  CHECK(analyzed.suppressed == 1);
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
