// The Kafka record format both ways, and KafkaLog over librdkafka's mock cluster (real
// Kafka protocol on loopback TCP): a ledger written by the real Writer on the embedded
// log, copied into a topic, must verify there byte for byte.
#include "ledger/kafka_log.h"

#include <gtest/gtest.h>

#include <functional>

#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/verify.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using namespace std::chrono_literals;
using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

constexpr uint32_t kPartitions = 3;

// Low timeouts so that a test that goes wrong fails in seconds, not minutes.
kafka::Config ClientConfig() {
  return {{"socket.timeout.ms", "3000"},
          {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"}};
}

kafka::Config ReaderConfig() {
  kafka::Config c = ClientConfig();
  c.Set("fetch.wait.max.ms", "100");
  c.Set("fetch.error.backoff.ms", "50");
  return c;
}

// A small ledger written by the real Writer: every partition's records in order.
class KafkaLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = kPartitions});
      ASSERT_TRUE(log.ok()) << log.status().ToString();
      ManualClock clock(1'790'000'000'000'000);
      PermissiveDecider decider;
      auto writer = Writer::Open(**log, key_, decider, clock, {});
      ASSERT_TRUE(writer.ok()) << writer.status().ToString();
      for (int i = 1; i <= 8; ++i) {
        std::string subject = "account/ACC-" + std::to_string(i);
        ASSERT_TRUE((*writer)->Append({MakeCommand("account.registered", subject)}, "user:a").ok());
        if (i % 2 == 0) {
          ASSERT_TRUE((*writer)->Append({MakeCommand("account.renamed", subject)}, "user:b").ok());
        }
      }
      (*writer)->Close();
      records_.resize(kPartitions);
      for (uint32_t p = 0; p < kPartitions; ++p) {
        auto got = ReadRecords(**log, p, 0, 1000);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        records_[p] = std::move(*got);
        total_ += records_[p].size();
      }
    }
    auto mc = kafka::MockCluster::Start(1);
    ASSERT_TRUE(mc.ok()) << mc.status().ToString();
    cluster_ = std::move(mc).value();
    ring_.Add(key_.public_key());
  }

  // Creates `topic` and produces every record into it, each changed by `edit` first.
  void Copy(const std::string& topic, std::function<void(SignedRecord&)> edit = nullptr) {
    ASSERT_TRUE(cluster_->CreateTopic(topic, kPartitions).ok());
    std::vector<kafka::Message> messages;
    for (const auto& partition : records_) {
      for (SignedRecord r : partition) {
        if (edit) edit(r);
        auto m = KafkaMessageOf(r);
        ASSERT_TRUE(m.ok()) << m.status().ToString();
        messages.push_back(std::move(*m));
      }
    }
    Produce(topic, messages);
  }

  void Produce(const std::string& topic, const std::vector<kafka::Message>& messages) {
    auto producer = kafka::Producer::Open(cluster_->bootstraps(), topic, ClientConfig());
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    auto offsets = (*producer)->ProduceBatch(messages);
    ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  }

  // The partition with the most records (subjects land where murmur2 puts them).
  uint32_t Busiest() const {
    uint32_t best = 0;
    for (uint32_t p = 1; p < kPartitions; ++p)
      if (records_[p].size() > records_[best].size()) best = p;
    LEDGER_ASSERT(records_[best].size() >= 2);
    return best;
  }

  Result<std::unique_ptr<KafkaLog>> OpenLog(const std::string& topic, uint32_t partitions = 0) {
    return KafkaLog::Open({.brokers = cluster_->bootstraps(),
                           .topic = topic,
                           .config = ReaderConfig(),
                           .partitions = partitions,
                           .timeout_ms = 5000});
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  Keyring ring_;
  std::vector<std::vector<SignedRecord>> records_;
  size_t total_ = 0;
  std::unique_ptr<kafka::MockCluster> cluster_;
};

TEST_F(KafkaLogTest, MessageRoundTripsAndCarriesTheEventsAttributes) {
  const SignedRecord& r = records_[Busiest()].back();
  auto m = KafkaMessageOf(r);
  ASSERT_TRUE(m.ok());
  auto event = ParseEvent(r.event);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(m->partition, std::optional<uint32_t>(r.partition));
  EXPECT_EQ(m->key, event->subject);
  EXPECT_EQ(m->value, r.event);
  EXPECT_EQ(m->headers, (kafka::Headers{{"ledgersig", Base64(r.signature)},
                                        {"ledgerkid", KidHex(r.kid)},
                                        {"ce_id", event->id},
                                        {"ce_type", event->type},
                                        {"ce_subject", event->subject},
                                        {"ce_time", event->time},
                                        {"ce_source", event->source},
                                        {"ce_specversion", "1.0"}}));
  auto back = SignedRecordFromKafka(r.partition, static_cast<int64_t>(r.ledgerseq), m->key,
                                    m->value, m->headers);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodeRecordValue(*back), EncodeRecordValue(r));
  EXPECT_EQ(back->ledgerseq, r.ledgerseq);
}

TEST_F(KafkaLogTest, EveryMismatchIsRefusedNamingThePosition) {
  auto good = KafkaMessageOf(records_[Busiest()].front());
  ASSERT_TRUE(good.ok());
  auto set = [](std::string name, std::string value) {
    return [=](kafka::Message& m) {
      for (auto& [k, v] : m.headers)
        if (k == name) v = value;
    };
  };
  auto drop = [](std::string name) {
    return [=](kafka::Message& m) {
      std::erase_if(m.headers, [&](const auto& h) { return h.first == name; });
    };
  };
  const std::vector<std::pair<std::function<void(kafka::Message&)>, std::string>> cases = {
      {drop("ledgersig"), "ledgersig is missing"},
      {set("ledgersig", "not base64!"), "ledgersig must be base64 of 64 bytes"},
      {set("ledgersig", Base64(std::string_view("short"))), "ledgersig must be base64"},
      {drop("ledgerkid"), "ledgerkid is missing"},
      {set("ledgerkid", "0A1B2C3D"), "ledgerkid must be 8 lower-case hex"},
      {set("ledgerkid", "0a1b2c"), "ledgerkid must be 8 lower-case hex"},
      {[](kafka::Message& m) { m.headers.push_back(m.headers[1]); }, "ledgerkid appears twice"},
      {[](kafka::Message& m) { m.key = "account/ACC-999"; }, "is not the event's subject"},
      {[](kafka::Message& m) { m.value += " "; }, ""},
      {set("ce_id", "other"), "ce_id 'other' disagrees"},
      {set("ce_type", "account.closed"), "ce_type 'account.closed' disagrees"},
      {set("ce_subject", "account/ACC-999"), "ce_subject"},
      {set("ce_time", "2020-01-01T00:00:00Z"), "ce_time"},
      {set("ce_source", "elsewhere"), "ce_source"},
      {set("ce_specversion", "0.3"), "ce_specversion"},
      {drop("ce_time"), "ce_time is missing"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    kafka::Message m = *good;
    cases[i].first(m);
    auto r = SignedRecordFromKafka(1, 7, m.key, m.value, m.headers);
    ASSERT_FALSE(r.ok()) << "case " << i;
    EXPECT_EQ(r.status().code(), Code::kCorruption);
    EXPECT_EQ(r.status().message().rfind("partition 1 ledgerseq 7: ", 0), 0u)
        << r.status().message();
    EXPECT_NE(r.status().message().find(cases[i].second), std::string::npos)
        << "case " << i << ": " << r.status().message();
  }
}

TEST_F(KafkaLogTest, ATopicCopiedFromTheEmbeddedLogVerifiesByteForByte) {
  Copy("sales-ledger");
  auto log = OpenLog("sales-ledger", kPartitions);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ((*log)->partitions(), kPartitions);
  auto report = VerifyLog(**log, ring_, {.chunk_records = 3});  // several chunks
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->ok()) << report->failure->reason;
  EXPECT_EQ(report->events, total_);
  EXPECT_EQ(report->signatures_checked, total_);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ((*log)->End(p), records_[p].size());
    auto back = ReadRecords(**log, p, 0, 1000);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), records_[p].size());
    for (size_t i = 0; i < back->size(); ++i) {
      EXPECT_EQ((*back)[i].ledgerseq, records_[p][i].ledgerseq);
      EXPECT_EQ(EncodeRecordValue((*back)[i]), EncodeRecordValue(records_[p][i]));
    }
  }
  EXPECT_EQ((*log)->Append({}, {}).code(), Code::kUnavailable);
  EXPECT_EQ((*log)->GetState(StateTable::kStreams, "x").status().code(), Code::kUnavailable);
}

TEST_F(KafkaLogTest, AnAlteredEventFailsVerificationAtItsOffset) {
  const uint32_t p = Busiest();
  const SignedRecord target = records_[p].back();
  Copy("altered", [&](SignedRecord& r) {
    if (r.partition != target.partition || r.ledgerseq != target.ledgerseq) return;
    auto event = ParseEvent(r.event);
    ASSERT_TRUE(event.ok());
    event->data["name"] = "altered";
    r.event = event->Canonical();  // still canonical, but not what was signed
  });
  auto log = OpenLog("altered");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto report = VerifyLog(**log, ring_, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->failure->partition, p);
  EXPECT_EQ(report->failure->ledgerseq, target.ledgerseq);
  EXPECT_EQ(report->failure->reason, "the signature does not verify");
}

TEST_F(KafkaLogTest, ARecordAtAnotherOffsetThanItsLedgerseqFailsVerification) {
  Copy("duplicated");
  const uint32_t p = Busiest();
  auto again = KafkaMessageOf(records_[p].front());  // written a second time, at the end
  ASSERT_TRUE(again.ok());
  Produce("duplicated", {*again});
  auto log = OpenLog("duplicated");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto report = VerifyLog(**log, ring_, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->failure->partition, p);
  EXPECT_EQ(report->failure->ledgerseq, records_[p].size());
  EXPECT_NE(report->failure->reason.find("the event says partition " + std::to_string(p) +
                                         " ledgerseq 0"),
            std::string::npos)
      << report->failure->reason;
}

TEST_F(KafkaLogTest, AMessageThatIsNoRecordIsACorruptionAtItsOffset) {
  Copy("foreign");
  const uint32_t p = Busiest();
  auto m = KafkaMessageOf(records_[p].front());
  ASSERT_TRUE(m.ok());
  m->key = "account/someone-else";
  Produce("foreign", {*m});
  auto log = OpenLog("foreign");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::vector<StoredRecord> good;
  ASSERT_TRUE((*log)->Read(p, 0, 1000, &good).ok());  // the records before it
  EXPECT_EQ(good.size(), records_[p].size());
  auto report = VerifyLog(**log, ring_, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kCorruption);
  EXPECT_EQ(report.status().message().rfind("partition " + std::to_string(p) + " ledgerseq " +
                                                std::to_string(records_[p].size()) + ": ",
                                            0),
            0u)
      << report.status().message();
}

TEST_F(KafkaLogTest, AnotherPartitionCountIsRefusedAtOpen) {
  ASSERT_TRUE(cluster_->CreateTopic("five", 5).ok());
  auto log = OpenLog("five", kPartitions);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), Code::kInvalidArgument);
  EXPECT_NE(log.status().message().find("has 5 partitions, not the 3"), std::string::npos)
      << log.status().message();
  auto own = OpenLog("five");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ((*own)->partitions(), 5u);
}

TEST_F(KafkaLogTest, AMissingTopicIsNotFoundAndNotCreated) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto log = OpenLog("missing");
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), Code::kNotFound) << log.status().ToString();
  }
}

TEST_F(KafkaLogTest, EndIsCachedUntilWaitBeyondSeesMore) {
  Copy("growing");
  auto log = OpenLog("growing");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const uint32_t p = Busiest();
  const uint64_t end = records_[p].size();
  EXPECT_FALSE((*log)->WaitBeyond(p, end - 1 + 1, 50ms));
  auto again = KafkaMessageOf(records_[p].front());
  ASSERT_TRUE(again.ok());
  Produce("growing", {*again});
  EXPECT_EQ((*log)->End(p), end);  // as of opening, until refreshed
  EXPECT_TRUE((*log)->WaitBeyond(p, end, 5s));
  EXPECT_EQ((*log)->End(p), end + 1);
}

}  // namespace
}  // namespace ledger
