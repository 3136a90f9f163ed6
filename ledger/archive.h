// Archive bundles: a sealed, offline-verifiable copy of each partition's events recorded
// before a date, with what is needed to trust them and the list of closed records they
// retire from the hot views (docs/FORMAT.md §6c).
//
// A bundle (bundle_file.h: tar + gzip) holds
//   manifest.json              RFC 8785 canonical JSON and a newline (below)
//   partitions/<P>.ndjson      the partition's signed records [first, end), one feed
//                              line each (record.h FeedLine), in ledgerseq order
//   partitions/<P>.checkpoint  a signed C2SP checkpoint of the partition's tree with at
//                              least `end` leaves
// and the manifest
//   {"before": "<RFC 3339>", "counts": {"events": N, "records": M},
//    "created": "<RFC 3339>", "format": "sales-ledger-archive/1",
//    "keys": ["<verifier key>", ...], "ledger": "<name>",
//    "members": {"<name>": "<sha256 hex>", ...},
//    "partitions": [{"checkpoint": "<member>", "end": E, "events": "<member>",
//                    "first": F, "first_prev": "<hex or \"\">", "inclusion_path":
//                    ["<base64>", ...], "last_hash": "<hex>", "partition": P}, ...],
//    "records": [{"last_hash": "<hex>", "ledgerseq": S, "partition": P,
//                 "subject": "<kind>/<id>", "version": V}, ...]}
// The range's last event is proven included in the checkpoint (inclusion_path); the
// `ledgerprev` chain links every earlier event of the range to it, and each event is
// signed. Each archived record's last event lies in its partition's range.
//
// The manifest is not signed itself: its digests make the bundle's bytes checkable,
// the signatures and the checkpoints make its events trustworthy, and its records list
// is checked against those events.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/time.h"
#include "ledger/tree_store.h"

namespace ledger {

inline constexpr std::string_view kArchiveFormat = "sales-ledger-archive/1";
inline constexpr std::string_view kManifestMember = "manifest.json";
// Events read from the log per call while building a bundle.
inline constexpr size_t kArchiveReadChunkEvents = 1024;

// A closed record the bundle retires from the hot views: its version and last event.
struct ArchivedRecord {
  std::string subject;
  uint64_t version = 0;
  std::string last_hash;  // hex leaf hash of its last event
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  bool operator==(const ArchivedRecord&) const = default;
};

// What to seal: per partition the range [first, end) of the log, with a checkpoint
// covering `end` (size >= end); partitions with first == end are left out.
struct ArchivePartitionRequest {
  uint32_t partition = 0;
  uint64_t first = 0;
  uint64_t end = 0;
  // Hex leaf hash of event first - 1 (the previous bundle's last_hash); "" = read it
  // from the log (which may have pruned it).
  std::string first_prev;
  StoredCheckpoint checkpoint;
};

struct ArchiveRequest {
  std::string ledger_name;
  std::string before;   // RFC 3339
  std::string created;  // RFC 3339
  std::vector<ArchivePartitionRequest> partitions;
  std::vector<ArchivedRecord> records;
};

// The first ledgerseq of `partition` recorded at or after `before` (recorded time never
// decreases within a partition): the cut below which events are archived. Binary search,
// O(log n) reads.
Result<uint64_t> CutBefore(const EventLog& log, uint32_t partition, Micros before);

// Reads the ranges from `log` and writes the bundle's bytes. `keys` must hold every key
// that signed an event of the ranges or a checkpoint.
Result<std::string> BuildArchive(const EventLog& log, const Keyring& keys,
                                 const ArchiveRequest& request);

struct ArchivedRange {
  uint32_t partition = 0;
  uint64_t first = 0;
  uint64_t end = 0;
  std::string first_prev;  // hex; "" when first == 0
  Hash last_hash{};
  std::vector<SignedRecord> records;  // [first, end), each verified
};

struct VerifiedArchive {
  std::string ledger_name;
  std::string before;
  std::string created;
  std::vector<PublicKey> keys;
  std::vector<ArchivedRange> ranges;  // in manifest order (ascending partition)
  std::vector<ArchivedRecord> records;
};

// Verifies a bundle offline: members and their digests, the manifest, every event
// (canonical, at its place, chained, signed), each checkpoint's signature and each
// range's inclusion proof, and the records list against the events. With `trusted`,
// every key of the bundle must be one of its keys (with its validity); otherwise the
// bundle's own keys are used. kCorruption naming the member, partition and ledgerseq of
// the first thing wrong.
Result<VerifiedArchive> VerifyArchive(std::string_view bundle, const Keyring* trusted = nullptr);

}  // namespace ledger
