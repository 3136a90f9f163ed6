#include "ledger/db_backup.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <map>
#include <set>

namespace ledger {
namespace {

namespace fs = std::filesystem;

// Threads copying files during a backup or restore: ledgerd keeps serving meanwhile.
constexpr int kBackupThreadsMax = 2;

Status FromRocksIo(const rocksdb::Status& s, const std::string& what) {
  const std::string text = what + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(text);
  if (s.IsNotFound()) return Status::NotFound(text);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Unavailable(text);
  return Status::IoError(text);
}

rocksdb::BackupEngineOptions EngineOptions(const fs::path& backup_dir) {
  rocksdb::BackupEngineOptions options(backup_dir.string());
  options.share_table_files = true;
  options.share_files_with_checksum = true;  // names carry checksums: shared safely
  options.sync = true;
  options.max_background_operations = kBackupThreadsMax;
  return options;
}

Result<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const fs::path& backup_dir) {
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngine::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocksIo(s, "cannot open the backup directory " + backup_dir.string());
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

// Sizes of every backup, with `new_bytes` counting the files only that backup holds.
std::vector<DbBackupInfo> Summaries(const std::vector<rocksdb::BackupInfo>& infos) {
  std::map<std::string, int> holders;  // file -> how many backups hold it
  for (const auto& info : infos)
    for (const auto& f : info.file_details) ++holders[f.relative_filename];
  std::vector<DbBackupInfo> out;
  for (const auto& info : infos) {
    DbBackupInfo d{.id = info.backup_id,
                   .timestamp_s = info.timestamp,
                   .files = static_cast<uint32_t>(info.file_details.size())};
    for (const auto& f : info.file_details) {
      d.bytes += f.size;
      if (holders[f.relative_filename] == 1) d.new_bytes += f.size;
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace

Result<DbBackupInfo> BackupDb(rocksdb::DB& db, const fs::path& backup_dir) {
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) return Status::IoError("cannot create " + backup_dir.string() + ": " + ec.message());
  auto engine = OpenEngine(backup_dir);
  if (!engine.ok()) return engine.status();
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  uint32_t id = 0;
  rocksdb::IOStatus s = (*engine)->CreateNewBackup(options, &db, &id);
  if (!s.ok()) return FromRocksIo(s, "cannot back up " + db.GetName());
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos, /*include_file_details=*/true);
  for (const DbBackupInfo& info : Summaries(infos))
    if (info.id == id) return info;
  return Status::Internal("backup " + std::to_string(id) + " is not listed after it was taken");
}

Result<std::vector<DbBackupInfo>> ListDbBackups(const fs::path& backup_dir) {
  if (!fs::is_directory(backup_dir))
    return Status::NotFound("no backups at " + backup_dir.string());
  auto engine = OpenEngine(backup_dir);
  if (!engine.ok()) return engine.status();
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos, /*include_file_details=*/true);
  return Summaries(infos);
}

Status VerifyDbBackup(const fs::path& backup_dir, uint32_t id) {
  auto engine = OpenEngine(backup_dir);
  if (!engine.ok()) return engine.status();
  rocksdb::IOStatus s = (*engine)->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (s.ok()) return Status::Ok();
  // A missing, resized or altered file: the backup cannot be restored as it was taken.
  return Status::Corruption("backup " + std::to_string(id) + " in " + backup_dir.string() +
                            " does not verify: " + s.ToString());
}

Status RestoreDb(const fs::path& backup_dir, uint32_t id, const fs::path& db_dir) {
  std::error_code ec;
  if (fs::exists(db_dir, ec) && !fs::is_empty(db_dir, ec))
    return Status::Invalid(db_dir.string() + " is not empty: restore only into an empty directory");
  fs::create_directories(db_dir, ec);
  if (ec) return Status::IoError("cannot create " + db_dir.string() + ": " + ec.message());
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocksIo(s, "cannot open the backup directory " + backup_dir.string());
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  s = engine->RestoreDBFromBackup(id, db_dir.string(), db_dir.string());
  if (!s.ok()) {
    return FromRocksIo(s, "cannot restore backup " + std::to_string(id) + " of " +
                              backup_dir.string() + " into " + db_dir.string());
  }
  return Status::Ok();
}

Status DeleteDbBackups(const fs::path& backup_dir, const std::vector<uint32_t>& ids) {
  auto engine = OpenEngine(backup_dir);
  if (!engine.ok()) return engine.status();
  for (uint32_t id : ids) {
    rocksdb::IOStatus s = (*engine)->DeleteBackup(id);
    if (!s.ok() && !s.IsNotFound())
      return FromRocksIo(s, "cannot delete backup " + std::to_string(id));
  }
  return Status::Ok();
}

struct OfflineDb::Handles {
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
};

Result<std::unique_ptr<OfflineDb>> OfflineDb::Open(const fs::path& dir) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir.string(), &names);
  if (!s.ok()) return FromRocksIo(s, "cannot open " + dir.string());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& name : names) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::unique_ptr<OfflineDb> out(new OfflineDb());
  out->handles_ = std::make_unique<Handles>();
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(options, dir.string(), cfs, &out->handles_->cfs, &raw);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::Unavailable(dir.string() +
                               " is in use by another process (a running ledgerd holds its "
                               "LOCK): back it up through that ledgerd instead");
  }
  if (!s.ok()) return FromRocksIo(s, "cannot open " + dir.string());
  out->db_.reset(raw);
  return out;
}

OfflineDb::~OfflineDb() {
  if (!db_) return;
  for (auto* cf : handles_->cfs) db_->DestroyColumnFamilyHandle(cf);
  db_->Close().PermitUncheckedError();
}

}  // namespace ledger
