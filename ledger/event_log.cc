#include "ledger/event_log.h"

#include <algorithm>
#include <charconv>

namespace ledger {

Result<std::vector<uint64_t>> ParsePositions(std::string_view text, uint32_t partitions) {
  std::vector<uint64_t> next(partitions, 0);
  std::string_view rest = text;
  for (bool more = true; more;) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    more = comma != std::string_view::npos;
    rest = more ? rest.substr(comma + 1) : "";
    const size_t colon = item.find(':');
    uint32_t p = 0;
    uint64_t seq = 0;
    bool ok = colon != std::string_view::npos && colon > 0;
    if (ok) {
      const char* end = item.data() + item.size();
      auto [pe, pc] = std::from_chars(item.data(), item.data() + colon, p);
      auto [se, sc] = std::from_chars(item.data() + colon + 1, end, seq);
      ok = pc == std::errc() && pe == item.data() + colon && sc == std::errc() && se == end &&
           p < partitions && seq < UINT64_MAX;
    }
    if (!ok) {
      return Status::Invalid("\"" + std::string(item) +
                             "\" is not PARTITION:LEDGERSEQ with a partition below " +
                             std::to_string(partitions));
    }
    next[p] = std::max(next[p], seq + 1);
  }
  return next;
}

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
