// RFC 9162 Merkle trees over a partition's leaf hashes (LeafHash: SHA-256(0x00 || event);
// NodeHash: SHA-256(0x01 || left || right)): tree heads, inclusion and consistency
// proofs (§2.1.3, §2.1.4) and their verification, as any RFC 9162 / C2SP client checks
// them.
//
// Proofs are computed from stored perfect subtrees: node (level L, index i) is the hash
// of leaves [i·2^L, (i+1)·2^L), stored once all of them exist (level 0 = the leaves).
// Any range a proof needs is a perfect node or a right edge made of at most one node
// per level; the right edges nest, so a proof needs O(log n) distinct nodes, never the
// leaves. Each is read once (from one batch when the store batches reads).
#pragma once

#include <cstdint>
#include <span>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger {

struct MerkleNodeId {
  uint32_t level = 0;
  uint64_t index = 0;
  bool operator==(const MerkleNodeId&) const = default;
};

// Where the perfect subtree hashes are read from (a RocksDB column family, memory).
class MerkleNodes {
 public:
  virtual ~MerkleNodes() = default;
  // The hash of perfect node (level, index); kNotFound when it is not complete.
  virtual Result<Hash> Node(uint32_t level, uint64_t index) const = 0;
  // Whether reading many nodes at once (Nodes) is cheaper than one by one: then the
  // proofs first work out every node they need (it depends only on the sizes) and read
  // them in one batch.
  virtual bool batches() const { return false; }
  // The nodes `ids`, in order; kNotFound for the first that is not complete.
  virtual Result<std::vector<Hash>> Nodes(std::span<const MerkleNodeId> ids) const;
};

struct MerkleNode {
  uint32_t level = 0;
  uint64_t index = 0;
  Hash hash{};
  bool operator==(const MerkleNode&) const = default;
};

// The perfect nodes leaf `index` completes (its own leaf node first, then each parent
// whose right child it completes), given a way to read the nodes before it.
Result<std::vector<MerkleNode>> NodesCompletedBy(const MerkleNodes& nodes, uint64_t index,
                                                 const Hash& leaf);

// MTH of the first `size` leaves (RFC 9162 §2.1.1); the hash of the empty string for 0.
Result<Hash> RootHash(const MerkleNodes& nodes, uint64_t size);
// MTH of leaves [begin, end): a perfect node or the hash of the split at the largest
// power of two below the length (begin must be aligned to that power, as in proofs).
Result<Hash> RangeHash(const MerkleNodes& nodes, uint64_t begin, uint64_t end);

// PATH(index, D[size]) (§2.1.3.1), leaf-side first. kInvalidArgument unless index < size.
Result<std::vector<Hash>> InclusionProof(const MerkleNodes& nodes, uint64_t index, uint64_t size);
// PROOF(first, D[second]) (§2.1.4.1). kInvalidArgument unless 0 < first <= second.
Result<std::vector<Hash>> ConsistencyProof(const MerkleNodes& nodes, uint64_t first,
                                           uint64_t second);

// §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree of `size` with `root`.
bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> proof,
                     const Hash& root);
// §2.1.4.2: whether `proof` shows the tree of `first` leaves with `first_root` is a
// prefix of the tree of `second` leaves with `second_root` (0 < first <= second).
bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, std::span<const Hash> proof);

// The right edge of a tree: for each set bit L of its size, the perfect node of level L
// that ends at the largest multiple of 2^L within it (at most 64 hashes). Enough to
// append leaves (yielding the perfect nodes each completes) and to compute the root,
// without reading the stored nodes: what a writer keeps per partition.
class MerkleFrontier final : public MerkleNodes {
 public:
  MerkleFrontier() = default;
  // The frontier of the first `size` leaves, read from stored nodes.
  static Result<MerkleFrontier> Load(const MerkleNodes& nodes, uint64_t size);

  uint64_t size() const { return size_; }
  // Appends the next leaf; the perfect nodes it completes, its own leaf node first.
  std::vector<MerkleNode> Append(const Hash& leaf);
  // MTH of the whole tree (the hash of the empty string when there are no leaves).
  Hash Root() const;
  // Only the frontier's own nodes; kNotFound for any other.
  Result<Hash> Node(uint32_t level, uint64_t index) const override;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // peaks_[L], meaningful when bit L of size_ is set
};

// Perfect nodes in memory: for tests, proofs over a few records, and verifiers.
class MemoryMerkle final : public MerkleNodes {
 public:
  void Append(const Hash& leaf);
  uint64_t size() const { return size_; }
  Result<Hash> Node(uint32_t level, uint64_t index) const override;

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[L][i]
  uint64_t size_ = 0;
};

}  // namespace ledger
