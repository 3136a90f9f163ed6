// The archive model: records sealed in a registered archive bundle (ledger/archive.h)
// leave the hot views. Each such record keeps its record and history entries, gets
// `archived` set and loses its index keys, so lists, filters and relationships no longer
// show it while its history and the archive view still do. A later event of the record
// (a reopen) clears the flag and indexes it again (models.cc).
//
// Applying is deterministic and idempotent: a record is archived exactly when the views
// hold it at the archived version with the archived last hash, so re-applying the same
// bundles after a replay gives the same views (and digest). A record that moved on
// since the bundle was sealed stays hot.
//
// Not thread-safe against a projector writing the same views: apply to views nobody
// projects (a replay's build generation, or the views of a stopped ledgerd).
#pragma once

#include <span>

#include "ledger/archive.h"
#include "projections/view_store.h"

namespace projections {

inline constexpr size_t kArchiveBatchRecordsMax = 1024;  // records per WriteBatch

struct ArchiveApplyReport {
  uint64_t archived = 0;       // newly marked
  uint64_t already = 0;        // marked before
  uint64_t changed_since = 0;  // the views hold a later version: left hot
  uint64_t missing = 0;        // the views do not hold the record (not yet projected)
};

ledger::Result<ArchiveApplyReport> ApplyArchivedRecords(
    ViewStore& store, std::span<const ledger::ArchivedRecord> records);

}  // namespace projections
