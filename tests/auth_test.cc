// Tokens and roles against the real ledgerd: every role against every endpoint (one
// table), reps and managers scoped to their own and their team's records, a refusal
// leaving nothing but its access-log entry, the actor taken from the token, revocation,
// rate limits, and --dev-open only on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

std::string Command(const std::string& type, const std::string& subject, json::object data) {
  return json::serialize(
      json::object{{"type", type}, {"subject", subject}, {"data", std::move(data)}});
}

std::string Contact(const std::string& id, const std::string& account, const std::string& owner) {
  return Command("contact.registered", "contact/" + id,
                 {{"name", "联系人 " + id}, {"account", account}, {"owner", owner}});
}

// One row of the matrix: a request and the status each role gets.
struct Row {
  http::verb verb;
  std::string target;
  std::map<std::string, int> status;  // by role; a role not named gets 403
};

TEST(Auth, EveryRoleAgainstEveryEndpoint) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data, {"--checkpoint-interval-ms", "20"});
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  // The rep li.wei owns ACC-R; its event is the first of its partition.
  const Appended r = AppendOne(port, RegisterAccount("ACC-R", "", "u:li.wei"));
  WaitCaughtUp(port);
  const std::string p = std::to_string(r.partition);
  // Appends must each be new, so the POST row's body changes with every role.
  int appended = 0;
  auto body = [&](const Row& row) {
    if (row.verb != http::verb::post) return std::string();
    if (row.target.starts_with("/v1/subjects/")) return std::string(R"({"reason":"matrix"})");
    return RegisterAccount("ACC-NEW-" + std::to_string(++appended), "", "u:li.wei");
  };
  const std::vector<Row> rows = {
      {http::verb::get,
       "/healthz",
       {{"rep", 200},
        {"manager", 200},
        {"compliance", 200},
        {"consumer", 200},
        {"ops", 200},
        {"admin", 200}}},
      {http::verb::get, "/readyz", {{"ops", 200}, {"admin", 200}}},
      {http::verb::get, "/metrics", {{"ops", 200}, {"admin", 200}}},
      {http::verb::get,
       "/v1/keys",
       {{"rep", 200},
        {"manager", 200},
        {"compliance", 200},
        {"consumer", 200},
        {"ops", 200},
        {"admin", 200}}},
      {http::verb::post, "/v1/events", {{"rep", 201}, {"manager", 201}}},
      {http::verb::get, "/v1/events?partition=" + p, {{"compliance", 200}, {"consumer", 200}}},
      {http::verb::get,
       "/v1/records/account/ACC-R",
       {{"rep", 200}, {"manager", 200}, {"compliance", 200}}},
      {http::verb::get,
       "/v1/records/account/ACC-R/history",
       {{"rep", 200}, {"manager", 200}, {"compliance", 200}}},
      {http::verb::get,
       "/v1/records/account",
       {{"rep", 200}, {"manager", 200}, {"compliance", 200}}},
      {http::verb::get,
       "/v1/records/account/ACC-R/related",
       {{"rep", 200}, {"manager", 200}, {"compliance", 200}}},
      {http::verb::get, "/v1/records/account/ACC-R/auditpack", {{"compliance", 200}}},
      {http::verb::get, "/v1/access", {{"compliance", 200}}},
      // Aggregates of every team's figures: managers and compliance.
      {http::verb::get, "/v1/analytics/win-loss", {{"manager", 200}, {"compliance", 200}}},
      // Erasing a contact that does not exist: the admin reaches the route.
      {http::verb::post, "/v1/subjects/CON-NONE/erase", {{"admin", 404}}},
      {http::verb::get,
       "/v1/checkpoints/" + p,
       {{"rep", 200},
        {"manager", 200},
        {"compliance", 200},
        {"consumer", 200},
        {"ops", 200},
        {"admin", 200}}},
      {http::verb::get,
       "/v1/proofs/inclusion?partition=" + p + "&seq=0",
       {{"rep", 200},
        {"manager", 200},
        {"compliance", 200},
        {"consumer", 200},
        {"ops", 200},
        {"admin", 200}}},
  };
  // A checkpoint covers ACC-R before the proof rows run.
  for (int i = 0;
       i < 500 && Request(port, http::verb::get, "/v1/checkpoints/" + p, "").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const uint64_t events_before = TotalEvents(port);
  size_t denied = 0;
  for (const Row& row : rows) {
    for (const auto& [role, actor] : kFixtureActors) {
      const auto it = row.status.find(role);
      const int expected = it == row.status.end() ? 403 : it->second;
      Reply reply = Request(port, row.verb, row.target, body(row), {.role = role});
      EXPECT_EQ(reply.status, expected)
          << role << " " << http::to_string(row.verb) << " " << row.target << "\n"
          << reply.body;
      if (expected == 403) {
        ++denied;
        EXPECT_THAT(reply.Json()["detail"].as_string().c_str(), HasSubstr("the role " + role));
      }
      // No token, or a made-up one, is a 401 for everyone, with a challenge (but /healthz).
      if (role == "rep") {
        for (const std::string& token : {std::string(), std::string("slt_0123456789abcdef_x")}) {
          Reply anonymous = Request(port, row.verb, row.target, body(row), {.token = token});
          if (row.target == "/healthz") {  // the one route without a token
            EXPECT_EQ(anonymous.status, 200);
            continue;
          }
          EXPECT_EQ(anonymous.status, 401) << row.target;
          EXPECT_THAT(anonymous.Header("WWW-Authenticate"), HasSubstr("Bearer"));
        }
      }
    }
  }
  EXPECT_EQ(denied, 47u);
  // Refusals appended nothing (the only appends are the two allowed POSTs).
  EXPECT_EQ(TotalEvents(port), events_before + 2);
  // ... and each left its entry in the access log, naming who and what.
  const json::object access = Get(port, "/v1/access?limit=1000");
  size_t denials = 0;
  for (const json::value& v : access.at("entries").as_array()) {
    const json::object& e = v.as_object();
    if (e.at("type").as_string() != "access.denied") continue;
    ++denials;
    EXPECT_EQ(e.at("status").as_int64(), 403);
    EXPECT_FALSE(e.at("method").as_string().empty());
    EXPECT_FALSE(e.at("resource").as_string().empty());
  }
  EXPECT_EQ(denials, denied);
  const json::object consumer = Get(port, "/v1/access?actor=service:billing&limit=1000");
  // Every row but keys, the feed, checkpoints and proofs.
  EXPECT_EQ(consumer.at("entries").as_array().size(), 11u);
}

TEST(Auth, RepsSeeTheirOwnRecordsAndManagersTheirTeams) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const std::string west = IssueTestToken(data, "rep", "user:wang.fang", "west");
  AppendOne(port, RegisterAccount("ACC-LI", "", "u:li.wei"));       // the rep's (east)
  AppendOne(port, RegisterAccount("ACC-ZHOU", "", "u:zhou.min"));   // the manager's (east)
  AppendOne(port, RegisterAccount("ACC-WANG", "", "u:wang.fang"));  // another team's (west)
  AppendOne(port, Contact("CON-1", "ACC-LI", "u:wang.fang"));       // at the rep's account
  AppendOne(port, Contact("CON-2", "ACC-WANG", "u:wang.fang"));
  AppendOne(port, Command("product.listed", "product/PRD-1",
                          {{"sku", "SKU-1"},
                           {"name", "产品 Product"},
                           {"category", "software"},
                           {"list_price", {{"amount", 100}, {"currency", "CNY"}}},
                           {"unit", "license"}}));
  WaitCaughtUp(port);
  auto status = [&](const std::string& role, const std::string& target,
                    const std::string& token = "") {
    RequestOptions o{.role = role};
    if (!token.empty()) o.token = token;
    return Request(port, http::verb::get, target, "", o).status;
  };
  // The rep: its accounts and what belongs to them, the catalogue; nothing else.
  EXPECT_EQ(status("rep", "/v1/records/account/ACC-LI"), 200);
  EXPECT_EQ(status("rep", "/v1/records/contact/CON-1"), 200);
  EXPECT_EQ(status("rep", "/v1/records/product/PRD-1"), 200);
  EXPECT_EQ(status("rep", "/v1/records/account/ACC-ZHOU"), 403);
  EXPECT_EQ(status("rep", "/v1/records/account/ACC-WANG/history"), 403);
  EXPECT_EQ(status("rep", "/v1/records/contact/CON-2?asof=2030-01-01T00:00:00Z"), 403);
  EXPECT_EQ(status("rep", "/v1/records/account/ACC-WANG/related"), 403);
  // The manager: its team (itself and li.wei), not the west team.
  EXPECT_EQ(status("manager", "/v1/records/account/ACC-LI"), 200);
  EXPECT_EQ(status("manager", "/v1/records/account/ACC-ZHOU"), 200);
  EXPECT_EQ(status("manager", "/v1/records/contact/CON-1"), 200);
  EXPECT_EQ(status("manager", "/v1/records/account/ACC-WANG"), 403);
  EXPECT_EQ(status("manager", "/v1/records/contact/CON-2"), 403);
  // The west rep sees its own, and the contact it owns at li.wei's account.
  EXPECT_EQ(status("", "/v1/records/account/ACC-WANG", west), 200);
  EXPECT_EQ(status("", "/v1/records/contact/CON-1", west), 200);
  EXPECT_EQ(status("", "/v1/records/account/ACC-LI", west), 403);
  // Lists leave out what the caller may not read.
  auto ids = [&](const std::string& role, const std::string& target,
                 const std::string& token = "") {
    RequestOptions o{.role = role};
    if (!token.empty()) o.token = token;
    std::vector<std::string> out;
    const json::object body = Request(port, http::verb::get, target, "", o).Json();
    EXPECT_TRUE(body.contains("records")) << target;
    if (!body.contains("records")) return out;
    for (const json::value& v : body.at("records").as_array())
      out.push_back(std::string(v.at("id").as_string()));
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("rep", "/v1/records/account"), V({"ACC-LI"}));
  EXPECT_EQ(ids("manager", "/v1/records/account"), V({"ACC-LI", "ACC-ZHOU"}));
  EXPECT_EQ(ids("compliance", "/v1/records/account"), V({"ACC-LI", "ACC-WANG", "ACC-ZHOU"}));
  EXPECT_EQ(ids("", "/v1/records/contact", west), V({"CON-1", "CON-2"}));
  EXPECT_EQ(ids("rep", "/v1/records/contact"), V({"CON-1"}));
  // Related records of an account hang on the account being the caller's.
  EXPECT_EQ(status("", "/v1/records/account/ACC-LI/related", west), 403);
  const json::object related =
      Request(port, http::verb::get, "/v1/records/account/ACC-LI/related", "", {.role = "rep"})
          .Json();
  EXPECT_EQ(related.at("contacts").as_array().size(), 1u);
}

TEST(Auth, TheActorIsTheTokensAndRevokedTokensStopWorking) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const std::string token = IssueTestToken(data, "rep", "user:zhang.wei", "east");
  // An actor in the command is not the envelope's to set.
  json::object command = json::parse(RegisterAccount("ACC-A")).as_object();
  command["actor"] = "user:someone.else";
  Reply spoof =
      Request(port, http::verb::post, "/v1/events", json::serialize(command), {.token = token});
  EXPECT_EQ(spoof.status, 400) << spoof.body;
  EXPECT_THAT(spoof.body, HasSubstr("/events/0/actor"));
  Reply ok =
      Request(port, http::verb::post, "/v1/events", RegisterAccount("ACC-A"), {.token = token});
  ASSERT_EQ(ok.status, 201) << ok.body;
  const Appended a = AppendedEvents(ok).at(0);
  bool found = false;
  for (const FeedLine& line : ReadFeed(port, a.partition)) {
    if (line.event.at("id").as_string() != a.id) continue;
    found = true;
    EXPECT_EQ(line.event.at("actor").as_string(), "user:zhang.wei");
  }
  EXPECT_TRUE(found);
  // Revoked with ledgerctl beside the running server: refused within about a second.
  const std::string id = token.substr(4, 16);
  ProcessResult revoke = Ledgerctl({"tokens", "revoke", "--data", data.string(), "--id", id});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    status = Request(port, http::verb::get, "/v1/keys", "", {.token = token}).status;
    if (status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 401);
  ProcessResult list = Ledgerctl({"tokens", "list", "--data", data.string()});
  EXPECT_THAT(list.out, HasSubstr("id=" + id + " role=rep actor=user:zhang.wei team=east"));
  EXPECT_THAT(list.out, HasSubstr("revoked="));
  EXPECT_EQ(list.out.find(token.substr(21)), std::string::npos) << "the secret is not kept";
  EXPECT_EQ(ReadFile(data / "tokens.json").find(token.substr(21)), std::string::npos);
  EXPECT_EQ(fs::status(data / "tokens.json").permissions() & fs::perms::group_read,
            fs::perms::none);
  // Bad token requests.
  ProcessResult bad_role = Ledgerctl(
      {"tokens", "create", "--data", data.string(), "--role", "superuser", "--actor", "user:x"});
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_THAT(bad_role.err, HasSubstr("no role \"superuser\""));
  ProcessResult bad_actor = Ledgerctl(
      {"tokens", "create", "--data", data.string(), "--role", "rep", "--actor", "li wei"});
  EXPECT_EQ(bad_actor.exit_code, 2);
  EXPECT_THAT(bad_actor.err, HasSubstr("user:<id> or service:<id>"));
  ProcessResult no_team = Ledgerctl(
      {"tokens", "create", "--data", data.string(), "--role", "manager", "--actor", "user:m"});
  EXPECT_EQ(no_team.exit_code, 2);
  EXPECT_THAT(no_team.err, HasSubstr("--team"));
}

TEST(Auth, ATokenOverItsRateGets429WithRetryAfterAndOthersGoOn) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data, {"--rate-per-token", "2", "--rate-burst", "5"});
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 12; ++i) {
    Reply r = Request(port, http::verb::get, "/v1/keys", "", {.role = "consumer"});
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.Header("Retry-After");
      EXPECT_THAT(r.Json()["detail"].as_string().c_str(), HasSubstr("requests per second"));
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 7);  // the burst, and what two per second refill meanwhile
  EXPECT_EQ(ok + limited, 12);
  EXPECT_GE(std::stoi(retry_after), 1);
  // A feed page is one request too (not charged again as a possible followed feed):
  // a fresh token's burst of 5 reads 5 pages.
  const std::string reader = IssueTestToken(data, "consumer", "service:reader");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        Request(port, http::verb::get, "/v1/events?partition=0", "", {.token = reader}).status, 200)
        << i;
  }
  // Another token has its own bucket; the server keeps serving.
  EXPECT_EQ(Request(port, http::verb::get, "/v1/keys", "", {.role = "ops"}).status, 200);
  EXPECT_EQ(Request(port, http::verb::get, "/healthz", "", {.token = ""}).status, 200);
}

TEST(Auth, DevOpenServesOnlyOnLoopback) {
  TempDir tmp;
  ProcessResult r = RunProcess(
      {LedgerdPath(), "--data", (tmp / "data").string(), "--listen", "0.0.0.0:0", "--dev-open"},
      std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("only on a loopback address"));
  Ledgerd open(tmp / "open", {"--dev-open"});
  ASSERT_TRUE(open.serving());
  Reply append =
      Request(open.port(), http::verb::post, "/v1/events", RegisterAccount("ACC-D"), {.token = ""});
  ASSERT_EQ(append.status, 201) << append.body;
  EXPECT_EQ(Request(open.port(), http::verb::get, "/v1/access", "", {.token = ""}).status, 200);
}

TEST(KeyRotation, NewEventsAreSignedWithTheNewKeyAndEveryEventVerifiesUnderItsOwn) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  std::string old_kid;
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    for (int i = 0; i < 3; ++i)
      AppendOne(server.port(), RegisterAccount("ACC-OLD-" + std::to_string(i)));
    old_kid = ServedKey(server.port()).KidHex();
    // Not under a running ledgerd.
    ProcessResult busy = Ledgerctl({"keys", "rotate", "--data", data.string()});
    EXPECT_EQ(busy.exit_code, 3);
    EXPECT_THAT(busy.err, HasSubstr("is ledgerd running"));
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  ProcessResult rotated = Ledgerctl({"keys", "rotate", "--data", data.string()});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_THAT(rotated.out, HasSubstr("sales-ledger+"));
  EXPECT_THAT(rotated.out, HasSubstr(" from="));
  EXPECT_EQ(ReadFile(data / "keys" / "ledger.key").find(old_kid), std::string::npos)
      << "the old private key is gone";
  std::map<std::string, std::string> kids;  // event id -> kid
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    const uint16_t port = server.port();
    for (int i = 0; i < 3; ++i) AppendOne(port, RegisterAccount("ACC-NEW-" + std::to_string(i)));
    // Both keys are published, each with when it was valid.
    const json::array keys = Get(port, "/v1/keys").at("keys").as_array();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].at("kid").as_string(), old_kid);
    EXPECT_TRUE(keys[0].as_object().contains("valid_until"));
    EXPECT_TRUE(keys[1].as_object().contains("valid_from"));
    EXPECT_EQ(keys[0].at("valid_until"), keys[1].at("valid_from"));
    for (uint32_t p = 0; p < Partitions(port); ++p)
      for (const FeedLine& line : ReadFeed(port, p))
        kids[std::string(line.event.at("subject").as_string())] = line.kid;
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  ASSERT_EQ(kids.size(), 6u);
  for (const auto& [subject, kid] : kids)
    EXPECT_EQ(kid == old_kid, subject.find("OLD") != std::string::npos) << subject;
  ProcessResult verify = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("events: 6"));
  // Validity is enforced: had the old key been retired before its events, they fail.
  std::string vkeys = ReadFile(data / "keys" / "ledger.vkeys");
  const size_t until = vkeys.find("until=");
  ASSERT_NE(until, std::string::npos);
  vkeys.replace(until + 6, vkeys.find('\n', until) - until - 6, "2001-01-01T00:00:00Z");
  WriteFile(data / "keys" / "ledger.vkeys", vkeys);
  ProcessResult refused = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_THAT(refused.out + refused.err, HasSubstr("retired at 2001-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace ledger_test
