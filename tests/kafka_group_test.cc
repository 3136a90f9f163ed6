// Query nodes in a Kafka consumer group: a writer ledgerd appends to the topic (the
// mock cluster in this process, over loopback TCP) while two `ledgerd --group` query
// nodes split its partitions. One is killed mid-stream; the survivor takes over its
// partitions from the positions stored in its own views and catches up, and its views
// then equal the writer's, which projected the whole topic itself.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ledger/kafka.h"
#include "tests/fixtures.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kPartitions = 4;

// Per partition: what /readyz says is applied, and whether it reports an error.
struct Projected {
  std::vector<uint64_t> applied;
  bool error = false;
};

Projected ReadyzApplied(uint16_t port) {
  Projected out;
  Reply r = Request(port, http::verb::get, "/readyz", "");
  boost::json::object o = ParseObject(r.body, "/readyz");
  if (!o.contains("partitions")) return out;
  for (const auto& p : o.at("partitions").as_array()) {
    out.applied.push_back(static_cast<uint64_t>(p.at("applied").as_int64()));
    out.error |= p.as_object().contains("error");
  }
  return out;
}

TEST(KafkaGroup, TwoQueryNodesSplitTheTopicAndTheSurvivorTakesOver) {
  TempDir dir;
  auto mock = ledger::kafka::MockCluster::Start(3);
  ASSERT_TRUE(mock.ok()) << mock.status().ToString();
  ASSERT_TRUE((*mock)->CreateTopic("sales-ledger", kPartitions).ok());
  const std::string brokers = (*mock)->bootstraps();
  Ledgerd writer(dir / "writer", {"--kafka-brokers", brokers});
  ASSERT_TRUE(writer.serving());
  const std::vector<std::string> member = {
      "--kafka-brokers", brokers,
      "--group",         "query",
      "--vkeys",         (dir / "writer" / "keys" / "ledger.vkeys").string(),
      "--kafka-config",  "session.timeout.ms=6000",
      "--kafka-config",  "heartbeat.interval.ms=500"};
  Ledgerd first(dir / "first", member);
  Ledgerd second(dir / "second", member);
  ASSERT_TRUE(first.serving() && second.serving());

  // A query node takes no appends.
  Reply refused = Post(first.port(), "{\"events\":[" + RegisterAccount("ACC-X") + "]}");
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("query node"), std::string::npos) << refused.body;

  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread load([&] {
    for (int i = 0; !stop; ++i) {
      AppendOne(writer.port(), RegisterAccount("ACC-" + std::to_string(i)));
      ++appended;
    }
  });
  // Both members project their share: between them, every partition.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    Projected a = ReadyzApplied(first.port()), b = ReadyzApplied(second.port());
    int shared = 0, owned_by_both = 0;
    for (uint32_t p = 0;
         p < kPartitions && a.applied.size() == kPartitions && b.applied.size() == kPartitions;
         ++p) {
      shared += (a.applied[p] > 0) != (b.applied[p] > 0);
      owned_by_both += a.applied[p] > 0 && b.applied[p] > 0;
    }
    if (shared == static_cast<int>(kPartitions) && owned_by_both == 0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the members never split the topic";
    std::this_thread::sleep_for(50ms);
  }
  second.Kill();  // mid-stream, with no chance to leave the group
  const int at_kill = appended.load();
  while (appended.load() < at_kill + 100) std::this_thread::sleep_for(10ms);
  stop = true;
  load.join();

  // The survivor catches up on every partition, to exactly where the writer is.
  WaitCaughtUp(writer.port());
  const std::vector<uint64_t> ends = ReadyzApplied(writer.port()).applied;
  ASSERT_EQ(ends.size(), kPartitions);
  for (;;) {
    Projected s = ReadyzApplied(first.port());
    ASSERT_FALSE(s.error);
    if (s.applied == ends) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline + 60s)
        << "the survivor did not take over every partition";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ViewsDigestOf(dir / "first"), ViewsDigestOf(dir / "writer"));
  // The records served agree too.
  EXPECT_EQ(Get(first.port(), "/v1/records/account/ACC-3"),
            Get(writer.port(), "/v1/records/account/ACC-3"));

  // Restarted, the survivor resumes from its stored positions: nothing applied twice.
  EXPECT_EQ(first.Stop().exit_code, 0);
  Ledgerd again(dir / "first", member);
  ASSERT_TRUE(again.serving());
  for (;;) {
    if (ReadyzApplied(again.port()).applied == ends) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline + 120s);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ViewsDigestOf(dir / "first"), ViewsDigestOf(dir / "writer"));
}

}  // namespace
}  // namespace ledger_test
