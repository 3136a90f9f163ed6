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
                                                const ledger::Hash& prev,
                                                ledger::Hash& leaf) const {
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
  leaf = record->leaf_hash();
  const ledger::PublicKey* key = keys_.Find(record->kid);
  if (key == nullptr) return fail("untrusted key id " + ledger::KidHex(record->kid));
  if (!key->Verify(leaf, record->signature)) return fail("the signature does not verify");
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
  rocksdb::WriteBatch batch;
  Position next = position_;
  Status failure;
  size_t applied = 0;
  for (const ledger::StoredRecord& r : stored) {
    ledger::Hash leaf{};
    auto event = Check(r, next.next_seq, next.last, leaf);
    if (!event.ok()) {
      failure = event.status();
      break;
    }
    if (limits_.until && ledger::ParseRfc3339(event->time).value_or(0) > *limits_.until) {
      reached_until_ = true;  // recorded time never decreases in a partition
      break;
    }
    if (Status s = applier_.Apply(*event, leaf, batch); !s.ok()) {
      failure = std::move(s);
      break;
    }
    next.next_seq++;
    next.last = leaf;
    ++applied;
    if (batch.GetDataSize() > limits_.batch_bytes_max) break;
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
