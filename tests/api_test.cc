// Every endpoint of the real ledgerd over HTTP, answering good requests: appends (one
// event and a batch), the signed feed and its paging, the keys, health, readiness,
// metrics, and the read models (a record, as of a time, its history, lists). The
// error statuses are in api_errors_test.cc; load, live feeds and kill -9 in
// ledgerd_load_test.cc.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>

#include "ledger/time.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace json = boost::json;

// A ledgerd of its own per test, in a fresh data dir.
class Api : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(dir_ / "data");
    ASSERT_TRUE(server_->serving());
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop().exit_code, 0);
    }
  }

  TempDir dir_;
  std::optional<Ledgerd> server_;
  uint16_t port_ = 0;
};

bool IsLowerHex(const std::string& s, size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The feed line at (partition, ledgerseq); nullopt (and a failure) when it is not there.
std::optional<FeedLine> FeedLineAt(uint16_t port, uint32_t partition, uint64_t ledgerseq) {
  Reply r = Request(port, http::verb::get,
                    "/v1/events?partition=" + std::to_string(partition) +
                        "&from=" + std::to_string(ledgerseq) + "&limit=1",
                    "");
  EXPECT_EQ(r.status, 200) << r.body;
  const auto lines = CompleteLines(r.body);
  EXPECT_EQ(lines.size(), 1u) << r.body;
  if (lines.size() != 1) return std::nullopt;
  json::object line = ParseObject(lines[0], "a feed line");
  return FeedLine{line["event"].as_object(), std::string(line["kid"].as_string()),
                  std::string(line["sig"].as_string())};
}

TEST_F(Api, AppendingOneEventAnswersWhereItIsAndWhatItHashesTo) {
  const std::string command = RegisterAccount("ACC-ONE", "evt-one");
  Reply reply = Post(port_, command);
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.content_type, "application/json");
  json::object body = reply.Json();
  ASSERT_TRUE(body["events"].is_array()) << reply.body;
  ASSERT_EQ(body["events"].as_array().size(), 1u);
  const json::object& e = body["events"].as_array()[0].as_object();
  for (const char* field : {"id", "partition", "ledgerseq", "streamversion", "hash", "time"})
    EXPECT_TRUE(e.contains(field)) << field << " missing: " << reply.body;
  Appended a = AppendedEvents(reply).at(0);
  EXPECT_EQ(a.id, "evt-one");
  EXPECT_LT(a.partition, Partitions(port_));
  EXPECT_EQ(a.ledgerseq, 0u) << "the first event of its partition";
  EXPECT_EQ(a.streamversion, 1u);
  EXPECT_TRUE(IsLowerHex(a.hash, 64)) << a.hash;
  EXPECT_TRUE(ledger::ParseRfc3339(a.time).has_value()) << a.time;
  EXPECT_FALSE(a.replayed);

  // The event is in the feed where the answer said, hashes to the answered hash, and
  // carries the command and the actor of the caller's token.
  auto line = FeedLineAt(port_, a.partition, a.ledgerseq);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->event["id"].as_string(), "evt-one");
  EXPECT_EQ(line->event["subject"].as_string(), "account/ACC-ONE");
  EXPECT_EQ(line->event["type"].as_string(), "account.registered");
  EXPECT_EQ(line->event["time"].as_string(), a.time);
  EXPECT_EQ(line->event["actor"].as_string(), "user:li.wei");
  EXPECT_EQ(line->event["streamversion"].to_number<uint64_t>(), 1u);
  EXPECT_EQ(LeafHashHex(line->event), a.hash);
  EXPECT_TRUE(SignatureVerifies(*line, ServedKey(port_)));

  // The same command again is a replay of the same event, not a second one.
  Appended again = AppendOne(port_, command);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.hash, a.hash);
  EXPECT_EQ(again.ledgerseq, a.ledgerseq);
  EXPECT_EQ(TotalEvents(port_), 1u);
}

TEST_F(Api, ABatchAppendsEveryEventInOrderAndAnswersForEach) {
  const std::string batch = "{\"events\":[" + RegisterAccount("ACC-B1", "b-1") + "," +
                            RenameAccount("ACC-B1", "first rename", 1, "b-2") + "," +
                            RegisterAccount("ACC-B2", "b-3") + "," +
                            RenameAccount("ACC-B1", "second rename", 2, "b-4") + "]}";
  std::vector<Appended> events = AppendedEvents(Post(port_, batch));
  ASSERT_EQ(events.size(), 4u);
  const std::vector<std::string> ids{"b-1", "b-2", "b-3", "b-4"};
  const std::vector<uint64_t> versions{1, 2, 1, 3};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, ids[i]);
    EXPECT_EQ(events[i].streamversion, versions[i]) << ids[i];
    EXPECT_TRUE(IsLowerHex(events[i].hash, 64));
    EXPECT_FALSE(events[i].replayed);
    auto line = FeedLineAt(port_, events[i].partition, events[i].ledgerseq);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->event["id"].as_string(), ids[i]);
    EXPECT_EQ(LeafHashHex(line->event), events[i].hash);
  }
  // One subject lives in one partition, its events in batch order, chained.
  EXPECT_EQ(events[1].partition, events[0].partition);
  EXPECT_EQ(events[3].partition, events[0].partition);
  EXPECT_LT(events[0].ledgerseq, events[1].ledgerseq);
  EXPECT_LT(events[1].ledgerseq, events[3].ledgerseq);
  auto third = FeedLineAt(port_, events[3].partition, events[3].ledgerseq);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->event["streamprev"].as_string(), events[1].hash);
  EXPECT_EQ(TotalEvents(port_), 4u);
}

TEST_F(Api, TheFeedPagesByFromAndLimitAndLedgerNextLinksThePages) {
  // Seven events of one subject: all in one partition, ledgerseq 0..6.
  std::vector<Appended> appended{AppendOne(port_, RegisterAccount("ACC-FEED"))};
  for (int v = 1; v < 7; ++v)
    appended.push_back(AppendOne(port_, RenameAccount("ACC-FEED", "name " + std::to_string(v), v)));
  const uint32_t p = appended[0].partition;
  for (size_t i = 0; i < appended.size(); ++i) {
    ASSERT_EQ(appended[i].partition, p);
    ASSERT_EQ(appended[i].ledgerseq, i);
  }

  Reply first =
      Request(port_, http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&limit=3", "");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.content_type, "application/x-ndjson");
  EXPECT_EQ(CompleteLines(first.body).size(), 3u);
  EXPECT_EQ(first.Header("Ledger-Next"), "3");

  int pages = 0;
  std::vector<FeedLine> all = ReadFeed(port_, p, 3, &pages);
  EXPECT_EQ(pages, 4) << "3 + 3 + 1 lines, then an empty page";
  ASSERT_EQ(all.size(), 7u);
  const ledger::PublicKey key = ServedKey(port_);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].event["ledgerseq"].to_number<uint64_t>(), i);
    EXPECT_EQ(all[i].event["partition"].to_number<uint64_t>(), p);
    EXPECT_EQ(LeafHashHex(all[i].event), appended[i].hash);
    EXPECT_EQ(all[i].event["ledgerprev"].as_string(), i == 0 ? "" : appended[i - 1].hash);
    EXPECT_TRUE(SignatureVerifies(all[i], key)) << i;
  }

  Reply tail = Request(port_, http::verb::get,
                       "/v1/events?partition=" + std::to_string(p) + "&from=5&limit=10", "");
  EXPECT_EQ(CompleteLines(tail.body).size(), 2u);
  EXPECT_EQ(tail.Header("Ledger-Next"), "7");
  Reply end =
      Request(port_, http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&from=7", "");
  EXPECT_EQ(end.status, 200);
  EXPECT_EQ(end.body, "");
  EXPECT_EQ(end.Header("Ledger-Next"), "7");
  for (uint32_t other = 0; other < Partitions(port_); ++other) {
    if (other != p) {
      EXPECT_TRUE(ReadFeed(port_, other).empty()) << other;
    }
  }
}

TEST_F(Api, TheKeysAreTheOnesTheFeedIsSignedWith) {
  AppendOne(port_, RegisterAccount("ACC-KEY"));
  json::object body = Get(port_, "/v1/keys");
  ASSERT_EQ(body["keys"].as_array().size(), 1u) << json::serialize(body);
  const json::object& k = body["keys"].as_array()[0].as_object();
  EXPECT_TRUE(IsLowerHex(std::string(k.at("kid").as_string()), 8)) << json::serialize(k);
  EXPECT_EQ(k.at("name").as_string(), "sales-ledger");
  EXPECT_EQ(k.at("algorithm").as_string(), "ed25519");
  auto raw = ledger::FromBase64(k.at("publickey").as_string());
  ASSERT_TRUE(raw.has_value()) << json::serialize(k);
  EXPECT_EQ(raw->size(), 32u);
  const ledger::PublicKey key = ServedKey(port_);

  // A downstream reader with only what HTTP served (the feed and the keys) verifies it.
  std::string feed;
  for (uint32_t p = 0; p < Partitions(port_); ++p) {
    for (const FeedLine& line : ReadFeed(port_, p)) {
      EXPECT_TRUE(SignatureVerifies(line, key));
      feed += json::serialize(
                  json::object{{"event", line.event}, {"kid", line.kid}, {"sig", line.sig}}) +
              "\n";
    }
  }
  EXPECT_FALSE(feed.empty());
  WriteFile(dir_ / "feed.ndjson", feed);
  WriteFile(dir_ / "served.vkeys", std::string(k.at("vkey").as_string()) + "\n");
  ProcessResult verified = Ledgerctl({"verify", "--ndjson", (dir_ / "feed.ndjson").string(),
                                      "--vkeys", (dir_ / "served.vkeys").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// Prometheus text lines "name{labels} value" by "name{labels}".
std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  for (const std::string& line : CompleteLines(text)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) {
      ADD_FAILURE() << "not a sample line: " << line;
      continue;
    }
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST_F(Api, HealthReadinessAndMetricsDescribeTheServer) {
  Reply health = Request(port_, http::verb::get, "/healthz", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json(), (json::object{{"status", "ok"}}));

  AppendOne(port_, RegisterAccount("ACC-M1"));
  EXPECT_EQ(AppendedEvents(Post(port_, "{\"events\":[" + RegisterAccount("ACC-M2") + "," +
                                           RenameAccount("ACC-M2", "renamed", 1) + "]}"))
                .size(),
            2u);
  EXPECT_EQ(Post(port_, RegisterAccount("ACC-M1")).status, 409);
  EXPECT_EQ(Post(port_, R"({"type":"account.registered"})").status, 400);
  EXPECT_EQ(Post(port_, RenameAccount("ACC-NONE", "x")).status, 404);
  WaitCaughtUp(port_);

  json::object ready = Get(port_, "/readyz");
  EXPECT_EQ(ready["ready"], json::value(true)) << json::serialize(ready);
  const uint32_t partitions = Partitions(port_);
  ASSERT_EQ(partitions, 4u) << "the default for a new log";
  uint64_t applied = 0;
  for (const json::value& p : ready["partitions"].as_array()) {
    applied += p.at("applied").to_number<uint64_t>();
    EXPECT_EQ(p.at("lag").to_number<uint64_t>(), 0u);
  }
  EXPECT_EQ(applied, 3u);

  Reply metrics = Request(port_, http::verb::get, "/metrics", "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type.substr(0, metrics.content_type.find(';')), "text/plain");
  auto m = ParseMetrics(metrics.body);
  EXPECT_EQ(m["ledger_events_appended_total"], 3);
  EXPECT_EQ(m["ledger_append_requests_total"], 2);
  EXPECT_EQ(m["ledger_append_rejects_total{reason=\"conflict\"}"], 1);
  EXPECT_EQ(m["ledger_append_rejects_total{reason=\"invalid_argument\"}"], 1);
  EXPECT_EQ(m["ledger_append_rejects_total{reason=\"not_found\"}"], 1);
  EXPECT_EQ(m["ledger_append_rejects_total{reason=\"illegal_transition\"}"], 0);
  for (uint32_t p = 0; p < partitions; ++p) {
    const std::string label = "{partition=\"" + std::to_string(p) + "\"}";
    ASSERT_TRUE(m.contains("ledger_projection_lag_events" + label)) << metrics.body;
    EXPECT_EQ(m["ledger_projection_lag_events" + label], 0);
    EXPECT_EQ(m["ledger_log_events" + label], ReadFeed(port_, p).size());
  }
  EXPECT_EQ(m["ledger_append_latency_seconds_count"], 2);
}

TEST_F(Api, ARecordIsServedNowAsRecordedAndAsItHappened) {
  // Registered on 1 Jan; renamed "March" on 1 Mar; then a rename that happened on
  // 1 Feb is reported late.
  Appended created = AppendOne(
      port_,
      R"({"type":"account.registered","subject":"account/ACC-T","occurredat":"2025-01-01T09:00:00Z",
                 "data":{"name":"January","owner":"rep.alice"}})");
  Appended march = AppendOne(
      port_,
      R"({"type":"account.profile_updated","subject":"account/ACC-T","occurredat":"2025-03-01T09:00:00Z",
                 "data":{"name":"March"}})");
  Appended late = AppendOne(
      port_,
      R"({"type":"account.profile_updated","subject":"account/ACC-T","occurredat":"2025-02-01T09:00:00Z",
                 "data":{"name":"February","website":"https://feb.example.com"}})");
  WaitCaughtUp(port_);

  json::object now = Get(port_, "/v1/records/account/ACC-T");
  EXPECT_EQ(now["kind"].as_string(), "account");
  EXPECT_EQ(now["id"].as_string(), "ACC-T");
  EXPECT_EQ(now["subject"].as_string(), "account/ACC-T");
  EXPECT_EQ(now["version"].to_number<uint64_t>(), 3u);
  EXPECT_EQ(now["hash"].as_string(), late.hash);
  EXPECT_EQ(now["created"].as_string(), created.time);
  EXPECT_EQ(now["updated"].as_string(), late.time);
  EXPECT_EQ(now["updated_occurredat"].as_string(), "2025-02-01T09:00:00Z");
  EXPECT_EQ(now["state"].at("name").as_string(), "February") << "the last recorded wins";
  EXPECT_EQ(now["state"].at("owner").as_string(), "rep.alice");

  // As recorded: at the moment of the March rename, the late report was not known yet.
  json::object recorded = Get(port_, "/v1/records/account/ACC-T?asof=" + march.time);
  EXPECT_EQ(recorded["version"].to_number<uint64_t>(), 2u);
  EXPECT_EQ(recorded["events"].to_number<uint64_t>(), 2u);
  EXPECT_EQ(recorded["asof_time"].as_string(), march.time);
  EXPECT_EQ(recorded["state"].at("name").as_string(), "March");
  EXPECT_FALSE(recorded["state"].as_object().contains("website"));
  json::object at_creation = Get(port_, "/v1/records/account/ACC-T?asof=" + created.time);
  EXPECT_EQ(at_creation["state"].at("name").as_string(), "January");
  Get(port_, "/v1/records/account/ACC-T?asof=2000-01-01T00:00:00Z", 404);

  // As it happened: on 15 Feb the February rename had happened, the March one not.
  json::object business =
      Get(port_, "/v1/records/account/ACC-T?asof_business=2025-02-15T00:00:00Z");
  EXPECT_EQ(business["asof"].as_string(), "2025-02-15T00:00:00Z");
  EXPECT_EQ(business["events"].to_number<uint64_t>(), 2u);
  EXPECT_EQ(business["state"].at("name").as_string(), "February");
  EXPECT_EQ(business["state"].at("website").as_string(), "https://feb.example.com");
  json::object january = Get(port_, "/v1/records/account/ACC-T?asof_business=2025-01-15T00:00:00Z");
  EXPECT_EQ(january["events"].to_number<uint64_t>(), 1u);
  EXPECT_EQ(january["state"].at("name").as_string(), "January");
  Get(port_, "/v1/records/account/ACC-T?asof_business=2024-12-31T00:00:00Z", 404);
}

TEST_F(Api, HistoryListsEveryChangeWithWhoAndWhen) {
  Appended created = AppendOne(port_, RegisterAccount("ACC-H", "h-1"));
  Appended renamed = AppendOne(port_, RenameAccount("ACC-H", "Renamed Co", 1, "h-2"));
  WaitCaughtUp(port_);
  json::object history = Get(port_, "/v1/records/account/ACC-H/history");
  EXPECT_EQ(history["subject"].as_string(), "account/ACC-H");
  EXPECT_FALSE(history.contains("next")) << "one page holds it all";
  const json::array& entries = history["entries"].as_array();
  ASSERT_EQ(entries.size(), 2u);
  const json::object& first = entries[0].as_object();
  EXPECT_EQ(first.at("version").to_number<uint64_t>(), 1u);
  EXPECT_EQ(first.at("type").as_string(), "account.registered");
  EXPECT_EQ(first.at("id").as_string(), "h-1");
  EXPECT_EQ(first.at("actor").as_string(), "user:li.wei");
  EXPECT_EQ(first.at("time").as_string(), created.time);
  EXPECT_EQ(first.at("partition").to_number<uint64_t>(), created.partition);
  EXPECT_EQ(first.at("ledgerseq").to_number<uint64_t>(), created.ledgerseq);
  EXPECT_EQ(first.at("hash").as_string(), created.hash);
  const json::object& second = entries[1].as_object();
  EXPECT_EQ(second.at("type").as_string(), "account.profile_updated");
  EXPECT_EQ(second.at("hash").as_string(), renamed.hash);
  EXPECT_EQ(
      second.at("changes"),
      (json::array{{{"path", "/name"}, {"old", "客户 Account ACC-H"}, {"new", "Renamed Co"}}}));
  Get(port_, "/v1/records/account/NO-SUCH/history", 404);
}

// Every record of a list, following its cursor; fails on a repeated record.
std::vector<json::object> ListAll(uint16_t port, const std::string& query, int* pages) {
  std::vector<json::object> records;
  std::set<std::string> seen;
  std::string cursor;
  for (*pages = 1; *pages <= 100; ++*pages) {
    json::object page =
        Get(port, "/v1/records/" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const json::value& r : page["records"].as_array()) {
      EXPECT_TRUE(seen.insert(std::string(r.at("subject").as_string())).second)
          << r.at("subject") << " came twice";
      records.push_back(r.as_object());
    }
    if (!page.contains("cursor")) return records;
    cursor = page["cursor"].as_string();
  }
  ADD_FAILURE() << "the list did not end: " << query;
  return records;
}

std::set<std::string> Ids(const std::vector<json::object>& records) {
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(std::string(r.at("id").as_string()));
  return ids;
}

TEST_F(Api, ListsFilterByIndexedFieldsAndPageWithACursor) {
  std::string batch = "{\"events\":[";
  for (int i = 1; i <= 7; ++i)
    batch += RegisterAccount("ACC-AL-" + std::to_string(i), "", "rep.alice") + ",";
  for (int i = 1; i <= 4; ++i)
    batch += RegisterAccount("ACC-BO-" + std::to_string(i), "", "rep.bob") + ",";
  batch +=
      R"({"type":"account.deactivated","subject":"account/ACC-AL-3","data":{"reason":"duplicate"}}]})";
  ASSERT_EQ(AppendedEvents(Post(port_, batch)).size(), 12u);
  Appended later = AppendOne(port_, RenameAccount("ACC-BO-2", "Bob's renamed account", 1));
  WaitCaughtUp(port_);

  int pages = 0;
  auto alice = ListAll(port_, "account?owner=rep.alice&limit=3", &pages);
  EXPECT_EQ(pages, 3) << "3 + 3 + 1";
  EXPECT_EQ(Ids(alice), (std::set<std::string>{"ACC-AL-1", "ACC-AL-2", "ACC-AL-3", "ACC-AL-4",
                                               "ACC-AL-5", "ACC-AL-6", "ACC-AL-7"}));
  for (const auto& r : alice) EXPECT_EQ(r.at("state").at("owner").as_string(), "rep.alice");

  auto everyone = ListAll(port_, "account?limit=5", &pages);
  EXPECT_EQ(everyone.size(), 11u);
  auto inactive = ListAll(port_, "account?owner=rep.alice&status=inactive", &pages);
  EXPECT_EQ(Ids(inactive), (std::set<std::string>{"ACC-AL-3"}));
  auto bob_inactive = ListAll(port_, "account?owner=rep.bob&status=inactive", &pages);
  EXPECT_TRUE(bob_inactive.empty());
  auto recent = ListAll(port_, "account?updated_since=" + later.time, &pages);
  EXPECT_EQ(Ids(recent), (std::set<std::string>{"ACC-BO-2"}));
  EXPECT_TRUE(ListAll(port_, "opportunity?owner=rep.alice", &pages).empty());
}

}  // namespace
}  // namespace ledger_test
