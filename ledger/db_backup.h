// Backups of one RocksDB database with RocksDB's BackupEngine: incremental (a backup
// shares every SST file it has in common with earlier ones in the same directory),
// checksummed, restorable into an empty directory. The embedded log, the views and
// the access log are each backed up into a directory of their own; ops/backup_set.h
// groups one backup of each into a backup set.
//
// Functions here open the backup directory for the length of the call; callers
// serialize calls on one directory (the engine is not safe across processes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace rocksdb {
class DB;
}

namespace ledger {

// One backup in a BackupEngine directory.
struct DbBackupInfo {
  uint32_t id = 0;
  int64_t timestamp_s = 0;  // when it was taken, Unix seconds
  uint64_t bytes = 0;       // every file the backup is made of
  uint64_t new_bytes = 0;   // of those, the files no other backup in the directory shares
  uint32_t files = 0;
};

// Takes a backup of the open `db` into `backup_dir` (created if missing), flushing its
// memtables first so the backup holds every write acknowledged before the call. Safe
// while other threads write `db`.
Result<DbBackupInfo> BackupDb(rocksdb::DB& db, const std::filesystem::path& backup_dir);

// Every backup in `backup_dir`, oldest first.
Result<std::vector<DbBackupInfo>> ListDbBackups(const std::filesystem::path& backup_dir);

// Checks backup `id`: every file is there, has its recorded size and its recorded
// checksum (the files are read in full). kCorruption naming the file otherwise.
Status VerifyDbBackup(const std::filesystem::path& backup_dir, uint32_t id);

// Restores backup `id` into `db_dir`, which must not exist or be empty.
Status RestoreDb(const std::filesystem::path& backup_dir, uint32_t id,
                 const std::filesystem::path& db_dir);

// Deletes the given backups (their files no remaining backup shares).
Status DeleteDbBackups(const std::filesystem::path& backup_dir, const std::vector<uint32_t>& ids);

// Opens the RocksDB database at `dir` with all its column families, for a backup of a
// database whose owner is not running (ledgerctl backup create --data). kUnavailable
// when another process holds it (its LOCK).
class OfflineDb {
 public:
  static Result<std::unique_ptr<OfflineDb>> Open(const std::filesystem::path& dir);
  ~OfflineDb();
  rocksdb::DB& db() { return *db_; }

 private:
  OfflineDb() = default;
  struct Handles;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<Handles> handles_;
};

}  // namespace ledger
