#include "projections/replay.h"

#include <system_error>

namespace projections {
using ledger::Result;
using ledger::Status;

Result<ReplayReport> Replay(const std::filesystem::path& views_dir, const ledger::EventLog& log,
                            const ledger::Keyring& keys, const Models& models,
                            const ReplayOptions& options) {
  std::error_code ec;
  std::filesystem::remove_all(views_dir, ec);
  if (ec) return Status::IoError("cannot delete " + views_dir.string() + ": " + ec.message());
  auto store = ViewStore::Open(views_dir, log.partitions());
  if (!store.ok()) return store.status();
  RunnerOptions runner_options = options.runner;
  runner_options.limits.until = options.until;
  ReplayReport report;
  {
    Runner runner(**store, log, keys, models, runner_options);
    if (Status s = runner.RunToEnd(); !s.ok()) return s;
    for (uint32_t p = 0; p < log.partitions(); ++p) {
      report.positions.push_back(runner.Applied(p));
      report.events += runner.Applied(p);
    }
  }
  auto digest = (*store)->Digest();
  if (!digest.ok()) return digest.status();
  report.digest = std::move(*digest);
  return report;
}

}  // namespace projections
