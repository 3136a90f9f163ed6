// Each partition's Merkle tree and signed checkpoints, kept in the log's writer state
// beside the events (docs/FORMAT.md §6a):
//   StateTable::kMerkle       u32 partition, u8 level, u64 index (big-endian) -> 32-byte hash
//                              of the perfect node (level 0: the leaf hashes)
//   StateTable::kCheckpoints  u32 partition, u64 tree size (big-endian) -> the signed note
// The writer adds the nodes each record completes to the record's own append (so the
// embedded log stores them atomically with the events), and signs checkpoints as its
// policy says (writer.h). Everything here reads only stored nodes: a proof takes
// O(log n) point reads, whatever the log's size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

namespace ledger {

std::string MerkleStateKey(uint32_t partition, uint32_t level, uint64_t index);
std::string CheckpointStateKey(uint32_t partition, uint64_t size);

// Adds the writes that store `nodes` of `partition`'s tree.
void AddMerkleWrites(uint32_t partition, std::span<const MerkleNode> nodes,
                     std::vector<StateWrite>& out);

// The stored nodes of one partition's tree.
class LogMerkleNodes final : public MerkleNodes {
 public:
  LogMerkleNodes(const EventLog& log, uint32_t partition) : log_(log), partition_(partition) {}
  Result<Hash> Node(uint32_t level, uint64_t index) const override;
  bool batches() const override { return true; }
  Result<std::vector<Hash>> Nodes(std::span<const MerkleNodeId> ids) const override;

 private:
  const EventLog& log_;
  uint32_t partition_;
};

// Whether the tree of `partition` is stored up to `size` leaves (its last leaf node is).
Result<bool> TreeStoredTo(const EventLog& log, uint32_t partition, uint64_t size);

// Stores the tree of leaves [0, end) of `partition`, computed from its records: for a
// log written before the ledger kept trees. Checks the records' ledgerprev chain.
Status RebuildTree(EventLog& log, uint32_t partition, uint64_t end);

// "<ledger name>/<partition>": a checkpoint's origin line.
std::string CheckpointOrigin(std::string_view ledger_name, uint32_t partition);

struct StoredCheckpoint {
  uint64_t size = 0;
  std::string note;  // the signed note, as served
};

// Signs the checkpoint of `partition`'s tree at `size` leaves with root `root` and keeps
// it (KeepState); the same tree and key always give the same bytes (Ed25519 signatures
// are deterministic), so signing one twice is harmless.
Result<StoredCheckpoint> SignCheckpoint(EventLog& log, const SigningKey& key,
                                        std::string_view ledger_name, uint32_t partition,
                                        uint64_t size, const Hash& root);

// The kept checkpoint of `partition` with the largest size <= `size_max`; nullopt when none.
Result<std::optional<StoredCheckpoint>> FindCheckpoint(const EventLog& log, uint32_t partition,
                                                       uint64_t size_max = UINT64_MAX);

}  // namespace ledger
