// The views database: one RocksDB database (<data>/views) holding every read model.
//
// Column families:
//   positions  partition (u32 big-endian) -> Position: next ledgerseq to apply and the
//              leaf hash of the last applied event (the log's identity)
//   records    subject -> RecordState                    (records model)
//   history    subject versions and as-of index           (history model)
//   index      text keys for list filters, empty values   (index model)
//   meta       "format" -> kViewsFormatName, "partitions" -> the log's count,
//              "pin" -> the replay limits the views were pinned at (views.h), if any
// Formats: encoding.h. Every projector write is one WriteBatch holding the model
// changes and the new position, so the views always reflect a prefix of each
// partition. Writes are not fsynced: the log is the truth, and after a machine crash
// the views resume from the last batch that reached the disk (RocksDB recovers the
// write-ahead log to a consistent prefix of whole batches).
//
// Thread-safe: RocksDB serializes writes; readers see committed batches only.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/db_backup.h"
#include "ledger/status.h"
#include "projections/encoding.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class Status;
}  // namespace rocksdb

namespace projections {

// The meta key holding a pinned generation's replay limits (views.h).
inline constexpr std::string_view kPinMetaKey = "pin";

enum class Family : size_t { kPositions = 0, kRecords, kHistory, kIndex, kMeta, kFacts, kCount };

class ViewStore {
 public:
  // Opens or creates the views at `dir` for a log of `partitions` partitions. A views
  // database made for another partition count, or of an unknown format, is an error.
  static ledger::Result<std::unique_ptr<ViewStore>> Open(const std::filesystem::path& dir,
                                                         uint32_t partitions);
  // Opens existing views read-only: a consistent state of them as of the call, even
  // while another process (ledgerd) writes them. Writes fail.
  static ledger::Result<std::unique_ptr<ViewStore>> OpenReadOnly(const std::filesystem::path& dir);
  ~ViewStore();
  ViewStore(const ViewStore&) = delete;
  ViewStore& operator=(const ViewStore&) = delete;

  uint32_t partitions() const { return partitions_; }
  const std::filesystem::path& dir() const { return dir_; }

  ledger::Result<Position> GetPosition(uint32_t partition) const;
  // The record of `subject`; nullopt when the views have none.
  ledger::Result<std::optional<RecordState>> GetRecord(std::string_view subject) const;

  // Writes one batch atomically (not fsynced, see above).
  ledger::Status Write(rocksdb::WriteBatch& batch);

  // For views built from nothing by a replay, which nobody reads until it has finished:
  // batches skip RocksDB's write-ahead log, and Flush() must end the build. A build cut
  // short (a crash) leaves views that must not be used; replay deletes and starts over.
  void SkipWriteAheadLog() { skip_wal_ = true; }
  // Writes every family's memtable to table files and waits for it.
  ledger::Status Flush();

  // A value of the meta family; nullopt when absent.
  ledger::Result<std::optional<std::string>> GetMeta(std::string_view key) const;
  ledger::Status PutMeta(std::string_view key, std::string_view value);

  // A deterministic digest of every model and position: SHA-256 chained over each
  // (family, key, value) in key order, lower-case hex. Equal views, equal digests.
  // The meta key "pin" is left out, so views pinned by a replay at the positions live
  // views reached digest the same as those live views.
  ledger::Result<std::string> Digest() const;

  // Takes an incremental backup of the views into the BackupEngine directory
  // `backup_dir` (ledger/db_backup.h) while a runner writes them.
  ledger::Result<ledger::DbBackupInfo> BackupTo(const std::filesystem::path& backup_dir) const {
    return ledger::BackupDb(*db_, backup_dir);
  }

  // SST files plus memtables of every family (for /metrics).
  uint64_t ApproximateBytes() const;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Family family) const { return cfs_[static_cast<size_t>(family)]; }

 private:
  ViewStore() = default;
  static ledger::Result<std::unique_ptr<ViewStore>> OpenDb(const std::filesystem::path& dir,
                                                           bool read_only);
  ledger::Status CheckMeta(uint32_t partitions);

  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // indexed by Family
  uint32_t partitions_ = 0;
  bool skip_wal_ = false;
};

// A RocksDB status as a ledger status: kCorruption or kIoError, with `what` in front.
ledger::Status FromRocks(const rocksdb::Status& status, std::string_view what);

}  // namespace projections
