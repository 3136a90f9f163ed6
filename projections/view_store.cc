#include "projections/view_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <thread>

#include "ledger/crypto.h"
#include "ledger/embedded_log.h"
#include "ledger/partition.h"
#include "ledger/rocks_memory.h"

namespace projections {
using ledger::Result;
using ledger::Status;

namespace {

constexpr const char* kFormatKey = "format";
constexpr const char* kPartitionsKey = "partitions";
constexpr const char* kFamilyNames[] = {"positions", "records", "history",
                                        "index",     "meta",    "facts"};
static_assert(std::size(kFamilyNames) == static_cast<size_t>(Family::kCount));

rocksdb::ColumnFamilyOptions FamilyOptions(Family family) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  if (family == Family::kRecords || family == Family::kPositions) {
    // Point lookups by subject: a bloom filter saves reads for new subjects.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  ledger::UseRocksMemory(cf, table);
  cf.compression = rocksdb::kLZ4Compression;
  return cf;
}

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::IoError(msg);
}

Result<std::unique_ptr<ViewStore>> ViewStore::OpenDb(const std::filesystem::path& dir,
                                                     bool read_only) {
  rocksdb::DBOptions options;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.max_background_jobs = 2;
  ledger::UseRocksMemory(options);
  rocksdb::ColumnFamilyOptions unused;
  ledger::UseRocksMemory(unused);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, unused}};
  for (size_t i = 0; i < static_cast<size_t>(Family::kCount); ++i) {
    cfs.push_back({kFamilyNames[i], FamilyOptions(static_cast<Family>(i))});
  }
  std::unique_ptr<ViewStore> store(new ViewStore());
  store->dir_ = dir;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only
                          ? rocksdb::DB::OpenForReadOnly(options, dir.string(), cfs, &handles, &raw)
                          : rocksdb::DB::Open(options, dir.string(), cfs, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open the views at " + dir.string());
  store->db_.reset(raw);
  // The default family is unused; keep the handles in Family order.
  raw->DestroyColumnFamilyHandle(handles[0]);
  store->cfs_.assign(handles.begin() + 1, handles.end());
  return store;
}

Result<std::unique_ptr<ViewStore>> ViewStore::Open(const std::filesystem::path& dir,
                                                   uint32_t partitions) {
  if (partitions < 1 || partitions > ledger::kPartitionsMax) {
    return Status::Invalid("partitions must be 1.." + std::to_string(ledger::kPartitionsMax));
  }
  auto store = OpenDb(dir, false);
  if (!store.ok()) return store.status();
  if (Status st = (*store)->CheckMeta(partitions); !st.ok()) return st;
  return store;
}

Result<std::unique_ptr<ViewStore>> ViewStore::OpenReadOnly(const std::filesystem::path& dir) {
  // Beside a running ledgerd, a compaction may delete a file between RocksDB listing it
  // and opening it ("No such file or directory"): the next attempt sees the new files.
  auto store = OpenDb(dir, true);
  for (int attempt = 1; attempt < 5 && !store.ok() &&
                        store.status().message().find("No such file") != std::string::npos;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    store = OpenDb(dir, true);
  }
  if (!store.ok()) return store.status();
  auto partitions = (*store)->GetMeta(kPartitionsKey);
  if (!partitions.ok()) return partitions.status();
  uint32_t n = 0;
  if (*partitions) n = static_cast<uint32_t>(std::strtoul((*partitions)->c_str(), nullptr, 10));
  if (n < 1 || n > ledger::kPartitionsMax) {
    return Status::Corruption("the views at " + dir.string() + " have no valid partition count");
  }
  if (Status st = (*store)->CheckMeta(n); !st.ok()) return st;
  return store;
}

ViewStore::~ViewStore() {
  if (db_) {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    db_->Close().PermitUncheckedError();
  }
}

Status ViewStore::CheckMeta(uint32_t partitions) {
  rocksdb::ColumnFamilyHandle* meta = cf(Family::kMeta);
  std::string format, stored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta, kFormatKey, &format);
  if (s.IsNotFound()) {
    rocksdb::WriteBatch batch;
    batch.Put(meta, kFormatKey, std::string(kViewsFormatName));
    batch.Put(meta, kPartitionsKey, std::to_string(partitions));
    if (Status st = Write(batch); !st.ok()) return st;
    format = kViewsFormatName;
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the views' format");
  }
  if (format != kViewsFormatName) {
    return Status::Corruption("unknown views format \"" + format + "\" in " + dir_.string());
  }
  s = db_->Get(rocksdb::ReadOptions(), meta, kPartitionsKey, &stored);
  if (!s.ok()) return FromRocks(s, "cannot read the views' partition count");
  if (stored != std::to_string(partitions)) {
    return Status::Invalid("the views at " + dir_.string() + " were built for " + stored +
                           " partitions, the log has " + std::to_string(partitions));
  }
  partitions_ = partitions;
  return Status::Ok();
}

Result<Position> ViewStore::GetPosition(uint32_t partition) const {
  LEDGER_ASSERT(partition < partitions_);
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(Family::kPositions), PositionKey(partition), &value);
  if (s.IsNotFound()) return Position{};
  if (!s.ok())
    return FromRocks(s, "cannot read the position of partition " + std::to_string(partition));
  return DecodePosition(value);
}

Result<std::optional<RecordState>> ViewStore::GetRecord(std::string_view subject) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Family::kRecords), subject, &value);
  if (s.IsNotFound()) return std::optional<RecordState>();
  if (!s.ok()) return FromRocks(s, "cannot read record " + std::string(subject));
  auto record = DecodeRecord(value);
  if (!record.ok()) return record.status();
  return std::optional<RecordState>(std::move(*record));
}

Status ViewStore::Write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = false;  // the log is the truth; see the header
  options.disableWAL = skip_wal_;
  return FromRocks(db_->Write(options, &batch), "cannot write the views");
}

Status ViewStore::Flush() {
  rocksdb::FlushOptions options;
  options.wait = true;
  return FromRocks(db_->Flush(options, cfs_), "cannot flush the views");
}

uint64_t ViewStore::ApproximateBytes() const { return ledger::RocksDbBytes(*db_, cfs_); }

Result<std::optional<std::string>> ViewStore::GetMeta(std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Family::kMeta), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "cannot read the views' " + std::string(key));
  return std::optional<std::string>(std::move(value));
}

Status ViewStore::PutMeta(std::string_view key, std::string_view value) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(Family::kMeta), key, value);
  return Write(batch);
}

Result<std::string> ViewStore::Digest() const {
  ledger::Hash chain{};
  rocksdb::ReadOptions options;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  options.snapshot = snapshot;
  Status status;
  for (size_t f = 0; f < static_cast<size_t>(Family::kCount) && status.ok(); ++f) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cfs_[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (static_cast<Family>(f) == Family::kMeta && it->key() == kPinMetaKey) continue;
      std::string item(chain.begin(), chain.end());
      item += kFamilyNames[f];
      AppendBigEndian(item, it->key().size(), 4);
      item += it->key().ToStringView();
      AppendBigEndian(item, it->value().size(), 4);
      item += it->value().ToStringView();
      chain = ledger::Sha256(item);
    }
    status = FromRocks(it->status(), "cannot scan the views");
  }
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return ledger::Hex(chain);
}

}  // namespace projections
