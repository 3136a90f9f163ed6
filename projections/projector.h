// One partition's projection: reads the log from the stored position in bounded
// chunks, checks every record again (STYLE.md rule 5) and applies each chunk
// with its new position in one WriteBatch. Internal to the runner and replay.
// Signatures are checked through each chunk's last event, which the hash chain ties
// to every event before it (ApplyRecords).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/time.h"
#include "projections/models.h"
#include "projections/view_store.h"

namespace projections {

struct ProjectorLimits {
  size_t chunk_events_max = 1024;       // records read and applied per batch
  size_t batch_bytes_max = 16 << 20;    // a batch is cut early beyond this
  std::optional<ledger::Micros> until;  // apply only events recorded at or before this
};

// Not thread-safe: one thread drives a projector at a time.
class PartitionProjector {
 public:
  // Every reference must outlive the projector.
  PartitionProjector(uint32_t partition, ViewStore& store, const ledger::EventLog& log,
                     const ledger::Keyring& keys, const Models& models, ProjectorLimits limits);

  // Loads the stored position and checks it belongs to this log: not beyond its end,
  // and the event before it has the stored leaf hash.
  ledger::Status Load();

  // Checks and applies up to one chunk of the records before min(log end, end_seq).
  // Returns how many events were applied (0: nothing to do). A record that fails a
  // check is not applied; the ones before it are, and the error names its position.
  ledger::Result<size_t> Step(uint64_t end_seq = UINT64_MAX);
  // Checks and applies records handed in (by a consumer group) as Step does those it
  // reads, in one batch: the ones below next_seq() are skipped as applied already, the
  // rest must continue from next_seq(). May apply fewer than given (the batch size
  // limit, an `until` reached, a failed check); the count applied is returned.
  ledger::Result<size_t> ApplyRecords(std::span<const ledger::StoredRecord> records);

  uint32_t partition() const { return partition_; }
  uint64_t next_seq() const { return position_.next_seq; }
  // True once an event recorded after `limits.until` was reached: nothing more applies.
  bool reached_until() const { return reached_until_; }

 private:
  // An event's leaf hash and the signature its record carries, with the trusted key
  // its key ID names.
  struct Signed {
    ledger::Hash hash{};
    const ledger::PublicKey* key = nullptr;
    ledger::Signature signature{};
    bool Verifies() const { return key != nullptr && key->Verify(hash, signature); }
  };
  // Every check of one record; its signature only with `verify_signature`.
  ledger::Result<ledger::Event> Check(const ledger::StoredRecord& stored, uint64_t seq,
                                      const ledger::Hash& prev, Signed& leaf,
                                      bool verify_signature) const;
  // Checks and applies `stored` (none below next_seq()) in one batch. Without
  // `verify_each`, only the last applied event's signature is verified, before the batch
  // is written; if it fails, nothing is written and *last_signature_fails is set.
  ledger::Result<size_t> Apply(std::span<const ledger::StoredRecord> stored, bool verify_each,
                               bool* last_signature_fails);

  const uint32_t partition_;
  ViewStore& store_;
  const ledger::EventLog& log_;
  const ledger::Keyring& keys_;
  const ProjectorLimits limits_;
  ModelApplier applier_;
  Position position_;
  bool reached_until_ = false;
};

}  // namespace projections
