// Verification of a whole log, or of any ordered stream of signed records (a captured
// feed), from the formats alone: canonical bytes, leaf hashes, the partition chain
// (ledgerseq, ledgerprev), each subject's chain (streamversion, streamprev), placement
// (murmur2 partition) and Ed25519 signatures against trusted keys.
//
// The first broken link is reported with its partition and ledgerseq. Signatures are
// checked on several threads; the report is the same as a sequential walk's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/event_log.h"
#include "ledger/keys.h"

namespace ledger {

struct VerifyOptions {
  bool signatures = true;  // false: hash chains only
  unsigned threads = 0;    // for signatures; 0 = one per core
  size_t chunk_records = 4096;
};

struct VerifyFailure {
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  std::string reason;
};

struct PartitionSummary {
  uint64_t events = 0;
  Hash last{};  // leaf hash of the last event
};

struct VerifyReport {
  uint64_t events = 0;
  uint64_t subjects = 0;
  uint64_t signatures_checked = 0;
  std::vector<PartitionSummary> partitions;
  std::optional<VerifyFailure> failure;
  bool ok() const { return !failure.has_value(); }
};

// Checks one partition's records in order. Not thread-safe.
class ChainVerifier {
 public:
  ChainVerifier(uint32_t partition, uint32_t partitions, const Keyring& keys);

  // Checks everything but the signature of the record expected next; returns why it
  // fails, or nullopt. After a failure the verifier's state is unspecified.
  std::optional<std::string> Check(const SignedRecord& record);

  uint64_t next_seq() const { return next_seq_; }
  const Hash& last() const { return last_; }
  size_t subjects() const { return streams_.size(); }

 private:
  struct Stream {
    uint64_t version = 0;
    Hash last{};
  };
  uint32_t partition_;
  uint32_t partitions_;
  const Keyring& keys_;
  uint64_t next_seq_ = 0;
  Hash last_{};
  std::unordered_map<std::string, Stream> streams_;
};

// Whether `record` carries a valid signature by a key in `keys`.
bool SignatureValid(const SignedRecord& record, const Keyring& keys);

// Walks every partition of the log from seq 0. Errors reading the log are returned as
// a Status; broken links are in the report's `failure`.
Result<VerifyReport> VerifyLog(const EventLog& log, const Keyring& keys,
                               const VerifyOptions& options);

// Verifies records already in order (e.g. a feed): `records` for one partition.
// Returns the index of the first record whose signature fails, if any.
std::optional<size_t> FirstBadSignature(const std::vector<SignedRecord>& records, size_t count,
                                        const Keyring& keys, unsigned threads);

}  // namespace ledger
