// The Kafka event log, reading half: a topic holding only the ledger's records, read as
// an EventLog so that VerifyLog (and later projectors) work on it unchanged.
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
#include <memory>
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
  kafka::Config config;     // librdkafka settings, applied after the reader's defaults
  uint32_t partitions = 0;  // 0 = the topic's own count; otherwise it must match
  int timeout_ms = kafka::kMetadataTimeoutMsDefault;  // metadata, watermarks, each fetch
};

// A read-only view of the topic, like EmbeddedLog's read_only: End, Read and WaitBeyond
// work; Append and GetState are kUnavailable (the writer's state lives beside the events
// only in the embedded log; appending to Kafka is issue 4's next step).
//
// End(p) is the high watermark as of Open or the last RefreshEnds/WaitBeyond, kept in
// memory so End is free; Read serves records only up to that cached end, so a walk such
// as VerifyLog sees the topic as of one moment and its final End check agrees with what
// it read. Thread-safe: Read calls share one consumer (serialized by kafka::Reader).
class KafkaLog final : public EventLog {
 public:
  // Reads the cluster's metadata of all topics (naming no topic, so that brokers which
  // auto-create topics on Metadata requests, like librdkafka's mock cluster, do not
  // create it): a missing topic is kNotFound and stays missing; another partition count
  // than options.partitions is kInvalidArgument. Then reads every partition's end.
  static Result<std::unique_ptr<KafkaLog>> Open(const KafkaLogOptions& options);

  uint32_t partitions() const override { return partitions_; }
  Status Append(std::span<const SignedRecord> records, std::span<const StateWrite> state) override;
  uint64_t End(uint32_t partition) const override;
  // A message that is not a valid ledger record ends the records returned before it;
  // a Read starting at it is kCorruption "partition P ledgerseq S: reason".
  Status Read(uint32_t partition, uint64_t from, size_t max,
              std::vector<StoredRecord>* out) const override;
  // Polls the partition's high watermark every kWaitPollMs until it passes `seq`.
  bool WaitBeyond(uint32_t partition, uint64_t seq,
                  std::chrono::milliseconds timeout) const override;
  uint64_t ApproximateBytes() const override { return 0; }
  Result<std::optional<std::string>> GetState(StateTable table,
                                              const std::string& key) const override;

  // Reads every partition's high watermark again (one ListOffsets round trip each).
  Status RefreshEnds() const;

 private:
  KafkaLog() = default;
  Status RefreshEnd(uint32_t partition, std::chrono::milliseconds timeout) const;

  std::unique_ptr<kafka::Reader> reader_;
  std::string topic_;
  uint32_t partitions_ = 0;
  std::chrono::milliseconds timeout_{kafka::kMetadataTimeoutMsDefault};
  std::unique_ptr<std::atomic<uint64_t>[]> ends_;  // cached high watermarks
};

}  // namespace ledger
