#include "projections/models.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <exception>

#include "projections/diff.h"
#include "projections/view_store.h"

namespace projections {
using ledger::Result;
using ledger::Status;

namespace {

std::string Where(const ledger::Event& e) {
  return "partition " + std::to_string(e.partition) + " ledgerseq " + std::to_string(e.ledgerseq) +
         " (" + e.subject + " version " + std::to_string(e.streamversion) + ")";
}

HistoryEntry EntryOf(const ledger::Event& e, const std::string& hash) {
  HistoryEntry h;
  h.version = e.streamversion;
  h.type = e.type;
  h.event_id = e.id;
  h.actor = e.actor;
  h.time = e.time;
  h.occurredat = e.occurredat;
  h.ledgerseq = e.ledgerseq;
  h.partition = e.partition;
  h.hash = hash;
  h.schemaversion = e.schemaversion;
  h.correlationid = e.correlationid;
  h.causationid = e.causationid;
  h.data = e.data;
  return h;
}

// Deletes the keys only in `before`, puts those only in `after` (both sorted).
void UpdateIndex(const std::vector<std::string>& before, const std::vector<std::string>& after,
                 rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& batch) {
  std::vector<std::string> gone, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(gone));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  for (const std::string& key : gone) batch.Delete(cf, key);
  for (const std::string& key : added) batch.Put(cf, key, "");
}

}  // namespace

ModelApplier::ModelApplier(const ViewStore& store, const Models& models)
    : store_(store), models_(models) {
  LEDGER_ASSERT(models_.fold && models_.index_fields);
}

Result<RecordState> ModelApplier::Load(const std::string& subject) {
  if (auto it = pending_.find(subject); it != pending_.end()) return it->second;
  auto stored = store_.GetRecord(subject);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return std::move(**stored);
  return RecordState{};
}

Status ModelApplier::Fold(const ledger::Event& event, RecordState& record) {
  try {
    models_.fold(record.state, event);
    record.indexed = models_.index_fields(record.kind, record.state);
  } catch (const std::exception& e) {
    return Status::Internal("the fold failed at " + Where(event) + ": " + e.what());
  }
  return Status::Ok();
}

Status ModelApplier::Apply(const ledger::Event& event, const ledger::Hash& leaf,
                           rocksdb::WriteBatch& batch) {
  auto loaded = Load(event.subject);
  if (!loaded.ok()) return loaded.status();
  RecordState before = std::move(*loaded);
  if (event.streamversion != before.version + 1 || event.streamprev != before.last_hash) {
    return Status::Corruption("stream chain broken at " + Where(event) + ": the views hold " +
                              "version " + std::to_string(before.version));
  }
  RecordState after = before;
  if (before.version == 0) {
    after.kind = std::string(event.kind());
    after.id = event.subject.substr(after.kind.size() + 1);
    after.created = event.time;
  }
  if (Status s = Fold(event, after); !s.ok()) return s;
  after.version = event.streamversion;
  after.last_hash = ledger::Hex(leaf);
  after.updated = event.time;
  after.updated_occurredat = event.occurredat;
  after.partition = event.partition;
  after.ledgerseq = event.ledgerseq;

  HistoryEntry entry = EntryOf(event, after.last_hash);
  entry.changes = DiffStates(before.state, after.state);
  entry.state = after.state;
  batch.Put(store_.cf(Family::kHistory), HistoryKey(event.subject, entry.version),
            EncodeHistory(entry));
  batch.Put(store_.cf(Family::kHistory), AsOfKey(event.subject, event.time, entry.version), "");
  UpdateIndex(before.version == 0 ? std::vector<std::string>{} : IndexKeys(before),
              IndexKeys(after), store_.cf(Family::kIndex), batch);
  batch.Put(store_.cf(Family::kRecords), event.subject, EncodeRecord(after));
  pending_[event.subject] = std::move(after);
  return Status::Ok();
}

}  // namespace projections
