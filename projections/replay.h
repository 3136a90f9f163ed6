// Replay: rebuild the views from the log, to its end or to a point in recorded time.
#pragma once

#include <filesystem>
#include <optional>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "projections/runner.h"

namespace projections {

struct ReplayOptions {
  // Apply only events recorded at or before this (their `time`): the views as they were
  // at that moment. Recorded time never decreases within a partition, so each partition
  // stops at its first event after `until`.
  std::optional<ledger::Micros> until;
  RunnerOptions runner;  // chunk sizes and threads; runner.limits.until is ignored
};

struct ReplayReport {
  uint64_t events = 0;              // applied, over all partitions
  std::vector<uint64_t> positions;  // next ledgerseq of each partition
  std::string digest;               // ViewStore::Digest() of the result
};

// Deletes the views database at `views_dir` (which nobody may have open) and rebuilds
// it from ledgerseq 0 of every partition, checking every record as the live runner
// does. To keep serving old views meanwhile, replay into a new directory and rename it
// over the old one when done. Fails with the first partition's error, if any.
ledger::Result<ReplayReport> Replay(const std::filesystem::path& views_dir,
                                    const ledger::EventLog& log, const ledger::Keyring& keys,
                                    const Models& models, const ReplayOptions& options = {});

}  // namespace projections
