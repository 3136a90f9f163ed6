#include "ledger/kafka_log.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <thread>

#include "ledger/embedded_log.h"
#include "ledger/event.h"
#include "ledger/partition.h"
#include "ledger/rocks_memory.h"

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

// The writer's state beside a Kafka topic: RocksDB with column families
//   default  "format", "topic", "partitions", and "end/P" -> "END HEXLEAF" (how far the
//            state reaches in partition P and the leaf hash of the record before END)
//   streams  subject -> stream head (writer.cc)
//   ids      event id -> idempotency entry (writer.cc)
//   merkle, checkpoints  each partition's Merkle tree and signed checkpoints (tree_store.h)
// Writes need no fsync: the topic is the truth and anything lost is folded in again.
class KafkaLog::StateDb {
 public:
  struct Reach {
    uint64_t end = 0;
    Hash last{};
  };

  static Result<std::unique_ptr<StateDb>> Open(const std::filesystem::path& dir,
                                               const std::string& topic, uint32_t partitions) {
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.max_background_jobs = 2;
    UseRocksMemory(db_options);
    rocksdb::ColumnFamilyOptions cf;
    UseRocksMemory(cf);
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, cf},
        {"streams", cf},
        {"ids", cf},
        {"merkle", cf},
        {"checkpoints", cf},
    };
    std::unique_ptr<StateDb> db(new StateDb());
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(db_options, dir.string(), cfs, &db->cfs_, &raw);
    if (!s.ok()) return FromRocks(s, "cannot open the writer state at " + dir.string());
    db->db_.reset(raw);
    db->reach_.resize(partitions);
    std::string format, stored_topic, stored_partitions;
    rocksdb::Status fs = raw->Get(rocksdb::ReadOptions(), kStateFormatKey, &format);
    if (fs.IsNotFound()) {
      rocksdb::WriteBatch batch;
      batch.Put(kStateFormatKey, kStateFormat);
      batch.Put("topic", topic);
      batch.Put("partitions", std::to_string(partitions));
      rocksdb::WriteOptions wo;
      wo.sync = true;
      if (Status st = FromRocks(raw->Write(wo, &batch), "cannot initialize the writer state");
          !st.ok())
        return st;
      return db;
    }
    if (!fs.ok()) return FromRocks(fs, "cannot read the writer state");
    if (format != kStateFormat) {
      return Status::Corruption("the writer state at " + dir.string() + " has format '" + format +
                                "', not " + kStateFormat);
    }
    (void)raw->Get(rocksdb::ReadOptions(), "topic", &stored_topic);
    (void)raw->Get(rocksdb::ReadOptions(), "partitions", &stored_partitions);
    if (stored_topic != topic || stored_partitions != std::to_string(partitions)) {
      return Status::Invalid("the writer state at " + dir.string() + " belongs to topic '" +
                             stored_topic + "' with " + stored_partitions +
                             " partitions, not to '" + topic + "' with " +
                             std::to_string(partitions));
    }
    for (uint32_t p = 0; p < partitions; ++p) {
      std::string value;
      rocksdb::Status gs = raw->Get(rocksdb::ReadOptions(), EndKey(p), &value);
      if (gs.IsNotFound()) continue;
      if (!gs.ok()) return FromRocks(gs, "cannot read the writer state");
      auto reach = DecodeReach(value);
      if (!reach) return Status::Corruption("the writer state's " + EndKey(p) + " is corrupt");
      db->reach_[p] = *reach;
    }
    return db;
  }

  Reach reach(uint32_t partition) const {
    std::lock_guard lock(mu_);
    return reach_[partition];
  }

  Result<std::optional<std::string>> Get(StateTable table, const std::string& key) const {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Cf(table), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "cannot read the writer state");
    return std::optional<std::string>(std::move(value));
  }

  Result<std::optional<StateEntry>> Floor(StateTable table, const std::string& prefix,
                                          const std::string& key) const {
    return FloorEntry(*db_, Cf(table), prefix, key);
  }

  // The state and the new reach of the partitions named, in one batch.
  Status Write(std::span<const StateWrite> state,
               const std::vector<std::pair<uint32_t, Reach>>& reach) {
    rocksdb::WriteBatch batch;
    for (const StateWrite& w : state) batch.Put(Cf(w.table), w.key, w.value);
    for (const auto& [p, r] : reach)
      batch.Put(EndKey(p), std::to_string(r.end) + " " + Hex(r.last));
    if (Status s =
            FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "cannot write the writer state");
        !s.ok())
      return s;
    std::lock_guard lock(mu_);
    for (const auto& [p, r] : reach) reach_[p] = r;
    return Status::Ok();
  }

  uint64_t Bytes() const { return RocksDbBytes(*db_, cfs_); }

  ~StateDb() {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
  }

 private:
  static constexpr const char* kStateFormatKey = "format";
  static constexpr const char* kStateFormat = "sales-ledger-kafka-state/1";

  StateDb() = default;
  static Status FromRocks(const rocksdb::Status& s, const std::string& what) {
    if (s.ok()) return Status::Ok();
    return s.IsCorruption() ? Status::Corruption(what + ": " + s.ToString())
                            : Status::IoError(what + ": " + s.ToString());
  }
  static std::string EndKey(uint32_t p) { return "end/" + std::to_string(p); }
  static std::optional<Reach> DecodeReach(const std::string& value) {
    size_t space = value.find(' ');
    if (space == std::string::npos) return std::nullopt;
    Reach r;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + space, r.end);
    if (ec != std::errc() || ptr != value.data() + space) return std::nullopt;
    auto last = HashFromHex(std::string_view(value).substr(space + 1));
    if (!last) return std::nullopt;
    r.last = *last;
    return r;
  }
  rocksdb::ColumnFamilyHandle* Cf(StateTable table) const {
    return cfs_[1 + static_cast<size_t>(table)];
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  mutable std::mutex mu_;
  std::vector<Reach> reach_;
};

Result<std::unique_ptr<KafkaLog>> KafkaLog::Open(const KafkaLogOptions& options) {
  if (options.brokers.empty()) return Status::Invalid("the Kafka log needs bootstrap servers");
  if (options.topic.empty()) return Status::Invalid("the Kafka log needs a topic");
  if (options.timeout_ms <= 0) return Status::Invalid("the Kafka log needs a timeout");
  if (options.partitions > kPartitionsMax) {
    return Status::Invalid("partitions must be 0 (the topic's own) or 1.." +
                           std::to_string(kPartitionsMax));
  }
  const bool writable = !options.state_dir.empty();
  if (writable) {
    // Creates a missing topic; refuses another partition count.
    auto ensured = kafka::EnsureTopic(options.brokers, options.topic, options.partitions,
                                      options.config, {.timeout_ms = options.timeout_ms});
    if (!ensured.ok()) return ensured.status();
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
  log->options_ = options;
  log->meta_reader_ = std::move(reader).value();
  log->topic_ = options.topic;
  log->partitions_ = *count;
  log->timeout_ = std::chrono::milliseconds(options.timeout_ms);
  log->ends_ = std::make_unique<std::atomic<uint64_t>[]>(*count);
  log->readers_.resize(*count);
  if (Status s = log->RefreshEnds(); !s.ok()) return s;
  if (writable) {
    auto state = StateDb::Open(options.state_dir, options.topic, *count);
    if (!state.ok()) return state.status();
    log->state_ = std::move(state).value();
    if (Status s = log->CheckState(); !s.ok()) return s;
    auto producer = kafka::Producer::Open(options.brokers, options.topic, options.config);
    if (!producer.ok()) return producer.status();
    log->producer_ = std::move(producer).value();
  }
  return log;
}

KafkaLog::~KafkaLog() = default;

Status KafkaLog::CheckState() {
  const std::string fix =
      ": move " + options_.state_dir.string() + " away to rebuild the writer state from the topic";
  for (uint32_t p = 0; p < partitions_; ++p) {
    const StateDb::Reach reach = state_->reach(p);
    if (reach.end == 0) continue;
    if (reach.end > End(p)) {
      return Status::Corruption("partition " + std::to_string(p) + " of topic '" + topic_ +
                                "' ends at " + std::to_string(End(p)) +
                                " but the writer state reaches " + std::to_string(reach.end) +
                                " (was the topic deleted and created again?)" + fix);
    }
    auto before = ReadRecords(*this, p, reach.end - 1, 1);
    if (!before.ok()) return before.status();
    if (before->size() != 1 || before->front().leaf_hash() != reach.last) {
      return Status::Corruption(Where(p, static_cast<int64_t>(reach.end - 1)) +
                                " is not the record the writer state follows" + fix);
    }
  }
  return Status::Ok();
}

Status KafkaLog::Append(std::span<const SignedRecord> records, std::span<const StateWrite> state) {
  if (!state_) return Status::Unavailable("the Kafka log is opened read-only");
  if (!ends_known_)
    return Status::Unavailable("the ends of topic '" + topic_ +
                               "' are unknown since a failed append");
  if (records.size() > kafka::kBatchMessagesMax) {
    return Status::Invalid("at most " + std::to_string(kafka::kBatchMessagesMax) +
                           " records per append");
  }
  std::vector<uint64_t> next(partitions_);
  for (uint32_t p = 0; p < partitions_; ++p) next[p] = End(p);
  std::vector<kafka::Message> messages;
  messages.reserve(records.size());
  for (const SignedRecord& r : records) {
    if (r.partition >= partitions_ || r.ledgerseq != next[r.partition]) {
      return Status::Invalid(Where(r.partition, static_cast<int64_t>(r.ledgerseq)) +
                             " does not continue its partition");
    }
    ++next[r.partition];
    auto message = KafkaMessageOf(r);
    if (!message.ok()) return message.status();
    messages.push_back(std::move(message).value());
  }
  auto offsets = producer_->ProduceBatch(messages);
  if (!offsets.ok()) return Failed(offsets.status());
  for (size_t i = 0; i < records.size(); ++i) {
    if ((*offsets)[i] != static_cast<int64_t>(records[i].ledgerseq)) {
      return Failed(Status::Corruption(
          Where(records[i].partition, static_cast<int64_t>(records[i].ledgerseq)) +
          " was written at offset " + std::to_string((*offsets)[i]) +
          ": something else writes to topic '" + topic_ + "', or the brokers wrote a retry twice"));
    }
  }
  std::vector<std::pair<uint32_t, StateDb::Reach>> reach;
  for (const SignedRecord& r : records) {
    if (r.ledgerseq + 1 != next[r.partition]) continue;  // not the partition's last
    reach.push_back({r.partition, {r.ledgerseq + 1, r.leaf_hash()}});
  }
  {
    std::lock_guard lock(ends_mu_);
    for (uint32_t p = 0; p < partitions_; ++p) ends_[p].store(next[p]);
  }
  appended_.notify_all();
  // The events are in Kafka; a failure here only leaves the state behind (kUnavailable,
  // and the writer's Recover folds them in).
  return state_->Write(state, reach);
}

Status KafkaLog::Failed(Status cause) {
  ends_known_ = false;
  (void)Sync();  // often succeeds at once; otherwise the writer calls it again
  return Status::Unavailable("topic '" + topic_ + "' did not take the append: " + cause.message());
}

Status KafkaLog::Sync() {
  if (!state_) return RefreshEnds();
  if (!producer_->Fatal().ok()) {
    // A fatal idempotent producer (e.g. a gap it could not rule out) takes nothing more.
    auto producer = kafka::Producer::Open(options_.brokers, options_.topic, options_.config);
    if (!producer.ok()) return producer.status();
    producer_ = std::move(producer).value();
  }
  if (Status s = RefreshEnds(); !s.ok()) return s;
  ends_known_ = true;
  return Status::Ok();
}

uint64_t KafkaLog::StateEnd(uint32_t partition) const {
  LEDGER_ASSERT(partition < partitions_);
  return state_ ? state_->reach(partition).end : End(partition);
}

Status KafkaLog::PutState(std::span<const StateWrite> state, std::span<const uint64_t> state_ends) {
  if (!state_) return Status::Unavailable("the Kafka log is opened read-only");
  LEDGER_ASSERT(state_ends.size() == partitions_);
  std::vector<std::pair<uint32_t, StateDb::Reach>> reach;
  for (uint32_t p = 0; p < partitions_; ++p) {
    if (state_ends[p] == state_->reach(p).end) continue;
    if (state_ends[p] == 0 || state_ends[p] > End(p))
      return Status::Invalid("PutState beyond the end of partition " + std::to_string(p));
    auto before = ReadRecords(*this, p, state_ends[p] - 1, 1);
    if (!before.ok()) return before.status();
    if (before->size() != 1) return Status::Corruption(Where(p, state_ends[p] - 1) + " is missing");
    reach.push_back({p, {state_ends[p], before->front().leaf_hash()}});
  }
  return state_->Write(state, reach);
}

Result<std::optional<std::string>> KafkaLog::GetState(StateTable table,
                                                      const std::string& key) const {
  if (!state_) return Status::Unavailable("the Kafka log is opened read-only");
  return state_->Get(table, key);
}

Result<std::optional<StateEntry>> KafkaLog::FloorState(StateTable table, const std::string& prefix,
                                                       const std::string& key) const {
  if (!state_) return Status::Unavailable("the Kafka log is opened read-only");
  return state_->Floor(table, prefix, key);
}

Status KafkaLog::KeepState(std::span<const StateWrite> state) {
  if (!state_) return Status::Unavailable("the Kafka log is opened read-only");
  return state_->Write(state, {});
}

uint64_t KafkaLog::ApproximateBytes() const { return state_ ? state_->Bytes() : 0; }

uint64_t KafkaLog::End(uint32_t partition) const {
  LEDGER_ASSERT(partition < partitions_);
  return ends_[partition].load();
}

Status KafkaLog::RefreshEnd(uint32_t partition, std::chrono::milliseconds timeout) const {
  auto marks = meta_reader_->Watermarks(partition, timeout);
  if (!marks.ok()) return marks.status();
  {
    std::lock_guard lock(ends_mu_);
    ends_[partition].store(static_cast<uint64_t>(std::max<int64_t>(0, marks->high)));
  }
  appended_.notify_all();
  return Status::Ok();
}

Status KafkaLog::RefreshEnds() const {
  for (uint32_t p = 0; p < partitions_; ++p) {
    if (Status s = RefreshEnd(p, timeout_); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<kafka::Reader*> KafkaLog::ReaderOf(uint32_t partition) const {
  std::lock_guard lock(readers_mu_);
  if (!readers_[partition]) {
    auto reader = kafka::Reader::Open(options_.brokers, options_.topic, options_.config);
    if (!reader.ok()) return reader.status();
    readers_[partition] = std::move(reader).value();
  }
  return readers_[partition].get();
}

Status KafkaLog::Read(uint32_t partition, uint64_t from, size_t max,
                      std::vector<StoredRecord>* out) const {
  LEDGER_ASSERT(partition < partitions_);
  out->clear();
  const uint64_t end = End(partition);
  if (from >= end || max == 0) return Status::Ok();
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>({end - from, max, kafka::kReadMessagesMax}));
  auto reader = ReaderOf(partition);
  if (!reader.ok()) return reader.status();
  auto fetched = (*reader)->Read(partition, static_cast<int64_t>(from), want, timeout_);
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
    const auto nap = std::min(left, std::chrono::milliseconds(kWaitPollMs));
    if (state_) {
      // This process is the topic's one writer: its Appends move the ends.
      std::unique_lock lock(ends_mu_);
      appended_.wait_for(lock, nap, [&] { return End(partition) > seq; });
      continue;
    }
    // A failed refresh keeps the old end; the loop retries until the deadline.
    (void)RefreshEnd(partition, std::max(std::chrono::milliseconds(1), std::min(left, timeout_)));
    if (End(partition) > seq) return true;
    std::this_thread::sleep_for(nap);
  }
}

}  // namespace ledger
