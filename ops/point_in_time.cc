#include "ops/point_in_time.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>

#include "ledger/embedded_log.h"
#include "ledger/keys.h"

namespace ops {

namespace fs = std::filesystem;
using ledger::Status;

namespace {

// The checkpoint of the log, whose every acknowledged append is in it.
Status CheckpointLog(const fs::path& log_dir, const fs::path& target) {
  auto log = ledger::EmbeddedLog::Open(log_dir, {});
  if (!log.ok()) {
    if (log.status().message().find("lock") != std::string::npos) {
      return Status::Unavailable("a ledgerd is running on " + log_dir.parent_path().string() +
                                 " (it holds " + log_dir.string() +
                                 "/LOCK): stop it, or restore a backup into a new dir and "
                                 "replay from there");
    }
    return log.status();
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create((*log)->db(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (s.ok()) s = checkpoint->CreateCheckpoint(target.string());
  if (!s.ok())
    return Status::IoError("cannot copy the log into " + target.string() + ": " + s.ToString());
  return Status::Ok();
}

Status CopyIfPresent(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) return Status::Ok();
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);  // keeps the mode
  if (ec) return Status::IoError("cannot copy " + from.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status CopyForPointInTime(const fs::path& data, const fs::path& into) {
  std::error_code ec;
  if (fs::exists(into, ec) && !fs::is_empty(into, ec))
    return Status::Invalid(into.string() + " is not empty: --into makes a new data dir");
  if (!fs::is_directory(data / "log"))
    return Status::Invalid("no event log at " + (data / "log").string());
  fs::create_directories(into, ec);
  if (ec) return Status::IoError("cannot create " + into.string() + ": " + ec.message());
  if (auto s = CheckpointLog(data / "log", into / "log"); !s.ok()) return s;
  const fs::path vkeys = fs::path("keys") / ledger::kVerifierKeysFile;
  if (auto s = CopyIfPresent(data / vkeys, into / vkeys); !s.ok()) return s;
  fs::permissions(into / "keys", fs::perms::owner_all, ec);
  return CopyIfPresent(data / "tokens.json", into / "tokens.json");
}

}  // namespace ops
