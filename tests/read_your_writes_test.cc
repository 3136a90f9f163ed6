// The read routes' paging and consistency, over the real ledgerd: history paged by
// after_version, read-your-writes with ?after=P:SEQ on every /v1/records route (at
// once after the append, and 400 / 503 when it cannot be honoured), and an account's
// related records with their continuation cursors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

class ReadYourWrites : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(data_);
    ASSERT_TRUE(server_->serving());
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop().exit_code, 0);
    }
  }

  TempDir dir_;
  const fs::path data_ = dir_ / "data";
  std::optional<Ledgerd> server_;
  uint16_t port_ = 0;
};

std::string Position(const Appended& a) {
  return std::to_string(a.partition) + ":" + std::to_string(a.ledgerseq);
}

std::vector<uint64_t> Versions(const json::object& history) {
  std::vector<uint64_t> versions;
  for (const json::value& e : history.at("entries").as_array())
    versions.push_back(e.at("version").to_number<uint64_t>());
  return versions;
}

TEST_F(ReadYourWrites, HistoryPagesByAfterVersion) {
  AppendOne(port_, RegisterAccount("ACC-H"));
  for (int v = 1; v < 7; ++v)
    AppendOne(port_, RenameAccount("ACC-H", "name " + std::to_string(v), v));
  WaitCaughtUp(port_);
  const std::string history = "/v1/records/account/ACC-H/history";

  json::object first = Get(port_, history + "?limit=3");
  EXPECT_EQ(Versions(first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(first["next"], json::value(3));
  json::object second = Get(port_, history + "?after_version=3&limit=3");
  EXPECT_EQ(Versions(second), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(second["next"], json::value(6));
  json::object last = Get(port_, history + "?after_version=6&limit=3");
  EXPECT_EQ(Versions(last), (std::vector<uint64_t>{7}));
  EXPECT_FALSE(last.contains("next")) << json::serialize(last);
  json::object beyond = Get(port_, history + "?after_version=7");
  EXPECT_TRUE(Versions(beyond).empty());
  EXPECT_FALSE(beyond.contains("next"));
  json::object all = Get(port_, history + "?after_version=0");
  EXPECT_EQ(Versions(all), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(all.contains("next"));

  // A page that ends exactly at the last version is the end: no next.
  json::object exact = Get(port_, history + "?after_version=4&limit=3");
  EXPECT_EQ(Versions(exact), (std::vector<uint64_t>{5, 6, 7}));
  EXPECT_FALSE(exact.contains("next")) << json::serialize(exact);

  // The old name of the paging parameter now means a log position, so a bare version
  // there is refused rather than silently ignored.
  Reply old = Request(port_, http::verb::get, history + "?after=3", "");
  EXPECT_EQ(ProblemPointers(old, 400), std::multiset<std::string>{"/query/after"}) << old.body;
}

// Each append is read back at once through every route with ?after= its position:
// the read never misses it.
TEST_F(ReadYourWrites, EveryRecordsRouteSeesTheAppendItWaitsFor) {
  constexpr int kUpdates = 30;
  AppendOne(port_, RegisterAccount("ACC-RYW", "", "rep.ryw"));
  for (int v = 1; v <= kUpdates; ++v) {
    SCOPED_TRACE("version " + std::to_string(v + 1));
    const Appended a = AppendOne(port_, RenameAccount("ACC-RYW", "name " + std::to_string(v), v));
    const std::string after = "after=" + Position(a);
    json::object record = Get(port_, "/v1/records/account/ACC-RYW?" + after);
    EXPECT_EQ(record["version"].to_number<uint64_t>(), a.streamversion);
    EXPECT_EQ(record["hash"].as_string(), a.hash);
    json::object history =
        Get(port_,
            "/v1/records/account/ACC-RYW/history?after_version=" + std::to_string(v) + "&" + after);
    EXPECT_EQ(Versions(history), std::vector<uint64_t>{a.streamversion});
    json::object list = Get(port_, "/v1/records/account?owner=rep.ryw&" + after);
    ASSERT_EQ(list["records"].as_array().size(), 1u);
    EXPECT_EQ(list["records"].as_array()[0].at("version").to_number<uint64_t>(), a.streamversion);
    json::object related = Get(port_, "/v1/records/account/ACC-RYW/related?" + after);
    EXPECT_EQ(related["account"].at("version").to_number<uint64_t>(), a.streamversion);
  }

  // Several positions at once, in different partitions.
  std::map<uint32_t, std::pair<std::string, Appended>> by_partition;  // account id, append
  for (int n = 0; by_partition.size() < 3 && n < 200; ++n) {
    const std::string id = "ACC-P-" + std::to_string(n);
    Appended a = AppendOne(port_, RegisterAccount(id));
    by_partition.emplace(a.partition, std::make_pair(id, a));
  }
  ASSERT_EQ(by_partition.size(), 3u);
  std::string positions;
  for (const auto& [p, appended] : by_partition)
    positions += (positions.empty() ? "" : ",") + Position(appended.second);
  for (const auto& [p, appended] : by_partition) {
    const auto& [id, a] = appended;
    json::object record = Get(port_, "/v1/records/account/" + id + "?after=" + positions);
    EXPECT_EQ(record["hash"], json::value(a.hash)) << id;
  }
}

TEST_F(ReadYourWrites, APositionThatCannotBeReachedIs400AtOnce) {
  const Appended a = AppendOne(port_, RegisterAccount("ACC-B"));
  const std::string p = std::to_string(a.partition);
  const std::string never = p + ":" + std::to_string(a.ledgerseq + 1);
  for (const std::string route : {"/v1/records/account/ACC-B", "/v1/records/account/ACC-B/history",
                                  "/v1/records/account", "/v1/records/account/ACC-B/related"}) {
    const std::vector<std::string> malformed{"x",        p + ":",
                                             ":0",       p + ":0:1",
                                             "-1:0",     "4:0",
                                             p + ":abc", p + ":18446744073709551615",
                                             never,      Position(a) + ",99:0"};
    for (const std::string& after : malformed) {
      Reply r = Request(port_, http::verb::get, route + "?after=" + after, "");
      EXPECT_EQ(ProblemPointers(r, 400), std::multiset<std::string>{"/query/after"})
          << route << "?after=" << after << "\n"
          << r.body;
    }
  }
}

// Waits (bounded) until /readyz reports the views pinned (or not).
void WaitPinned(uint16_t port, bool pinned) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  for (;;) {
    Reply r = Request(port, http::verb::get, "/readyz", "");
    json::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("pinned") == pinned &&
        (pinned || r.status == 200)) {
      return;
    }
    ASSERT_LT(SteadyClock::now(), deadline) << "pinned never became " << pinned << ": " << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Views pinned by a replay below a position cannot reach it: ?after= that position is a
// 503 with Retry-After at once (not after --read-wait-ms, set far beyond the request
// deadline here), while positions within the pin are served.
TEST(ReadYourWritesPinned, APositionBeyondPinnedViewsIs503) {
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data, {"--read-wait-ms", "600000"});
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const Appended created = AppendOne(port, RegisterAccount("ACC-PIN"));
  const Appended renamed = AppendOne(port, RenameAccount("ACC-PIN", "after the pin", 1));
  ASSERT_EQ(renamed.partition, created.partition);
  ProcessResult pin =
      Ledgerctl({"replay", "--data", data.string(), "--until-seq", Position(created)});
  ASSERT_EQ(pin.exit_code, 0) << pin.out << pin.err;
  WaitPinned(port, true);

  json::object at_pin = Get(port, "/v1/records/account/ACC-PIN?after=" + Position(created));
  EXPECT_EQ(at_pin["version"], json::value(1)) << "the pinned views as they were";
  for (const std::string route :
       {"/v1/records/account/ACC-PIN", "/v1/records/account", "/v1/records/account/ACC-PIN/history",
        "/v1/records/account/ACC-PIN/related"}) {
    Reply r = Request(port, http::verb::get, route + "?after=" + Position(renamed), "");
    ProblemPointers(r, 503);
    EXPECT_EQ(r.Header("Retry-After"), "1") << route;
  }

  ProcessResult unpin = Ledgerctl({"replay", "--data", data.string()});
  ASSERT_EQ(unpin.exit_code, 0) << unpin.out << unpin.err;
  WaitPinned(port, false);
  json::object now = Get(port, "/v1/records/account/ACC-PIN?after=" + Position(renamed));
  EXPECT_EQ(now["version"], json::value(2));
  EXPECT_EQ(server.Stop().exit_code, 0);
}

// Subjects of a list of records.
std::set<std::string> Subjects(const json::value& records) {
  std::set<std::string> out;
  for (const json::value& r : records.as_array())
    out.insert(std::string(r.at("subject").as_string()));
  return out;
}

// Every record of `kind` for the account, through the list route and its cursor,
// starting at `cursor` (empty: from the first).
std::set<std::string> ListedForAccount(uint16_t port, const std::string& kind,
                                       const std::string& account, std::string cursor = "") {
  std::set<std::string> out;
  for (int page = 0; page < 1000; ++page) {
    json::object body = Get(port, "/v1/records/" + kind + "?account=" + account +
                                      (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const std::string& s : Subjects(body["records"])) EXPECT_TRUE(out.insert(s).second) << s;
    if (!body.contains("cursor")) return out;
    cursor = body["cursor"].as_string();
  }
  ADD_FAILURE() << "the list of " << kind << " did not end";
  return out;
}

struct RelatedKind {
  std::string kind, member;
};
const std::vector<RelatedKind> kRelated{
    {"contact", "contacts"},    {"opportunity", "opportunities"},
    {"activity", "activities"}, {"contract", "contracts"},
    {"order", "orders"},        {"ticket", "tickets"}};

TEST_F(ReadYourWrites, AnAccountsRelatedRecordsAreItsRecordsOfEachKind) {
  AppendStory(port_);
  WaitCaughtUp(port_);

  json::object related = Get(port_, "/v1/records/account/ACC-1001/related");
  EXPECT_EQ(related["account"], json::value(Get(port_, "/v1/records/account/ACC-1001")));
  EXPECT_FALSE(related.contains("more")) << "the story has fewer than 100 of each";
  size_t members = 1;
  for (const RelatedKind& k : kRelated) {
    SCOPED_TRACE(k.kind);
    ASSERT_TRUE(related[k.member].is_array()) << json::serialize(related);
    ++members;
    const std::set<std::string> listed = ListedForAccount(port_, k.kind, "ACC-1001");
    EXPECT_FALSE(listed.empty()) << "the story gives ACC-1001 records of every kind";
    EXPECT_EQ(Subjects(related[k.member]), listed);
    for (const json::value& r : related[k.member].as_array()) {
      EXPECT_EQ(r.at("kind").as_string(), k.kind);
      EXPECT_EQ(r.at("state").at("account").as_string(), "ACC-1001");
    }
  }
  EXPECT_EQ(related.size(), members) << json::serialize(related);
  // Another account's related records are its own.
  json::object other = Get(port_, "/v1/records/account/ACC-1002/related");
  for (const RelatedKind& k : kRelated) {
    for (const json::value& r : other[k.member].as_array())
      EXPECT_EQ(r.at("state").at("account").as_string(), "ACC-1002");
  }

  Get(port_, "/v1/records/account/NO-SUCH/related", 404);
  Get(port_, "/v1/records/contact/CON-2001/related", 404);
  Reply bad = Request(port_, http::verb::get,
                      "/v1/records/account/ACC-1001/related?limit=1001&colour=red", "");
  EXPECT_EQ(ProblemPointers(bad, 400),
            (std::multiset<std::string>{"/query/limit", "/query/colour"}));
}

// With limit=1 each kind the account has more of is named in "more" (by its kind, the
// name the list route takes), and its cursor continues the list route to the rest.
TEST_F(ReadYourWrites, RelatedRecordsBeyondTheLimitContinueThroughTheListRoute) {
  AppendStory(port_);
  WaitCaughtUp(port_);
  json::object related = Get(port_, "/v1/records/account/ACC-1001/related?limit=1");
  const json::object more =
      related["more"].is_object() ? related["more"].as_object() : json::object{};
  size_t kinds_with_more = 0;
  for (const RelatedKind& k : kRelated) {
    SCOPED_TRACE(k.kind);
    const std::set<std::string> all = ListedForAccount(port_, k.kind, "ACC-1001");
    const std::set<std::string> first = Subjects(related[k.member]);
    EXPECT_EQ(first.size(), std::min<size_t>(all.size(), 1));
    const json::value* cursor = more.if_contains(k.kind);
    EXPECT_EQ(cursor != nullptr, all.size() > 1) << json::serialize(related);
    if (cursor == nullptr || !cursor->is_string()) continue;
    ++kinds_with_more;
    std::set<std::string> rest =
        ListedForAccount(port_, k.kind, "ACC-1001", std::string(cursor->as_string()));
    for (const std::string& s : first) EXPECT_FALSE(rest.contains(s)) << s << " came twice";
    rest.insert(first.begin(), first.end());
    EXPECT_EQ(rest, all);
  }
  EXPECT_GT(kinds_with_more, 0u) << "the story gives ACC-1001 several records of some kind";
  EXPECT_EQ(more.size(), kinds_with_more) << json::serialize(more);
}

}  // namespace
}  // namespace ledger_test
