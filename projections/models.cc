#include "projections/models.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>

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

Result<std::vector<HistoryEntry>> ModelApplier::LoadHistory(const std::string& subject,
                                                            uint64_t version) {
  std::vector<HistoryEntry> out;
  const std::string prefix = HistoryPrefix(subject);
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(rocksdb::ReadOptions(), store_.cf(Family::kHistory)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto entry = DecodeHistory(it->value().ToStringView());
    if (!entry.ok()) return entry.status();
    if (entry->version > version) break;
    out.push_back(std::move(*entry));
  }
  if (!it->status().ok()) return Status::IoError("cannot read history: " + it->status().ToString());
  // This batch's entries are not in the store yet, and replace what is.
  if (auto p = pending_history_.find(subject); p != pending_history_.end()) {
    for (const HistoryEntry& e : p->second) {
      if (e.version == 0 || e.version > version) continue;
      if (e.version <= out.size()) {
        out[e.version - 1] = e;
      } else {
        out.push_back(e);
      }
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].version != i + 1)
      return Status::Corruption("the history of " + subject + " misses version " +
                                std::to_string(i + 1));
  }
  return out;
}

Result<HistoryEntry> ModelApplier::Retract(const ledger::Event& retraction,
                                           std::vector<HistoryEntry>& history, RecordState& after) {
  const boost::json::value* target = retraction.data.if_contains("event");
  const boost::json::value* reason = retraction.data.if_contains("reason");
  HistoryEntry* marked = nullptr;
  for (HistoryEntry& e : history) {
    if (target != nullptr && target->is_string() && e.event_id == target->get_string()) marked = &e;
  }
  if (marked == nullptr || !marked->retracted_by.empty() ||
      marked->type == ledger::kRetractionType) {
    return Status::Corruption("the retraction at " + Where(retraction) +
                              " names no event of the record that may be retracted");
  }
  marked->retracted_by = retraction.id;
  marked->retraction_reason =
      reason != nullptr && reason->is_string() ? std::string(reason->get_string()) : "";
  // The state as if the retracted events had never been recorded.
  boost::json::object state;
  try {
    for (const HistoryEntry& e : history) {
      if (!e.retracted_by.empty() || e.type == ledger::kRetractionType) continue;
      models_.fold(state, EventOfEntry(retraction.subject, e));
    }
    after.state = std::move(state);
    after.indexed = models_.index_fields(after.kind, after.state);
  } catch (const std::exception& e) {
    return Status::Internal("the refold failed at " + Where(retraction) + ": " + e.what());
  }
  return *marked;
}

void ModelApplier::PutFact(const ledger::Event& event, rocksdb::WriteBatch& batch) const {
  if (!models_.fact) return;
  std::optional<boost::json::object> data = models_.fact(event);
  if (!data) return;
  Fact fact{event.type,       event.subject,       event.id,        event.time,
            event.occurredat, event.streamversion, std::move(*data)};
  batch.Put(store_.cf(Family::kFacts), FactKey(event.time, event.partition, event.ledgerseq),
            EncodeFact(fact));
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
  std::optional<HistoryEntry> retracted;
  if (event.type == ledger::kRetractionType) {
    auto history = LoadHistory(event.subject, before.version);
    if (!history.ok()) return history.status();
    auto marked = Retract(event, *history, after);
    if (!marked.ok()) return marked.status();
    retracted = std::move(marked).value();
  } else if (Status s = Fold(event, after); !s.ok()) {
    return s;
  }
  after.version = event.streamversion;
  after.last_hash = ledger::Hex(leaf);
  after.updated = event.time;
  after.updated_occurredat = event.occurredat;
  after.partition = event.partition;
  after.ledgerseq = event.ledgerseq;
  after.archived = false;  // a later event (a reopen) brings an archived record back

  HistoryEntry entry = EntryOf(event, after.last_hash);
  entry.changes = DiffStates(before.state, after.state);
  entry.state = after.state;
  batch.Put(store_.cf(Family::kHistory), HistoryKey(event.subject, entry.version),
            EncodeHistory(entry));
  auto& written = pending_history_[event.subject];
  if (retracted) {
    batch.Put(store_.cf(Family::kHistory), HistoryKey(event.subject, retracted->version),
              EncodeHistory(*retracted));
    written.push_back(*retracted);
  }
  written.push_back(entry);
  batch.Put(store_.cf(Family::kHistory), AsOfKey(event.subject, event.time, entry.version), "");
  UpdateIndex(before.version == 0 ? std::vector<std::string>{} : IndexKeys(before),
              IndexKeys(after), store_.cf(Family::kIndex), batch);
  batch.Put(store_.cf(Family::kRecords), event.subject, EncodeRecord(after));
  pending_[event.subject] = std::move(after);
  PutFact(event, batch);
  return Status::Ok();
}

}  // namespace projections
