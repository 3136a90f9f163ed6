// Kafka building blocks over librdkafka's C API: settings, the mock cluster for tests and
// demos, topic creation, an idempotent producer and a group-less reader.
//
// Every call returns a Status or Result; librdkafka errors become a Status whose message
// carries the error's name and text ("NOT_LEADER_FOR_PARTITION: Broker: Not leader for
// partition"). Codes: kUnavailable for retriable and transport errors (try again later),
// kInvalidArgument for configuration errors and records the brokers refuse as such,
// kIoError for any other permanent failure (authorization, a fatal producer error).
//
// The Kafka record format is docs/FORMAT.md's and ARCHITECTURE.md's: key = subject,
// value = canonical bytes, headers ledgersig, ledgerkid and ce_*. This file moves bytes;
// it knows nothing of events.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/status.h"

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace ledger::kafka {

inline constexpr int kMessageTimeoutMsDefault = 30000;   // producer delivery, retries included
inline constexpr int kMetadataTimeoutMsDefault = 10000;  // EnsureTopic, Watermarks
inline constexpr int kLingerMsDefault = 5;
inline constexpr size_t kBatchMessagesMax = 10000;  // one ProduceBatch
inline constexpr size_t kReadMessagesMax = 10000;   // one Read

// A librdkafka error as a Status: "<context>: <NAME>: <detail or librdkafka's text>".
Status ErrorStatus(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail = {});
// Whether retrying later may succeed (transport, timeouts, leadership changes).
bool IsRetriable(rd_kafka_resp_err_t err);

// librdkafka settings as ordered KEY=VALUE pairs, applied in order (a later value of the
// same key replaces the earlier one in place).
class Config {
 public:
  Config() = default;
  Config(std::initializer_list<std::pair<std::string, std::string>> settings);

  // "KEY=VALUE" -> {KEY, VALUE}; the value may contain '=', the key may not be empty.
  static Result<std::pair<std::string, std::string>> ParseSetting(std::string_view setting);

  void Set(std::string key, std::string value);
  // ParseSetting, then Set.
  Status Add(std::string_view setting);
  std::optional<std::string> Get(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& settings() const { return settings_; }

  // Sets every pair on `conf`; all refused keys are reported at once, one violation each
  // (pointer "/KEY"), as kInvalidArgument.
  Status ApplyTo(rd_kafka_conf_t* conf) const;

 private:
  std::vector<std::pair<std::string, std::string>> settings_;
};

// Kafka protocol request types (the protocol's ApiKey numbers; librdkafka's RD_KAFKAP_*
// constants are not in its public headers).
enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kFindCoordinator = 10,
  kInitProducerId = 22,
};

// librdkafka's in-memory mock cluster (rdkafka_mock.h): brokers that speak the Kafka
// protocol on loopback TCP ports, with fault injection. For tests and trying the Kafka
// path only. As of librdkafka 2.0.2: nothing is persisted; each partition keeps about
// 5 MB (older data is dropped); there is no CreateTopics and no controller (use
// CreateTopic here); it speaks Metadata v0-v2 only, so any client naming a missing topic
// creates it with 4 partitions; it checks producer sequence numbers only for
// transactional producers, so a retry after a lost Produce response is written twice;
// it does not fence transactional producers.
// Thread-safe: every call is handed to the cluster's own thread.
class MockCluster {
 public:
  // Brokers get ids 1..brokers.
  static Result<std::unique_ptr<MockCluster>> Start(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:PORT,..." for bootstrap.servers.
  const std::string& bootstraps() const { return bootstraps_; }
  int brokers() const { return brokers_; }

  // replication 0 = min(3, brokers).
  Status CreateTopic(const std::string& topic, uint32_t partitions, int replication = 0);
  // Closes the broker's connections and refuses new ones. Partition leadership does not
  // move: a partition led by a down broker is unavailable until it is up again.
  Status SetBrokerDown(int32_t broker_id);
  Status SetBrokerUp(int32_t broker_id);
  // Delays every response of the broker by `rtt_ms` (0 = none).
  Status SetBrokerRtt(int32_t broker_id, int rtt_ms);
  Status SetPartitionLeader(const std::string& topic, uint32_t partition, int32_t broker_id);
  // The next errors.size() requests of `api` to any broker fail with these errors, in
  // order; nothing of such a request is applied. RD_KAFKA_RESP_ERR__TRANSPORT makes the
  // broker drop the connection instead.
  void PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors);
  void ClearRequestErrors(ApiKey api);

 private:
  MockCluster() = default;

  rd_kafka_t* rk_ = nullptr;  // owns no traffic; librdkafka needs it for the cluster
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstraps_;
  int brokers_ = 0;
};

struct TopicOptions {
  int replication_factor = 0;                  // of a new topic; 0 = min(3, brokers in the cluster)
  int timeout_ms = kMetadataTimeoutMsDefault;  // each of: metadata, creation, propagation
};

// Makes sure `topic` exists with `partitions` partitions and returns its count.
// partitions == 0 accepts an existing topic's count, or creates kPartitionsDefault. An
// existing topic with another count is kInvalidArgument naming both: Kafka can only add
// partitions, and that would move subjects (murmur2(subject) mod N). New topics are made
// with the Admin API's CreateTopics. Brokers that cannot be reached within the timeout
// give kUnavailable.
Result<uint32_t> EnsureTopic(const std::string& bootstraps, const std::string& topic,
                             uint32_t partitions, const Config& extra = {},
                             const TopicOptions& options = {});

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Message {
  std::optional<uint32_t> partition;  // nullopt: librdkafka's murmur2_random partitioner
  std::string key;
  std::string value;
  Headers headers;
};

// An idempotent producer to one topic: enable.idempotence=true,
// enable.gapless.guarantee=true, acks=all,
// partitioner=murmur2_random, linger.ms=5, message.timeout.ms=30000 and
// allow.auto.create.topics=false (honoured by brokers with Metadata v4+; the mock
// cluster creates a missing topic anyway, so call EnsureTopic first). `extra` settings
// are applied after these; turning idempotence or acks=all off, or an unbounded
// message.timeout.ms, is refused.
// ProduceBatch calls are serialized by a mutex: one caller at a time.
class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Open(const std::string& bootstraps,
                                                const std::string& topic, const Config& extra = {});
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Produces every message and returns only when each has its delivery report: their
  // offsets, in the order given. Messages of one partition are appended in the order
  // given. If any failed, the Status names the first failure and has one violation per
  // failed message (pointer "/INDEX"); the others may have been delivered. At most
  // kBatchMessagesMax messages.
  Result<std::vector<int64_t>> ProduceBatch(std::span<const Message> messages);

  // The idempotent producer's fatal error (the producer must then be replaced), or ok.
  Status Fatal() const;

  const std::string& topic() const { return topic_; }

 private:
  Producer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  Status Enqueue(const Message& message, void* slot);

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::string topic_;
  int message_timeout_ms_ = kMessageTimeoutMsDefault;
  std::mutex mu_;         // one ProduceBatch at a time
  size_t delivered_ = 0;  // delivery reports of the current batch; under mu_
};

struct Fetched {
  int64_t offset = 0;
  std::string key;
  std::string value;
  Headers headers;
};

struct WatermarkOffsets {
  int64_t low = 0;   // the first offset the brokers still keep
  int64_t high = 0;  // the next offset to be written (the end)
};

// Reads one topic's partitions at offsets the caller chooses: a plain consumer with
// rd_kafka_assign, no consumer group, nothing committed (enable.auto.commit=false),
// isolation.level=read_committed, auto.offset.reset=error. Thread-safe: Read calls are
// serialized by a mutex around the one consumer; Watermarks does not take it.
class Reader {
 public:
  static Result<std::unique_ptr<Reader>> Open(const std::string& bootstraps,
                                              const std::string& topic, const Config& extra = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Up to `max` (<= kReadMessagesMax) records of `partition` from offset `from`, in
  // order, as far as the high watermark read at the start of the call; empty when `from`
  // is the end. Returns what arrived within `timeout` (kUnavailable if nothing did).
  // `from` below the low watermark is kNotFound (the brokers dropped it); beyond the end
  // is kInvalidArgument.
  Result<std::vector<Fetched>> Read(uint32_t partition, int64_t from, size_t max,
                                    std::chrono::milliseconds timeout);

  // Asks the partition's leader for its low and high watermarks. Returns within
  // `timeout` (kUnavailable) even when the leader cannot be reached.
  Result<WatermarkOffsets> Watermarks(uint32_t partition, std::chrono::milliseconds timeout) const;

  const std::string& topic() const { return topic_; }

 private:
  Reader() = default;
  Status Assign(uint32_t partition, int64_t from);

  struct WatermarkQuery;

  rd_kafka_t* rk_ = nullptr;
  // Owns rk_: shared with a watermark query still running after its caller gave up.
  std::shared_ptr<rd_kafka_t> owner_;
  std::string topic_;
  std::mutex mu_;  // the consumer's assignment and queue
  // Where the current assignment will deliver next, so that a follower reading on from
  // where it stopped keeps the prefetched records instead of assigning again.
  std::optional<std::pair<uint32_t, int64_t>> position_;
  // librdkafka 2.0.2's rd_kafka_query_watermark_offsets does not return at its timeout
  // while the partition's leader is unreachable (the request waits for the broker), so
  // it runs on its own thread; at most one is outstanding per partition, and callers
  // asking while it is unanswered wait for that one.
  mutable std::mutex query_mu_;
  mutable std::map<uint32_t, std::shared_ptr<WatermarkQuery>> queries_;
};

// A member of a consumer group reading one topic: librdkafka's high-level consumer with
// subscribe, whose positions come from the caller, never from Kafka: nothing is
// committed (enable.auto.commit=false, enable.auto.offset.store=false) and
// auto.offset.reset=error. On every assignment `on_assign` names the offset each newly
// assigned partition starts at (where the caller's own store says it is); on a
// revocation `on_revoke` hears which partitions go, before they go. The assignment
// strategy is roundrobin (eager): members split a topic's partitions evenly, and a
// member leaving or failing its session hands its partitions to the others.
//
// Not thread-safe: one thread calls Poll (the callbacks run inside it) and Close.
class GroupConsumer {
 public:
  using OnAssign = std::function<Result<std::vector<int64_t>>(const std::vector<uint32_t>&)>;
  using OnRevoke = std::function<void(const std::vector<uint32_t>&)>;

  static Result<std::unique_ptr<GroupConsumer>> Open(const std::string& bootstraps,
                                                     const std::string& topic,
                                                     const std::string& group, OnAssign on_assign,
                                                     OnRevoke on_revoke, const Config& extra = {});
  ~GroupConsumer();  // Close()s
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Waits up to `timeout` for records, then takes what else is ready, up to `max`:
  // per partition in offset order. Retriable errors are left to librdkafka; others are
  // returned. A failed `on_assign` is returned here too (nothing of that assignment
  // is read).
  Result<std::map<uint32_t, std::vector<Fetched>>> Poll(std::chrono::milliseconds timeout,
                                                        size_t max);
  // The partitions assigned now.
  const std::vector<uint32_t>& assigned() const { return assigned_; }
  // The high watermark of an assigned partition as of its last fetch (-1: unknown).
  int64_t CachedEnd(uint32_t partition) const;
  // Leaves the group (the others rebalance at once), then stops. Idempotent.
  void Close();

 private:
  GroupConsumer() = default;
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  OnAssign on_assign_;
  OnRevoke on_revoke_;
  std::vector<uint32_t> assigned_;
  Status assign_error_;
};

}  // namespace ledger::kafka
