// Replay: rebuild the views from the log, to its end or to a point in recorded time.
#pragma once

#include <filesystem>
#include <optional>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "projections/runner.h"

namespace projections {

// Where a replay stopped on purpose. Views replayed with a pin keep it (in their meta,
// kPinMetaKey), and a runner over them never applies beyond it: they stay the views
// as of that point until replaced.
struct Pin {
  // Apply only events recorded at or before this (their `time`): the views as they were
  // at that moment. Recorded time never decreases within a partition, so each partition
  // stops at its first event after `until`.
  std::optional<ledger::Micros> until;
  // Per partition, the ledgerseq to stop before (empty: no limit).
  std::vector<uint64_t> stop_at;

  bool any() const { return until.has_value() || !stop_at.empty(); }
  bool operator==(const Pin&) const = default;
};

// {"until":"<RFC 3339>","stop_at":[n, ...]}, each member only when set.
std::string EncodePin(const Pin& pin);
ledger::Result<Pin> DecodePin(std::string_view text);
// The views' pin; nullopt when they are not pinned.
ledger::Result<std::optional<Pin>> ReadPin(const ViewStore& store);
// The runner options that keep views within `pin`.
RunnerOptions PinnedRunnerOptions(RunnerOptions options, const Pin& pin);

struct ReplayOptions {
  std::optional<ledger::Micros> until;  // see Pin
  std::vector<uint64_t> stop_at;        // see Pin; one entry per partition when given
  RunnerOptions runner;  // chunk sizes and threads; its limits.until and stop_at are ignored
};

struct ReplayReport {
  uint64_t events = 0;              // applied, over all partitions
  std::vector<uint64_t> positions;  // next ledgerseq of each partition
  std::string digest;               // ViewStore::Digest() of the result
};

// Deletes the views database at `views_dir` (which nobody may have open) and rebuilds
// it from ledgerseq 0 of every partition, checking every record as the live runner
// does, then records the pin (if `until` or `stop_at` is given). To keep serving old
// views meanwhile, replay into a new generation (views.h). Fails with the first
// partition's error, if any.
ledger::Result<ReplayReport> Replay(const std::filesystem::path& views_dir,
                                    const ledger::EventLog& log, const ledger::Keyring& keys,
                                    const Models& models, const ReplayOptions& options = {});

}  // namespace projections
