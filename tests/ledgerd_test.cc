// The real ledgerd process on a free loopback port: the example story over HTTP, domain
// errors, a graceful SIGTERM while clients are still appending, restart, then
// ledgerctl verify over what it wrote.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

TEST(Ledgerd, ServesTheStoryRefusesBadEventsAndStopsCleanly) {
  TempDir dir;
  const fs::path data = dir / "data";
  {
    Ledgerd server(data);
    ASSERT_NE(server.port(), 0);
    AppendStory(server.port());
    // The domain's rules through HTTP: each is refused and nothing is appended.
    EXPECT_EQ(
        Post(server.port(), R"({"type":"opportunity.stage_changed","subject":"opportunity/NO-SUCH",
      "data":{"from":"proposal","to":"negotiation"}})")
            .status,
        404);
    Reply bad =
        Post(server.port(),
             R"({"type":"account.registered","subject":"account/ACC-X","data":{"name":7}})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("/events/0/data/name"), std::string::npos) << bad.body;
    // The signed feed, as any HTTP client captures it, verifies offline.
    std::string feed;
    for (int p = 0; p < 4; ++p) {
      Reply page =
          Request(server.port(), http::verb::get, "/v1/events?partition=" + std::to_string(p), "");
      ASSERT_EQ(page.status, 200) << page.body;
      feed += page.body;
    }
    WriteFile(dir / "feed.ndjson", feed);
    ProcessResult verified = Ledgerctl({"verify", "--ndjson", (dir / "feed.ndjson").string(),
                                        "--vkeys", (data / "keys" / "ledger.vkeys").string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.err;
    ProcessResult stopped = server.Stop();
    EXPECT_EQ(stopped.exit_code, 0);
  }
  const uint64_t story = Lines(SourceFile("schemas/examples/lifecycle.ndjson")).size();
  EXPECT_EQ(VerifiedEvents(data), story);

  // Restarted on the same data: retries are replays, new events continue the chains.
  Ledgerd again(data);
  Reply replay = Post(again.port(), Lines(SourceFile("schemas/examples/lifecycle.ndjson")).front());
  EXPECT_EQ(replay.status, 201);
  EXPECT_NE(replay.body.find("\"replayed\":true"), std::string::npos) << replay.body;
  EXPECT_EQ(
      Post(
          again.port(),
          R"({"type":"account.registered","subject":"account/ACC-NEW","data":{"name":"新客户 New Co","owner":"li.wei"}})")
          .status,
      201)
      << "see schemas/README.md for account.registered's required fields";
  EXPECT_EQ(again.Stop().exit_code, 0);
  EXPECT_EQ(VerifiedEvents(data), story + 1);
}

TEST(Ledgerd, SigtermWhileClientsAppendLosesNoAcknowledgedEvent) {
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data);
  ASSERT_NE(server.port(), 0);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_count{0};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::string> unexpected;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string id = "acc-" + std::to_string(t) + "-" + std::to_string(i);
        Reply r = Post(server.port(), R"({"type":"account.registered","subject":"account/)" + id +
                                          R"(","id":")" + id + R"(","data":{"name":"客户 )" + id +
                                          R"(","owner":"li.wei"}})");
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.insert(id);
          ++acknowledged_count;
        } else if (r.status == 0) {
          return;                      // the server is gone
        } else if (r.status != 503) {  // 503: the writer is shutting down
          std::lock_guard lock(mu);
          unexpected.push_back(std::to_string(r.status) + " " + r.body);
          return;
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acknowledged_count < 40 && unexpected.empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ProcessResult stopped = server.Stop();
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(unexpected.empty()) << unexpected.front();
  ASSERT_GE(acknowledged.size(), 40u) << "the clients were not acknowledged in time";
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  // Every acknowledged id is in the verified log.
  EXPECT_GE(VerifiedEvents(data), acknowledged.size());
  ProcessResult feed = Ledgerctl({"feed", "--data", data.string()});
  ASSERT_EQ(feed.exit_code, 0);
  for (const std::string& id : acknowledged) {
    EXPECT_NE(feed.out.find("\"id\":\"" + id + "\""), std::string::npos)
        << id << " was acknowledged but is missing";
  }
}

TEST(Ledgerd, ReadModelsAnswerAndAreRebuiltFromTheLog) {
  TempDir dir;
  const fs::path data = dir / "data";
  auto check = [](uint16_t port) {
    WaitCaughtUp(port);
    auto opp = Get(port, "/v1/records/opportunity/OPP-2025-0042");
    EXPECT_EQ(opp["version"].as_int64(), 7);
    EXPECT_EQ(opp["state"].at("stage").as_string(), "closed_won");
    auto history = Get(port, "/v1/records/opportunity/OPP-2025-0042/history?limit=5");
    EXPECT_EQ(history["entries"].as_array().size(), 5u);
    EXPECT_EQ(history["next"].as_int64(), 5);
    EXPECT_EQ(history["entries"].as_array()[0].at("type").as_string(), "opportunity.opened");
    // As of business time before the deal was won, it was still open.
    auto before =
        Get(port, "/v1/records/opportunity/OPP-2025-0042?asof_business=2025-03-07T00:00:00Z");
    EXPECT_NE(before["state"].at("stage").as_string(), "closed_won");
    auto won = Get(port, "/v1/records/opportunity?stage=closed_won");
    ASSERT_FALSE(won["records"].as_array().empty());
    for (const auto& r : won["records"].as_array())
      EXPECT_EQ(r.at("state").at("stage").as_string(), "closed_won");
    Get(port, "/v1/records/opportunity/NO-SUCH", 404);
    Get(port, "/v1/records/opportunity?colour=red", 400);
  };
  {
    Ledgerd server(data);
    AppendStory(server.port());
    check(server.port());
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  {
    Ledgerd resumed(data);  // the views resume from their stored positions
    check(resumed.port());
    EXPECT_EQ(resumed.Stop().exit_code, 0);
  }
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data);  // disposable: rebuilt from the log
  check(rebuilt.port());
  EXPECT_EQ(rebuilt.Stop().exit_code, 0);
}

}  // namespace
}  // namespace ledger_test
