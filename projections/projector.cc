#include "projections/projector.h"

#include <rocksdb/write_batch.h>

#include "ledger/partition.h"

namespace projections {
using ledger::Result;
using ledger::Status;

namespace {

std::string At(uint32_t partition, uint64_t seq) {
  return "partition " + std::to_string(partition) + " ledgerseq " + std::to_string(seq);
}

}  // namespace

PartitionProjector::PartitionProjector(uint32_t partition, ViewStore& store,
                                       const ledger::EventLog& log, const ledger::Keyring& keys,
                                       const Models& models, ProjectorLimits limits)
    : partition_(partition),
      store_(store),
      log_(log),
      keys_(keys),
      limits_(limits),
      applier_(store, models) {
  LEDGER_ASSERT(partition < log.partitions() && log.partitions() == store.partitions());
  LEDGER_ASSERT(limits.chunk_events_max > 0);
}

Status PartitionProjector::Load() {
  auto position = store_.GetPosition(partition_);
  if (!position.ok()) return position.status();
  position_ = *position;
  reached_until_ = false;
  if (position_.next_seq == 0) return Status::Ok();
  const uint64_t end = log_.End(partition_);
  if (position_.next_seq > end) {
    return Status::Corruption("the views of partition " + std::to_string(partition_) +
                              " are at ledgerseq " + std::to_string(position_.next_seq) +
                              " but the log ends at " + std::to_string(end) +
                              ": they were built from another log");
  }
  auto last = ledger::ReadRecords(log_, partition_, position_.next_seq - 1, 1);
  if (!last.ok()) return last.status();
  if (last->size() != 1 || last->front().leaf_hash() != position_.last) {
    return Status::Corruption("the views' last event of partition " + std::to_string(partition_) +
                              " (ledgerseq " + std::to_string(position_.next_seq - 1) +
                              ") differs from the log's: they were built from another log");
  }
  return Status::Ok();
}

Result<ledger::Event> PartitionProjector::Check(const ledger::StoredRecord& stored, uint64_t seq,
                                                const ledger::Hash& prev, Signed& leaf,
                                                bool verify_signature) const {
  auto fail = [&](const std::string& why) {
    return Status::Corruption("projection stopped at " + At(partition_, seq) + ": " + why);
  };
  if (stored.partition != partition_ || stored.ledgerseq != seq) {
    return fail("the log returned " + At(stored.partition, stored.ledgerseq) + " (a gap)");
  }
  auto record = ledger::DecodeRecordValue(stored.value, partition_, seq);
  if (!record.ok()) return fail(record.status().message());
  auto event = ledger::ParseEvent(record->event);
  if (!event.ok()) return fail(event.status().ToString());
  if (event->partition != partition_ || event->ledgerseq != seq) {
    return fail("the event names " + At(event->partition, event->ledgerseq));
  }
  if (ledger::PartitionOf(event->subject, log_.partitions()) != partition_) {
    return fail("subject " + event->subject + " belongs in another partition");
  }
  if (event->ledgerprev != (seq == 0 ? std::string() : ledger::Hex(prev))) {
    return fail("ledgerprev does not link to the previous event");
  }
  leaf.hash = record->leaf_hash();
  leaf.key = keys_.Find(record->kid);
  leaf.signature = record->signature;
  if (leaf.key == nullptr) return fail("untrusted key id " + ledger::KidHex(record->kid));
  if (verify_signature && !leaf.Verifies()) return fail("the signature does not verify");
  const ledger::PublicKey* key = leaf.key;
  if (auto why = key->OutsideValidity(event->time))
    return fail("signed with a key not valid then: " + *why);
  return event;
}

Result<size_t> PartitionProjector::Step(uint64_t end_seq) {
  const uint64_t end = std::min(log_.End(partition_), end_seq);
  if (reached_until_ || position_.next_seq >= end) return size_t{0};
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(limits_.chunk_events_max, end - position_.next_seq));
  std::vector<ledger::StoredRecord> stored;
  if (Status s = log_.Read(partition_, position_.next_seq, want, &stored); !s.ok()) return s;
  if (stored.empty()) {
    return Status::Corruption("projection stopped at " + At(partition_, position_.next_seq) +
                              ": the log has no record there (a gap)");
  }
  return ApplyRecords(stored);
}

Result<size_t> PartitionProjector::ApplyRecords(std::span<const ledger::StoredRecord> stored) {
  // Records already applied may come again (a consumer group re-delivers after a
  // rebalance); anything else out of place is a gap, which Check reports.
  while (!stored.empty() && stored.front().partition == partition_ &&
         stored.front().ledgerseq < position_.next_seq) {
    stored = stored.subspan(1);
  }
  if (reached_until_ || stored.empty()) return size_t{0};
  // The chunk's signatures are checked through its last event: each event's leaf hash
  // covers its ledgerprev, so a valid signature over the last leaf hash authenticates
  // every event before it in the chunk, as a signed tree head does its log. Should it
  // not verify, the chunk is checked again one signature at a time, so the error names
  // the first event that fails and the ones before it are applied, as they would be.
  bool last_signature_fails = false;
  auto chunk = Apply(stored, /*verify_each=*/false, &last_signature_fails);
  if (!last_signature_fails) return chunk;
  return Apply(stored, /*verify_each=*/true, &last_signature_fails);
}

Result<size_t> PartitionProjector::Apply(std::span<const ledger::StoredRecord> stored,
                                         bool verify_each, bool* last_signature_fails) {
  rocksdb::WriteBatch batch;
  Position next = position_;
  Status failure;
  size_t applied = 0;
  Signed last;
  for (const ledger::StoredRecord& r : stored) {
    Signed leaf;
    auto event = Check(r, next.next_seq, next.last, leaf, verify_each);
    if (!event.ok()) {
      failure = event.status();
      break;
    }
    if (limits_.until && ledger::ParseRfc3339(event->time).value_or(0) > *limits_.until) {
      reached_until_ = true;  // recorded time never decreases in a partition
      break;
    }
    if (Status s = applier_.Apply(*event, leaf.hash, batch); !s.ok()) {
      failure = std::move(s);
      break;
    }
    next.next_seq++;
    next.last = leaf.hash;
    last = leaf;
    ++applied;
    if (batch.GetDataSize() > limits_.batch_bytes_max) break;
  }
  if (applied > 0 && !verify_each && !last.Verifies()) {
    applier_.Reset();  // nothing of the chunk is written
    reached_until_ = false;
    *last_signature_fails = true;
    return size_t{0};
  }
  if (applied > 0) {
    batch.Put(store_.cf(Family::kPositions), PositionKey(partition_), EncodePosition(next));
    Status written = store_.Write(batch);
    applier_.Reset();
    if (!written.ok()) return written;
    position_ = next;
  }
  applier_.Reset();
  if (!failure.ok()) return failure;
  return applied;
}

}  // namespace projections
