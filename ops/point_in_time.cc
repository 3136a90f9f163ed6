#include "ops/point_in_time.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "ledger/embedded_log.h"
#include "ledger/keys.h"

namespace ops {

namespace fs = std::filesystem;
using ledger::Status;

namespace {

// Entries copied per write while copying a served log.
constexpr size_t kCopyBatchEntriesMax = 4096;

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  return s.ok() ? Status::Ok() : Status::IoError(what + ": " + s.ToString());
}

// Closes a raw database and its column families.
struct OpenDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  ~OpenDb() {
    for (auto* cf : cfs) db->DestroyColumnFamilyHandle(cf);
  }
};

// Copies every column family of the log at `log_dir`, read-only (as of opening, while
// a ledgerd appends to it), into a new database at `target`, entry by entry: a running
// ledgerd holds the log, and RocksDB checkpoints need a writable handle.
Status CopyServedLog(const fs::path& log_dir, const fs::path& target) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  if (auto s = FromRocks(rocksdb::DB::ListColumnFamilies(options, log_dir.string(), &names),
                         "cannot read " + log_dir.string());
      !s.ok())
    return s;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& name : names) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  OpenDb source, copy;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs =
      rocksdb::DB::OpenForReadOnly(options, log_dir.string(), cfs, &source.cfs, &raw);
  if (!rs.ok()) return FromRocks(rs, "cannot open " + log_dir.string());
  source.db.reset(raw);
  options.create_if_missing = options.create_missing_column_families = true;
  rs = rocksdb::DB::Open(options, target.string(), cfs, &copy.cfs, &raw);
  if (!rs.ok()) return FromRocks(rs, "cannot create " + target.string());
  copy.db.reset(raw);
  for (size_t i = 0; i < source.cfs.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(source.db->NewIterator({}, source.cfs[i]));
    rocksdb::WriteBatch batch;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (auto s = FromRocks(batch.Put(copy.cfs[i], it->key(), it->value()), "copy"); !s.ok())
        return s;
      if (batch.Count() < kCopyBatchEntriesMax) continue;
      if (auto s = FromRocks(copy.db->Write({}, &batch), "cannot write " + target.string());
          !s.ok())
        return s;
      batch.Clear();
    }
    if (auto s = FromRocks(it->status(), "cannot read " + log_dir.string()); !s.ok()) return s;
    if (auto s = FromRocks(copy.db->Write({}, &batch), "cannot write " + target.string()); !s.ok())
      return s;
  }
  return FromRocks(copy.db->FlushWAL(/*sync=*/true), "cannot write " + target.string());
}

// A checkpoint of the log, whose every acknowledged append is in it; a copy when a
// running ledgerd holds it.
Status CheckpointLog(const fs::path& log_dir, const fs::path& target) {
  auto log = ledger::EmbeddedLog::Open(log_dir, {});
  if (!log.ok()) {
    if (log.status().message().find("lock") != std::string::npos)
      return CopyServedLog(log_dir, target);
    return log.status();
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create((*log)->db(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (s.ok()) s = checkpoint->CreateCheckpoint(target.string());
  if (!s.ok())
    return Status::IoError("cannot copy the log into " + target.string() + ": " + s.ToString());
  return Status::Ok();
}

Status CopyIfPresent(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) return Status::Ok();
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);  // keeps the mode
  if (ec) return Status::IoError("cannot copy " + from.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status CopyForPointInTime(const fs::path& data, const fs::path& into) {
  std::error_code ec;
  if (fs::exists(into, ec) && !fs::is_empty(into, ec))
    return Status::Invalid(into.string() + " is not empty: --into makes a new data dir");
  if (!fs::is_directory(data / "log"))
    return Status::Invalid("no event log at " + (data / "log").string());
  fs::create_directories(into, ec);
  if (ec) return Status::IoError("cannot create " + into.string() + ": " + ec.message());
  if (auto s = CheckpointLog(data / "log", into / "log"); !s.ok()) return s;
  const fs::path vkeys = fs::path("keys") / ledger::kVerifierKeysFile;
  if (auto s = CopyIfPresent(data / vkeys, into / vkeys); !s.ok()) return s;
  fs::permissions(into / "keys", fs::perms::owner_all, ec);
  return CopyIfPresent(data / "tokens.json", into / "tokens.json");
}

}  // namespace ops
