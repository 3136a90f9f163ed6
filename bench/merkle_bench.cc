// RFC 9162 proofs as the tree grows: inclusion and consistency proofs computed from the
// stored perfect subtrees (ledger/merkle.h) at 10^4 .. 10^7 leaves. The nodes are in
// memory here, so this measures the hashing and the node reads a proof needs; the cost
// should grow with log n, not n.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>

#include "ledger/merkle.h"

namespace {

// One tree per size, built once and shared by the benchmarks of that size.
const ledger::MemoryMerkle& TreeOf(uint64_t size) {
  static std::map<uint64_t, std::unique_ptr<ledger::MemoryMerkle>> trees;
  auto& tree = trees[size];
  if (!tree) {
    tree = std::make_unique<ledger::MemoryMerkle>();
    ledger::Hash leaf{};
    for (uint64_t i = 0; i < size; ++i) {
      for (int b = 0; b < 8; ++b) leaf[b] = static_cast<uint8_t>(i >> (8 * b));
      tree->Append(leaf);
    }
  }
  return *tree;
}

void BM_InclusionProof(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const auto& tree = TreeOf(n);
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto proof = ledger::InclusionProof(tree, rng() % n, n - rng() % 7);
    benchmark::DoNotOptimize(proof);
  }
}

void BM_ConsistencyProof(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const auto& tree = TreeOf(n);
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto proof = ledger::ConsistencyProof(tree, 1 + rng() % (n - 1), n - rng() % 7);
    benchmark::DoNotOptimize(proof);
  }
}

BENCHMARK(BM_InclusionProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);
BENCHMARK(BM_ConsistencyProof)->RangeMultiplier(10)->Range(10'000, 10'000'000);

}  // namespace
