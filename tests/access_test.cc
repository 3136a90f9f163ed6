// The access log against the real ledgerd: every read of a record, its history, a list
// or an audit pack is recorded (who, what, why, the answer's status) before it is
// answered; GET /v1/access filters and pages them; the log verifies like the ledger.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

// A read by a compliance officer `actor`, with a token issued for it in `data`.
Reply GetAs(const fs::path& data, uint16_t port, const std::string& actor,
            const std::string& target) {
  static std::map<std::string, std::string> tokens;  // by data dir and actor
  std::string& token = tokens[data.string() + " " + actor];
  if (token.empty()) token = IssueTestToken(data, "compliance", actor);
  return Request(port, http::verb::get, target, "", {.token = token});
}

// "resource subject purpose status" of each entry, in order.
std::vector<std::string> Summaries(const json::object& body) {
  std::vector<std::string> out;
  for (const json::value& v : body.at("entries").as_array()) {
    const json::object& e = v.as_object();
    out.push_back(std::string(e.at("actor").as_string()) + " " +
                  std::string(e.at("resource").as_string()) + " " +
                  std::string(e.at("subject").as_string()) + " [" +
                  std::string(e.at("purpose").as_string()) + "] " +
                  std::to_string(e.at("status").as_int64()));
  }
  return out;
}

TEST(AccessLog, EveryReadIsRecordedBeforeItIsAnsweredAndTheLogVerifies) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  std::string since;
  {
    Ledgerd server(data, {"--checkpoint-interval-ms", "50"});
    ASSERT_TRUE(server.serving());
    const uint16_t port = server.port();
    AppendOne(port, RegisterAccount("ACC-7"));
    AppendOne(port, RegisterAccount("ACC-8"));
    WaitCaughtUp(port);
    // Not recorded: the feed, keys, readiness, and the access log itself.
    ReadFeed(port, 0);
    Get(port, "/v1/keys");
    EXPECT_EQ(Summaries(Get(port, "/v1/access")), std::vector<std::string>{});

    EXPECT_EQ(
        GetAs(data, port, "user:carol", "/v1/records/account/ACC-7?purpose=GDPR%20request%2042")
            .status,
        200);
    EXPECT_EQ(GetAs(data, port, "user:carol", "/v1/records/account/ACC-7/history").status, 200);
    since =
        json::value_to<std::string>(Get(port, "/v1/access")["entries"].as_array()[1].at("time"));
    EXPECT_EQ(
        GetAs(data, port, "user:dave", "/v1/records/account?purpose=quarterly%20review").status,
        200);
    EXPECT_EQ(GetAs(data, port, "user:dave", "/v1/records/account/ACC-8/related").status, 200);
    EXPECT_EQ(
        GetAs(data, port, "user:dave", "/v1/records/account/ACC-8/auditpack?purpose=audit").status,
        200);
    EXPECT_EQ(GetAs(data, port, "user:eve", "/v1/records/account/ACC-404").status, 404);
    EXPECT_EQ(GetAs(data, port, "user:eve", "/v1/records/account/ACC-7?bogus=1").status, 400);

    const std::vector<std::string> all = {
        "user:carol record account/ACC-7 [GDPR request 42] 200",
        "user:carol history account/ACC-7 [] 200",
        "user:dave list account [quarterly review] 200",
        "user:dave related account/ACC-8 [] 200",
        "user:dave auditpack account/ACC-8 [audit] 200",
        "user:eve record account/ACC-404 [] 404",
        "user:eve record account/ACC-7 [] 400",
    };
    EXPECT_EQ(Summaries(Get(port, "/v1/access")), all);
    EXPECT_EQ(Summaries(Get(port, "/v1/access?actor=user:dave")),
              std::vector<std::string>(all.begin() + 2, all.begin() + 5));
    EXPECT_EQ(Summaries(Get(port, "/v1/access?subject=account/ACC-7")),
              (std::vector<std::string>{all[0], all[1], all[6]}));
    EXPECT_EQ(Summaries(Get(port, "/v1/access?since=" + since)),
              std::vector<std::string>(all.begin() + 1, all.end()));
    // Paged: limit, then ?after= the `next` it gave.
    json::object first = Get(port, "/v1/access?limit=3");
    EXPECT_EQ(Summaries(first), std::vector<std::string>(all.begin(), all.begin() + 3));
    ASSERT_TRUE(first.contains("next"));
    json::object rest =
        Get(port, "/v1/access?after=" + std::to_string(first.at("next").as_int64()));
    EXPECT_EQ(Summaries(rest), std::vector<std::string>(all.begin() + 3, all.end()));
    EXPECT_FALSE(rest.contains("next"));
    // The query string is kept as sent.
    EXPECT_EQ(Get(port, "/v1/access")["entries"].as_array()[0].at("query"),
              "purpose=GDPR%20request%2042");
    EXPECT_THAT(
        ProblemPointers(
            Request(port, http::verb::get, "/v1/access?since=yesterday&limit=5000&who=x", ""), 400),
        ::testing::UnorderedElementsAre("/query/since", "/query/limit", "/query/who"));
    EXPECT_EQ(Request(port, http::verb::post, "/v1/access", "{}").status, 405);
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  // Signed and chained like the ledger, with the node's access key.
  ProcessResult verify = Ledgerctl({"verify", "--data", data.string(), "--access"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("events: 7"));
  // Not with the ledger's own key: the access log is signed by the node's access key.
  ProcessResult wrong = Ledgerctl({"verify", "--data", data.string(), "--access", "--vkeys",
                                   (data / "keys" / "ledger.vkeys").string()});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  // A restarted ledgerd goes on with the same access log.
  Ledgerd again(data);
  ASSERT_TRUE(again.serving());
  EXPECT_EQ(GetAs(data, again.port(), "user:carol", "/v1/records/account/ACC-8").status, 200);
  EXPECT_EQ(Get(again.port(), "/v1/access")["entries"].as_array().size(), 8u);
}

}  // namespace
}  // namespace ledger_test
