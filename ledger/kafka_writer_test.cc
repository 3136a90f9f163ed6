// The real Writer on the Kafka log, over librdkafka's mock cluster (real Kafka protocol
// on loopback TCP): records land at offset == ledgerseq and verify; the writer state
// beside the topic is rebuilt from any stored position, in the order the events were
// sequenced; delivery failures are never acknowledged and leave no gap or fork.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "ledger/kafka_log.h"
#include "ledger/test_util.h"
#include "ledger/tree_store.h"
#include "ledger/verify.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using namespace std::chrono_literals;
using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

constexpr uint32_t kPartitions = 3;
constexpr const char* kTopic = "ledger";

kafka::Config ClientConfig() {
  return {{"socket.timeout.ms", "3000"},       {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"}, {"message.timeout.ms", "4000"},
          {"fetch.wait.max.ms", "100"},        {"fetch.error.backoff.ms", "50"}};
}

// Decision state that depends on the order of every event in the ledger: subject
// "order/all" holds a running hash of all event ids, so a writer state rebuilt in any
// other order than the one sequenced differs. "counter.bumped" is refused after 3.
class OrderDecider final : public Decider {
 public:
  std::vector<Violation> Validate(const Command&) const override { return {}; }
  Status Check(const Command& c, DecisionContext& ctx) const override {
    if (c.type == "counter.bumped" && ctx.State(c.subject).size() >= 3)
      return Status::IllegalTransition("limit reached", {{"/data", "counter is at its limit"}});
    return Status::Ok();
  }
  void Apply(const Event& e, DecisionContext& ctx) const override {
    ctx.PutState(e.subject, ctx.State(e.subject) + "x");
    ctx.PutState("order/all", Hex(Sha256(ctx.State("order/all") + e.id)));
  }
};

class KafkaWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mc = kafka::MockCluster::Start(3);
    ASSERT_TRUE(mc.ok()) << mc.status().ToString();
    cluster_ = std::move(mc).value();
    ASSERT_TRUE(cluster_->CreateTopic(kTopic, kPartitions).ok());
    ring_.Add(key_.public_key());
  }

  Result<std::unique_ptr<KafkaLog>> OpenLog(const std::filesystem::path& state_dir) {
    return KafkaLog::Open({.brokers = cluster_->bootstraps(),
                           .topic = kTopic,
                           .config = ClientConfig(),
                           .partitions = kPartitions,
                           .timeout_ms = 5000,
                           .state_dir = state_dir});
  }

  // Opens the log with `state_dir` and a writer on it.
  void Open(const std::filesystem::path& state_dir) {
    writer_.reset();
    log_.reset();
    auto log = OpenLog(state_dir);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    auto writer = Writer::Open(*log_, key_, decider_, clock_, {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(writer).value();
  }

  // Appends `n` events over many subjects, in batches that span partitions.
  void AppendMany(int n, const std::string& tag) {
    for (int i = 0; i < n; i += 5) {
      std::vector<Command> batch;
      for (int j = i; j < std::min(n, i + 5); ++j) {
        const std::string subject = "account/" + tag + "-" + std::to_string(j % 17);
        batch.push_back(
            MakeCommand("account.touched", subject, "{}", tag + "-" + std::to_string(j)));
        subjects_.insert(subject);
        ids_.insert(tag + "-" + std::to_string(j));
      }
      auto r = writer_->Append(std::move(batch), "user:a");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  // Every state entry the tests know of, as stored.
  std::map<std::string, std::string> State() {
    std::map<std::string, std::string> out;
    auto get = [&](StateTable t, const std::string& key) {
      auto v = log_->GetState(t, key);
      EXPECT_TRUE(v.ok()) << v.status().ToString();
      out[(t == StateTable::kStreams ? "stream " : "id ") + key] = v.ok() && *v ? **v : "-";
    };
    for (const auto& s : subjects_) get(StateTable::kStreams, s);
    get(StateTable::kStreams, "order/all");
    for (const auto& id : ids_) get(StateTable::kIds, id);
    // Every Merkle tree node (the catch-up stores the same trees as live appends).
    for (uint32_t p = 0; p < kPartitions; ++p) {
      for (uint32_t level = 0; (log_->End(p) >> level) > 0; ++level) {
        for (uint64_t i = 0; i < log_->End(p) >> level; ++i) {
          auto v = log_->GetState(StateTable::kMerkle, MerkleStateKey(p, level, i));
          EXPECT_TRUE(v.ok() && v->has_value()) << p << " " << level << "/" << i;
          out["merkle " + std::to_string(p) + " " + std::to_string(level) + "/" +
              std::to_string(i)] = v.ok() && *v ? **v : "-";
        }
      }
    }
    return out;
  }

  void ExpectVerifies() {
    auto reader = KafkaLog::Open({.brokers = cluster_->bootstraps(),
                                  .topic = kTopic,
                                  .config = ClientConfig(),
                                  .timeout_ms = 5000});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto report = VerifyLog(**reader, ring_, {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok()) << report->failure->reason;
    uint64_t total = 0;
    for (uint32_t p = 0; p < kPartitions; ++p) total += (*reader)->End(p);
    EXPECT_EQ(report->events, total);
  }

  // Each partition's stored tree is the RFC tree of its records in the topic, and its
  // latest checkpoint verifies against it.
  void ExpectTreesMatchTheTopic() {
    writer_->Close();  // signs the last checkpoints
    for (uint32_t p = 0; p < kPartitions; ++p) {
      MemoryMerkle expected;
      auto records = ReadRecords(*log_, p, 0, log_->End(p));
      ASSERT_TRUE(records.ok());
      for (const SignedRecord& r : *records) expected.Append(r.leaf_hash());
      EXPECT_EQ(*RootHash(LogMerkleNodes(*log_, p), log_->End(p)),
                *RootHash(expected, log_->End(p)))
          << p;
      auto checkpoint = FindCheckpoint(*log_, p);
      ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
      auto opened = OpenCheckpoint((*checkpoint)->note, ring_);
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      EXPECT_EQ(opened->size, log_->End(p));
      EXPECT_EQ(opened->root, *RootHash(expected, log_->End(p))) << p;
    }
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  Keyring ring_;
  OrderDecider decider_;
  ManualClock clock_{1'790'000'000'000'000};  // still: times must increase anyway
  std::unique_ptr<kafka::MockCluster> cluster_;
  std::unique_ptr<KafkaLog> log_;
  std::unique_ptr<Writer> writer_;
  std::set<std::string> subjects_, ids_;
};

TEST_F(KafkaWriterTest, AppendsLandAtTheirLedgerseqAndVerify) {
  Open(dir_.path() / "state");
  AppendMany(60, "a");
  uint64_t total = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    total += log_->End(p);
    EXPECT_EQ(log_->StateEnd(p), log_->End(p));
  }
  EXPECT_EQ(total, 60u);
  ExpectVerifies();
  // Recorded times strictly increase though the clock stands still.
  std::vector<std::string> times;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto records = ReadRecords(*log_, p, 0, 100);
    ASSERT_TRUE(records.ok());
    for (const auto& r : *records) times.push_back(ParseEvent(r.event)->time);
  }
  std::sort(times.begin(), times.end());
  EXPECT_EQ(std::adjacent_find(times.begin(), times.end()), times.end());
}

TEST_F(KafkaWriterTest, ARestartedWriterContinuesTheChainsAndKnowsItsIds) {
  Open(dir_.path() / "state");
  AppendMany(20, "a");
  const auto before = State();
  Open(dir_.path() / "state");
  EXPECT_EQ(writer_->caught_up_events(), 0u);  // the state was current
  EXPECT_EQ(State(), before);
  // A retry after the restart gets the original answer and appends nothing.
  auto retry =
      writer_->Append({MakeCommand("account.touched", "account/a-3", "{}", "a-3")}, "user:a");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(retry->front().replayed);
  auto reuse =
      writer_->Append({MakeCommand("account.touched", "account/a-4", "{}", "a-3")}, "user:a");
  EXPECT_EQ(reuse.status().code(), Code::kConflict);
  AppendMany(20, "b");
  ExpectVerifies();
}

TEST_F(KafkaWriterTest, AStateRebuiltFromAnyStoredPositionEqualsTheLiveOne) {
  Open(dir_.path() / "live");
  AppendMany(40, "a");
  // A snapshot of the state part-way, as a crash after delivery would leave it.
  writer_.reset();
  log_.reset();
  std::filesystem::copy(dir_.path() / "live", dir_.path() / "snapshot",
                        std::filesystem::copy_options::recursive);
  Open(dir_.path() / "live");
  AppendMany(50, "b");
  // Rules that read the state still hold across the rebuild.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(writer_->Append({MakeCommand("counter.bumped", "counter/c")}, "user:a").ok());
  subjects_.insert("counter/c");
  const auto live = State();

  Open(dir_.path() / "snapshot");
  EXPECT_EQ(writer_->caught_up_events(), 53u);  // only what followed the snapshot
  EXPECT_EQ(State(), live);
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(log_->StateEnd(p), log_->End(p));

  Open(dir_.path() / "empty");
  EXPECT_EQ(writer_->caught_up_events(), 93u);  // everything, from offset 0
  EXPECT_EQ(State(), live);
  EXPECT_EQ(writer_->Append({MakeCommand("counter.bumped", "counter/c")}, "user:a").status().code(),
            Code::kIllegalTransition);
  auto retry =
      writer_->Append({MakeCommand("account.touched", "account/b-9", "{}", "b-9")}, "user:a");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(retry->front().replayed);
  AppendMany(10, "c");
  ExpectVerifies();
}

TEST_F(KafkaWriterTest, RetriableProduceErrorsAreRetriedExactlyOnce) {
  Open(dir_.path() / "state");
  AppendMany(10, "a");
  cluster_->PushRequestErrors(kafka::ApiKey::kProduce, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                                        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS});
  AppendMany(30, "b");
  uint64_t total = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) total += log_->End(p);
  EXPECT_EQ(total, 40u);
  ExpectVerifies();
}

TEST_F(KafkaWriterTest, AFailedDeliveryIsNotAcknowledgedAndTheWriterResynchronises) {
  Open(dir_.path() / "state");
  AppendMany(10, "a");
  cluster_->PushRequestErrors(kafka::ApiKey::kProduce, {RD_KAFKA_RESP_ERR_INVALID_RECORD});
  auto failed = writer_->Append({MakeCommand("account.touched", "account/x", "{}", "x-1"),
                                 MakeCommand("account.touched", "account/y", "{}", "y-1"),
                                 MakeCommand("account.touched", "account/z", "{}", "z-1")},
                                "user:a");
  EXPECT_EQ(failed.status().code(), Code::kUnavailable) << failed.status().ToString();
  cluster_->ClearRequestErrors(kafka::ApiKey::kProduce);
  // The retry completes the batch: whatever reached Kafka is replayed, the rest appended.
  auto retry = writer_->Append({MakeCommand("account.touched", "account/x", "{}", "x-1"),
                                MakeCommand("account.touched", "account/y", "{}", "y-1"),
                                MakeCommand("account.touched", "account/z", "{}", "z-1")},
                               "user:a");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  AppendMany(10, "b");
  uint64_t total = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) total += log_->End(p);
  EXPECT_EQ(total, 23u);  // each event exactly once
  ExpectVerifies();
  ExpectTreesMatchTheTopic();  // the failed group's nodes were not kept
}

TEST_F(KafkaWriterTest, ABrokerDownFailsAppendsUntilItIsBackWithoutAGap) {
  Open(dir_.path() / "state");
  AppendMany(10, "a");
  for (int b = 1; b <= cluster_->brokers(); ++b) ASSERT_TRUE(cluster_->SetBrokerDown(b).ok());
  auto failed =
      writer_->Append({MakeCommand("account.touched", "account/x", "{}", "x-1")}, "user:a");
  EXPECT_EQ(failed.status().code(), Code::kUnavailable) << failed.status().ToString();
  for (int b = 1; b <= cluster_->brokers(); ++b) ASSERT_TRUE(cluster_->SetBrokerUp(b).ok());
  auto retry =
      writer_->Append({MakeCommand("account.touched", "account/x", "{}", "x-1")}, "user:a");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  AppendMany(10, "b");
  ExpectVerifies();
  ExpectTreesMatchTheTopic();
}

TEST_F(KafkaWriterTest, AStateOfAnotherTopicOrATopicCreatedAgainIsRefused) {
  Open(dir_.path() / "state");
  AppendMany(10, "a");
  writer_.reset();
  log_.reset();
  // The same topic name on another cluster: shorter partitions.
  auto other = kafka::MockCluster::Start(1);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->CreateTopic(kTopic, kPartitions).ok());
  auto fresh = KafkaLog::Open({.brokers = (*other)->bootstraps(),
                               .topic = kTopic,
                               .config = ClientConfig(),
                               .timeout_ms = 5000,
                               .state_dir = dir_.path() / "state"});
  EXPECT_EQ(fresh.status().code(), Code::kCorruption) << fresh.status().ToString();
  EXPECT_NE(fresh.status().message().find("created again"), std::string::npos);
  // Another topic on the same cluster.
  ASSERT_TRUE(cluster_->CreateTopic("other", kPartitions).ok());
  auto wrong = KafkaLog::Open({.brokers = cluster_->bootstraps(),
                               .topic = "other",
                               .config = ClientConfig(),
                               .timeout_ms = 5000,
                               .state_dir = dir_.path() / "state"});
  EXPECT_EQ(wrong.status().code(), Code::kInvalidArgument) << wrong.status().ToString();
}

}  // namespace
}  // namespace ledger
