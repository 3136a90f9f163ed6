#include "ledger/tree_store.h"

#include "ledger/event.h"

namespace ledger {
namespace {

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string PartitionPrefix(uint32_t partition) {
  std::string key;
  PutBigEndian(key, partition, 4);
  return key;
}

}  // namespace

std::string MerkleStateKey(uint32_t partition, uint32_t level, uint64_t index) {
  std::string key = PartitionPrefix(partition);
  key.push_back(static_cast<char>(level));
  PutBigEndian(key, index, 8);
  return key;
}

std::string CheckpointStateKey(uint32_t partition, uint64_t size) {
  std::string key = PartitionPrefix(partition);
  PutBigEndian(key, size, 8);
  return key;
}

void AddMerkleWrites(uint32_t partition, std::span<const MerkleNode> nodes,
                     std::vector<StateWrite>& out) {
  for (const MerkleNode& n : nodes) {
    out.push_back({StateTable::kMerkle, MerkleStateKey(partition, n.level, n.index),
                   std::string(reinterpret_cast<const char*>(n.hash.data()), n.hash.size())});
  }
}

namespace {

Result<Hash> NodeFromValue(const std::optional<std::string>& value, uint32_t partition,
                           uint32_t level, uint64_t index) {
  const auto where = [&] {
    return "Merkle node " + std::to_string(level) + "/" + std::to_string(index) + " of partition " +
           std::to_string(partition);
  };
  if (!value) return Status::NotFound(where() + " is not stored");
  if (value->size() != sizeof(Hash)) return Status::Corruption(where() + " is not 32 bytes");
  Hash h;
  std::copy(value->begin(), value->end(), reinterpret_cast<char*>(h.data()));
  return h;
}

}  // namespace

Result<Hash> LogMerkleNodes::Node(uint32_t level, uint64_t index) const {
  auto value = log_.GetState(StateTable::kMerkle, MerkleStateKey(partition_, level, index));
  if (!value.ok()) return value.status();
  return NodeFromValue(*value, partition_, level, index);
}

Result<std::vector<Hash>> LogMerkleNodes::Nodes(std::span<const MerkleNodeId> ids) const {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const MerkleNodeId& id : ids) keys.push_back(MerkleStateKey(partition_, id.level, id.index));
  auto values = log_.GetStates(StateTable::kMerkle, keys);
  if (!values.ok()) return values.status();
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto h = NodeFromValue((*values)[i], partition_, ids[i].level, ids[i].index);
    if (!h.ok()) return h.status();
    out.push_back(*h);
  }
  return out;
}

Result<bool> TreeStoredTo(const EventLog& log, uint32_t partition, uint64_t size) {
  if (size == 0) return true;
  auto value = log.GetState(StateTable::kMerkle, MerkleStateKey(partition, 0, size - 1));
  if (!value.ok()) return value.status();
  return value->has_value();
}

Status RebuildTree(EventLog& log, uint32_t partition, uint64_t end) {
  constexpr size_t kChunk = 4096;
  MerkleFrontier tree;
  Hash prev{};
  while (tree.size() < end) {
    auto records =
        ReadRecords(log, partition, tree.size(), std::min<uint64_t>(kChunk, end - tree.size()));
    if (!records.ok()) return records.status();
    if (records->empty()) {
      return Status::Corruption("partition " + std::to_string(partition) + " ledgerseq " +
                                std::to_string(tree.size()) + " is missing");
    }
    std::vector<StateWrite> writes;
    for (const SignedRecord& r : *records) {
      auto event = ParseEvent(r.event);
      const std::string where =
          "partition " + std::to_string(partition) + " ledgerseq " + std::to_string(r.ledgerseq);
      if (!event.ok()) return Status::Corruption(where + ": " + event.status().message());
      if (r.ledgerseq != tree.size() || event->ledgerprev != (r.ledgerseq == 0 ? "" : Hex(prev))) {
        return Status::Corruption(where + ": ledgerprev does not continue the chain");
      }
      prev = r.leaf_hash();
      AddMerkleWrites(partition, tree.Append(prev), writes);
    }
    if (Status s = log.KeepState(writes); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string CheckpointOrigin(std::string_view ledger_name, uint32_t partition) {
  return std::string(ledger_name) + "/" + std::to_string(partition);
}

Result<StoredCheckpoint> SignCheckpoint(EventLog& log, const SigningKey& key,
                                        std::string_view ledger_name, uint32_t partition,
                                        uint64_t size, const Hash& root) {
  auto note =
      SignNote(CheckpointText({CheckpointOrigin(ledger_name, partition), size, root, {}}), key);
  if (!note.ok()) return note.status();
  StateWrite write{StateTable::kCheckpoints, CheckpointStateKey(partition, size), *note};
  if (Status s = log.KeepState(std::span(&write, 1)); !s.ok()) return s;
  return StoredCheckpoint{size, std::move(note).value()};
}

Result<std::optional<StoredCheckpoint>> FindCheckpoint(const EventLog& log, uint32_t partition,
                                                       uint64_t size_max) {
  auto entry = log.FloorState(StateTable::kCheckpoints, PartitionPrefix(partition),
                              CheckpointStateKey(partition, size_max));
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::optional<StoredCheckpoint>();
  const std::string& key = (*entry)->key;
  if (key.size() != 12) return Status::Corruption("a checkpoint key is not 12 bytes");
  uint64_t size = 0;
  for (size_t i = 4; i < 12; ++i) size = size << 8 | static_cast<uint8_t>(key[i]);
  return std::optional<StoredCheckpoint>(StoredCheckpoint{size, std::move((*entry)->value)});
}

}  // namespace ledger
