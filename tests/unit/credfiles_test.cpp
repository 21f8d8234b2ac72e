// The credential-file analyzer (src/analyzers/credfiles.cpp): file kinds from names, one parser
// per format, scores for credential-only slots, and the merge with the normal scan. Every
// secret-looking value here is fake, generated at random for tests.
#include <catch2/catch.hpp>

#include "analyzers/analyzers.hpp"
#include "test_support.hpp"

using namespace leakhound;

namespace {

struct Seen {
  std::string rule, secret;
  uint64_t line = 0;
  double score = -1;
};

std::vector<Seen> Flags(FileKind kind, std::string_view d) {
  const Analysis a = AnalyzeFile(kind, d);
  const LineIndex lines(d);
  std::vector<Seen> out;
  for (size_t i = 0; i < a.flags.size(); ++i) {
    Seen s{a.flags[i].rule_id, a.flags[i].secret, lines.Line(a.flags[i].begin)};
    for (const auto& sc : a.scores)
      if (sc.flag == i) s.score = sc.score;
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("credfiles: file kinds from conventional names") {
  CHECK(DetectFileKind("home/u/.netrc") == FileKind::kNetrc);
  CHECK(DetectFileKind("C:/Users/u/_netrc") == FileKind::kNetrc);
  CHECK(DetectFileKind(".pgpass") == FileKind::kPgpass);
  CHECK(DetectFileKind("AppData/Roaming/postgresql/pgpass.conf") == FileKind::kPgpass);
  CHECK(DetectFileKind("app/config/master.key") == FileKind::kRailsMasterKey);
  CHECK(DetectFileKind("config/credentials/production.key") == FileKind::kRailsMasterKey);
  CHECK(DetectFileKind("certs/server.key") == FileKind::kNone);
  CHECK(DetectFileKind("etc/openvpn/client/auth.txt") == FileKind::kOpenvpnAuth);
  CHECK(DetectFileKind("openvpn/login.conf") == FileKind::kOpenvpnAuth);
  CHECK(DetectFileKind("vpn/office.ovpn") == FileKind::kOpenvpnAuth);
  CHECK(DetectFileKind("docs/auth.txt") == FileKind::kNone);  // only inside an openvpn directory
  CHECK(AnalyzerName(FileKind::kNetrc) == "credfile");
}

TEST_CASE("credfiles: .netrc entries, across lines, quoted, with macdef and anonymous logins") {
  const std::string d =
      "# deploy hosts\n"
      "machine ftp.corp.internal\n"
      "  login deploy\n"
      "  password cookie65\n"
      "machine git.corp.internal login ci password \"Zq9 mLr2 Tw!\"\n"
      "macdef init\n"
      "password notAToken1\n"
      "\n"
      "machine api.corp.internal login bot password ${API_PASSWORD}\n"
      "default login anonymous password guest@corp.example\n";
  const auto f = Flags(FileKind::kNetrc, d);
  REQUIRE(f.size() == 2);
  CHECK(f[0].rule == "credfile.netrc_password");
  CHECK(f[0].secret == "cookie65");
  CHECK(f[0].line == 4);
  CHECK(f[0].score >= 0.5);  // a weak password in a credential-only slot is still reported
  CHECK(f[1].secret == "Zq9 mLr2 Tw!");
  CHECK(f[1].line == 5);
}

TEST_CASE("credfiles: .pgpass lines with escapes, comments and empty passwords") {
  const std::string d =
      "# hostname:port:database:username:password\n"
      "db-main.corp.internal:5432:orders:ci-bot:Pepper2020*\n"
      "replica.corp.internal:15432:*:repl:pa\\:ss9Wq\n"
      "db.corp.internal:5432:orders:app:\n"
      "localhost:5432:*:postgres:postgres\n"
      "broken line without fields\n";
  const auto f = Flags(FileKind::kPgpass, d);
  REQUIRE(f.size() == 2);
  CHECK(f[0].secret == "Pepper2020*");
  CHECK(f[0].line == 2);
  CHECK(f[1].secret == "pa:ss9Wq");
  CHECK(f[1].line == 3);
}

TEST_CASE("credfiles: a Rails master key is 32 hex digits alone") {
  const auto f = Flags(FileKind::kRailsMasterKey, "35b1b3ba0d14e5d3f2a9c96aa2a1b8f4\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].rule == "credfile.rails_master_key");
  CHECK(f[0].line == 1);
  CHECK(Flags(FileKind::kRailsMasterKey, "-----BEGIN PRIVATE KEY-----\nMIIE\n").empty());
  CHECK(Flags(FileKind::kRailsMasterKey, "35b1b3ba0d14e5d3f2a9c96aa2a1b8f4aa\n").empty());
}

TEST_CASE("credfiles: OpenVPN auth-user-pass files and inline blocks") {
  auto f = Flags(FileKind::kOpenvpnAuth, "vpn-jdoe\nHF805ap7eb6.^05\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].secret == "HF805ap7eb6.^05");
  CHECK(f[0].line == 2);
  f = Flags(FileKind::kOpenvpnAuth,
            "client\ndev tun\n<auth-user-pass>\nvpn-jdoe\nWq7#rT2mLz\n</auth-user-pass>\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].secret == "Wq7#rT2mLz");
  CHECK(f[0].line == 5);
  // A profile that only names the file, or a file of another shape: nothing.
  CHECK(Flags(FileKind::kOpenvpnAuth, "client\ndev tun\nremote vpn.corp.internal 1194\n"
                                      "auth-user-pass auth.txt\n").empty());
  CHECK(Flags(FileKind::kOpenvpnAuth, "vpn-jdoe\n").empty());
  CHECK(Flags(FileKind::kOpenvpnAuth, "vpn-jdoe\n${VPN_PASSWORD}\n").empty());
}

TEST_CASE("credfiles: AnalyzeBlob reports a weak .netrc password with its score and reasons") {
  const RuleSet& rules = testing::BuiltinRules();
  BlobScanner scanner(rules, BlobScanOptions{});
  const std::string d = "machine ftp.corp.internal\n  login deploy\n  password cookie65\n";
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(d, &result, &error));
  AnalyzedBlob analyzed;
  AnalyzeBlob(FileKind::kNetrc, d, scanner, nullptr, &result.matches, &analyzed);
  REQUIRE(result.matches.size() == 1);
  const Match& m = result.matches[0];
  CHECK(rules.rule(m.rule).id == "credfile.netrc_password");
  CHECK(m.line == 3);
  CHECK(m.secret.Reveal() == "cookie65");
  CHECK(m.score >= 0.5);
  CHECK(!m.reasons.empty());
}

TEST_CASE("credfiles: editor SFTP configs (JSON with comments, one server or a list)") {
  CHECK(DetectFileKind("site/.vscode/sftp.json") == FileKind::kSftpConfig);
  CHECK(DetectFileKind("sftp-config.json") == FileKind::kSftpConfig);
  const std::string d =
      "[\n"
      "  // staging\n"
      "  {\"host\": \"web01.corp.internal\", \"username\": \"deploy\",\n"
      "   \"password\": \"banana94\"},\n"
      "  {\"host\": \"web02.corp.internal\", \"privateKeyPath\": \"~/.ssh/id\",\n"
      "   \"passphrase\": \"Vt7#qLm2Rw9!\"},\n"
      "  {\"host\": \"web03.corp.internal\", \"password\": \"${SFTP_PASSWORD}\"}\n"
      "]\n";
  const auto f = Flags(FileKind::kSftpConfig, d);
  REQUIRE(f.size() == 2);
  CHECK(f[0].rule == "credfile.sftp_config_password");
  CHECK(f[0].secret == "banana94");
  CHECK(f[0].line == 4);
  CHECK(f[1].secret == "Vt7#qLm2Rw9!");
  CHECK(f[1].line == 6);
  // Not JSON: a warning, no flag.
  const Analysis bad = AnalyzeFile(FileKind::kSftpConfig, "{\"host\": ");
  CHECK(bad.flags.empty());
  CHECK(bad.warnings.size() == 1);
  // JSON without a host: not an SFTP config.
  CHECK(Flags(FileKind::kSftpConfig, "{\"password\": \"banana94\"}").empty());
}

TEST_CASE("credfiles: access keys downloaded from a cloud console (CSV)") {
  CHECK(DetectFileKind("Downloads/credentials.csv") == FileKind::kConsoleKeysCsv);
  CHECK(DetectFileKind("ops-alice_accessKeys.csv") == FileKind::kConsoleKeysCsv);
  CHECK(DetectFileKind("accessKeys.csv") == FileKind::kConsoleKeysCsv);
  CHECK(DetectFileKind("data/users.csv") == FileKind::kNone);
  // A new IAM user: password and key; quoted fields with CRLF and a byte-order mark.
  const auto user = Flags(FileKind::kConsoleKeysCsv,
                          "\xEF\xBB\xBFUser name,Password,Access key ID,Secret access key,Console "
                          "login link\r\nops-alice,Wq9#rT2mLp8zX4vN,AKIA56STEJDQ2QTSHNVE,"
                          "ex43LJlBKYcHQFHm5dzzVk4g2XioFs6vLLSFoxcE,https://signin.aws.amazon.com/"
                          "console\r\n");
  REQUIRE(user.size() == 2);
  CHECK(user[0].rule == "credfile.console_csv_password");
  CHECK(user[0].secret == "Wq9#rT2mLp8zX4vN");
  CHECK(user[1].rule == "credfile.console_csv_secret_key");
  CHECK(user[1].secret == "ex43LJlBKYcHQFHm5dzzVk4g2XioFs6vLLSFoxcE");
  CHECK(user[1].line == 2);
  const auto quoted = Flags(FileKind::kConsoleKeysCsv,
                            "\"Access key ID\",\"Secret access key\"\n"
                            "\"AKIA6EFBQDFPI7DLBKJF\",\"9AdsDIO+knip2YkwXlHmZYd2ngXTS+kjgbNpqRz0\"\n"
                            "\"AKIAF4E2KXD7COCHTWNV\",\"eV80rL1SOw09kyXh9sghmejiLxpEtVxzgVFAAMgK\"\n");
  REQUIRE(quoted.size() == 2);
  CHECK(quoted[1].secret == "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");
  CHECK(quoted[1].line == 3);
  // Another CSV of the same name without those columns, and empty cells: nothing.
  CHECK(Flags(FileKind::kConsoleKeysCsv, "name,email\nAda,ada@example.com\n").empty());
  CHECK(Flags(FileKind::kConsoleKeysCsv, "Access key ID,Secret access key\nAKIA6EFBQDFPI7DLBKJF,\n")
            .empty());
}
