// Proofs against an independent construction: RFC 9162's recursive definitions of MTH,
// PATH and PROOF computed naively over the leaves, for every tree size 1..300 (every
// index and every first size), and random larger trees; and the verifiers refuse any
// altered proof, hash, index or size.
#include "ledger/merkle.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ledger/rfc9162_reference.h"

namespace ledger {
namespace {

using testing::Rfc9162;

Hash LeafOf(uint64_t i) { return LeafHash("event " + std::to_string(i)); }

struct Tree {
  std::vector<Hash> leaves;
  Rfc9162 rfc;
  MemoryMerkle nodes;
  void Grow(uint64_t size) {
    while (leaves.size() < size) {
      leaves.push_back(LeafOf(leaves.size()));
      rfc.Add(leaves.back());
      nodes.Append(leaves.back());
    }
  }
};

void CheckSize(Tree& t, uint64_t n, const std::vector<uint64_t>& indexes) {
  const Hash root = t.rfc.Root(n);
  ASSERT_EQ(*RootHash(t.nodes, n), root) << n;
  for (uint64_t m : indexes) {
    auto path = InclusionProof(t.nodes, m, n);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    ASSERT_EQ(*path, t.rfc.Path(m, n)) << "inclusion " << m << " of " << n;
    ASSERT_TRUE(VerifyInclusion(m, n, t.leaves[m], *path, root)) << m << " of " << n;
    auto proof = ConsistencyProof(t.nodes, m + 1, n);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    ASSERT_EQ(*proof, t.rfc.Proof(m + 1, n)) << "consistency " << m + 1 << "→" << n;
    ASSERT_TRUE(VerifyConsistency(m + 1, n, t.rfc.Root(m + 1), root, *proof)) << m + 1 << "→" << n;
  }
}

TEST(Merkle, EveryProofOfEveryTreeUpTo300MatchesTheRfcDefinition) {
  Tree t;
  t.Grow(300);
  EXPECT_EQ(*RootHash(t.nodes, 0), Sha256(""));
  for (uint64_t n = 1; n <= 300; ++n) {
    std::vector<uint64_t> all(n);
    for (uint64_t i = 0; i < n; ++i) all[i] = i;
    CheckSize(t, n, all);
  }
}

TEST(Merkle, RandomLargerTreesMatchTheRfcDefinition) {
  std::mt19937_64 rng(9162);
  Tree t;
  t.Grow(5000);
  for (int round = 0; round < 12; ++round) {
    const uint64_t n = 301 + rng() % 4700;
    std::vector<uint64_t> some = {0, n - 1, n / 2};
    for (int i = 0; i < 20; ++i) some.push_back(rng() % n);
    for (uint64_t p = 1; p < n; p *= 2) some.push_back(p - 1);  // first sizes at powers of two
    CheckSize(t, n, some);
  }
  // Sizes at and around powers of two.
  for (uint64_t n : {511u, 512u, 513u, 1023u, 1024u, 1025u, 4096u})
    CheckSize(t, n, {0, n / 3, n - 1});
}

TEST(Merkle, AFrontierYieldsTheStoredNodesAndTheRootAtEverySize) {
  Tree t;
  t.Grow(600);
  MerkleFrontier live;
  MemoryMerkle rebuilt;  // only from the nodes the frontier yields
  for (uint64_t n = 0; n < 600; ++n) {
    ASSERT_EQ(live.Root(), t.rfc.Root(n)) << n;
    auto loaded = MerkleFrontier::Load(t.nodes, n);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ASSERT_EQ(loaded->Root(), live.Root()) << n;
    std::vector<MerkleNode> completed = live.Append(t.leaves[n]);
    ASSERT_EQ(completed, *NodesCompletedBy(t.nodes, n, t.leaves[n])) << n;
    // What a writer stores is exactly the perfect nodes: reloading continues the same.
    ASSERT_EQ(loaded->Append(t.leaves[n]), completed) << n;
    rebuilt.Append(t.leaves[n]);
  }
  EXPECT_EQ(*RootHash(rebuilt, 600), live.Root());
  EXPECT_EQ(MerkleFrontier::Load(t.nodes, 601).status().code(), Code::kNotFound);
}

TEST(Merkle, AlteredProofsHashesIndexesAndSizesAreRefused) {
  Tree t;
  t.Grow(77);
  const uint64_t n = 77, m = 41;
  const Hash root = *RootHash(t.nodes, n);
  const auto path = *InclusionProof(t.nodes, m, n);
  ASSERT_TRUE(VerifyInclusion(m, n, t.leaves[m], path, root));
  for (size_t i = 0; i < path.size(); ++i) {
    auto bad = path;
    bad[i][7] ^= 1;
    EXPECT_FALSE(VerifyInclusion(m, n, t.leaves[m], bad, root)) << i;
  }
  EXPECT_FALSE(VerifyInclusion(m + 1, n, t.leaves[m], path, root));
  // (A size whose tree has the same shape around the leaf verifies the same path: the
  // size is bound to its root by the signed checkpoint, not by the proof.)
  EXPECT_FALSE(VerifyInclusion(m, 64, t.leaves[m], path, root));
  EXPECT_FALSE(VerifyInclusion(m, n, t.leaves[m + 1], path, root));
  EXPECT_FALSE(VerifyInclusion(m, n, t.leaves[m], std::span(path).first(path.size() - 1), root));
  EXPECT_FALSE(VerifyInclusion(n, n, t.leaves[m], path, root));

  const uint64_t first = 30;
  const Hash first_root = *RootHash(t.nodes, first);
  const auto proof = *ConsistencyProof(t.nodes, first, n);
  ASSERT_TRUE(VerifyConsistency(first, n, first_root, root, proof));
  for (size_t i = 0; i < proof.size(); ++i) {
    auto bad = proof;
    bad[i][0] ^= 0x80;
    EXPECT_FALSE(VerifyConsistency(first, n, first_root, root, bad)) << i;
  }
  Hash other = first_root;
  other[31] ^= 1;
  EXPECT_FALSE(VerifyConsistency(first, n, other, root, proof));
  EXPECT_FALSE(VerifyConsistency(first, n, first_root, other, proof));
  EXPECT_FALSE(VerifyConsistency(first + 1, n, first_root, root, proof));
  EXPECT_FALSE(VerifyConsistency(first, 64, first_root, root, proof));
  EXPECT_FALSE(VerifyConsistency(first, n, first_root, root, {}));
  // m = n: the empty proof, and only for equal roots.
  EXPECT_TRUE(ConsistencyProof(t.nodes, n, n)->empty());
  EXPECT_TRUE(VerifyConsistency(n, n, root, root, {}));
  EXPECT_FALSE(VerifyConsistency(n, n, root, other, {}));
  // Out of range.
  EXPECT_EQ(InclusionProof(t.nodes, n, n).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(t.nodes, 0, n).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(t.nodes, n, n - 1).status().code(), Code::kInvalidArgument);
  // A tree larger than the nodes stored.
  EXPECT_EQ(RootHash(t.nodes, n + 1).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace ledger
