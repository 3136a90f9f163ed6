// kafka::GroupConsumer (ledger/kafka.h) against librdkafka's mock cluster: real group
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) over loopback TCP. Members
// split a topic's partitions, start exactly where on_assign says, and a member that
// leaves hands its partitions to the other. Every wait polls with a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "ledger/kafka.h"

namespace ledger::kafka {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "sales-ledger";
constexpr uint32_t kPartitions = 4;
constexpr int kMessagesPerPartition = 10;
constexpr auto kRebalanceDeadline = 60s;  // the mock's initial rebalance delay included

// Short sessions so that rebalances take seconds; a member is polled every 50 ms.
Config MemberConfig() {
  return {{"socket.timeout.ms", "3000"},       {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"}, {"session.timeout.ms", "6000"},
          {"heartbeat.interval.ms", "500"},    {"fetch.wait.max.ms", "100"},
          {"fetch.error.backoff.ms", "50"},    {"topic.metadata.refresh.interval.ms", "1000"}};
}

// The partition's start offset handed to on_assign: partition p starts at p, so a
// consumer that read from 0 (or from a committed offset) would show.
int64_t StartOf(uint32_t partition) { return static_cast<int64_t>(partition); }

// One group member, polled only by the test's thread.
struct Member {
  std::vector<std::vector<uint32_t>> assignments;    // each on_assign, as named
  std::vector<std::vector<uint32_t>> revocations;    // each on_revoke, as named
  std::map<uint32_t, std::vector<int64_t>> offsets;  // fetched, in arrival order
  // Declared last, so destroyed first: its Close() revokes into the members above.
  std::unique_ptr<GroupConsumer> consumer;

  // Polls once; fails the test on an error.
  void Poll() {
    auto got = consumer->Poll(50ms, 1000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (const auto& [p, fetched] : *got) {
      for (size_t i = 1; i < fetched.size(); ++i)
        EXPECT_LT(fetched[i - 1].offset, fetched[i].offset) << "partition " << p;
      for (const Fetched& f : fetched) offsets[p].push_back(f.offset);
    }
  }
  std::set<uint32_t> Assigned() const {
    return {consumer->assigned().begin(), consumer->assigned().end()};
  }
  // Whether it fetched up to the end of every partition in `partitions`.
  bool ReadToEnd(const std::set<uint32_t>& partitions) const {
    for (uint32_t p : partitions) {
      auto it = offsets.find(p);
      if (it == offsets.end() || it->second.empty() ||
          *std::max_element(it->second.begin(), it->second.end()) != kMessagesPerPartition - 1)
        return false;
    }
    return true;
  }
};

class GroupConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mc = MockCluster::Start(3);
    ASSERT_TRUE(mc.ok()) << mc.status().ToString();
    cluster_ = std::move(mc).value();
    ASSERT_TRUE(cluster_->CreateTopic(kTopic, kPartitions).ok());
    auto producer =
        Producer::Open(cluster_->bootstraps(), kTopic,
                       {{"message.timeout.ms", "10000"}, {"socket.timeout.ms", "3000"}});
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    std::vector<Message> messages;
    for (uint32_t p = 0; p < kPartitions; ++p) {
      for (int i = 0; i < kMessagesPerPartition; ++i) {
        messages.push_back({p,
                            "account/ACC-" + std::to_string(i),
                            "value " + std::to_string(i),
                            {{"ledgerkid", "0a1b2c3d"}}});
      }
    }
    auto offsets = (*producer)->ProduceBatch(messages);
    ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  }

  void Join(Member& m, const std::string& group = "query") {
    auto on_assign = [&m](const std::vector<uint32_t>& partitions) -> Result<std::vector<int64_t>> {
      m.assignments.push_back(partitions);
      std::vector<int64_t> starts;
      for (uint32_t p : partitions) starts.push_back(StartOf(p));
      return starts;
    };
    auto on_revoke = [&m](const std::vector<uint32_t>& partitions) {
      m.revocations.push_back(partitions);
    };
    auto c = GroupConsumer::Open(cluster_->bootstraps(), kTopic, group, on_assign, on_revoke,
                                 MemberConfig());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    m.consumer = std::move(c).value();
  }

  std::unique_ptr<MockCluster> cluster_;
};

const std::set<uint32_t> kAll = {0, 1, 2, 3};

// Every fetched offset of every partition is at or after where on_assign started it,
// and the first one fetched after each assignment is exactly that start.
void ExpectStartsHonoured(const Member& m) {
  for (const auto& [p, offsets] : m.offsets) {
    ASSERT_FALSE(offsets.empty());
    EXPECT_EQ(offsets.front(), StartOf(p)) << "partition " << p;
    for (int64_t o : offsets) EXPECT_GE(o, StartOf(p)) << "partition " << p;
  }
}

TEST_F(GroupConsumerTest, TwoMembersSplitThePartitionsAndTheSurvivorTakesAllOver) {
  Member a, b;
  Join(a);
  Join(b);
  auto deadline = std::chrono::steady_clock::now() + kRebalanceDeadline;
  for (;;) {
    ASSERT_NO_FATAL_FAILURE(a.Poll());
    ASSERT_NO_FATAL_FAILURE(b.Poll());
    std::set<uint32_t> sa = a.Assigned(), sb = b.Assigned(), both;
    both.insert(sa.begin(), sa.end());
    both.insert(sb.begin(), sb.end());
    // Disjoint (the sizes add up), together every partition, each member some.
    if (!sa.empty() && !sb.empty() && both == kAll && sa.size() + sb.size() == kPartitions &&
        a.ReadToEnd(sa) && b.ReadToEnd(sb))
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "a has " << sa.size() << " partitions, b has " << sb.size();
  }
  ExpectStartsHonoured(a);
  ExpectStartsHonoured(b);
  const std::set<uint32_t> b_had = b.Assigned();

  // b leaves the group: it hears the revocation, and a gets every partition.
  const size_t b_revoked = b.revocations.size();
  b.consumer->Close();
  EXPECT_GT(b.revocations.size(), b_revoked);
  EXPECT_TRUE(b.consumer->assigned().empty());
  EXPECT_FALSE(b.consumer->Poll(0ms, 1).ok()) << "a closed consumer polls nothing";
  b.consumer->Close();  // idempotent

  deadline = std::chrono::steady_clock::now() + kRebalanceDeadline;
  for (;;) {
    ASSERT_NO_FATAL_FAILURE(a.Poll());
    if (a.Assigned() == kAll && a.ReadToEnd(kAll)) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the survivor has " << a.Assigned().size() << " partitions";
  }
  ASSERT_FALSE(a.assignments.empty());
  std::vector<uint32_t> last = a.assignments.back();
  std::sort(last.begin(), last.end());
  EXPECT_EQ(std::set<uint32_t>(last.begin(), last.end()), kAll);
  // The partitions it took over were read from where on_assign said, not from 0.
  for (uint32_t p : b_had) {
    ASSERT_TRUE(a.offsets.count(p)) << "partition " << p;
    EXPECT_EQ(a.offsets[p].front(), StartOf(p)) << "partition " << p;
  }
  ExpectStartsHonoured(a);
}

TEST_F(GroupConsumerTest, AFailedOnAssignIsReturnedByPollAndNothingIsRead) {
  auto c = GroupConsumer::Open(
      cluster_->bootstraps(), kTopic, "failing",
      [](const std::vector<uint32_t>&) -> Result<std::vector<int64_t>> {
        return Status::Corruption("the views are from another log");
      },
      [](const std::vector<uint32_t>&) {}, MemberConfig());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + kRebalanceDeadline;
  for (;;) {
    auto got = (*c)->Poll(50ms, 1000);
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), Code::kCorruption) << got.status().ToString();
      EXPECT_NE(got.status().message().find("another log"), std::string::npos);
      break;
    }
    EXPECT_TRUE(got->empty()) << "read records of an assignment that failed";
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "on_assign was never called";
  }
  EXPECT_TRUE((*c)->assigned().empty());
}

TEST(GroupConsumerOpen, RefusesAGroupWithoutAName) {
  auto c = GroupConsumer::Open(
      "127.0.0.1:1", kTopic, "",
      [](const std::vector<uint32_t>&) -> Result<std::vector<int64_t>> {
        return std::vector<int64_t>{};
      },
      [](const std::vector<uint32_t>&) {});
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace ledger::kafka
