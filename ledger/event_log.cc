#include "ledger/event_log.h"

namespace ledger {

Result<std::vector<SignedRecord>> ReadRecords(const EventLog& log, uint32_t partition,
                                              uint64_t from, size_t max) {
  std::vector<StoredRecord> stored;
  if (Status s = log.Read(partition, from, max, &stored); !s.ok()) return s;
  std::vector<SignedRecord> out;
  out.reserve(stored.size());
  for (StoredRecord& r : stored) {
    auto rec = DecodeRecordValue(r.value, r.partition, r.ledgerseq);
    if (!rec.ok()) {
      return Status::Corruption("partition " + std::to_string(r.partition) + " seq " +
                                std::to_string(r.ledgerseq) + ": " + rec.status().message());
    }
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace ledger
