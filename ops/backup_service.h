// ledgerd's backups: a backup set (ops/backup_set.h) taken on the server's open
// databases while it serves, on request (POST /v1/admin/backups) or every
// --backup-every-s, keeping the newest --backup-keep sets; and DATA/subject-keys into
// --subject-keys-backup-dir, keeping --subject-keys-keep.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "ingest/access_log.h"
#include "ingest/sealing.h"
#include "ledger/embedded_log.h"
#include "projections/views.h"

namespace ops {

struct BackupServiceOptions {
  std::filesystem::path data;
  std::filesystem::path backup_dir;
  uint32_t keep = 0;                       // sets to keep; 0 = all
  std::filesystem::path subject_keys_dir;  // empty: subject keys are not backed up here
  uint32_t subject_keys_keep = 0;          // 0 = all
  std::chrono::seconds every{0};           // 0: on request only
};

class BackupService {
 public:
  // Every reference must outlive the service; `access` and `subject_keys` may be null.
  BackupService(BackupServiceOptions options, ledger::EmbeddedLog& log,
                const projections::LiveViews& views, const ingest::AccessLog* access,
                const ingest::SubjectKeys* subject_keys);
  ~BackupService();  // Stop()s

  // Takes a set now (one at a time: a second caller waits); the POST answer.
  ledger::Result<boost::json::object> Create();
  ledger::Result<boost::json::array> List() const;
  // Starts the schedule thread when options.every > 0.
  void Start();
  void Stop();

 private:
  void Schedule();

  const BackupServiceOptions options_;
  ledger::EmbeddedLog& log_;
  const projections::LiveViews& views_;
  const ingest::AccessLog* access_;
  const ingest::SubjectKeys* subject_keys_;
  std::mutex create_mu_;  // one backup at a time
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread scheduler_;
};

}  // namespace ops
