// The runner as a member of a Kafka consumer group (RunnerOptions::group), in process,
// over librdkafka's mock cluster on loopback TCP: two runners split the topic; one is
// stopped while records are still being produced; the survivor takes over its
// partitions from the positions stored in its own views and catches up, and its views
// equal those of a single runner that projected the whole topic. Restarted, it resumes
// from its stored positions without applying anything twice.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "ledger/kafka_log.h"
#include "projections/projector.h"
#include "projections/test_util.h"

namespace projections {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "sales-ledger";
constexpr uint32_t kPartitions = 4;
constexpr int kEvents = 440;       // written to the embedded log, then copied to the topic
constexpr int kFirstRun = 400;     // produced before the restart; the rest after it
constexpr int kBeforeStart = 100;  // produced before the runners start
constexpr int kChunkEvents = 20;   // one ProduceBatch while the runners run
constexpr auto kDeadline = 90s;    // rebalances on the mock take seconds each

ledger::kafka::Config ClientConfig() {
  return {{"socket.timeout.ms", "3000"},
          {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"}};
}

// The logs' readers and the group members.
ledger::kafka::Config ConsumerConfig() {
  ledger::kafka::Config c = ClientConfig();
  c.Set("fetch.wait.max.ms", "100");
  c.Set("fetch.error.backoff.ms", "50");
  return c;
}

ledger::kafka::Config MemberConfig() {
  ledger::kafka::Config c = ConsumerConfig();
  c.Set("session.timeout.ms", "6000");
  c.Set("heartbeat.interval.ms", "500");
  c.Set("topic.metadata.refresh.interval.ms", "1000");
  return c;
}

// A runner with its own views database and its own read-only view of the topic.
struct Node {
  std::unique_ptr<ledger::KafkaLog> log;
  std::unique_ptr<ViewStore> store;
  std::unique_ptr<Runner> runner;

  std::set<uint32_t> Assigned() const {
    std::set<uint32_t> out;
    for (const PartitionProgress& p : runner->Progress()) {
      EXPECT_FALSE(p.failed) << "partition " << p.partition << ": " << p.error;
      if (p.assigned) out.insert(p.partition);
    }
    return out;
  }
  std::string Digest() const {
    auto d = store->Digest();
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : "";
  }
};

class GroupRunnerTest : public testing::ProjectionTest {
 protected:
  void SetUp() override {
    ProjectionTest::SetUp();
    // Real signed records from the real writer, copied to the topic in ledgerseq order.
    for (int i = 0; i < kEvents; i += 20) {
      std::vector<ledger::Command> batch;
      for (int j = i; j < i + 20; ++j) {
        batch.push_back(ledger::testing::MakeCommand(
            "account.updated", "account/ACC-" + std::to_string(j % 37),
            R"({"n":)" + std::to_string(j) + R"(,"owner":"u)" + std::to_string(j % 5) + R"("})"));
      }
      clock_.Advance(1'000'000);
      ASSERT_TRUE(writer_->Append(batch, "user:test").ok());
    }
    records_.resize(kPartitions);
    for (uint32_t p = 0; p < kPartitions; ++p) {
      auto got = ledger::ReadRecords(*log_, p, 0, kEvents);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      records_[p] = std::move(*got);
      ASSERT_FALSE(records_[p].empty()) << "partition " << p;
    }
    // Round robin over the partitions, so that every chunk feeds each of them.
    for (size_t i = 0; messages_.size() < size_t{kEvents}; ++i) {
      for (uint32_t p = 0; p < kPartitions; ++p) {
        if (i >= records_[p].size()) continue;
        auto m = ledger::KafkaMessageOf(records_[p][i]);
        ASSERT_TRUE(m.ok()) << m.status().ToString();
        messages_.push_back(std::move(*m));
      }
    }
    auto mc = ledger::kafka::MockCluster::Start(3);
    ASSERT_TRUE(mc.ok()) << mc.status().ToString();
    cluster_ = std::move(mc).value();
    ASSERT_TRUE(cluster_->CreateTopic(kTopic, kPartitions).ok());
    auto producer = ledger::kafka::Producer::Open(cluster_->bootstraps(), kTopic, ClientConfig());
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(producer).value();
  }
  void TearDown() override {
    producer_.reset();
    cluster_.reset();
    ProjectionTest::TearDown();
  }

  // Produces messages_[produced_, upto) in chunks, `pause` apart (pacing a stream the
  // runners follow, never a wait for them); each lands at its ledgerseq.
  void ProduceUpTo(int upto, std::chrono::milliseconds pause = 0ms) {
    while (produced_ < upto) {
      if (produced_ > 0) std::this_thread::sleep_for(pause);
      const int n = std::min(kChunkEvents, upto - produced_);
      std::span<const ledger::kafka::Message> chunk(messages_.data() + produced_.load(),
                                                    static_cast<size_t>(n));
      auto offsets = producer_->ProduceBatch(chunk);
      ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
      for (int i = 0; i < n; ++i) {
        auto& [p, count] = *ends_.try_emplace(*chunk[i].partition, 0).first;
        ASSERT_EQ((*offsets)[i], static_cast<int64_t>(count)) << "partition " << p;
        ++count;
      }
      produced_ += n;
    }
  }
  // What the topic holds now: every partition's end, as WaitUntilPositions takes them.
  std::vector<uint64_t> Ends() const {
    std::vector<uint64_t> out(kPartitions, 0);
    for (const auto& [p, count] : ends_) out[p] = count;
    return out;
  }

  std::unique_ptr<Node> OpenNode(const std::string& name, bool group) {
    auto node = std::make_unique<Node>();
    auto log = ledger::KafkaLog::Open(
        {.brokers = cluster_->bootstraps(), .topic = kTopic, .config = ConsumerConfig()});
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return nullptr;
    node->log = std::move(log).value();
    auto store = ViewStore::Open(dir_.path() / name, kPartitions);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    node->store = std::move(store).value();
    RunnerOptions options;
    options.follow_wait_ms = 20ms;
    options.limits.chunk_events_max = 16;  // several batches per partition
    if (group) {
      options.group = GroupOptions{.brokers = cluster_->bootstraps(),
                                   .topic = kTopic,
                                   .group = "query",
                                   .config = MemberConfig()};
    }
    node->runner =
        std::make_unique<Runner>(*node->store, *node->log, keys_, testing::TestModels(), options);
    return node;
  }

  // The digest of views a single non-group runner builds from the whole topic as it is.
  std::string SingleNodeDigest() {
    std::unique_ptr<Node> single = OpenNode("single", false);
    EXPECT_TRUE(single);
    if (!single) return "";
    EXPECT_TRUE(single->log->RefreshEnds().ok());
    ledger::Status s = single->runner->RunToEnd();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(single->runner->Progress().size(), kPartitions);
    for (const PartitionProgress& p : single->runner->Progress())
      EXPECT_EQ(p.applied, Ends()[p.partition]) << "partition " << p.partition;
    return single->Digest();
  }

  std::vector<std::vector<ledger::SignedRecord>> records_;  // per partition
  std::vector<ledger::kafka::Message> messages_;            // the order they are produced in
  std::unique_ptr<ledger::kafka::MockCluster> cluster_;
  std::unique_ptr<ledger::kafka::Producer> producer_;
  std::atomic<int> produced_{0};       // read by the test while a thread produces
  std::map<uint32_t, uint64_t> ends_;  // partition -> records produced; by the producing thread
};

TEST_F(GroupRunnerTest, TheSurvivorTakesOverAndItsViewsEqualASingleNodes) {
  ASSERT_NO_FATAL_FAILURE(ProduceUpTo(kBeforeStart));
  std::unique_ptr<Node> a = OpenNode("a", true), b = OpenNode("b", true);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->runner->Start().ok());
  ASSERT_TRUE(b->runner->Start().ok());

  // The two split the partitions between them and each projects its share.
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  std::set<uint32_t> sa, sb;
  for (;;) {
    sa = a->Assigned();
    sb = b->Assigned();
    std::set<uint32_t> both = sa;
    both.insert(sb.begin(), sb.end());
    bool applying = true;
    for (uint32_t p : sa) applying &= a->runner->Applied(p) > 0;
    for (uint32_t p : sb) applying &= b->runner->Applied(p) > 0;
    if (!sa.empty() && !sb.empty() && both.size() == kPartitions &&
        sa.size() + sb.size() == kPartitions && applying)
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "a has " << sa.size() << " partitions, b has " << sb.size();
    std::this_thread::sleep_for(20ms);
  }
  // A partition of the other member does not advance here, and the wait says why.
  std::vector<uint64_t> targets(kPartitions, 0);
  targets[*sb.begin()] = UINT64_MAX;
  ledger::Status other = a->runner->WaitUntilPositions(targets, 300ms);
  EXPECT_EQ(other.code(), ledger::Code::kUnavailable);
  EXPECT_NE(other.message().find("not assigned to this member"), std::string::npos)
      << other.ToString();

  // b stops while records are still being produced.
  std::atomic<bool> produced_all{false};
  std::thread producing([&] {
    ProduceUpTo(kFirstRun, 30ms);
    produced_all = true;
  });
  while (produced_ < (kBeforeStart + kFirstRun) / 2 && !produced_all)
    std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(produced_all) << "b should stop mid-stream";
  b->runner->Stop();
  EXPECT_TRUE(b->Assigned().empty()) << "a stopped member owns nothing";
  producing.join();
  ASSERT_FALSE(HasFatalFailure());

  // a takes over b's partitions and catches up on every partition.
  ledger::Status caught_up = a->runner->WaitUntilPositions(Ends(), kDeadline);
  ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  EXPECT_EQ(a->Assigned().size(), kPartitions);
  for (const PartitionProgress& p : a->runner->Progress()) {
    EXPECT_EQ(p.applied, Ends()[p.partition]);
    EXPECT_TRUE(p.assigned);
  }
  a->runner->Stop();
  const std::string single = SingleNodeDigest();
  ASSERT_FALSE(single.empty());
  EXPECT_EQ(a->Digest(), single);

  // Restarted, a resumes from its stored positions: nothing applied twice or missed.
  const std::vector<uint64_t> before = Ends();
  a.reset();  // closes its views
  a = OpenNode("a", true);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->runner->Start().ok());
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(a->runner->Applied(p), before[p]);
  ASSERT_NO_FATAL_FAILURE(ProduceUpTo(kEvents));
  caught_up = a->runner->WaitUntilPositions(Ends(), kDeadline);
  ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  a->runner->Stop();
  std::filesystem::remove_all(dir_.path() / "single");
  EXPECT_EQ(a->Digest(), SingleNodeDigest());
  // Every event applied exactly once: the subjects' versions add up to the events.
  ViewReader reader(*a->store, testing::TestFold);
  uint64_t versions = 0;
  for (int s = 0; s < 37; ++s) {
    auto record = reader.GetRecord("account/ACC-" + std::to_string(s));
    ASSERT_TRUE(record.ok()) << s << ": " << record.status().ToString();
    versions += record->version;
  }
  EXPECT_EQ(versions, static_cast<uint64_t>(kEvents));
}

// What a consumer group hands the projector directly: records a rebalance delivers
// again are skipped, the rest must continue exactly where the views are.
class ApplyRecordsTest : public testing::ProjectionTest {};

TEST_F(ApplyRecordsTest, SkipsWhatARebalanceDeliversAgainAndRefusesAGap) {
  ledger::Appended first{};
  for (int i = 0; i < 10; ++i) {
    ledger::Appended a = Append("account/ACC-1", R"({"n":)" + std::to_string(i) + "}");
    if (i == 0) first = a;
  }
  const uint32_t p = first.partition;
  std::vector<ledger::StoredRecord> stored;
  ASSERT_TRUE(log_->Read(p, 0, 10, &stored).ok());
  ASSERT_EQ(stored.size(), 10u);
  const Models models = testing::TestModels();
  PartitionProjector projector(p, *store_, *log_, keys_, models, {});
  ASSERT_TRUE(projector.Load().ok());
  std::span<const ledger::StoredRecord> all(stored);

  auto applied = projector.ApplyRecords(all.subspan(0, 5));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 5u);
  applied = projector.ApplyRecords(all.subspan(3, 5));  // 3, 4 again, then 5..7
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 3u);
  applied = projector.ApplyRecords(all.subspan(0, 8));  // all applied already
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 0u);
  EXPECT_EQ(projector.next_seq(), 8u);

  applied = projector.ApplyRecords(all.subspan(9, 1));  // 8 is missing
  EXPECT_EQ(applied.status().code(), ledger::Code::kCorruption);
  EXPECT_NE(applied.status().message().find("gap"), std::string::npos)
      << applied.status().ToString();
  EXPECT_EQ(projector.next_seq(), 8u);
  auto position = store_->GetPosition(p);
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->next_seq, 8u) << "the position is stored with the models";
  EXPECT_EQ(Reader().GetRecord("account/ACC-1")->version, 8u);
}

}  // namespace
}  // namespace projections
