// The event log: partitions of signed records in ledgerseq order, appended durably.
//
// Two implementations sit behind this interface: the embedded RocksDB log
// (embedded_log.h, the default) and Kafka (kafka_log.h). Everything above it — the
// writer, projectors, verification — uses only this interface.
//
// The log also keeps the writer's derived state (stream heads, decision state, the
// idempotency index) beside the events. The embedded log writes that state in the same
// atomic batch as the events it follows from, so after a crash the two always agree.
// The Kafka log keeps it in a local database written after delivery, so it may lag the
// topic; StateEnd says how far it reaches and the writer catches it up (writer.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/record.h"
#include "ledger/status.h"

namespace ledger {

// A record as stored: its position and undecoded value (decoded with DecodeRecordValue),
// so that readers such as the verifier can report a corrupt value at its position.
struct StoredRecord {
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  std::string value;
};

// The writer's state beside the events: stream heads and the idempotency index
// (writer.cc), each partition's Merkle tree and its signed checkpoints (tree_store.h).
enum class StateTable : uint8_t { kStreams = 0, kIds = 1, kMerkle = 2, kCheckpoints = 3 };
inline constexpr size_t kStateTables = 4;

struct StateWrite {
  StateTable table;
  std::string key;
  std::string value;
};

struct StateEntry {
  std::string key;
  std::string value;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual uint32_t partitions() const = 0;

  // Appends records and state atomically and durably (fsynced) before returning.
  // Each partition's records must continue its sequence without a gap. Thread-safe,
  // but the writer is its only caller.
  virtual Status Append(std::span<const SignedRecord> records,
                        std::span<const StateWrite> state) = 0;

  // The next ledgerseq of a partition (= its number of events).
  virtual uint64_t End(uint32_t partition) const = 0;

  // Up to `max` records of `partition` from `from` on, in order, as stored. Thread-safe.
  virtual Status Read(uint32_t partition, uint64_t from, size_t max,
                      std::vector<StoredRecord>* out) const = 0;

  // Waits until End(partition) > `seq`, the timeout passes or the log closes; returns
  // whether End(partition) > seq. For followers of the tail.
  virtual bool WaitBeyond(uint32_t partition, uint64_t seq,
                          std::chrono::milliseconds timeout) const = 0;

  // Approximate bytes the log occupies on disk (0 when the log cannot tell).
  virtual uint64_t ApproximateBytes() const = 0;

  // The writer's state for a key; nullopt when absent.
  virtual Result<std::optional<std::string>> GetState(StateTable table,
                                                      const std::string& key) const = 0;

  // The values of many keys of `table` at once, in order (nullopt for an absent key); the
  // default reads them one by one.
  virtual Result<std::vector<std::optional<std::string>>> GetStates(
      StateTable table, std::span<const std::string> keys) const {
    std::vector<std::optional<std::string>> out;
    for (const std::string& key : keys) {
      auto v = GetState(table, key);
      if (!v.ok()) return v.status();
      out.push_back(std::move(v).value());
    }
    return out;
  }

  // The entry of `table` with the greatest key that starts with `prefix` and is not
  // greater than `key` (bytewise); nullopt when there is none.
  virtual Result<std::optional<StateEntry>> FloorState(StateTable table, const std::string& prefix,
                                                       const std::string& key) const = 0;

  // Stores state that no record implies (signed checkpoints; a Merkle tree rebuilt for
  // a log written before trees were kept), durably. Thread-safe.
  virtual Status KeepState(std::span<const StateWrite> state) = 0;

  // Re-reads the ends from the log's storage, after a failed Append left them unknown.
  virtual Status Sync() { return Status::Ok(); }

  // The next ledgerseq of `partition` that the stored writer state does not yet reflect.
  // The embedded log writes state and events in one batch, so this is End(partition).
  // A log that keeps the state elsewhere (Kafka) may lag behind after a crash or a
  // failed delivery; the writer then folds the missing records in (PutState).
  virtual uint64_t StateEnd(uint32_t partition) const { return End(partition); }

  // Stores state the writer rebuilt from records the state lagged behind, with the new
  // StateEnd of every partition, atomically. Only for logs whose StateEnd can lag.
  virtual Status PutState(std::span<const StateWrite> state, std::span<const uint64_t> state_ends) {
    (void)state;
    (void)state_ends;
    return Status::Internal("this log's writer state never lags its events");
  }
};

// Parses "P:SEQ[,P:SEQ...]" (positions as appends answer them, e.g. in ?after= and
// --until-seq) into, per partition, the next ledgerseq after the highest SEQ named
// (0 for a partition not named). kInvalidArgument naming the bad item, for a malformed
// item or a partition not below `partitions`.
Result<std::vector<uint64_t>> ParsePositions(std::string_view text, uint32_t partitions);

// Reads and decodes records; a corrupt value fails with its position in the message.
Result<std::vector<SignedRecord>> ReadRecords(const EventLog& log, uint32_t partition,
                                              uint64_t from, size_t max);

}  // namespace ledger
