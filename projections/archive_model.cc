#include "projections/archive_model.h"

#include <rocksdb/write_batch.h>

namespace projections {
using ledger::Result;
using ledger::Status;

ledger::Result<ArchiveApplyReport> ApplyArchivedRecords(
    ViewStore& store, std::span<const ledger::ArchivedRecord> records) {
  ArchiveApplyReport report;
  rocksdb::WriteBatch batch;
  size_t pending = 0;
  for (const ledger::ArchivedRecord& a : records) {
    auto current = store.GetRecord(a.subject);
    if (!current.ok()) return current.status();
    if (!*current) {
      ++report.missing;
      continue;
    }
    RecordState& r = **current;
    if (r.version != a.version || r.last_hash != a.last_hash) {
      ++report.changed_since;
      continue;
    }
    if (r.archived) {
      ++report.already;
      continue;
    }
    for (const std::string& key : IndexKeys(r)) batch.Delete(store.cf(Family::kIndex), key);
    r.archived = true;
    batch.Put(store.cf(Family::kRecords), a.subject, EncodeRecord(r));
    ++report.archived;
    if (++pending == kArchiveBatchRecordsMax) {
      if (Status s = store.Write(batch); !s.ok()) return s;
      batch.Clear();
      pending = 0;
    }
  }
  if (pending > 0) {
    if (Status s = store.Write(batch); !s.ok()) return s;
  }
  return report;
}

}  // namespace projections
