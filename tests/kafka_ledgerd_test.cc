// The real ledgerd on Kafka: librdkafka's mock cluster runs in this test process and
// ledgerd talks to it over loopback TCP like to any cluster. Appends arrive in the topic
// with the right key, partition, offset, headers and bytes; kcat (a client that shares
// no code with ours) captures the topic and `ledgerctl verify --ndjson` accepts the
// capture; under a sustained load with brokers going down and injected Produce and
// Fetch errors every acknowledged event is in Kafka exactly once, the chains verify and
// the views equal a rebuild from the topic.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "ledger/canonical.h"
#include "ledger/kafka.h"
#include "ledger/kafka_log.h"
#include "tests/fixtures.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using namespace std::chrono_literals;
namespace kafka = ledger::kafka;

constexpr const char* kTopic = "sales-ledger";
constexpr uint32_t kPartitions = 4;

struct Cluster {
  std::unique_ptr<kafka::MockCluster> mock;
  std::string bootstraps;
};

Cluster StartCluster() {
  Cluster c;
  auto mock = kafka::MockCluster::Start(3);
  EXPECT_TRUE(mock.ok()) << mock.status().ToString();
  if (!mock.ok()) return c;
  c.mock = std::move(mock).value();
  EXPECT_TRUE(c.mock->CreateTopic(kTopic, kPartitions).ok());
  c.bootstraps = c.mock->bootstraps();
  return c;
}

std::vector<std::string> KafkaArgs(const Cluster& c) {
  return {"--kafka-brokers", c.bootstraps,
          "--partitions",    std::to_string(kPartitions),
          "--kafka-config",  "reconnect.backoff.max.ms=200",
          "--kafka-config",  "fetch.wait.max.ms=50"};
}

// Every record of the topic, per partition, as read by our own reader.
std::vector<std::vector<kafka::Fetched>> ReadTopic(const std::string& bootstraps) {
  std::vector<std::vector<kafka::Fetched>> out(kPartitions);
  auto reader = kafka::Reader::Open(bootstraps, kTopic, {});
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto marks = (*reader)->Watermarks(p, 10s);
    EXPECT_TRUE(marks.ok()) << marks.status().ToString();
    while (marks.ok() && static_cast<int64_t>(out[p].size()) < marks->high) {
      auto got = (*reader)->Read(p, static_cast<int64_t>(out[p].size()), 1000, 10s);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok() || got->empty()) break;
      out[p].insert(out[p].end(), got->begin(), got->end());
    }
  }
  return out;
}

std::string HeaderOf(const kafka::Fetched& f, const std::string& name) {
  for (const auto& [k, v] : f.headers)
    if (k == name) return v;
  return "";
}

void ExpectTopicVerifies(const Cluster& c, const fs::path& data, uint64_t events) {
  ProcessResult r = Ledgerctl({"verify", "--kafka-brokers", c.bootstraps, "--vkeys",
                               (data / "keys" / "ledger.vkeys").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verify: OK\nevents: " + std::to_string(events) + "\n"), std::string::npos)
      << r.out;
}

TEST(KafkaLedgerd, AppendsArriveInKafkaAndAKcatCaptureVerifies) {
  TempDir dir;
  Cluster c = StartCluster();
  ASSERT_FALSE(c.bootstraps.empty());
  const fs::path data = dir / "data";
  std::vector<Appended> appended;
  {
    Ledgerd ledgerd(data, KafkaArgs(c));
    ASSERT_TRUE(ledgerd.serving());
    for (int i = 0; i < 20; ++i)
      appended.push_back(AppendOne(ledgerd.port(), RegisterAccount("ACC-" + std::to_string(i))));
    // Each record sits at offset == ledgerseq with key = subject, value = the feed's
    // event in canonical bytes, and the ledger and CloudEvents headers.
    WaitCaughtUp(ledgerd.port());
    std::map<std::pair<uint32_t, uint64_t>, FeedLine> feed;
    for (uint32_t p = 0; p < kPartitions; ++p) {
      for (FeedLine& line : ReadFeed(ledgerd.port(), p))
        feed[{p, static_cast<uint64_t>(line.event.at("ledgerseq").as_int64())}] = line;
    }
    auto topic = ReadTopic(c.bootstraps);
    for (const Appended& a : appended) {
      ASSERT_LT(a.ledgerseq, topic[a.partition].size());
      const kafka::Fetched& f = topic[a.partition][a.ledgerseq];
      const FeedLine& line = feed.at({a.partition, a.ledgerseq});
      std::string canonical;
      ledger::AppendCanonical(boost::json::value(line.event), canonical);
      EXPECT_EQ(f.offset, static_cast<int64_t>(a.ledgerseq));
      EXPECT_EQ(f.value, canonical);
      EXPECT_EQ(f.key, std::string(line.event.at("subject").as_string()));
      EXPECT_EQ(HeaderOf(f, "ce_id"), a.id);
      EXPECT_EQ(HeaderOf(f, "ce_type"), "account.registered");
      EXPECT_EQ(HeaderOf(f, "ce_subject"), f.key);
      EXPECT_EQ(HeaderOf(f, "ce_time"), a.time);
      EXPECT_EQ(HeaderOf(f, "ce_source"), "sales-ledger");
      EXPECT_EQ(HeaderOf(f, "ce_specversion"), "1.0");
      EXPECT_EQ(HeaderOf(f, "ledgersig"), line.sig);
      EXPECT_EQ(HeaderOf(f, "ledgerkid"), line.kid);
    }
    // The writer keeps each partition's Merkle tree and checkpoints beside the topic:
    // an audit pack proves a record's events in Kafka.
    ProcessResult pack =
        Ledgerctl({"auditpack", "--token", ledgerd.token("compliance"), "--url", ledgerd.url(),
                   "--subject", "account/ACC-3", "--out", (dir / "pack.json").string(), "--vkeys",
                   (data / "keys" / "ledger.vkeys").string()});
    EXPECT_EQ(pack.exit_code, 0) << pack.out << pack.err;
    EXPECT_NE(pack.out.find("1 events of account/ACC-3, verified"), std::string::npos) << pack.out;
    EXPECT_EQ(ledgerd.Stop().exit_code, 0);
  }

  // kcat captures the topic as JSON lines; verify --ndjson checks that capture.
  ProcessResult kcat =
      RunProcess({"/usr/bin/kcat", "-C", "-b", c.bootstraps, "-t", kTopic, "-e", "-J", "-q"}, 60s);
  ASSERT_EQ(kcat.exit_code, 0) << kcat.err;
  const fs::path capture = dir / "capture.ndjson";
  std::ofstream(capture) << kcat.out;
  const std::string vkeys = (data / "keys" / "ledger.vkeys").string();
  ProcessResult ok = Ledgerctl({"verify", "--ndjson", capture.string(), "--vkeys", vkeys,
                                "--partitions", std::to_string(kPartitions)});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("events: 20\n"), std::string::npos) << ok.out;
  // One altered byte of one captured record is named by file and line.
  std::vector<std::string> lines = Lines(capture);
  ASSERT_EQ(lines.size(), 20u);
  const size_t at = lines[7].find("rep.alice");
  ASSERT_NE(at, std::string::npos);
  lines[7][at] = 'R';
  const fs::path altered = dir / "altered.ndjson";
  {
    std::ofstream out(altered);
    for (const std::string& l : lines) out << l << "\n";
  }
  ProcessResult bad = Ledgerctl({"verify", "--ndjson", altered.string(), "--vkeys", vkeys,
                                 "--partitions", std::to_string(kPartitions)});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(altered.string() + ":8: "), std::string::npos) << bad.err;

  // A restarted ledgerd continues the chains in the topic.
  Ledgerd again(data, KafkaArgs(c));
  ASSERT_TRUE(again.serving());
  for (int i = 20; i < 25; ++i)
    AppendOne(again.port(), RegisterAccount("ACC-" + std::to_string(i)));
  ExpectTopicVerifies(c, data, 25);
}

// Personal fields reach the topic sealed (ingest/sealing.h): neither our reader nor kcat
// finds a contact's e-mail address in any record, while the API still answers it.
TEST(KafkaLedgerd, PersonalFieldsAreSealedInTheTopic) {
  TempDir dir;
  Cluster c = StartCluster();
  ASSERT_FALSE(c.bootstraps.empty());
  const std::string email = "kafka.private.0815@example.cn";
  Ledgerd ledgerd(dir / "data", KafkaArgs(c));
  ASSERT_TRUE(ledgerd.serving());
  AppendOne(ledgerd.port(), RegisterAccount("ACC-1", "", "u:li.wei"));
  AppendOne(ledgerd.port(),
            boost::json::serialize(boost::json::object{{"type", "contact.registered"},
                                                       {"subject", "contact/CON-1"},
                                                       {"data",
                                                        {{"name", "Kafka Person"},
                                                         {"account", "ACC-1"},
                                                         {"emails", boost::json::array{email}}}}}));
  WaitCaughtUp(ledgerd.port());
  EXPECT_EQ(Get(ledgerd.port(), "/v1/records/contact/CON-1")["state"].at("emails").at(0),
            boost::json::value(email));
  size_t records = 0;
  for (const auto& partition : ReadTopic(c.bootstraps)) {
    for (const kafka::Fetched& f : partition) {
      ++records;
      EXPECT_EQ(f.value.find(email), std::string::npos) << f.value;
      EXPECT_EQ(f.value.find("Kafka Person"), std::string::npos) << f.value;
    }
  }
  EXPECT_EQ(records, 2u);
  ProcessResult kcat =
      RunProcess({"/usr/bin/kcat", "-C", "-b", c.bootstraps, "-t", kTopic, "-e", "-q"}, 60s);
  ASSERT_EQ(kcat.exit_code, 0) << kcat.err;
  EXPECT_NE(kcat.out.find("\"sealed\""), std::string::npos) << kcat.out;
  EXPECT_EQ(kcat.out.find(email), std::string::npos);
}

TEST(KafkaLedgerd, AnotherPartitionCountIsRefusedAtStart) {
  TempDir dir;
  Cluster c = StartCluster();
  ASSERT_FALSE(c.bootstraps.empty());
  ProcessResult r =
      RunProcess({LedgerdPath(), "--data", (dir / "data").string(), "--listen", "127.0.0.1:0",
                  "--kafka-brokers", c.bootstraps, "--partitions", "6"},
                 60s);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("has 4 partitions, not the 6"), std::string::npos) << r.err;
}

// Appends `count` commands with their own ids in batches of two, retrying a batch with
// the same ids while the answer is 503 or no answer, as a client should. Returns the
// ids acknowledged (201).
std::vector<std::string> Client(uint16_t port, const std::string& name, int count,
                                std::atomic<int>& retries) {
  std::vector<std::string> acked;
  for (int i = 0; i < count; i += 2) {
    std::vector<std::string> ids = {name + "-" + std::to_string(i),
                                    name + "-" + std::to_string(i + 1)};
    std::string body = "{\"events\":[" +
                       RegisterAccount(name + "-" + std::to_string(i), ids[0]).substr(0) + "," +
                       RegisterAccount(name + "-" + std::to_string(i + 1), ids[1]) + "]}";
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    for (;;) {
      Reply r = Request(port, http::verb::post, "/v1/events", body);
      if (r.status == 201) break;
      if ((r.status != 503 && r.status != 0) || std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "append answered " << r.status << ": " << r.body;
        return acked;
      }
      ++retries;
      std::this_thread::sleep_for(50ms);
    }
    acked.insert(acked.end(), ids.begin(), ids.end());
  }
  return acked;
}

TEST(KafkaLedgerd, FaultsDuringASustainedLoadLoseNothingAndDuplicateNothing) {
  TempDir dir;
  Cluster c = StartCluster();
  ASSERT_FALSE(c.bootstraps.empty());
  const fs::path data = dir / "data";
  Ledgerd ledgerd(data, KafkaArgs(c));
  ASSERT_TRUE(ledgerd.serving());
  constexpr int kClients = 4, kPerClient = 120;
  std::atomic<int> retries{0};
  std::vector<std::vector<std::string>> acked(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      acked[i] = Client(ledgerd.port(), "c" + std::to_string(i), kPerClient, retries);
    });
  }
  // Faults while the clients append: retriable Produce errors, a broker down and up,
  // a Produce error no retry can cure (the batch fails: 503, then the writer
  // resynchronises), and Fetch errors under the projectors.
  std::this_thread::sleep_for(100ms);
  c.mock->PushRequestErrors(kafka::ApiKey::kProduce, {RD_KAFKA_RESP_ERR_INVALID_RECORD});
  std::this_thread::sleep_for(200ms);
  c.mock->PushRequestErrors(kafka::ApiKey::kProduce, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS});
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(c.mock->SetBrokerDown(2).ok());
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(c.mock->SetBrokerUp(2).ok());
  std::this_thread::sleep_for(200ms);
  c.mock->PushRequestErrors(kafka::ApiKey::kFetch,
                            {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                             RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  for (std::thread& t : clients) t.join();
  // The refused Produce failed a group: its clients got 503 and retried.
  EXPECT_GT(retries.load(), 0);
  std::set<std::string> all;
  for (const auto& ids : acked) all.insert(ids.begin(), ids.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kClients * kPerClient));

  // Every acknowledged event is in the topic exactly once, at offset == ledgerseq.
  std::map<std::string, int> seen;
  uint64_t records = 0;
  for (const auto& partition : ReadTopic(c.bootstraps)) {
    for (const kafka::Fetched& f : partition) {
      ++seen[HeaderOf(f, "ce_id")];
      ++records;
    }
  }
  EXPECT_EQ(records, all.size());
  for (const std::string& id : all) EXPECT_EQ(seen[id], 1) << id;
  ExpectTopicVerifies(c, data, all.size());

  // The views equal views rebuilt from the topic: by a replay beside the running
  // server, and by a start without views.
  WaitCaughtUp(ledgerd.port());
  const std::string live = ViewsDigestOf(data);
  ProcessResult replay =
      Ledgerctl({"replay", "--data", data.string(), "--kafka-brokers", c.bootstraps});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.out.find("digest: " + live + "\n"), std::string::npos) << replay.out;
  EXPECT_EQ(ledgerd.Stop().exit_code, 0);
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data, KafkaArgs(c));
  ASSERT_TRUE(rebuilt.serving());
  WaitCaughtUp(rebuilt.port());
  EXPECT_EQ(ViewsDigestOf(data), live);
  std::printf("clients retried %d times\n", retries.load());
}

}  // namespace
}  // namespace ledger_test
