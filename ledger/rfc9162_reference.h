// RFC 9162's recursive definitions of MTH, PATH and PROOF (§2.1.1, §2.1.3.1, §2.1.4.1),
// computed naively over a list of leaf hashes: the independent construction tests
// compare the stored-node proofs with. For tests only.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "ledger/crypto.h"

namespace ledger::testing {

using Leaves = std::vector<Hash>;

class Rfc9162 {
 public:
  explicit Rfc9162(Leaves leaves = {}) : d_(std::move(leaves)) {}
  void Add(const Hash& leaf) { d_.push_back(leaf); }  // (subtree hashes never change)
  const Leaves& leaves() const { return d_; }

  // MTH(D[begin:end]). Memoized, only so that exhaustive tests stay quick under the
  // sanitizers.
  Hash Mth(size_t begin, size_t end) const {
    const size_t n = end - begin;
    if (n == 0) return Sha256("");
    if (n == 1) return d_[begin];
    if (auto it = memo_.find({begin, end}); it != memo_.end()) return it->second;
    const size_t k = Split(n);
    Hash h = NodeHash(Mth(begin, begin + k), Mth(begin + k, end));
    memo_[{begin, end}] = h;
    return h;
  }
  Hash Root(size_t n) const { return Mth(0, n); }

  // PATH(m, D[0:n]).
  Leaves Path(size_t m, size_t n) const { return PathOf(m, 0, n); }
  // PROOF(m, D[0:n]).
  Leaves Proof(size_t m, size_t n) const { return SubProof(m, 0, n, true); }

 private:
  static size_t Split(size_t n) {
    size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }
  Leaves PathOf(size_t m, size_t begin, size_t end) const {
    const size_t n = end - begin;
    if (n <= 1) return {};
    const size_t k = Split(n);
    Leaves out;
    if (m < k) {
      out = PathOf(m, begin, begin + k);
      out.push_back(Mth(begin + k, end));
    } else {
      out = PathOf(m - k, begin + k, end);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }
  Leaves SubProof(size_t m, size_t begin, size_t end, bool b) const {
    const size_t n = end - begin;
    if (m == n) return b ? Leaves{} : Leaves{Mth(begin, end)};
    const size_t k = Split(n);
    Leaves out;
    if (m <= k) {
      out = SubProof(m, begin, begin + k, b);
      out.push_back(Mth(begin + k, end));
    } else {
      out = SubProof(m - k, begin + k, end, false);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  Leaves d_;
  mutable std::map<std::pair<size_t, size_t>, Hash> memo_;
};

}  // namespace ledger::testing
