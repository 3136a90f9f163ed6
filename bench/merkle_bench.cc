// RFC 9162 proofs as the tree grows: inclusion and consistency proofs computed from the
// stored perfect subtrees (ledger/merkle.h) at 10^4 .. 10^7 leaves, first with the nodes
// in memory (the hashing and node lookups alone), then as ledgerd serves them: read
// from the log's `merkle` column family in RocksDB (ledger/tree_store.h). The cost
// should grow with log n, not n.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "ledger/embedded_log.h"
#include "ledger/merkle.h"
#include "ledger/tree_store.h"

namespace {

ledger::Hash LeafOf(uint64_t i) {
  ledger::Hash leaf{};
  for (int b = 0; b < 8; ++b) leaf[b] = static_cast<uint8_t>(i >> (8 * b));
  return leaf;
}

// One tree per size, built once and shared by the benchmarks of that size.
const ledger::MemoryMerkle& TreeOf(uint64_t size) {
  static std::map<uint64_t, std::unique_ptr<ledger::MemoryMerkle>> trees;
  auto& tree = trees[size];
  if (!tree) {
    tree = std::make_unique<ledger::MemoryMerkle>();
    for (uint64_t i = 0; i < size; ++i) tree->Append(LeafOf(i));
  }
  return *tree;
}

// One embedded log per size whose partition 0 holds the tree of `size` leaves as the
// writer stores it (the events themselves are not needed for proofs), built once in a
// temporary directory removed at exit.
struct StoredTree {
  std::filesystem::path dir;
  std::unique_ptr<ledger::EmbeddedLog> log;
  ~StoredTree() {
    log.reset();
    std::filesystem::remove_all(dir);
  }
};

// Never destroyed by itself: the logs are closed by an exit handler registered after the
// first one opened, so that it runs while RocksDB's own statics are still alive.
std::map<uint64_t, std::unique_ptr<StoredTree>>& StoredTrees() {
  static auto* trees = new std::map<uint64_t, std::unique_ptr<StoredTree>>();
  return *trees;
}

const ledger::EmbeddedLog& StoredTreeOf(uint64_t size) {
  auto& tree = StoredTrees()[size];
  if (!tree) {
    tree = std::make_unique<StoredTree>();
    char tmpl[] = "/tmp/ledger-merkle-bench-XXXXXX";
    tree->dir = mkdtemp(tmpl);
    auto log = ledger::EmbeddedLog::Open(tree->dir / "log", {.partitions = 1, .sync = false});
    if (!log.ok()) std::abort();
    tree->log = std::move(log).value();
    static const bool close_at_exit = [] { return std::atexit([] { StoredTrees().clear(); }); }();
    (void)close_at_exit;
    ledger::MerkleFrontier frontier;
    std::vector<ledger::StateWrite> writes;
    for (uint64_t i = 0; i < size; ++i) {
      ledger::AddMerkleWrites(0, frontier.Append(LeafOf(i)), writes);
      if (writes.size() >= 100'000 || i + 1 == size) {
        if (!tree->log->KeepState(writes).ok()) std::abort();
        writes.clear();
      }
    }
    // As a long-running ledgerd's would be: compacted, not a heap of fresh L0 files.
    rocksdb::CompactRangeOptions compact;
    if (!tree->log->db()
             ->CompactRange(compact, tree->log->state_cf(ledger::StateTable::kMerkle), nullptr,
                            nullptr)
             .ok())
      std::abort();
  }
  return *tree->log;
}

// Proofs into trees of random sizes near the top (as served) of `nodes`' n leaves: an
// inclusion proof of a random leaf, or a consistency proof from a random smaller size.
void Proofs(benchmark::State& state, const ledger::MerkleNodes& nodes, bool inclusion,
            uint64_t seed) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  std::mt19937_64 rng(seed);
  for (auto _ : state) {
    const uint64_t size = n - rng() % 7;
    auto proof = inclusion ? ledger::InclusionProof(nodes, rng() % size, size)
                           : ledger::ConsistencyProof(nodes, 1 + rng() % (size - 1), size);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
}

void BM_InclusionProof(benchmark::State& state) {
  Proofs(state, TreeOf(static_cast<uint64_t>(state.range(0))), true, 1);
}
void BM_ConsistencyProof(benchmark::State& state) {
  Proofs(state, TreeOf(static_cast<uint64_t>(state.range(0))), false, 2);
}
// As ledgerd serves them: the nodes read from the log's RocksDB column family.
void BM_StoredInclusionProof(benchmark::State& state) {
  Proofs(state, ledger::LogMerkleNodes(StoredTreeOf(static_cast<uint64_t>(state.range(0))), 0),
         true, 3);
}
void BM_StoredConsistencyProof(benchmark::State& state) {
  Proofs(state, ledger::LogMerkleNodes(StoredTreeOf(static_cast<uint64_t>(state.range(0))), 0),
         false, 4);
}

BENCHMARK(BM_InclusionProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);
BENCHMARK(BM_ConsistencyProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);
BENCHMARK(BM_StoredInclusionProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);
BENCHMARK(BM_StoredConsistencyProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);

}  // namespace
