#include "ledger/archive_log.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "ledger/embedded_log.h"
#include "ledger/event.h"

namespace ledger {

Result<std::unique_ptr<ArchiveBackedLog>> ArchiveBackedLog::Open(
    const EventLog& live, std::vector<VerifiedArchive> archives) {
  std::unique_ptr<ArchiveBackedLog> log(new ArchiveBackedLog(live));
  log->archived_.resize(live.partitions());
  std::vector<std::vector<ArchivedRange*>> by_partition(live.partitions());
  for (VerifiedArchive& a : archives) {
    for (ArchivedRange& r : a.ranges) {
      if (r.partition >= live.partitions())
        return Status::Corruption("an archive has partition " + std::to_string(r.partition) +
                                  "; the log has " + std::to_string(live.partitions()));
      by_partition[r.partition].push_back(&r);
    }
  }
  for (uint32_t p = 0; p < live.partitions(); ++p) {
    if (Status s = log->Join(p, std::move(by_partition[p])); !s.ok()) return s;
  }
  return log;
}

Status ArchiveBackedLog::Join(uint32_t partition, std::vector<ArchivedRange*> ranges) {
  const std::string where = "partition " + std::to_string(partition);
  std::sort(ranges.begin(), ranges.end(),
            [](const ArchivedRange* a, const ArchivedRange* b) { return a->first < b->first; });
  std::vector<SignedRecord>& out = archived_[partition];
  std::string last;  // hex hash of out.back()
  for (ArchivedRange* r : ranges) {
    if (r->first > out.size())
      return Status::Corruption(where + ": the archives leave ledgerseq " +
                                std::to_string(out.size()) + " to " + std::to_string(r->first) +
                                " out (a gap)");
    // Ranges may overlap (an archive re-sealed from 0): the overlap must be equal.
    for (uint64_t seq = r->first; seq < r->end; ++seq) {
      const SignedRecord& rec = r->records[seq - r->first];
      if (seq < out.size()) {
        if (out[seq].event != rec.event)
          return Status::Corruption(where + " ledgerseq " + std::to_string(seq) +
                                    ": two archives disagree");
        continue;
      }
      if (seq == r->first && r->first_prev != last)
        return Status::Corruption(where + ": an archive's range does not continue the previous");
      out.push_back(rec);
      last = Hex(out.back().leaf_hash());
    }
  }
  if (out.empty()) return Status::Ok();
  // The join: the live log's first record at the archived end links to the last one.
  auto next = ReadRecords(live_, partition, out.size(), 1);
  if (!next.ok()) return next.status();
  if (!next->empty() && next->front().ledgerseq == out.size()) {
    auto event = ParseEvent(next->front().event);
    if (!event.ok()) return event.status();
    if (event->ledgerprev != last)
      return Status::Corruption(where + " ledgerseq " + std::to_string(out.size()) +
                                ": the live log does not continue the archived chain");
  } else if (live_.End(partition) > out.size()) {
    return Status::Corruption(where + ": the live log has no ledgerseq " +
                              std::to_string(out.size()) + ", where the archives end");
  }
  return Status::Ok();
}

Status ArchiveBackedLog::Append(std::span<const SignedRecord>, std::span<const StateWrite>) {
  return Status::Internal("a log read from archives is read-only");
}

Status ArchiveBackedLog::KeepState(std::span<const StateWrite>) {
  return Status::Internal("a log read from archives is read-only");
}

uint64_t ArchiveBackedLog::End(uint32_t partition) const {
  return std::max<uint64_t>(live_.End(partition), archived_[partition].size());
}

Status ArchiveBackedLog::Read(uint32_t partition, uint64_t from, size_t max,
                              std::vector<StoredRecord>* out) const {
  out->clear();
  if (partition >= archived_.size())
    return Status::NotFound("no partition " + std::to_string(partition));
  const std::vector<SignedRecord>& archived = archived_[partition];
  for (uint64_t seq = from; seq < archived.size() && out->size() < max; ++seq) {
    out->push_back({partition, seq, EncodeRecordValue(archived[seq])});
  }
  if (out->size() == max) return Status::Ok();
  std::vector<StoredRecord> live;
  const uint64_t live_from = std::max<uint64_t>(from, archived.size());
  if (Status s = live_.Read(partition, live_from, max - out->size(), &live); !s.ok()) return s;
  for (StoredRecord& r : live) out->push_back(std::move(r));
  return Status::Ok();
}

Result<uint64_t> PruneBelow(EmbeddedLog& log, uint32_t partition, uint64_t below) {
  const uint64_t end = log.End(partition);
  if (end == 0) return uint64_t{0};
  below = std::min(below, end - 1);
  std::vector<StoredRecord> first;
  if (Status s = log.Read(partition, 0, 1, &first); !s.ok()) return s;
  if (first.empty() || first.front().ledgerseq >= below) return uint64_t{0};
  const uint64_t from = first.front().ledgerseq;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = log.db()->DeleteRange(wo, log.events_cf(), EncodeLogKey(partition, from),
                                            EncodeLogKey(partition, below));
  if (!s.ok()) return Status::IoError("cannot prune the event log: " + s.ToString());
  return below - from;
}

}  // namespace ledger
