// Audit packs: one self-contained file proving a record's history to someone who trusts
// neither the ledger's operator nor its software (docs/FORMAT.md §6b).
//
// The file is one RFC 8785 canonical JSON object and a newline:
//   {"checkpoint": "<C2SP signed note>",
//    "events": [{"event": {...}, "inclusion_path": ["<base64>", ...],
//                "kid": "<8 hex>", "sig": "<base64>"}, ...],
//    "format": "sales-ledger-auditpack/1",
//    "keys": ["<verifier key>", ...],
//    "subject": "<kind>/<id>"}
// Every event of the subject, in stream order (streamversion 1, 2, ...), each as the
// feed carries it plus its RFC 9162 inclusion path into the one checkpoint; the verifier
// keys are exactly those that signed an event or the checkpoint.
//
// Verification needs nothing but the file: the bytes are canonical (so no byte can
// change without changing a value), each event is canonical, signed by its key, continues
// its stream's chain from version 1, and is included in the checkpoint's tree, whose
// note is signed. Which keys to trust is the verifier's choice (VerifyAuditPack's
// `trusted`); the pack's own keys prove only that it is consistent.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/note.h"
#include "ledger/tree_store.h"

namespace ledger {

inline constexpr std::string_view kAuditPackFormat = "sales-ledger-auditpack/1";

// The pack of `subject` from its records at `ledgerseqs` (one partition, in stream
// order), proven against `checkpoint` (which must cover them all) with the partition's
// stored tree. `keys` must hold every key that signed them.
Result<std::string> BuildAuditPack(const EventLog& log, const Keyring& keys,
                                   std::string_view subject, uint32_t partition,
                                   std::span<const uint64_t> ledgerseqs,
                                   const StoredCheckpoint& checkpoint);

struct VerifiedPack {
  std::string subject;
  Checkpoint checkpoint;
  std::vector<PublicKey> keys;
  std::vector<Event> events;  // in stream order, each verified
};

// Verifies a pack offline. With a non-null `trusted`, every key of the pack must be one
// of its keys; otherwise the pack's own keys are used (and reported). kCorruption with
// a message naming the first thing wrong (the event's index and version, when it is one).
Result<VerifiedPack> VerifyAuditPack(std::string_view bytes, const Keyring* trusted = nullptr);

}  // namespace ledger
