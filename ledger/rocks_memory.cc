#include "ledger/rocks_memory.h"

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <memory>
#include <mutex>

namespace ledger {
namespace {

struct Shared {
  std::mutex mu;
  RocksMemoryLimits limits;
  std::shared_ptr<rocksdb::Cache> cache;                       // made at first use
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;  // made at first use
};

Shared& TheShared() {
  static Shared* shared = new Shared();  // never destroyed: databases may outlive statics
  return *shared;
}

std::shared_ptr<rocksdb::Cache> Cache() {
  Shared& s = TheShared();
  std::lock_guard lock(s.mu);
  if (!s.cache) s.cache = rocksdb::NewLRUCache(s.limits.block_cache_bytes_max);
  return s.cache;
}

}  // namespace

void SetRocksMemoryLimits(const RocksMemoryLimits& limits) {
  Shared& s = TheShared();
  std::lock_guard lock(s.mu);
  s.limits = limits;
  s.cache.reset();
  s.write_buffers.reset();
}

RocksMemoryLimits GetRocksMemoryLimits() {
  Shared& s = TheShared();
  std::lock_guard lock(s.mu);
  return s.limits;
}

void UseRocksMemory(rocksdb::DBOptions& options) {
  Shared& s = TheShared();
  std::lock_guard lock(s.mu);
  if (!s.write_buffers) {
    // Past the budget RocksDB flushes the largest memtable.
    s.write_buffers =
        std::make_shared<rocksdb::WriteBufferManager>(s.limits.write_buffers_bytes_max);
  }
  options.write_buffer_manager = s.write_buffers;
}

void UseRocksMemory(rocksdb::ColumnFamilyOptions& options, rocksdb::BlockBasedTableOptions table) {
  table.block_cache = Cache();
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned: a large table's index and filter are read a 4 KiB piece at a time
  // through the cache, not whole. Whole, a stored Merkle tree of 10^7 leaves made each
  // proof 30 times slower, its megabyte filter blocks taking turns in the cache.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = table.filter_policy != nullptr;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
}

void UseRocksMemory(rocksdb::ColumnFamilyOptions& options) {
  UseRocksMemory(options, rocksdb::BlockBasedTableOptions());
}

}  // namespace ledger
