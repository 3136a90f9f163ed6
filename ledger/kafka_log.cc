#include "ledger/kafka_log.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "ledger/event.h"
#include "ledger/partition.h"

namespace ledger {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kErrstrBytes = 512;

std::string Where(uint32_t partition, int64_t offset) {
  return "partition " + std::to_string(partition) + " ledgerseq " + std::to_string(offset);
}

// The value of the one header named `name`; nullopt when absent, an error when repeated.
Result<std::optional<std::string>> OneHeader(const kafka::Headers& headers, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [k, v] : headers) {
    if (k != name) continue;
    if (found) return Status::Corruption("header " + std::string(name) + " appears twice");
    found = v;
  }
  return found;
}

Status CheckCeHeader(const kafka::Headers& headers, std::string_view name,
                     std::string_view expected) {
  auto value = OneHeader(headers, name);
  if (!value.ok()) return value.status();
  if (!*value) return Status::Corruption("header " + std::string(name) + " is missing");
  if (**value != expected) {
    return Status::Corruption("header " + std::string(name) + " '" + **value +
                              "' disagrees with the event's '" + std::string(expected) + "'");
  }
  return Status::Ok();
}

Result<SignedRecord> FromKafka(uint32_t partition, int64_t offset, std::string_view key,
                               std::string_view value, const kafka::Headers& headers) {
  SignedRecord r;
  r.partition = partition;
  r.ledgerseq = static_cast<uint64_t>(offset);
  auto sig = OneHeader(headers, "ledgersig");
  if (!sig.ok()) return sig.status();
  if (!*sig) return Status::Corruption("header ledgersig is missing");
  auto sig_bytes = FromBase64(**sig);
  if (!sig_bytes || sig_bytes->size() != r.signature.size()) {
    return Status::Corruption("header ledgersig must be base64 of 64 bytes");
  }
  std::memcpy(r.signature.data(), sig_bytes->data(), r.signature.size());
  auto kid = OneHeader(headers, "ledgerkid");
  if (!kid.ok()) return kid.status();
  if (!*kid) return Status::Corruption("header ledgerkid is missing");
  if ((*kid)->size() != 8 || (*kid)->find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::Corruption("header ledgerkid must be 8 lower-case hex digits");
  }
  r.kid = static_cast<KeyId>(std::stoul(**kid, nullptr, 16));
  auto event = ParseEvent(value);
  if (!event.ok()) return Status::Corruption(event.status().message());
  if (key != event->subject) {
    return Status::Corruption("the message key '" + std::string(key) +
                              "' is not the event's subject '" + event->subject + "'");
  }
  const std::pair<std::string_view, std::string_view> ce[] = {
      {"ce_id", event->id},     {"ce_type", event->type},     {"ce_subject", event->subject},
      {"ce_time", event->time}, {"ce_source", event->source}, {"ce_specversion", kSpecVersion},
  };
  for (const auto& [name, expected] : ce) {
    if (Status s = CheckCeHeader(headers, name, expected); !s.ok()) return s;
  }
  r.event.assign(value);
  return r;
}

// The partition count of `topic` from the metadata of all topics, or kNotFound. Naming
// the topic in the request would make brokers that speak only Metadata v0-v3 (the mock
// cluster) create it.
Result<uint32_t> TopicPartitions(const KafkaLogOptions& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  kafka::Config all = {{"bootstrap.servers", o.brokers}, {"allow.auto.create.topics", "false"}};
  for (const auto& [k, v] : o.config.settings()) all.Set(k, v);
  if (Status s = all.ApplyTo(conf); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  char errstr[kErrstrBytes];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Invalid(std::string("cannot create the Kafka metadata client: ") + errstr);
  }
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, o.timeout_ms);
  Result<uint32_t> result =
      Status::NotFound("topic '" + o.topic + "' does not exist on " + o.brokers +
                       " (it is not created here: create it with the ledger's partition count)");
  if (err) {
    result = kafka::ErrorStatus(err, "cannot read the metadata of " + o.brokers + " within " +
                                         std::to_string(o.timeout_ms) + " ms");
  } else {
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (o.topic != t.topic) continue;
      if (t.err) {
        result = kafka::ErrorStatus(t.err, "topic '" + o.topic + "'");
      } else {
        result = static_cast<uint32_t>(t.partition_cnt);
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_destroy(rk);
  return result;
}

}  // namespace

Result<kafka::Message> KafkaMessageOf(const SignedRecord& record) {
  auto event = ParseEvent(record.event);
  if (!event.ok()) {
    return Status::Corruption(Where(record.partition, static_cast<int64_t>(record.ledgerseq)) +
                              ": " + event.status().message());
  }
  kafka::Message m;
  m.partition = record.partition;
  m.key = event->subject;
  m.value = record.event;
  m.headers = {
      {"ledgersig", Base64(record.signature)},
      {"ledgerkid", KidHex(record.kid)},
      {"ce_id", event->id},
      {"ce_type", event->type},
      {"ce_subject", event->subject},
      {"ce_time", event->time},
      {"ce_source", event->source},
      {"ce_specversion", std::string(kSpecVersion)},
  };
  return m;
}

Result<SignedRecord> SignedRecordFromKafka(uint32_t partition, int64_t offset, std::string_view key,
                                           std::string_view value, const kafka::Headers& headers) {
  auto r = FromKafka(partition, offset, key, value, headers);
  if (!r.ok()) return Status::Corruption(Where(partition, offset) + ": " + r.status().message());
  return r;
}

Result<std::unique_ptr<KafkaLog>> KafkaLog::Open(const KafkaLogOptions& options) {
  if (options.brokers.empty()) return Status::Invalid("the Kafka log needs bootstrap servers");
  if (options.topic.empty()) return Status::Invalid("the Kafka log needs a topic");
  if (options.timeout_ms <= 0) return Status::Invalid("the Kafka log needs a timeout");
  if (options.partitions > kPartitionsMax) {
    return Status::Invalid("partitions must be 0 (the topic's own) or 1.." +
                           std::to_string(kPartitionsMax));
  }
  auto count = TopicPartitions(options);
  if (!count.ok()) return count.status();
  if (*count < 1 || *count > kPartitionsMax) {
    return Status::Invalid("topic '" + options.topic + "' has " + std::to_string(*count) +
                           " partitions; the ledger supports 1.." + std::to_string(kPartitionsMax));
  }
  if (options.partitions != 0 && *count != options.partitions) {
    return Status::Invalid("topic '" + options.topic + "' has " + std::to_string(*count) +
                           " partitions, not the " + std::to_string(options.partitions) +
                           " asked for: subjects are placed by murmur2(subject) mod the count");
  }
  auto reader = kafka::Reader::Open(options.brokers, options.topic, options.config);
  if (!reader.ok()) return reader.status();
  std::unique_ptr<KafkaLog> log(new KafkaLog());
  log->reader_ = std::move(reader).value();
  log->topic_ = options.topic;
  log->partitions_ = *count;
  log->timeout_ = std::chrono::milliseconds(options.timeout_ms);
  log->ends_ = std::make_unique<std::atomic<uint64_t>[]>(*count);
  if (Status s = log->RefreshEnds(); !s.ok()) return s;
  return log;
}

Status KafkaLog::Append(std::span<const SignedRecord>, std::span<const StateWrite>) {
  return Status::Unavailable(
      "this version opens the Kafka log read-only; appending to Kafka is issue 4's next step");
}

Result<std::optional<std::string>> KafkaLog::GetState(StateTable, const std::string&) const {
  return Status::Unavailable("the Kafka log is opened read-only");
}

uint64_t KafkaLog::End(uint32_t partition) const {
  LEDGER_ASSERT(partition < partitions_);
  return ends_[partition].load();
}

Status KafkaLog::RefreshEnd(uint32_t partition, std::chrono::milliseconds timeout) const {
  auto marks = reader_->Watermarks(partition, timeout);
  if (!marks.ok()) return marks.status();
  ends_[partition].store(static_cast<uint64_t>(std::max<int64_t>(0, marks->high)));
  return Status::Ok();
}

Status KafkaLog::RefreshEnds() const {
  for (uint32_t p = 0; p < partitions_; ++p) {
    if (Status s = RefreshEnd(p, timeout_); !s.ok()) return s;
  }
  return Status::Ok();
}

Status KafkaLog::Read(uint32_t partition, uint64_t from, size_t max,
                      std::vector<StoredRecord>* out) const {
  LEDGER_ASSERT(partition < partitions_);
  out->clear();
  const uint64_t end = End(partition);
  if (from >= end || max == 0) return Status::Ok();
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>({end - from, max, kafka::kReadMessagesMax}));
  auto fetched = reader_->Read(partition, static_cast<int64_t>(from), want, timeout_);
  if (!fetched.ok()) return fetched.status();
  for (const kafka::Fetched& f : *fetched) {
    auto record = SignedRecordFromKafka(partition, f.offset, f.key, f.value, f.headers);
    if (!record.ok()) {
      // Hand over the good records first, so that an earlier broken link is reported
      // first; the next Read starts at this message and fails with its reason.
      if (!out->empty()) return Status::Ok();
      out->clear();
      return record.status();
    }
    out->push_back({partition, record->ledgerseq, EncodeRecordValue(*record)});
  }
  return Status::Ok();
}

bool KafkaLog::WaitBeyond(uint32_t partition, uint64_t seq,
                          std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (End(partition) > seq) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    // A failed refresh keeps the old end; the loop retries until the deadline.
    (void)RefreshEnd(partition, std::max(std::chrono::milliseconds(1), std::min(left, timeout_)));
    if (End(partition) > seq) return true;
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(kWaitPollMs)));
  }
}

}  // namespace ledger
