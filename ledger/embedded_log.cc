#include "ledger/embedded_log.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <charconv>

#include "ledger/partition.h"
#include "ledger/rocks_memory.h"

namespace ledger {
namespace {

constexpr const char* kFormatKey = "format";
constexpr const char* kPartitionsKey = "partitions";
constexpr const char* kFormatValue = "sales-ledger-log/1";
constexpr size_t kEventsCf = 1;

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::IoError(msg);
}

rocksdb::ColumnFamilyOptions LookupCfOptions() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  UseRocksMemory(cf, table);
  return cf;
}

// The Merkle tree's nodes: every key read exists (no filter helps), the hashes do not
// compress, and a proof reads one node of each level, so small blocks read less.
rocksdb::ColumnFamilyOptions MerkleCfOptions() {
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 1024;
  UseRocksMemory(cf, table);
  return cf;
}

rocksdb::ColumnFamilyOptions PlainCfOptions() {
  rocksdb::ColumnFamilyOptions cf;
  UseRocksMemory(cf);
  return cf;
}

}  // namespace

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(const std::filesystem::path& dir,
                                                       const EmbeddedLogOptions& options) {
  if (options.partitions > kPartitionsMax) {
    return Status::Invalid("partitions must be 1.." + std::to_string(kPartitionsMax));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = 2;
  UseRocksMemory(db_options);
  rocksdb::ColumnFamilyOptions events = PlainCfOptions();
  events.compression = rocksdb::kLZ4Compression;
  events.bottommost_compression = rocksdb::kZSTD;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, PlainCfOptions()},
      {"events", events},
      {"streams", LookupCfOptions()},
      {"ids", LookupCfOptions()},
      {"merkle", MerkleCfOptions()},
      {"checkpoints", PlainCfOptions()},
  };
  std::unique_ptr<EmbeddedLog> log(new EmbeddedLog());
  log->sync_ = options.sync;
  log->read_only_ = options.read_only;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, dir.string(), cfs, &log->cfs_, &raw)
          : rocksdb::DB::Open(db_options, dir.string(), cfs, &log->cfs_, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open the event log at " + dir.string());
  log->db_.reset(raw);

  std::string format, partitions;
  rocksdb::Status fs = raw->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  if (fs.IsNotFound() && !options.read_only) {
    rocksdb::WriteBatch batch;
    batch.Put(kFormatKey, kFormatValue);
    batch.Put(kPartitionsKey,
              std::to_string(options.partitions ? options.partitions : kPartitionsDefault));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (Status st = FromRocks(raw->Write(wo, &batch), "cannot initialize the event log"); !st.ok())
      return st;
    format = kFormatValue;
  } else if (!fs.ok()) {
    return FromRocks(fs, "cannot read the event log's format");
  }
  if (format != kFormatValue)
    return Status::Corruption("unknown event log format \"" + format + "\"");
  if (Status st = FromRocks(raw->Get(rocksdb::ReadOptions(), kPartitionsKey, &partitions),
                            "cannot read the partition count");
      !st.ok()) {
    return st;
  }
  uint32_t stored = 0;
  auto [end, ec] =
      std::from_chars(partitions.data(), partitions.data() + partitions.size(), stored);
  if (ec != std::errc() || end != partitions.data() + partitions.size() || stored < 1 ||
      stored > kPartitionsMax) {
    return Status::Corruption("the event log's partition count \"" + partitions + "\" is corrupt");
  }
  log->partitions_ = stored;
  if (options.partitions != 0 && log->partitions_ != options.partitions) {
    return Status::Invalid("the event log at " + dir.string() + " has " + partitions +
                           " partitions, not " + std::to_string(options.partitions));
  }
  if (Status st = log->LoadEnds(); !st.ok()) return st;
  return log;
}

EmbeddedLog::~EmbeddedLog() {
  Close();
  if (db_) {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    db_->Close().PermitUncheckedError();
  }
}

void EmbeddedLog::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  appended_.notify_all();
}

Status EmbeddedLog::LoadEnds() {
  ends_ = std::make_unique<std::atomic<uint64_t>[]>(partitions_);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kEventsCf]));
  for (uint32_t p = 0; p < partitions_; ++p) {
    it->SeekForPrev(EncodeLogKey(p, UINT64_MAX));
    uint32_t kp = 0;
    uint64_t seq = 0;
    bool found = it->Valid() && DecodeLogKey(it->key().ToStringView(), kp, seq) && kp == p;
    ends_[p] = found ? seq + 1 : 0;
  }
  return FromRocks(it->status(), "cannot scan the event log");
}

Status EmbeddedLog::Append(std::span<const SignedRecord> records,
                           std::span<const StateWrite> state) {
  if (read_only_) return Status::Internal("the event log is open read-only");
  std::vector<uint64_t> next(partitions_);
  for (uint32_t p = 0; p < partitions_; ++p) next[p] = ends_[p].load();
  rocksdb::WriteBatch batch;
  for (const SignedRecord& r : records) {
    LEDGER_ASSERT(r.partition < partitions_);
    if (r.ledgerseq != next[r.partition]) {
      return Status::Internal("append out of sequence in partition " + std::to_string(r.partition));
    }
    ++next[r.partition];
    batch.Put(cfs_[kEventsCf], EncodeLogKey(r.partition, r.ledgerseq), EncodeRecordValue(r));
  }
  for (const StateWrite& w : state) {
    batch.Put(state_cf(w.table), w.key, w.value);
  }
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Unavailable("the event log is closed");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  if (Status s = FromRocks(db_->Write(wo, &batch), "cannot append to the event log"); !s.ok())
    return s;
  std::lock_guard lock(mu_);
  for (uint32_t p = 0; p < partitions_; ++p) ends_[p] = next[p];
  appended_.notify_all();
  return Status::Ok();
}

uint64_t EmbeddedLog::End(uint32_t partition) const {
  LEDGER_ASSERT(partition < partitions_);
  return ends_[partition].load();
}

Status EmbeddedLog::Read(uint32_t partition, uint64_t from, size_t max,
                         std::vector<StoredRecord>* out) const {
  out->clear();
  if (partition >= partitions_)
    return Status::NotFound("no partition " + std::to_string(partition));
  rocksdb::ReadOptions ro;
  std::string upper = EncodeLogKey(partition + 1, 0);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kEventsCf]));
  for (it->Seek(EncodeLogKey(partition, from)); it->Valid() && out->size() < max; it->Next()) {
    StoredRecord r;
    if (!DecodeLogKey(it->key().ToStringView(), r.partition, r.ledgerseq)) {
      return Status::Corruption("a key in the event log is not 12 bytes");
    }
    r.value = it->value().ToString();
    out->push_back(std::move(r));
  }
  return FromRocks(it->status(), "cannot read the event log");
}

bool EmbeddedLog::WaitBeyond(uint32_t partition, uint64_t seq,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return appended_.wait_for(lock, timeout, [&] {
    return closed_ || ends_[partition].load() > seq;
  }) && ends_[partition].load() > seq;
}

Result<std::optional<std::string>> EmbeddedLog::GetState(StateTable table,
                                                         const std::string& key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state_cf(table), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "cannot read writer state");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> EmbeddedLog::GetStates(
    StateTable table, std::span<const std::string> keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), state_cf(table), keys.size(), slices.data(), values.data(),
                statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "cannot read writer state");
    out[i] = values[i].ToString();
  }
  return out;
}

Result<std::optional<StateEntry>> EmbeddedLog::FloorState(StateTable table,
                                                          const std::string& prefix,
                                                          const std::string& key) const {
  return FloorEntry(*db_, state_cf(table), prefix, key);
}

Status EmbeddedLog::KeepState(std::span<const StateWrite> state) {
  if (read_only_) return Status::Internal("the event log is open read-only");
  rocksdb::WriteBatch batch;
  for (const StateWrite& w : state) batch.Put(state_cf(w.table), w.key, w.value);
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->Write(wo, &batch), "cannot write the writer state");
}

Result<std::optional<StateEntry>> FloorEntry(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                                             const std::string& prefix, const std::string& key) {
  rocksdb::ReadOptions ro;
  rocksdb::Slice lower(prefix);
  ro.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
  it->SeekForPrev(key);
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the writer state");
  if (!it->Valid() || !it->key().starts_with(prefix)) return std::optional<StateEntry>();
  return std::optional<StateEntry>(StateEntry{it->key().ToString(), it->value().ToString()});
}

uint64_t RocksDbBytes(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  uint64_t total = 0;
  for (auto* cf : families) {
    uint64_t v = 0;
    if (db.GetIntProperty(cf, "rocksdb.total-sst-files-size", &v)) total += v;
    if (db.GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
  }
  return total;
}

uint64_t EmbeddedLog::ApproximateBytes() const { return RocksDbBytes(*db_, cfs_); }

}  // namespace ledger
