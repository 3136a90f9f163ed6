// The embedded event log: one RocksDB database (<data>/log) holding every partition.
//
// Column families:
//   default  meta: "format" (version), "partitions" (count, fixed at creation)
//   events   key EncodeLogKey(partition, ledgerseq) -> EncodeRecordValue(record)
//   streams  subject -> the writer's stream head (writer.cc)
//   ids      event id -> the writer's idempotency entry (writer.cc)
//   merkle   each partition's Merkle tree nodes (tree_store.h), written with the events
//   checkpoints  each partition's signed checkpoints (tree_store.h)
// Every Append is one WriteBatch with sync=true: concurrent appends are grouped by the
// writer above, so one fsync covers many events.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "ledger/db_backup.h"
#include "ledger/event_log.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace ledger {

struct EmbeddedLogOptions {
  // Partitions of a new log; 0 = the existing log's own count, or kPartitionsDefault for
  // a new one. A non-zero count that differs from an existing log's is an error.
  uint32_t partitions = 0;
  bool read_only = false;  // a read-only view as of opening (allowed while ledgerd writes)
  bool sync = true;        // fsync every append; false only for benchmarks' baselines
};

class EmbeddedLog final : public EventLog {
 public:
  // Opens or creates the log at `dir`. A partition count that differs from the log's
  // stored one is an error, not a silent re-partitioning.
  static Result<std::unique_ptr<EmbeddedLog>> Open(const std::filesystem::path& dir,
                                                   const EmbeddedLogOptions& options);
  ~EmbeddedLog() override;

  uint32_t partitions() const override { return partitions_; }
  Status Append(std::span<const SignedRecord> records, std::span<const StateWrite> state) override;
  uint64_t End(uint32_t partition) const override;
  Status Read(uint32_t partition, uint64_t from, size_t max,
              std::vector<StoredRecord>* out) const override;
  bool WaitBeyond(uint32_t partition, uint64_t seq,
                  std::chrono::milliseconds timeout) const override;
  uint64_t ApproximateBytes() const override;
  Result<std::optional<std::string>> GetState(StateTable table,
                                              const std::string& key) const override;
  Result<std::vector<std::optional<std::string>>> GetStates(
      StateTable table, std::span<const std::string> keys) const override;
  Result<std::optional<StateEntry>> FloorState(StateTable table, const std::string& prefix,
                                               const std::string& key) const override;
  Status KeepState(std::span<const StateWrite> state) override;

  // Takes an incremental backup of the log into the BackupEngine directory `backup_dir`
  // (ledger/db_backup.h) while it serves: every append acknowledged before the call is
  // in it. Not on a read-only log.
  Result<DbBackupInfo> BackupTo(const std::filesystem::path& backup_dir) {
    if (read_only_) return Status::Invalid("a read-only log is not backed up");
    return BackupDb(*db_, backup_dir);
  }

  // Wakes followers and refuses further appends.
  void Close();

  // For tests and tools that must reach under the interface (tamper tests).
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events_cf() { return cfs_[1]; }
  rocksdb::ColumnFamilyHandle* state_cf(StateTable table) const {
    return cfs_[2 + static_cast<size_t>(table)];
  }

 private:
  EmbeddedLog() = default;
  Status LoadEnds();

  std::unique_ptr<rocksdb::DB> db_;
  // default, events, then one per StateTable in its order
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  uint32_t partitions_ = 0;
  bool sync_ = true;
  bool read_only_ = false;
  std::unique_ptr<std::atomic<uint64_t>[]> ends_;
  mutable std::mutex mu_;
  mutable std::condition_variable appended_;
  bool closed_ = false;
};

// The entry of `cf` with the greatest key <= `key` that starts with `prefix`: FloorState
// for both logs' state databases.
Result<std::optional<StateEntry>> FloorEntry(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                                             const std::string& prefix, const std::string& key);

// SST files plus memtables of the given column families of a RocksDB database: the
// size /metrics reports for the embedded log and for the views.
uint64_t RocksDbBytes(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families);

}  // namespace ledger
