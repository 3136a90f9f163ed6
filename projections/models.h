// The read models' write side: folding one checked event into the records, history
// and index models, as writes added to the caller's WriteBatch.
//
// The domain is injected: `Models::fold` folds an event into a record's state and
// `Models::index_fields` names the fields the list filters use. The programs pass the
// schemas library's functions; tests pass trivial ones.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/status.h"
#include "projections/encoding.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace projections {

class ViewStore;

// Folds one event into a record's state. Must be deterministic (replay must give the
// same views as live projection) and should not throw; if it does, the projection of
// that partition stops with kInternal naming the event.
using Fold = std::function<void(boost::json::object& state, const ledger::Event& event)>;
// The index fields of a record of `kind` in `state`; "" for a field it does not have.
using IndexExtractor =
    std::function<IndexFields(std::string_view kind, const boost::json::object& state)>;

// What the analytics read model keeps of an event (its `data`, trimmed), or nullopt to
// keep nothing. Must be deterministic. Retractions are offered too, so that analytics
// can leave retracted events out.
using FactExtractor = std::function<std::optional<boost::json::object>(const ledger::Event&)>;

struct Models {
  Fold fold;
  IndexExtractor index_fields;
  FactExtractor fact;  // empty: no facts
};

// Adapts a function returning any struct with string members owner, stage, status and
// account (such as schemas::IndexFieldsOf) to an IndexExtractor.
template <class F>
IndexExtractor IndexExtractorFrom(F extract) {
  return [extract](std::string_view kind, const boost::json::object& state) {
    auto f = extract(kind, state);
    return IndexFields{std::string(f.owner), std::string(f.stage), std::string(f.status),
                       std::string(f.account)};
  };
}

// Applies events of one partition. Remembers the records it changed since Reset(), so
// later events of a subject in the same batch build on the earlier ones. Not
// thread-safe: one per projecting thread.
class ModelApplier {
 public:
  // `store` and `models` must outlive the applier.
  ModelApplier(const ViewStore& store, const Models& models);

  // Checks that the event continues its subject's stream (streamversion and
  // streamprev, against the records model), folds it and adds the record, history
  // and index writes to `batch`. On failure nothing is added to `batch`. A retraction
  // (ledger::kRetractionType) marks the event it names in the history and refolds the
  // record from the events not retracted.
  ledger::Status Apply(const ledger::Event& event, const ledger::Hash& leaf,
                       rocksdb::WriteBatch& batch);

  // Forgets the remembered records: call after the batch was written or dropped.
  void Reset() {
    pending_.clear();
    pending_history_.clear();
  }

 private:
  ledger::Result<RecordState> Load(const std::string& subject);
  // Every history entry of the subject up to `version`, oldest first, as this batch has
  // left them.
  ledger::Result<std::vector<HistoryEntry>> LoadHistory(const std::string& subject,
                                                        uint64_t version);
  // A retraction: marks the event it names in `history` and refolds the record's state
  // from the events not retracted, into `after`. Returns the marked entry.
  ledger::Result<HistoryEntry> Retract(const ledger::Event& retraction,
                                       std::vector<HistoryEntry>& history, RecordState& after);
  ledger::Status Fold(const ledger::Event& event, RecordState& record);
  // The event's fact (Models::fact), when the domain keeps one.
  void PutFact(const ledger::Event& event, rocksdb::WriteBatch& batch) const;

  const ViewStore& store_;
  const Models& models_;
  std::unordered_map<std::string, RecordState> pending_;
  std::unordered_map<std::string, std::vector<HistoryEntry>> pending_history_;
};

}  // namespace projections
