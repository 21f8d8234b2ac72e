// Identifiers (rules tagged `identifier`) are context of the secrets near them, never findings.
// Every value here is fake, generated at random for the test.
#include <catch2/catch.hpp>

#include <string>

#include "scan/blob_scanner.hpp"
#include "scan/identifiers.hpp"
#include "test_support.hpp"

namespace leakhound {
namespace {

std::vector<Match> ScanAndAttach(const std::string& text) {
  const RuleSet& rules = testing::BuiltinRules();
  BlobScanner scanner(rules, BlobScanOptions{});
  BlobScanResult result;
  std::string error;
  REQUIRE(scanner.ScanBuffer(text, &result, &error));
  AttachIdentifiers(rules, &result.matches);
  return result.matches;
}

std::string Ids(const RuleSet& rules, const std::vector<ContextItem>& context) {
  std::string s;
  for (const auto& c : context) s += rules.rule(c.rule).id + "=" + c.value + " ";
  return s;
}

TEST_CASE("Identifiers attach to the secrets near them, of their provider or generic") {
  const RuleSet& rules = testing::BuiltinRules();
  const auto matches = ScanAndAttach(
      "AWS_ACCOUNT_ID=752684633214\n"
      "AZURE_TENANT_ID=a222643e-744a-46f8-85fe-02883ec5c2e3\n"
      "AZURE_CLIENT_ID=fe4f5263-11d5-4724-95ba-a978983b6369\n"
      "AZURE_CLIENT_SECRET=Qx48Q~Vn2kLr9mTz7WpBy3FhDc6GjKs1NaXe5Uo_\n"
      "db_user = reports_ro\n"
      "db_password = 'Tr0ub4dor&Horse93'\n");
  REQUIRE(matches.size() == 2);  // the two secrets; no identifier is a match of its own
  for (const auto& m : matches) {
    const std::string id = rules.rule(m.rule).id;
    const std::string context = Ids(rules, m.context);
    INFO(id << ": " << context);
    if (id == "azure.client_secret") {
      // Nearest first; the AWS account id is another provider's.
      CHECK(context ==
            "azure.client_id=fe4f5263-11d5-4724-95ba-a978983b6369 "
            "azure.tenant_id=a222643e-744a-46f8-85fe-02883ec5c2e3 "
            "generic.username=reports_ro ");
    } else {
      CHECK(rules.rule(m.rule).HasTag("generic"));
      // A generic secret takes every identifier near it, the nearest first.
      CHECK(context.rfind("generic.username=reports_ro ", 0) == 0);
      CHECK(context.find("aws.account_id=752684633214") != std::string::npos);
    }
  }
}

TEST_CASE("Identifiers alone are not findings, and far ones are not context") {
  CHECK(ScanAndAttach("AZURE_CLIENT_ID=ddc012f8-a786-4584-856d-044bc1f49414\n"
                      "AWS_ACCOUNT_ID=265807032948\nusername: billing\n")
            .empty());
  std::string text = "username: far_away_user\n";
  for (int i = 0; i < 11; ++i) text += "# filler line\n";
  text += "password = 'Tr0ub4dor&Horse93'\n";
  const auto matches = ScanAndAttach(text);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].context.empty());
}

TEST_CASE("MergeContext keeps each identifier once and at most kMaxContext") {
  std::vector<ContextItem> context, more;
  for (uint32_t i = 0; i < 12; ++i) more.push_back({i % 10, "v" + std::to_string(i % 10), "", 1});
  MergeContext(&context, more);
  CHECK(context.size() == kMaxContext);
  MergeContext(&context, more);
  CHECK(context.size() == kMaxContext);
}

}  // namespace
}  // namespace leakhound
