// A log read from verified archive bundles below their cuts and from the live log
// above: so that a log whose old records were removed (Kafka retention, tiered
// storage, ledgerctl archive --prune) can still be replayed from ledgerseq 0.
//
// Per partition the bundles' ranges must join without a gap (each range's first is the
// previous one's end, its first_prev the previous last_hash) from ledgerseq 0. Reads
// below the archived end come from the bundles; at and above it from the live log,
// whose first record there must link to the last archived one (`ledgerprev`), which
// Open checks (the projector checks every link again as it applies).
//
// Read-only: Append, KeepState and PutState fail. State reads go to the live log.
// Thread-safe as the live log is; the archived records are immutable.
#pragma once

#include <memory>
#include <vector>

#include "ledger/archive.h"
#include "ledger/event_log.h"

namespace ledger {

class ArchiveBackedLog final : public EventLog {
 public:
  // `live` must outlive the result. kCorruption naming the partition when ranges leave a
  // gap or overlap differently, or the live log does not continue the archived chain.
  static Result<std::unique_ptr<ArchiveBackedLog>> Open(const EventLog& live,
                                                        std::vector<VerifiedArchive> archives);

  uint32_t partitions() const override { return live_.partitions(); }
  Status Append(std::span<const SignedRecord>, std::span<const StateWrite>) override;
  uint64_t End(uint32_t partition) const override;
  Status Read(uint32_t partition, uint64_t from, size_t max,
              std::vector<StoredRecord>* out) const override;
  bool WaitBeyond(uint32_t partition, uint64_t seq,
                  std::chrono::milliseconds timeout) const override {
    return live_.WaitBeyond(partition, seq, timeout);
  }
  uint64_t ApproximateBytes() const override { return live_.ApproximateBytes(); }
  Result<std::optional<std::string>> GetState(StateTable table,
                                              const std::string& key) const override {
    return live_.GetState(table, key);
  }
  Result<std::optional<StateEntry>> FloorState(StateTable table, const std::string& prefix,
                                               const std::string& key) const override {
    return live_.FloorState(table, prefix, key);
  }
  Status KeepState(std::span<const StateWrite>) override;

  // The end of the archived records of `partition` (0 when none).
  uint64_t ArchivedEnd(uint32_t partition) const { return archived_[partition].size(); }

 private:
  explicit ArchiveBackedLog(const EventLog& live) : live_(live) {}
  Status Join(uint32_t partition, std::vector<ArchivedRange*> ranges);

  const EventLog& live_;
  std::vector<std::vector<SignedRecord>> archived_;  // per partition, [0, archived end)
};

// Deletes the embedded log's records of `partition` below `below`, except the
// partition's last record (which keeps its end known): what an archive made safe to
// drop. Takes the RocksDB database and events family of an EmbeddedLog opened for
// writing (ledgerd stopped). Returns the count deleted.
class EmbeddedLog;
Result<uint64_t> PruneBelow(EmbeddedLog& log, uint32_t partition, uint64_t below);

}  // namespace ledger
