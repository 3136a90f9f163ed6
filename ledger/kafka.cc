#include "ledger/kafka.h"

#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <condition_variable>
#include <thread>

#include "ledger/partition.h"

namespace ledger::kafka {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kErrstrBytes = 512;
constexpr int kPollMs = 100;
// After message.timeout.ms librdkafka has reported every message; this margin only
// covers a report that is due but not yet served.
constexpr int kDeliveryMarginMs = 10000;
constexpr int kQueueFullRetriesMax = 100;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

// A conf of our defaults, then the caller's extras (which win).
Result<ConfPtr> MakeConf(const std::string& bootstraps, const Config& defaults,
                         const Config& extra) {
  ConfPtr conf(rd_kafka_conf_new());
  Config all = defaults;
  all.Set("bootstrap.servers", bootstraps);
  for (const auto& [k, v] : extra.settings()) all.Set(k, v);
  Status s = all.ApplyTo(conf.get());
  if (!s.ok()) return s;
  return conf;
}

// Takes ownership of conf (librdkafka does so on success; we destroy it on failure).
Result<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf, std::string_view what) {
  char errstr[kErrstrBytes];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    return Status::Invalid("cannot create the Kafka " + std::string(what) + ": " + errstr);
  }
  conf.release();
  return HandlePtr(rk);
}

std::string ConfValue(const rd_kafka_conf_t* conf, const char* key) {
  char value[kErrstrBytes];
  size_t size = sizeof(value);
  if (rd_kafka_conf_get(conf, key, value, &size) != RD_KAFKA_CONF_OK) return "";
  return value;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

std::string TopicPartition(const std::string& topic, uint32_t partition) {
  return topic + "/" + std::to_string(partition);
}

Headers CopyHeaders(const rd_kafka_message_t* m) {
  Headers out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    out.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
  }
  return out;
}

}  // namespace

bool IsRetriable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__OUTDATED:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return true;
    default:
      return false;
  }
}

Status ErrorStatus(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
  std::string msg(context);
  msg += ": ";
  msg += rd_kafka_err2name(err);
  msg += ": ";
  msg += detail.empty() ? std::string_view(rd_kafka_err2str(err)) : detail;
  if (IsRetriable(err)) return Status::Unavailable(std::move(msg));
  switch (err) {
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return Status::Invalid(std::move(msg));
    default:
      return Status::IoError(std::move(msg));
  }
}

// --- Config ---

Config::Config(std::initializer_list<std::pair<std::string, std::string>> settings) {
  for (const auto& [k, v] : settings) Set(k, v);
}

Result<std::pair<std::string, std::string>> Config::ParseSetting(std::string_view setting) {
  size_t eq = setting.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::Invalid("Kafka setting '" + std::string(setting) +
                           "' is not KEY=VALUE (e.g. socket.timeout.ms=5000)");
  }
  return std::pair{std::string(setting.substr(0, eq)), std::string(setting.substr(eq + 1))};
}

void Config::Set(std::string key, std::string value) {
  for (auto& [k, v] : settings_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  settings_.emplace_back(std::move(key), std::move(value));
}

Status Config::Add(std::string_view setting) {
  auto kv = ParseSetting(setting);
  if (!kv.ok()) return kv.status();
  Set(std::move(kv->first), std::move(kv->second));
  return Status::Ok();
}

std::optional<std::string> Config::Get(std::string_view key) const {
  for (const auto& [k, v] : settings_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

Status Config::ApplyTo(rd_kafka_conf_t* conf) const {
  std::vector<Violation> refused;
  for (const auto& [k, v] : settings_) {
    char errstr[kErrstrBytes];
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      refused.push_back({"/" + k, errstr});
    }
  }
  if (refused.empty()) return Status::Ok();
  std::string msg = "librdkafka refused " + std::to_string(refused.size()) + " setting" +
                    (refused.size() == 1 ? "" : "s") + ", the first: " + refused[0].reason;
  return Status::Invalid(std::move(msg), std::move(refused));
}

// --- MockCluster ---

Result<std::unique_ptr<MockCluster>> MockCluster::Start(int brokers) {
  if (brokers < 1 || brokers > 64) return Status::Invalid("a mock cluster has 1..64 brokers");
  // Only the cluster's bookkeeping uses this handle; it connects nowhere.
  ConfPtr conf(rd_kafka_conf_new());
  // Without bootstrap.servers librdkafka warns at level 5; nobody needs that notice.
  if (rd_kafka_conf_set(conf.get(), "log_level", "4", nullptr, 0) != RD_KAFKA_CONF_OK) {
    return Status::Internal("librdkafka refused log_level=4");
  }
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf), "mock cluster handle");
  if (!rk.ok()) return rk.status();
  std::unique_ptr<MockCluster> mc(new MockCluster());
  mc->cluster_ = rd_kafka_mock_cluster_new(rk->get(), brokers);
  if (mc->cluster_ == nullptr) {
    return Status::Unavailable("librdkafka could not start a mock cluster of " +
                               std::to_string(brokers) + " brokers (no loopback ports?)");
  }
  mc->rk_ = rk->release();
  mc->brokers_ = brokers;
  mc->bootstraps_ = rd_kafka_mock_cluster_bootstraps(mc->cluster_);
  return mc;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

Status MockCluster::CreateTopic(const std::string& topic, uint32_t partitions, int replication) {
  if (partitions < 1 || partitions > kPartitionsMax) {
    return Status::Invalid("partitions must be 1.." + std::to_string(kPartitionsMax));
  }
  if (replication == 0) replication = std::min(3, brokers_);
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(),
                                                       static_cast<int>(partitions), replication);
  if (err) return ErrorStatus(err, "mock cluster: cannot create topic '" + topic + "'");
  return Status::Ok();
}

Status MockCluster::SetBrokerDown(int32_t broker_id) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(cluster_, broker_id);
  if (err) return ErrorStatus(err, "mock cluster: broker " + std::to_string(broker_id));
  return Status::Ok();
}

Status MockCluster::SetBrokerUp(int32_t broker_id) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(cluster_, broker_id);
  if (err) return ErrorStatus(err, "mock cluster: broker " + std::to_string(broker_id));
  return Status::Ok();
}

Status MockCluster::SetBrokerRtt(int32_t broker_id, int rtt_ms) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms);
  if (err) return ErrorStatus(err, "mock cluster: broker " + std::to_string(broker_id));
  return Status::Ok();
}

Status MockCluster::SetPartitionLeader(const std::string& topic, uint32_t partition,
                                       int32_t broker_id) {
  rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(
      cluster_, topic.c_str(), static_cast<int32_t>(partition), broker_id);
  if (err) return ErrorStatus(err, "mock cluster: leader of " + TopicPartition(topic, partition));
  return Status::Ok();
}

void MockCluster::PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors) {
  rd_kafka_mock_push_request_errors_array(cluster_, static_cast<int16_t>(api), errors.size(),
                                          errors.data());
}

void MockCluster::ClearRequestErrors(ApiKey api) {
  rd_kafka_mock_clear_request_errors(cluster_, static_cast<int16_t>(api));
}

// --- EnsureTopic ---

namespace {

struct TopicState {
  bool exists = false;
  uint32_t partitions = 0;
  int brokers = 0;
};

// Reads the metadata of all topics rather than of this one: a Metadata request older
// than v4 (all that librdkafka 2.0.2's mock cluster speaks) cannot say "do not create",
// so naming a missing topic would create it with the brokers' default count.
Result<TopicState> DescribeTopic(rd_kafka_t* rk, const std::string& bootstraps,
                                 const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, timeout_ms);
  if (err) {
    return ErrorStatus(err, "cannot read the metadata of topic '" + topic + "' from " + bootstraps +
                                " within " + std::to_string(timeout_ms) + " ms");
  }
  MetadataPtr md(raw);
  TopicState state;
  state.brokers = md->broker_cnt;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err) return ErrorStatus(t.err, "topic '" + topic + "'");
    state.exists = true;
    state.partitions = static_cast<uint32_t>(t.partition_cnt);
  }
  return state;
}

Status CreateTopicWithAdmin(rd_kafka_t* rk, const std::string& topic, uint32_t partitions,
                            int replication, int timeout_ms) {
  std::string context = "cannot create topic '" + topic + "' with " + std::to_string(partitions) +
                        " partitions, replication factor " + std::to_string(replication);
  char errstr[kErrstrBytes];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), static_cast<int>(partitions),
                                                  replication, errstr, sizeof(errstr));
  if (nt == nullptr) return Status::Invalid(context + ": " + errstr);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof(errstr));
  rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof(errstr));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, opts, queue);
  // The request timeout bounds the reply; the margin only covers its delivery.
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, timeout_ms + kDeliveryMarginMs);
  Status s;
  if (ev == nullptr) {
    s = Status::Unavailable(context + ": no answer within " + std::to_string(timeout_ms) + " ms");
  } else if (rd_kafka_event_error(ev)) {
    s = ErrorStatus(rd_kafka_event_error(ev), context, rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      // Someone else created it meanwhile: the caller reads its count again.
      if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* text = rd_kafka_topic_result_error_string(results[i]);
        s = ErrorStatus(err, context, text ? text : "");
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  return s;
}

Status CheckCount(const std::string& topic, uint32_t has, uint32_t wanted) {
  if (has < 1 || has > kPartitionsMax) {
    return Status::Invalid("topic '" + topic + "' has " + std::to_string(has) +
                           " partitions; the ledger supports 1.." + std::to_string(kPartitionsMax));
  }
  if (wanted != 0 && has != wanted) {
    return Status::Invalid("topic '" + topic + "' has " + std::to_string(has) +
                           " partitions, not the " + std::to_string(wanted) +
                           " configured: subjects are placed by murmur2(subject) mod the count, "
                           "so the counts must agree");
  }
  return Status::Ok();
}

}  // namespace

Result<uint32_t> EnsureTopic(const std::string& bootstraps, const std::string& topic,
                             uint32_t partitions, const Config& extra,
                             const TopicOptions& options) {
  if (partitions > kPartitionsMax) {
    return Status::Invalid("partitions must be 0 (the topic's own) or 1.." +
                           std::to_string(kPartitionsMax));
  }
  if (options.timeout_ms <= 0) return Status::Invalid("EnsureTopic needs a timeout");
  // A producer handle: the Admin API and metadata need no consumer. It names no topic,
  // so that nothing asks the brokers for (and maybe auto-creates) the topic itself.
  auto conf = MakeConf(bootstraps, {{"allow.auto.create.topics", "false"}}, extra);
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf).value(), "admin client");
  if (!rk.ok()) return rk.status();

  auto state = DescribeTopic(rk->get(), bootstraps, topic, options.timeout_ms);
  if (!state.ok()) return state.status();
  if (!state->exists) {
    uint32_t count = partitions != 0 ? partitions : kPartitionsDefault;
    int replication = options.replication_factor != 0 ? options.replication_factor
                                                      : std::min(3, std::max(1, state->brokers));
    Status s = CreateTopicWithAdmin(rk->get(), topic, count, replication, options.timeout_ms);
    if (s.code() == Code::kUnavailable) {
      // librdkafka 2.0.2's mock cluster names no controller and has no CreateTopics, so
      // there the request can only time out "waiting for controller".
      return Status::Unavailable(s.message() +
                                 " (brokers without CreateTopics, such as librdkafka's mock "
                                 "cluster, cannot create it: create the topic beforehand, e.g. "
                                 "ledger-kafka-dev --topic --partitions)");
    }
    if (!s.ok()) return s;
    // Creation is asynchronous in Kafka: wait until the metadata shows the topic.
    auto deadline = Clock::now() + std::chrono::milliseconds(options.timeout_ms);
    do {
      state = DescribeTopic(rk->get(), bootstraps, topic, std::max(1, RemainingMs(deadline)));
      if (!state.ok()) return state.status();
      if (state->exists) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    } while (RemainingMs(deadline) > 0);
    if (!state->exists) {
      return Status::Unavailable("topic '" + topic + "' was created but its metadata did not " +
                                 "show it within " + std::to_string(options.timeout_ms) + " ms");
    }
  }
  Status s = CheckCount(topic, state->partitions, partitions);
  if (!s.ok()) return s;
  return state->partitions;
}

// --- Producer ---

namespace {

// One message's delivery report, written by OnDelivery.
struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  int32_t partition = -1;
  int64_t offset = -1;
};

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Open(const std::string& bootstraps,
                                                 const std::string& topic, const Config& extra) {
  Config defaults = {
      {"enable.idempotence", "true"},
      // A failure that could leave a gap in a partition raises a fatal error instead of
      // letting later messages through (KafkaLog then replaces the producer).
      {"enable.gapless.guarantee", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"linger.ms", std::to_string(kLingerMsDefault)},
      {"message.timeout.ms", std::to_string(kMessageTimeoutMsDefault)},
      {"allow.auto.create.topics", "false"},
  };
  auto conf = MakeConf(bootstraps, defaults, extra);
  if (!conf.ok()) return conf.status();
  if (ConfValue(conf->get(), "enable.idempotence") != "true") {
    return Status::Invalid("the ledger's producer must keep enable.idempotence=true");
  }
  std::unique_ptr<Producer> p(new Producer());
  p->topic_ = topic;
  p->message_timeout_ms_ = std::atoi(ConfValue(conf->get(), "message.timeout.ms").c_str());
  if (p->message_timeout_ms_ <= 0) {
    return Status::Invalid("message.timeout.ms must be bounded (> 0) for the ledger's producer");
  }
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), p.get());
  // librdkafka itself refuses acks other than all with idempotence.
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf).value(), "producer");
  if (!rk.ok()) return rk.status();
  p->rkt_ = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  if (p->rkt_ == nullptr) {
    return ErrorStatus(rd_kafka_last_error(), "cannot name topic '" + topic + "'");
  }
  p->rk_ = rk->release();
  return p;
}

Producer::~Producer() {
  // ProduceBatch never returns with messages outstanding, so there is nothing to flush.
  if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto* slot = static_cast<Delivery*>(message->_private);
  LEDGER_ASSERT(slot != nullptr && !slot->done);
  slot->done = true;
  slot->err = message->err;
  slot->partition = message->partition;
  slot->offset = message->offset;
  ++self->delivered_;
}

Status Producer::Enqueue(const Message& m, void* slot) {
  int32_t partition = m.partition ? static_cast<int32_t>(*m.partition) : RD_KAFKA_PARTITION_UA;
  for (int attempt = 0;; ++attempt) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
    for (const auto& [name, value] : m.headers) {
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(slot), RD_KAFKA_V_END);
    if (!err) return Status::Ok();  // librdkafka owns the headers now
    rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt >= kQueueFullRetriesMax) {
      return ErrorStatus(err, "cannot queue a message for topic '" + topic_ + "'");
    }
    rd_kafka_poll(rk_, kPollMs);
  }
}

Result<std::vector<int64_t>> Producer::ProduceBatch(std::span<const Message> messages) {
  if (messages.size() > kBatchMessagesMax) {
    return Status::Exhausted("a batch of " + std::to_string(messages.size()) +
                             " messages is over kBatchMessagesMax " +
                             std::to_string(kBatchMessagesMax));
  }
  std::lock_guard lock(mu_);
  if (Status fatal = Fatal(); !fatal.ok()) return fatal;
  std::vector<Delivery> slots(messages.size());
  delivered_ = 0;
  size_t queued = 0;
  Status not_queued;
  for (; queued < messages.size(); ++queued) {
    // A message that cannot be queued stops the batch: the later ones would land after a
    // gap in their partition.
    not_queued = Enqueue(messages[queued], &slots[queued]);
    if (!not_queued.ok()) break;
  }

  // librdkafka reports every message within message.timeout.ms (retries included).
  auto deadline = Clock::now() + std::chrono::milliseconds(message_timeout_ms_ + kDeliveryMarginMs);
  while (delivered_ < queued && Clock::now() < deadline) rd_kafka_poll(rk_, kPollMs);
  if (delivered_ < queued) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    auto purged = Clock::now() + std::chrono::milliseconds(kDeliveryMarginMs);
    while (delivered_ < queued && Clock::now() < purged) rd_kafka_poll(rk_, kPollMs);
  }
  // The slots live on this stack frame: librdkafka must be done with all of them.
  LEDGER_ASSERT(delivered_ == queued);

  std::vector<int64_t> offsets;
  std::vector<Violation> failed;
  std::optional<Status> first;
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string at = "/" + std::to_string(i);
    if (i >= queued) {
      failed.push_back({at, "not sent: " + not_queued.message()});
      if (!first) first = not_queued;
      continue;
    }
    const Delivery& d = slots[i];
    if (!d.err) {
      offsets.push_back(d.offset);
      continue;
    }
    Status s = ErrorStatus(
        d.err, "message " + std::to_string(i) + " (partition " + std::to_string(d.partition) + ")");
    failed.push_back({at, std::string(rd_kafka_err2name(d.err)) + ": " + rd_kafka_err2str(d.err)});
    if (!first) first = std::move(s);
  }
  if (!first) return offsets;
  std::string msg = "produce to topic '" + topic_ + "': " + std::to_string(failed.size()) + " of " +
                    std::to_string(messages.size()) +
                    " messages failed; the first: " + first->message();
  if (Status fatal = Fatal(); !fatal.ok()) msg += "; " + fatal.message();
  return Status(first->code(), std::move(msg), std::move(failed));
}

Status Producer::Fatal() const {
  char errstr[kErrstrBytes];
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, errstr, sizeof(errstr));
  if (!err) return Status::Ok();
  return Status::IoError("the idempotent producer of topic '" + topic_ +
                         "' hit a fatal error and must be replaced: " + rd_kafka_err2name(err) +
                         ": " + errstr);
}

// --- Reader ---

namespace {

Fetched FetchedOf(const rd_kafka_message_t& m) {
  Fetched f;
  f.offset = m.offset;
  if (m.key != nullptr) f.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) f.value.assign(static_cast<const char*>(m.payload), m.len);
  f.headers = CopyHeaders(&m);
  return f;
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

}  // namespace

Result<std::unique_ptr<Reader>> Reader::Open(const std::string& bootstraps,
                                             const std::string& topic, const Config& extra) {
  Config defaults = {
      // rd_kafka_assign needs a group id (librdkafka 2.0.2 fails with _UNKNOWN_GROUP
      // otherwise); the group is never joined and nothing is committed to it.
      {"group.id", "sales-ledger-reader"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      // An offset the brokers no longer have is an error, never a silent jump.
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "true"},
      {"allow.auto.create.topics", "false"},
  };
  auto conf = MakeConf(bootstraps, defaults, extra);
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_CONSUMER, std::move(conf).value(), "reader");
  if (!rk.ok()) return rk.status();
  std::unique_ptr<Reader> r(new Reader());
  r->topic_ = topic;
  // Errors and the fetched records arrive on one queue, served by consumer_poll.
  rd_kafka_poll_set_consumer(rk->get());
  r->rk_ = rk->release();
  r->owner_ = std::shared_ptr<rd_kafka_t>(r->rk_, [](rd_kafka_t* rk) {
    rd_kafka_consumer_close(rk);  // no group: only stops the fetchers
    rd_kafka_destroy(rk);
  });
  return r;
}

Reader::~Reader() = default;

Status Reader::Assign(uint32_t partition, int64_t from) {
  position_.reset();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), static_cast<int32_t>(partition))->offset =
      from;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return ErrorStatus(err, "cannot assign " + TopicPartition(topic_, partition));
  position_ = {partition, from};
  return Status::Ok();
}

Result<std::vector<Fetched>> Reader::Read(uint32_t partition, int64_t from, size_t max,
                                          std::chrono::milliseconds timeout) {
  if (max < 1 || max > kReadMessagesMax || from < 0) {
    return Status::Invalid("Read takes 1.." + std::to_string(kReadMessagesMax) +
                           " records from an offset >= 0");
  }
  std::string tp = TopicPartition(topic_, partition);
  std::lock_guard lock(mu_);
  auto deadline = Clock::now() + timeout;
  auto marks = Watermarks(partition, timeout);
  if (!marks.ok()) return marks.status();
  if (from < marks->low) {
    return Status::NotFound("offset " + std::to_string(from) + " of " + tp +
                            " is below its low watermark " + std::to_string(marks->low) +
                            ": the brokers no longer keep it");
  }
  if (from > marks->high) {
    return Status::Invalid("offset " + std::to_string(from) + " of " + tp + " is beyond its end " +
                           std::to_string(marks->high));
  }
  std::vector<Fetched> out;
  if (from == marks->high) return out;
  int64_t target = std::min<int64_t>(marks->high, from + static_cast<int64_t>(max));
  if (position_ != std::pair{partition, from}) {
    if (Status s = Assign(partition, from); !s.ok()) return s;
  }

  int64_t next = from;
  while (next < target) {
    int left_ms = RemainingMs(deadline);
    if (left_ms == 0) break;
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(
        rd_kafka_consumer_poll(rk_, std::min(left_ms, kPollMs)));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Reached the end early (transaction markers take offsets but are not delivered);
      // an EOF from before `target` was written is old news.
      if (m->partition == static_cast<int32_t>(partition) && m->offset >= target) break;
      continue;
    }
    if (m->err) {
      if (IsRetriable(m->err)) continue;  // librdkafka retries these itself
      position_.reset();
      return ErrorStatus(m->err, "cannot read " + tp + " from offset " + std::to_string(next),
                         rd_kafka_message_errstr(m.get()));
    }
    if (m->partition != static_cast<int32_t>(partition) || m->offset < next) continue;
    out.push_back(FetchedOf(*m));
    next = m->offset + 1;
  }
  position_ = {partition, next};
  if (out.empty() && next < target) {
    return Status::Unavailable("no records of " + tp + " from offset " + std::to_string(from) +
                               " arrived within " + std::to_string(timeout.count()) +
                               " ms (its end is " + std::to_string(marks->high) + ")");
  }
  return out;
}

struct Reader::WatermarkQuery {
  uint32_t partition = 0;
  std::mutex mu;
  std::condition_variable answered;
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  WatermarkOffsets marks;
};

Result<WatermarkOffsets> Reader::Watermarks(uint32_t partition,
                                            std::chrono::milliseconds timeout) const {
  const std::string tp = TopicPartition(topic_, partition);
  std::shared_ptr<WatermarkQuery> query;
  {
    std::lock_guard lock(query_mu_);
    std::shared_ptr<WatermarkQuery>& last = queries_[partition];
    if (last != nullptr) {
      std::lock_guard qlock(last->mu);
      if (!last->done) query = last;  // join the one under way
    }
    if (query == nullptr) {
      query = std::make_shared<WatermarkQuery>();
      query->partition = partition;
      last = query;
      std::thread([owner = owner_, query, topic = topic_, partition, timeout] {
        WatermarkOffsets w;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            owner.get(), topic.c_str(), static_cast<int32_t>(partition), &w.low, &w.high,
            static_cast<int>(timeout.count()));
        std::lock_guard qlock(query->mu);
        query->err = err;
        query->marks = w;
        query->done = true;
        query->answered.notify_all();
      }).detach();
    }
  }
  std::unique_lock qlock(query->mu);
  if (!query->answered.wait_for(qlock, timeout, [&] { return query->done; })) {
    return Status::Unavailable("cannot read the watermarks of " + tp + " within " +
                               std::to_string(timeout.count()) + " ms: its leader does not answer");
  }
  if (query->err) {
    return ErrorStatus(query->err, "cannot read the watermarks of " + tp + " within " +
                                       std::to_string(timeout.count()) + " ms");
  }
  return query->marks;
}

// --- GroupConsumer ---

Result<std::unique_ptr<GroupConsumer>> GroupConsumer::Open(const std::string& bootstraps,
                                                           const std::string& topic,
                                                           const std::string& group,
                                                           OnAssign on_assign, OnRevoke on_revoke,
                                                           const Config& extra) {
  if (group.empty()) return Status::Invalid("a consumer group needs a name");
  Config defaults = {
      {"group.id", group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "error"},
      {"isolation.level", "read_committed"},
      {"partition.assignment.strategy", "roundrobin"},
      {"enable.partition.eof", "false"},
      {"allow.auto.create.topics", "false"},
  };
  auto conf = MakeConf(bootstraps, defaults, extra);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<GroupConsumer> c(new GroupConsumer());
  c->topic_ = topic;
  c->on_assign_ = std::move(on_assign);
  c->on_revoke_ = std::move(on_revoke);
  rd_kafka_conf_set_rebalance_cb(conf->get(), &GroupConsumer::OnRebalance);
  rd_kafka_conf_set_opaque(conf->get(), c.get());
  auto rk = NewHandle(RD_KAFKA_CONSUMER, std::move(conf).value(), "group consumer");
  if (!rk.ok()) return rk.status();
  c->rk_ = rk->release();
  rd_kafka_poll_set_consumer(c->rk_);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return ErrorStatus(err, "cannot subscribe group '" + group + "' to '" + topic + "'");
  return c;
}

GroupConsumer::~GroupConsumer() { Close(); }

void GroupConsumer::Close() {
  if (rk_ == nullptr) return;
  rd_kafka_consumer_close(rk_);  // leaves the group; the rebalance callback revokes
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  assigned_.clear();
}

void GroupConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  std::vector<uint32_t> named;
  for (int i = 0; i < partitions->cnt; ++i)
    named.push_back(static_cast<uint32_t>(partitions->elems[i].partition));
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto offsets = self->on_assign_(named);
    if (!offsets.ok() || offsets->size() != named.size()) {
      self->assign_error_ =
          offsets.ok() ? Status::Internal("on_assign named too few offsets") : offsets.status();
      rd_kafka_assign(rk, nullptr);
      self->assigned_.clear();
      return;
    }
    for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = (*offsets)[i];
    rd_kafka_assign(rk, partitions);
    self->assigned_ = std::move(named);
    std::sort(self->assigned_.begin(), self->assigned_.end());
    return;
  }
  // Revoked (or an error): stop reading everything before the others take over.
  self->on_revoke_(named);
  rd_kafka_assign(rk, nullptr);
  self->assigned_.clear();
}

Result<std::map<uint32_t, std::vector<Fetched>>> GroupConsumer::Poll(
    std::chrono::milliseconds timeout, size_t max) {
  std::map<uint32_t, std::vector<Fetched>> out;
  if (rk_ == nullptr) return Status::Unavailable("the group consumer is closed");
  size_t taken = 0;
  int wait_ms = static_cast<int>(timeout.count());
  while (taken < max) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(rk_, wait_ms));
    wait_ms = 0;  // only the first wait blocks
    if (!assign_error_.ok()) {
      Status s = std::exchange(assign_error_, Status::Ok());
      return s;
    }
    if (m == nullptr) break;
    if (m->err) {
      if (IsRetriable(m->err) || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      return ErrorStatus(m->err, "group consumer of '" + topic_ + "'",
                         rd_kafka_message_errstr(m.get()));
    }
    out[static_cast<uint32_t>(m->partition)].push_back(FetchedOf(*m));
    ++taken;
  }
  return out;
}

int64_t GroupConsumer::CachedEnd(uint32_t partition) const {
  int64_t low = -1, high = -1;
  if (rk_ == nullptr) return -1;
  if (rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), static_cast<int32_t>(partition), &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return -1;
  return high;
}

}  // namespace ledger::kafka
