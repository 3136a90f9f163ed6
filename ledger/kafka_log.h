// The Kafka event log: a topic holding only the ledger's records, as an EventLog, so
// that the writer, projectors, replay and VerifyLog work on it unchanged.
//
// The record format (docs/FORMAT.md, ARCHITECTURE.md "Kafka record"): partition = the
// record's partition, key = the event's subject, value = the canonical event bytes,
// headers ledgersig (base64 Ed25519 signature), ledgerkid (8 hex digits, as the feed
// writes it) and the CloudEvents binary-mode copies ce_id, ce_type, ce_subject, ce_time,
// ce_source, ce_specversion.
//
// ledgerseq == Kafka offset: the topic holds nothing but the ledger's records, written by
// one idempotent producer per partition. A record whose event says another ledgerseq
// than its offset is a verification failure, not something this file papers over.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ledger/event_log.h"
#include "ledger/kafka.h"

namespace ledger {

inline constexpr std::string_view kKafkaTopicDefault = "sales-ledger";
inline constexpr int kWaitPollMs = 20;  // WaitBeyond's watermark polling interval

// The Kafka message of a record. Fails (kCorruption) only when the record's event bytes
// do not parse, since the key and ce_* headers come from the event.
Result<kafka::Message> KafkaMessageOf(const SignedRecord& record);

// The record a message read at (partition, offset) carries; ledgerseq = offset. Refuses
// (kCorruption, naming the partition and offset) a missing, repeated or invalid
// ledgersig or ledgerkid, event bytes that are not a canonical event, a key other than
// the event's subject, and any ce_* header missing or disagreeing with the event.
Result<SignedRecord> SignedRecordFromKafka(uint32_t partition, int64_t offset, std::string_view key,
                                           std::string_view value, const kafka::Headers& headers);

struct KafkaLogOptions {
  std::string brokers;  // bootstrap.servers, "HOST:PORT,..."
  std::string topic = std::string(kKafkaTopicDefault);
  kafka::Config config;     // librdkafka settings, applied after the clients' defaults
  uint32_t partitions = 0;  // 0 = the topic's own count; otherwise it must match
  int timeout_ms = kafka::kMetadataTimeoutMsDefault;  // metadata, watermarks, each fetch
  // The writer's state database (stream heads, decision state, idempotency index and
  // how far they reach). Empty: the log is read-only (Append, GetState: kUnavailable).
  // Otherwise the topic is created if missing (Admin API, `partitions` or the default)
  // and a producer is opened: one writer per topic.
  std::filesystem::path state_dir;
};

// The ledger's topic as an EventLog.
//
// Reading: End(p) is the high watermark as of Open or the last RefreshEnds/WaitBeyond
// (or this log's own last Append), kept in memory so End is free; Read serves records
// only up to that cached end, so a walk such as VerifyLog sees the topic as of one
// moment and its final End check agrees with what it read. Each partition is read by
// its own consumer (assigned, never in a group), so projector threads do not contend.
//
// Writing (with state_dir): Append produces the records with the idempotent producer
// (enable.gapless.guarantee=true, so a failure that could leave a gap stops the producer
// instead) and returns only when every delivery report is in and each record sits at
// the offset equal to its ledgerseq. Then it writes the writer state and, per partition,
// how far that state reaches (StateEnd) to the state database in one batch. A crash
// between the two leaves the state behind the topic, never ahead; the writer folds the
// missing records in at start (Writer::CatchUp). A failed delivery fails the Append
// (kUnavailable) and marks the ends unknown: Appends are refused until Sync() has read
// them from the brokers again (and replaced a producer that hit a fatal error).
//
// Open checks that the state belongs to this topic: same topic name and partition
// count, no partition shorter than the state remembers, and the record before each
// StateEnd has the leaf hash the state remembers (a topic deleted and created again,
// or another cluster, is refused rather than continued with forked chains).
class KafkaLog final : public EventLog {
 public:
  // Reads the cluster's metadata of all topics (naming no topic, so that brokers which
  // auto-create topics on Metadata requests, like librdkafka's mock cluster, do not
  // create it): a missing topic is kNotFound and stays missing when read-only; another
  // partition count than options.partitions is kInvalidArgument. Then reads every
  // partition's end.
  static Result<std::unique_ptr<KafkaLog>> Open(const KafkaLogOptions& options);
  ~KafkaLog() override;

  uint32_t partitions() const override { return partitions_; }
  Status Append(std::span<const SignedRecord> records, std::span<const StateWrite> state) override;
  uint64_t End(uint32_t partition) const override;
  // A message that is not a valid ledger record ends the records returned before it;
  // a Read starting at it is kCorruption "partition P ledgerseq S: reason".
  Status Read(uint32_t partition, uint64_t from, size_t max,
              std::vector<StoredRecord>* out) const override;
  // Waits for this log's own appends; when read-only (another process writes), also
  // polls the partition's high watermark every kWaitPollMs.
  bool WaitBeyond(uint32_t partition, uint64_t seq,
                  std::chrono::milliseconds timeout) const override;
  // The state database's size; the topic's bytes are the brokers' business.
  uint64_t ApproximateBytes() const override;
  Result<std::optional<std::string>> GetState(StateTable table,
                                              const std::string& key) const override;
  Result<std::optional<StateEntry>> FloorState(StateTable table, const std::string& prefix,
                                               const std::string& key) const override;
  Status KeepState(std::span<const StateWrite> state) override;
  Status Sync() override;
  uint64_t StateEnd(uint32_t partition) const override;
  Status PutState(std::span<const StateWrite> state, std::span<const uint64_t> state_ends) override;

  // Reads every partition's high watermark again (one ListOffsets round trip each).
  Status RefreshEnds() const;

  const std::string& topic() const { return topic_; }

 private:
  class StateDb;
  KafkaLog() = default;
  Status RefreshEnd(uint32_t partition, std::chrono::milliseconds timeout) const;
  Result<kafka::Reader*> ReaderOf(uint32_t partition) const;
  Status CheckState();
  Status Failed(Status cause);

  KafkaLogOptions options_;
  std::string topic_;
  uint32_t partitions_ = 0;
  std::chrono::milliseconds timeout_{kafka::kMetadataTimeoutMsDefault};
  std::unique_ptr<kafka::Reader> meta_reader_;  // watermarks
  mutable std::mutex readers_mu_;
  mutable std::vector<std::unique_ptr<kafka::Reader>> readers_;  // one per partition, lazily
  std::unique_ptr<std::atomic<uint64_t>[]> ends_;                // cached high watermarks
  mutable std::mutex ends_mu_;
  mutable std::condition_variable appended_;

  // Writing.
  std::unique_ptr<StateDb> state_;
  std::unique_ptr<kafka::Producer> producer_;
  bool ends_known_ = true;  // false after a failed Append until Sync
};

}  // namespace ledger
