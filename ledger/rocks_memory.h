// The memory every RocksDB database of a process may use: one block cache and one
// write-buffer budget shared by all of them (the log, the views, the access log, the
// offsets store), so a process's memory is set by two numbers and does not grow with
// the number of databases, column families or events it holds.
//
// Index and filter blocks live in the block cache too (pinned for level 0): without
// that, RocksDB keeps every table's index and bloom filter on the heap, which grows
// with the data.
//
// Thread-safe. Set the limits before the first database opens; databases opened
// earlier keep the budgets they were given.
#pragma once

#include <cstddef>

namespace rocksdb {
struct DBOptions;
struct BlockBasedTableOptions;
struct ColumnFamilyOptions;
}  // namespace rocksdb

namespace ledger {

struct RocksMemoryLimits {
  size_t block_cache_bytes_max = size_t{256} << 20;    // data, index and filter blocks
  size_t write_buffers_bytes_max = size_t{256} << 20;  // memtables of every database
};

void SetRocksMemoryLimits(const RocksMemoryLimits& limits);
RocksMemoryLimits GetRocksMemoryLimits();

// Makes a database draw its memtables from the shared write-buffer budget.
void UseRocksMemory(rocksdb::DBOptions& options);
// Makes a column family read through the shared block cache (keeping `table`'s other
// settings, such as a bloom filter), with its index and filter blocks in that cache.
void UseRocksMemory(rocksdb::ColumnFamilyOptions& options, rocksdb::BlockBasedTableOptions table);
void UseRocksMemory(rocksdb::ColumnFamilyOptions& options);

}  // namespace ledger
