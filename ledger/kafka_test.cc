// The Kafka building blocks against librdkafka's mock cluster: real Kafka protocol over
// loopback TCP, reached only through bootstrap.servers.
#include "ledger/kafka.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <set>
#include <thread>

#include "ledger/partition.h"

namespace ledger::kafka {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "sales-ledger";

// Low timeouts so that a test that goes wrong fails in seconds, not minutes.
Config ClientConfig() {
  return {{"socket.timeout.ms", "3000"},
          {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"},
          {"topic.metadata.refresh.interval.ms", "1000"}};
}

Config ProducerConfig() {
  Config c = ClientConfig();
  c.Set("message.timeout.ms", "10000");
  c.Set("retry.backoff.ms", "50");
  return c;
}

Config ReaderConfig() {
  Config c = ClientConfig();
  c.Set("fetch.error.backoff.ms", "50");
  c.Set("fetch.wait.max.ms", "100");
  return c;
}

std::unique_ptr<MockCluster> StartCluster(int brokers = 3) {
  auto mc = MockCluster::Start(brokers);
  EXPECT_TRUE(mc.ok()) << mc.status().ToString();
  return mc.ok() ? std::move(mc).value() : nullptr;
}

std::vector<Message> Messages(uint32_t partition, int count, std::string_view tag) {
  std::vector<Message> out;
  for (int i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    out.push_back({partition,
                   "opportunity/OPP-" + n,
                   std::string(tag) + " value " + n,
                   {{"ledgersig", "sig" + n}, {"ledgerkid", "0a1b2c3d"}}});
  }
  return out;
}

// Reads a whole partition from 0 to its end.
std::vector<Fetched> ReadAll(Reader& reader, uint32_t partition) {
  std::vector<Fetched> all;
  for (int round = 0; round < 100; ++round) {
    auto got = reader.Read(partition, static_cast<int64_t>(all.size()), 1000, 10s);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || got->empty()) break;
    for (auto& f : *got) all.push_back(std::move(f));
  }
  return all;
}

// Every value of `sent` exactly once, in order, at offsets 0..n-1.
void ExpectExactlyOnce(Reader& reader, uint32_t partition, const std::vector<Message>& sent) {
  std::vector<Fetched> all = ReadAll(reader, partition);
  ASSERT_EQ(all.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(all[i].offset, int64_t(i));
    EXPECT_EQ(all[i].value, sent[i].value) << "at offset " << i;
  }
}

void ExpectContiguous(const std::vector<int64_t>& offsets, int64_t first) {
  for (size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], first + int64_t(i));
}

TEST(KafkaConfig, ParsesSettingsAndReportsEveryRefusedKey) {
  auto kv = Config::ParseSetting("sasl.jaas=a=b");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->first, "sasl.jaas");
  EXPECT_EQ(kv->second, "a=b");
  EXPECT_EQ(Config::ParseSetting("novalue").status().code(), Code::kInvalidArgument);
  EXPECT_NE(Config::ParseSetting("=x").status().message().find("KEY=VALUE"), std::string::npos);

  Config c = {{"linger.ms", "1"}, {"no.such.key", "1"}};
  ASSERT_TRUE(c.Add("linger.ms=2").ok());
  ASSERT_TRUE(c.Add("acks=sometimes").ok());
  EXPECT_EQ(c.settings().size(), 3u);
  EXPECT_EQ(*c.Get("linger.ms"), "2");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s = c.ApplyTo(conf);
  rd_kafka_conf_destroy(conf);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  ASSERT_EQ(s.violations().size(), 2u) << s.ToString();
  EXPECT_EQ(s.violations()[0].pointer, "/no.such.key");
  EXPECT_EQ(s.violations()[1].pointer, "/acks");

  auto p = Producer::Open("127.0.0.1:1", kTopic, {{"enable.idempotence", "false"}});
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  p = Producer::Open("127.0.0.1:1", kTopic, {{"message.timeout.ms", "0"}});
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  p = Producer::Open("127.0.0.1:1", kTopic, {{"acks", "1"}});
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_NE(p.status().message().find("acks"), std::string::npos) << p.status().ToString();
}

TEST(KafkaProducer, ProduceThenReadReturnsTheSameBytes) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 4).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto batch = Messages(2, 20, "first");
  batch[3].value = std::string("\0binary\xff", 8);
  batch[4].headers.push_back({"empty", ""});
  auto offsets = (*producer)->ProduceBatch(batch);
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  ASSERT_EQ(offsets->size(), batch.size());
  for (size_t i = 0; i < offsets->size(); ++i) EXPECT_EQ((*offsets)[i], int64_t(i));

  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto marks = (*reader)->Watermarks(2, 5s);
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  EXPECT_EQ(marks->low, 0);
  EXPECT_EQ(marks->high, 20);
  std::vector<Fetched> all;
  while (all.size() < batch.size()) {
    auto got = (*reader)->Read(2, static_cast<int64_t>(all.size()), 7, 5s);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_FALSE(got->empty());
    EXPECT_LE(got->size(), 7u);
    for (auto& f : *got) all.push_back(std::move(f));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(all[i].offset, int64_t(i));
    EXPECT_EQ(all[i].key, batch[i].key);
    EXPECT_EQ(all[i].value, batch[i].value);
    EXPECT_EQ(all[i].headers, batch[i].headers);
  }
  auto at_end = (*reader)->Read(2, 20, 10, 5s);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  EXPECT_TRUE(at_end->empty());
  EXPECT_EQ((*reader)->Read(2, 21, 10, 5s).status().code(), Code::kInvalidArgument);
  auto other = (*reader)->Read(0, 0, 10, 5s);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST(KafkaEnsureTopic, AcceptsTheSameCountAndRefusesAnother) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 6).ok());
  auto same = EnsureTopic(mc->bootstraps(), kTopic, 6, ClientConfig());
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(*same, 6u);
  auto own = EnsureTopic(mc->bootstraps(), kTopic, 0, ClientConfig());
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(*own, 6u);
  auto other = EnsureTopic(mc->bootstraps(), kTopic, 4, ClientConfig());
  ASSERT_EQ(other.status().code(), Code::kInvalidArgument);
  EXPECT_NE(other.status().message().find("has 6 partitions, not the 4"), std::string::npos)
      << other.status().ToString();
}

// librdkafka 2.0.2's mock cluster implements no CreateTopics and names no controller, so
// here creation can only be tested this far: the request goes out, its failure is clear
// and bounded, and the topic is not created behind our back with the default count.
TEST(KafkaEnsureTopic, AsksTheBrokersToCreateAMissingTopic) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  auto created = EnsureTopic(mc->bootstraps(), "missing", 7, ClientConfig(), {.timeout_ms = 1000});
  ASSERT_EQ(created.status().code(), Code::kUnavailable) << created.status().ToString();
  EXPECT_NE(created.status().message().find("cannot create topic 'missing' with 7 partitions, "
                                            "replication factor 3"),
            std::string::npos)
      << created.status().ToString();
  EXPECT_NE(created.status().message().find("create the topic beforehand"), std::string::npos);
  // Still missing: a second call tries to create it again, now with the default count.
  auto again = EnsureTopic(mc->bootstraps(), "missing", 0, ClientConfig(), {.timeout_ms = 1000});
  EXPECT_NE(again.status().message().find("with 4 partitions, replication factor 3"),
            std::string::npos)
      << again.status().ToString();
}

TEST(KafkaEnsureTopic, UnreachableBrokersAreUnavailableWithinTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = EnsureTopic("127.0.0.1:1", kTopic, 4, ClientConfig(), {.timeout_ms = 1000});
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(KafkaProducer, UnreachableBrokersFailTheBatchAfterTheMessageTimeout) {
  Config c = ProducerConfig();
  c.Set("message.timeout.ms", "1000");
  auto producer = Producer::Open("127.0.0.1:1", kTopic, c);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto r = (*producer)->ProduceBatch(Messages(0, 3, "lost"));
  ASSERT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("3 of 3 messages failed"), std::string::npos);
  EXPECT_NE(r.status().message().find("_MSG_TIMED_OUT"), std::string::npos);
  EXPECT_EQ(r.status().violations().size(), 3u);
}

TEST(KafkaProducer, BrokerDownAndUpDuringProduceDeliversEveryMessageOnce) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 2).ok());
  ASSERT_TRUE(mc->SetPartitionLeader(kTopic, 0, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> sent = Messages(0, 10, "before");
  ASSERT_TRUE((*producer)->ProduceBatch(sent).ok());

  ASSERT_TRUE(mc->SetBrokerDown(1).ok());
  std::vector<Message> during = Messages(0, 10, "during");
  Result<std::vector<int64_t>> offsets = Status::Internal("not run");
  std::thread produce([&] { offsets = (*producer)->ProduceBatch(during); });
  // Not an assertion: time for the producer to find the leader gone and start retrying.
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(mc->SetBrokerUp(1).ok());
  produce.join();
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  ExpectContiguous(*offsets, 10);
  sent.insert(sent.end(), during.begin(), during.end());

  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  ExpectExactlyOnce(**reader, 0, sent);
  EXPECT_TRUE((*producer)->Fatal().ok());
}

TEST(KafkaProducer, RetriableProduceErrorsAreRetriedAndDeliveredOnce) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  mc->PushRequestErrors(ApiKey::kProduce,
                        {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                         RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                         RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  std::vector<Message> sent = Messages(0, 30, "retried");
  auto offsets = (*producer)->ProduceBatch(sent);
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  ExpectContiguous(*offsets, 0);
  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  ExpectExactlyOnce(**reader, 0, sent);
  EXPECT_TRUE((*producer)->Fatal().ok());
}

TEST(KafkaProducer, PermanentProduceErrorsFailTheBatchClearly) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> sent = Messages(0, 3, "kept");
  ASSERT_TRUE((*producer)->ProduceBatch(sent).ok());

  mc->PushRequestErrors(ApiKey::kProduce,
                        {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                         RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  auto large = (*producer)->ProduceBatch(Messages(0, 5, "refused"));
  ASSERT_EQ(large.status().code(), Code::kInvalidArgument) << large.status().ToString();
  EXPECT_NE(large.status().message().find("5 of 5 messages failed; the first: message 0 "
                                          "(partition 0): MSG_SIZE_TOO_LARGE"),
            std::string::npos)
      << large.status().ToString();
  ASSERT_EQ(large.status().violations().size(), 5u);
  EXPECT_EQ(large.status().violations()[4].pointer, "/4");
  mc->ClearRequestErrors(ApiKey::kProduce);
  // enable.gapless.guarantee: a failed batch could leave a gap before later ones, so the
  // producer stops for good (KafkaLog replaces it) rather than deliver anything after it.
  EXPECT_NE((*producer)->Fatal().message().find("GAPLESS_GUARANTEE"), std::string::npos)
      << (*producer)->Fatal().ToString();
  auto after = (*producer)->ProduceBatch(Messages(0, 1, "after"));
  EXPECT_FALSE(after.ok());
  producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());

  // Nothing of the refused batch was written: the next one continues the offsets.
  std::vector<Message> next = Messages(0, 2, "next");
  auto offsets = (*producer)->ProduceBatch(next);
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  ExpectContiguous(*offsets, 3);
  sent.insert(sent.end(), next.begin(), next.end());

  // Not retriable and not the records' fault: an I/O error. (librdkafka then fails new
  // messages for the topic at once until its next metadata refresh.)
  mc->PushRequestErrors(ApiKey::kProduce, {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED});
  auto denied = (*producer)->ProduceBatch(Messages(0, 2, "denied"));
  ASSERT_EQ(denied.status().code(), Code::kIoError) << denied.status().ToString();
  EXPECT_NE(denied.status().message().find("TOPIC_AUTHORIZATION_FAILED: Broker: Topic "
                                           "authorization failed"),
            std::string::npos);

  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  ExpectExactlyOnce(**reader, 0, sent);
}

TEST(KafkaReader, SurvivesInjectedFetchErrors) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> sent = Messages(0, 25, "fetched");
  ASSERT_TRUE((*producer)->ProduceBatch(sent).ok());
  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  mc->PushRequestErrors(
      ApiKey::kFetch,
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TRANSPORT,
       RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  ExpectExactlyOnce(**reader, 0, sent);
}

// A fact the Kafka log must design around, pinned so that an upgrade that changes it is
// noticed: librdkafka 2.0.2's mock checks producer sequence numbers only for
// transactional producers, so when a Produce response is lost after the append, the
// idempotent producer's retry is written a second time (a real broker would drop it).
// ProduceBatch reports the offsets of the second copies.
TEST(KafkaMockLimits, ALostProduceResponseIsWrittenTwice) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 1).ok());
  ASSERT_TRUE(mc->SetPartitionLeader(kTopic, 0, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  ASSERT_TRUE((*producer)->ProduceBatch(Messages(0, 1, "warm")).ok());  // connected

  // The broker appends at once but answers after 2 s; it goes down before answering.
  ASSERT_TRUE(mc->SetBrokerRtt(1, 2000).ok());
  std::vector<Message> batch = Messages(0, 10, "lost");
  Result<std::vector<int64_t>> offsets = Status::Internal("not run");
  std::thread produce([&] { offsets = (*producer)->ProduceBatch(batch); });
  // Not an assertion: time for the request to arrive, well inside the 2 s delay.
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(mc->SetBrokerDown(1).ok());
  ASSERT_TRUE(mc->SetBrokerRtt(1, 0).ok());
  ASSERT_TRUE(mc->SetBrokerUp(1).ok());
  produce.join();
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  ExpectContiguous(*offsets, 11);

  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  std::vector<Fetched> all = ReadAll(**reader, 0);
  ASSERT_EQ(all.size(), 21u);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(all[1 + i].value, batch[i].value);
    EXPECT_EQ(all[11 + i].value, batch[i].value);
  }
}

// The mock keeps about 5 MB per partition; below the low watermark is kNotFound.
TEST(KafkaMockLimits, DroppedRecordsAreNotFound) {
  auto mc = StartCluster(1);
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 1).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> big = Messages(0, 12, "big");
  for (Message& m : big) m.value.resize(600 * 1024, 'x');
  for (size_t i = 0; i < big.size(); ++i) {
    auto offsets = (*producer)->ProduceBatch(std::span(&big[i], 1));
    ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  }
  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  auto marks = (*reader)->Watermarks(0, 5s);
  ASSERT_TRUE(marks.ok());
  EXPECT_GT(marks->low, 0);
  EXPECT_EQ(marks->high, 12);
  auto gone = (*reader)->Read(0, 0, 10, 5s);
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  EXPECT_NE(gone.status().message().find("below its low watermark"), std::string::npos);
  auto kept = (*reader)->Read(0, marks->low, 100, 5s);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->back().offset, 11);
}

TEST(KafkaReader, ServesSeveralThreads) {
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, 2).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> zero = Messages(0, 15, "zero"), one = Messages(1, 15, "one");
  std::vector<Message> both = zero;
  both.insert(both.end(), one.begin(), one.end());
  ASSERT_TRUE((*producer)->ProduceBatch(both).ok());
  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  std::thread a([&] { ExpectExactlyOnce(**reader, 0, zero); });
  std::thread b([&] { ExpectExactlyOnce(**reader, 1, one); });
  std::thread c([&] {
    for (int i = 0; i < 5; ++i) EXPECT_EQ((*reader)->Watermarks(1, 5s)->high, 15);
  });
  a.join();
  b.join();
  c.join();
}

TEST(KafkaPartitioner, Murmur2RandomPlacesKeysLikePartitionOf) {
  constexpr uint32_t kPartitions = 7;
  auto mc = StartCluster();
  ASSERT_TRUE(mc);
  ASSERT_TRUE(mc->CreateTopic(kTopic, kPartitions).ok());
  auto producer = Producer::Open(mc->bootstraps(), kTopic, ProducerConfig());
  ASSERT_TRUE(producer.ok());
  std::vector<Message> batch;
  for (int i = 0; i < 100; ++i) {
    batch.push_back({std::nullopt, "account/ACC-" + std::to_string(i * 7919), "v", {}});
  }
  batch.push_back({std::nullopt, "", "empty key", {}});
  auto offsets = (*producer)->ProduceBatch(batch);
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  auto reader = Reader::Open(mc->bootstraps(), kTopic, ReaderConfig());
  ASSERT_TRUE(reader.ok());
  size_t found = 0;
  std::set<uint32_t> used;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    for (const Fetched& f : ReadAll(**reader, p)) {
      EXPECT_EQ(p, PartitionOf(f.key, kPartitions)) << "key '" << f.key << "'";
      used.insert(p);
      ++found;
    }
  }
  EXPECT_EQ(found, batch.size());
  EXPECT_EQ(used.size(), kPartitions);
}

// ops' ledger-kafka-dev, checked with kcat: a real client that shares no code with ours.
class Child {
 public:
  // Runs `args` (args[0] looked up on PATH) with stdout into a pipe.
  explicit Child(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  bool started() const { return pid_ > 0; }

  // Stdout up to the first newline (or all of it when `line` is false), within `timeout`.
  std::string Read(bool line, std::chrono::milliseconds timeout) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p = {out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c[4096];
      ssize_t n = read(out_, c, line ? 1 : sizeof(c));
      if (n <= 0) break;
      if (line && c[0] == '\n') break;
      got.append(c, static_cast<size_t>(n));
    }
    return got;
  }

  // The exit status once the child has exited, or -1 if it has not within `timeout`.
  int Wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  void Signal(int sig) { kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

TEST(KafkaDevProgram, ServesATopicThatKcatLists) {
  Child dev(
      {LEDGER_KAFKA_DEV_PATH, "--brokers", "2", "--topic", "dev-ledger", "--partitions", "5"});
  ASSERT_TRUE(dev.started());
  std::string first = dev.Read(true, 10s);
  const std::string prefix = "bootstrap.servers=";
  ASSERT_EQ(first.substr(0, prefix.size()), prefix) << first;
  std::string bootstraps = first.substr(prefix.size());
  EXPECT_NE(dev.Read(true, 10s).find("WARNING: this is librdkafka's in-memory mock cluster"),
            std::string::npos);

  Child kcat({"kcat", "-b", bootstraps, "-L", "-J", "-m", "10"});
  ASSERT_TRUE(kcat.started()) << "kcat is not on PATH (ops/setup installs it)";
  std::string listing = kcat.Read(false, 20s);
  ASSERT_EQ(kcat.Wait(5s), 0) << listing;
  boost::system::error_code ec;
  boost::json::value metadata = boost::json::parse(listing, ec);
  ASSERT_FALSE(ec) << listing;
  EXPECT_EQ(metadata.at("brokers").as_array().size(), 2u) << listing;
  std::set<int64_t> partitions;
  for (const auto& t : metadata.at("topics").as_array()) {
    if (t.at("topic").as_string() != "dev-ledger") continue;
    for (const auto& p : t.at("partitions").as_array()) {
      partitions.insert(p.at("partition").as_int64());
    }
  }
  EXPECT_EQ(partitions, (std::set<int64_t>{0, 1, 2, 3, 4})) << listing;

  dev.Signal(SIGTERM);
  EXPECT_EQ(dev.Wait(10s), 0);
}

}  // namespace
}  // namespace ledger::kafka
