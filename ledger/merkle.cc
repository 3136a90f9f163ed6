#include "ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <optional>

namespace ledger {
namespace {

// Remembers the nodes one proof read. A proof's non-perfect right-edge ranges nest, so
// computing each from scratch reads the same perfect nodes again, O(log² n) reads in
// all; with this, each distinct node is read once: O(log n) reads from the store.
class CachedNodes final : public MerkleNodes {
 public:
  explicit CachedNodes(const MerkleNodes& nodes) : nodes_(nodes) {}
  Result<Hash> Node(uint32_t level, uint64_t index) const override {
    for (const MerkleNode& n : cache_) {
      if (n.level == level && n.index == index) return n.hash;
    }
    auto hash = nodes_.Node(level, index);
    if (hash.ok()) cache_.push_back({level, index, *hash});
    return hash;
  }
  // Reads `ids` in one batch into the cache.
  Status Prefetch(std::span<const MerkleNodeId> ids) {
    auto hashes = nodes_.Nodes(ids);
    if (!hashes.ok()) return hashes.status();
    for (size_t i = 0; i < ids.size(); ++i)
      cache_.push_back({ids[i].level, ids[i].index, (*hashes)[i]});
    return Status::Ok();
  }

 private:
  const MerkleNodes& nodes_;
  mutable std::vector<MerkleNode> cache_;  // a few dozen at most: a linear scan wins
};

// Answers every node with zeros and notes which were asked for, once each: what a
// computation will read, found by running it (which nodes it reads depends only on the
// indexes and sizes, never on the hashes).
class PlannedNodes final : public MerkleNodes {
 public:
  Result<Hash> Node(uint32_t level, uint64_t index) const override {
    const MerkleNodeId id{level, index};
    if (std::find(ids_.begin(), ids_.end(), id) == ids_.end()) ids_.push_back(id);
    return Hash{};
  }
  const std::vector<MerkleNodeId>& ids() const { return ids_; }

 private:
  mutable std::vector<MerkleNodeId> ids_;
};

// Runs `compute` over `nodes` reading each node once: in one batch when the store
// batches reads, else as the computation asks.
template <class Compute>
auto ReadingOnce(const MerkleNodes& nodes, Compute compute) -> decltype(compute(nodes)) {
  CachedNodes cached(nodes);
  if (nodes.batches()) {
    PlannedNodes plan;
    (void)compute(plan);
    if (Status s = cached.Prefetch(plan.ids()); !s.ok()) return s;
  }
  return compute(cached);
}

// The largest power of two below n (n >= 2).
uint64_t SplitOf(uint64_t n) { return std::bit_floor(n - 1); }

Status PathOf(const MerkleNodes& nodes, uint64_t index, uint64_t begin, uint64_t end,
              std::vector<Hash>& out) {
  if (end - begin <= 1) return Status::Ok();
  const uint64_t k = SplitOf(end - begin);
  Result<Hash> sibling = Status::Ok();
  if (index < begin + k) {
    if (Status s = PathOf(nodes, index, begin, begin + k, out); !s.ok()) return s;
    sibling = RangeHash(nodes, begin + k, end);
  } else {
    if (Status s = PathOf(nodes, index, begin + k, end, out); !s.ok()) return s;
    sibling = RangeHash(nodes, begin, begin + k);
  }
  if (!sibling.ok()) return sibling.status();
  out.push_back(*sibling);
  return Status::Ok();
}

// SUBPROOF(m, D[begin:end], whole) of §2.1.4.1, m counted from begin.
Status SubProof(const MerkleNodes& nodes, uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>& out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (whole) return Status::Ok();
    auto h = RangeHash(nodes, begin, end);
    if (!h.ok()) return h.status();
    out.push_back(*h);
    return Status::Ok();
  }
  const uint64_t k = SplitOf(n);
  Result<Hash> other = Status::Ok();
  if (m <= k) {
    if (Status s = SubProof(nodes, m, begin, begin + k, whole, out); !s.ok()) return s;
    other = RangeHash(nodes, begin + k, end);
  } else {
    if (Status s = SubProof(nodes, m - k, begin + k, end, false, out); !s.ok()) return s;
    other = RangeHash(nodes, begin, begin + k);
  }
  if (!other.ok()) return other.status();
  out.push_back(*other);
  return Status::Ok();
}

// One step of both verifications (§2.1.3.2 step 4, §2.1.4.2 step 6): whether the next
// proof hash goes on the left, after which fn and sn are shifted as the RFC says;
// nullopt when sn is already 0 (the proof is longer than the tree is high).
std::optional<bool> ProofHashGoesLeft(uint64_t& fn, uint64_t& sn) {
  if (sn == 0) return std::nullopt;
  const bool left = (fn & 1) == 1 || fn == sn;
  while (left && (fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  fn >>= 1;
  sn >>= 1;
  return left;
}

}  // namespace

Result<std::vector<Hash>> MerkleNodes::Nodes(std::span<const MerkleNodeId> ids) const {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const MerkleNodeId& id : ids) {
    auto h = Node(id.level, id.index);
    if (!h.ok()) return h.status();
    out.push_back(*h);
  }
  return out;
}

Result<std::vector<MerkleNode>> NodesCompletedBy(const MerkleNodes& nodes, uint64_t index,
                                                 const Hash& leaf) {
  std::vector<MerkleNode> out{{0, index, leaf}};
  Hash right = leaf;
  uint64_t i = index;
  for (uint32_t level = 0; i % 2 == 1; ++level, i /= 2) {
    auto left = nodes.Node(level, i - 1);
    if (!left.ok()) return left.status();
    right = NodeHash(*left, right);
    out.push_back({level + 1, i / 2, right});
  }
  return out;
}

Result<Hash> RangeHash(const MerkleNodes& nodes, uint64_t begin, uint64_t end) {
  if (end <= begin) return Status::Invalid("an empty range has no Merkle tree hash");
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return nodes.Node(static_cast<uint32_t>(std::countr_zero(n)), begin / n);
  }
  const uint64_t k = SplitOf(n);
  if (begin % k != 0) return Status::Invalid("a Merkle range must start aligned to its split");
  auto left = RangeHash(nodes, begin, begin + k);
  if (!left.ok()) return left;
  auto right = RangeHash(nodes, begin + k, end);
  if (!right.ok()) return right;
  return NodeHash(*left, *right);
}

Result<Hash> RootHash(const MerkleNodes& nodes, uint64_t size) {
  if (size == 0) return Sha256("");
  return ReadingOnce(nodes, [&](const MerkleNodes& n) { return RangeHash(n, 0, size); });
}

Result<std::vector<Hash>> InclusionProof(const MerkleNodes& nodes, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Status::Invalid("leaf " + std::to_string(index) + " is not in a tree of " +
                           std::to_string(size));
  }
  return ReadingOnce(nodes, [&](const MerkleNodes& n) -> Result<std::vector<Hash>> {
    std::vector<Hash> out;
    if (Status s = PathOf(n, index, 0, size, out); !s.ok()) return s;
    return out;
  });
}

Result<std::vector<Hash>> ConsistencyProof(const MerkleNodes& nodes, uint64_t first,
                                           uint64_t second) {
  if (first == 0 || first > second) {
    return Status::Invalid("a consistency proof needs 0 < first <= second, not " +
                           std::to_string(first) + " and " + std::to_string(second));
  }
  return ReadingOnce(nodes, [&](const MerkleNodes& n) -> Result<std::vector<Hash>> {
    std::vector<Hash> out;
    if (Status s = SubProof(n, first, 0, second, true, out); !s.ok()) return s;
    return out;
  });
}

bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> proof,
                     const Hash& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    const std::optional<bool> left = ProofHashGoesLeft(fn, sn);
    if (!left) return false;
    r = *left ? NodeHash(p, r) : NodeHash(r, p);
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, std::span<const Hash> proof) {
  if (first == 0 || first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (proof.empty()) return false;
  std::vector<Hash> path;
  if (std::has_single_bit(first)) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = first - 1, sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    const std::optional<bool> left = ProofHashGoesLeft(fn, sn);
    if (!left) return false;
    if (*left) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
    } else {
      sr = NodeHash(sr, c);
    }
  }
  return fr == first_root && sr == second_root && sn == 0;
}

Result<MerkleFrontier> MerkleFrontier::Load(const MerkleNodes& nodes, uint64_t size) {
  MerkleFrontier f;
  f.size_ = size;
  f.peaks_.resize(std::bit_width(size));
  for (uint32_t level = 0; level < f.peaks_.size(); ++level) {
    if ((size >> level & 1) == 0) continue;
    auto node = nodes.Node(level, (size >> level) - 1);
    if (!node.ok()) return node.status();
    f.peaks_[level] = *node;
  }
  return f;
}

std::vector<MerkleNode> MerkleFrontier::Append(const Hash& leaf) {
  auto completed = NodesCompletedBy(*this, size_, leaf);
  LEDGER_ASSERT(completed.ok());  // the left siblings are the frontier's own nodes
  for (const MerkleNode& node : *completed) {
    if (peaks_.size() <= node.level) peaks_.resize(node.level + 1);
    peaks_[node.level] = node.hash;
  }
  ++size_;
  return std::move(completed).value();
}

Hash MerkleFrontier::Root() const {
  if (size_ == 0) return Sha256("");
  std::optional<Hash> root;
  for (uint32_t level = 0; level < peaks_.size(); ++level) {
    if ((size_ >> level & 1) == 0) continue;
    root = root ? NodeHash(peaks_[level], *root) : peaks_[level];
  }
  return *root;
}

Result<Hash> MerkleFrontier::Node(uint32_t level, uint64_t index) const {
  if (level < peaks_.size() && (size_ >> level & 1) == 1 && index == (size_ >> level) - 1)
    return peaks_[level];
  return Status::NotFound("Merkle node " + std::to_string(level) + "/" + std::to_string(index) +
                          " is not on the frontier");
}

void MemoryMerkle::Append(const Hash& leaf) {
  auto completed = NodesCompletedBy(*this, size_, leaf);
  LEDGER_ASSERT(completed.ok());
  for (const MerkleNode& node : *completed) {
    if (levels_.size() <= node.level) levels_.resize(node.level + 1);
    LEDGER_ASSERT(levels_[node.level].size() == node.index);
    levels_[node.level].push_back(node.hash);
  }
  ++size_;
}

Result<Hash> MemoryMerkle::Node(uint32_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Status::NotFound("Merkle node " + std::to_string(level) + "/" + std::to_string(index) +
                            " is not complete");
  }
  return levels_[level][index];
}

}  // namespace ledger
