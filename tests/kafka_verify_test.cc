// `ledgerctl verify --kafka-brokers` against the real ledger-kafka-dev program: a ledger
// built with `ledgerctl append`, copied into the program's topic, verified there; kcat,
// a client that shares no code with ours, reads the same value bytes.
#include <gtest/gtest.h>

#include "ledger/kafka.h"
#include "ledger/kafka_log.h"
#include "tests/fixtures.h"

namespace ledger_test {
namespace {

using namespace std::chrono_literals;

constexpr int kAccounts = 24;

struct DevCluster {
  std::unique_ptr<Child> program;
  std::string bootstraps;
};

// Starts ledger-kafka-dev with the topic "sales-ledger" of `partitions` partitions.
DevCluster StartDev(const TempDir& dir, uint32_t partitions) {
  DevCluster dev;
  dev.program = std::make_unique<Child>(
      std::vector<std::string>{LEDGER_KAFKA_DEV_PATH, "--brokers", "1", "--topic", "sales-ledger",
                               "--partitions", std::to_string(partitions)},
      dir / "kafka-dev.err");
  std::optional<std::string> first = dev.program->ReadLine(10s);
  const std::string prefix = "bootstrap.servers=";
  if (!first || first->rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "ledger-kafka-dev did not print its bootstrap servers: "
                  << first.value_or("(nothing)");
    return dev;
  }
  dev.bootstraps = first->substr(prefix.size());
  return dev;
}

void Produce(const std::string& bootstraps, const std::vector<ledger::SignedRecord>& records) {
  std::vector<ledger::kafka::Message> messages;
  for (const ledger::SignedRecord& r : records) {
    auto m = ledger::KafkaMessageOf(r);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    messages.push_back(std::move(*m));
  }
  auto producer =
      ledger::kafka::Producer::Open(bootstraps, "sales-ledger", {{"message.timeout.ms", "10000"}});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto offsets = (*producer)->ProduceBatch(messages);
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
}

TEST(KafkaVerify, VerifiesACopiedTopicAndNamesABadRecord) {
  TempDir dir;
  const fs::path data = dir / "data";
  ASSERT_EQ(BuildLedger(data, kAccounts).size(), static_cast<size_t>(kAccounts));
  std::vector<std::vector<ledger::SignedRecord>> partitions;
  std::vector<ledger::SignedRecord> all;
  {
    auto log = ledger::EmbeddedLog::Open(data / "log", {.read_only = true});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (uint32_t p = 0; p < (*log)->partitions(); ++p) {
      auto records = ledger::ReadRecords(**log, p, 0, 1000);
      ASSERT_TRUE(records.ok()) << records.status().ToString();
      partitions.push_back(*records);
      all.insert(all.end(), records->begin(), records->end());
    }
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kAccounts));
  DevCluster dev = StartDev(dir, static_cast<uint32_t>(partitions.size()));
  ASSERT_FALSE(dev.bootstraps.empty());
  Produce(dev.bootstraps, all);
  const std::string vkeys = (data / "keys" / "ledger.vkeys").string();

  ProcessResult ok = Ledgerctl({"verify", "--kafka-brokers", dev.bootstraps, "--vkeys", vkeys});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("verify: OK\nevents: " + std::to_string(kAccounts) + "\n"),
            std::string::npos)
      << ok.out;

  // kcat reads the same value bytes: the canonical events, one per line (canonical JSON
  // has no raw newline).
  uint32_t busiest = 0;
  for (uint32_t p = 1; p < partitions.size(); ++p)
    if (partitions[p].size() > partitions[busiest].size()) busiest = p;
  ProcessResult kcat = RunProcess({"/usr/bin/kcat", "-b", dev.bootstraps, "-t", "sales-ledger",
                                   "-p", std::to_string(busiest), "-C", "-e", "-q", "-f", "%s\n"},
                                  30s);
  ASSERT_EQ(kcat.exit_code, 0) << kcat.err;
  std::vector<std::string> values = CompleteLines(kcat.out);
  ASSERT_EQ(values.size(), partitions[busiest].size()) << kcat.out;
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i], partitions[busiest][i].event);

  // The first record of a partition written again at its end: its event's ledgerseq is
  // 0, its offset is the partition's size.
  Produce(dev.bootstraps, {partitions[busiest].front()});
  ProcessResult bad = Ledgerctl({"verify", "--kafka-brokers", dev.bootstraps, "--kafka-topic",
                                 "sales-ledger", "--vkeys", vkeys, "--threads", "2"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  auto failure = ParseVerifyFailure(bad.err);
  ASSERT_TRUE(failure.has_value()) << bad.err;
  EXPECT_EQ(failure->partition, busiest);
  EXPECT_EQ(failure->ledgerseq, partitions[busiest].size());
  EXPECT_NE(failure->reason.find("the event says partition"), std::string::npos) << bad.err;
}

TEST(KafkaVerify, AMissingTopicIsAnErrorAndAKafkaModeNeedsTrustedKeys) {
  TempDir dir;
  DevCluster dev = StartDev(dir, 2);
  ASSERT_FALSE(dev.bootstraps.empty());
  ProcessResult nokeys = Ledgerctl({"verify", "--kafka-brokers", dev.bootstraps});
  EXPECT_EQ(nokeys.exit_code, 2);
  EXPECT_NE(nokeys.err.find("--kafka-brokers needs --vkeys"), std::string::npos) << nokeys.err;
  const fs::path data = dir / "data";
  BuildLedger(data, 1);
  ProcessResult missing =
      Ledgerctl({"verify", "--kafka-brokers", dev.bootstraps, "--kafka-topic", "other", "--vkeys",
                 (data / "keys" / "ledger.vkeys").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("topic 'other' does not exist"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace ledger_test
