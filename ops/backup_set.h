// Backup sets of a data dir (docs/OPERATIONS.md "Backups"): one BackupEngine backup of
// the views' active generation, of the embedded log and of the access log, plus copies
// of the small files (keys, tokens) with their SHA-256, tied together by a manifest.
//
// A backup directory B holds:
//   B/views/, B/log/, B/access/   a BackupEngine directory per database: files shared
//                                 between backups are stored once (incremental)
//   B/sets/NNNNNN.json            the manifest of set NNNNNN, written last (atomically):
//                                 a set without one does not exist
//   B/sets/NNNNNN/                its copies of keys/ledger.vkeys, keys/ledger.key,
//                                 access-keys/*, tokens.json
//   B/LOCK                        flock()ed while a set is created, pruned or restored
//
// DATA/subject-keys is never part of a set: erased keys must expire from backups on
// their own schedule, so it is backed up into a directory of its own (BackupSubjectKeys)
// with its own retention.
//
// Used by ledgerd (online, on its open handles) and ledgerctl (offline). Functions run
// on the caller's thread; calls on one B are serialized by B/LOCK.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/db_backup.h"

namespace ops {

// Takes a backup of one open database into the given BackupEngine directory.
using DbBackupFn =
    std::function<ledger::Result<ledger::DbBackupInfo>(const std::filesystem::path& backup_dir)>;

// What a set is made from.
struct BackupSources {
  std::filesystem::path data;  // the small files are copied from here
  DbBackupFn views;            // the active generation; may be empty (no views)
  std::string views_generation;
  DbBackupFn log;     // required
  DbBackupFn access;  // may be empty (no access log yet)
};

struct BackupSetDb {
  std::string name;  // "views", "log", "access"
  ledger::DbBackupInfo info;
};
struct BackupSetFile {
  std::string path;  // relative to the data dir, e.g. "keys/ledger.vkeys"
  std::string sha256;
  uint64_t bytes = 0;
};
struct BackupSet {
  uint32_t id = 0;
  std::string created;  // RFC 3339
  std::string views_generation;
  std::vector<BackupSetDb> dbs;  // in the order they were taken: views, log, access
  std::vector<BackupSetFile> files;
};
boost::json::object ToJson(const BackupSet& set);

// Takes a new set into `backup_dir` (created if missing). The views are taken before
// the log, so the restored views never reflect an event the restored log lacks.
ledger::Result<BackupSet> CreateBackupSet(const BackupSources& sources,
                                          const std::filesystem::path& backup_dir);
// Every set with a manifest, oldest first, with the sizes of its database backups.
ledger::Result<std::vector<BackupSet>> ListBackupSets(const std::filesystem::path& backup_dir);
// Checks set `id`: each database backup against its checksums, each copied file against
// its SHA-256. kCorruption naming what does not verify; kNotFound for no such set.
ledger::Status VerifyBackupSet(const std::filesystem::path& backup_dir, uint32_t id);
// Restores set `id` (nullopt: the newest) into `data`, which must not exist or be empty.
// Returns the set restored.
ledger::Result<BackupSet> RestoreBackupSet(const std::filesystem::path& backup_dir,
                                           std::optional<uint32_t> id,
                                           const std::filesystem::path& data);
// Deletes all but the newest `keep` sets (keep >= 1) and the files only they used.
ledger::Status PruneBackupSets(const std::filesystem::path& backup_dir, uint32_t keep);

// DATA/subject-keys into its own BackupEngine directory, keeping the newest `keep`
// backups (0: all) and deleting older ones, so an erased key leaves the backups once
// `keep` newer ones were taken.
// The BackupEngine directory BackupSubjectKeys uses under `backup_dir`.
std::filesystem::path SubjectKeysEngineDir(const std::filesystem::path& backup_dir);
ledger::Result<ledger::DbBackupInfo> BackupSubjectKeys(const DbBackupFn& subject_keys,
                                                       const std::filesystem::path& backup_dir,
                                                       uint32_t keep);

}  // namespace ops
