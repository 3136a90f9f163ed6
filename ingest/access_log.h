// The access log: every read of a record, its history, a list of records or an audit
// pack is itself recorded — who, what, when, why (the optional `purpose` parameter) and
// the answer's status — before the answer is sent. It is a ledger of its own, signed
// and chained like the sales ledger and checked by the same tools: an embedded log at
// DATA/access (one partition), written by a ledger::Writer with this node's access key
// (DATA/access-keys/), events of type "access.read" on subject "access/<actor>".
//
// Reads fail closed: when the access log cannot make a read's entry durable, the read
// is answered 503 and its data is not sent. Entries are group-committed like appends,
// so concurrent reads share an fsync. GET /v1/access queries it (docs/API.md).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ingest/api.h"
#include "ledger/embedded_log.h"
#include "ledger/writer.h"

namespace ingest {

// One read, or one refused request, as recorded.
struct AccessEntry {
  std::string actor;     // who asked: the actor of the caller's token
  std::string resource;  // "record", "history", "list", "related", "auditpack"; for a
                         // refusal, any resource of ingest/authz.h
  std::string subject;   // the record read, "<kind>/<id>"; for a list, its kind
  std::string query;     // the request's query string, as sent (purpose included)
  std::string purpose;   // why, as the caller stated it; "" when not given
  unsigned status = 0;   // the HTTP status of the answer
  std::string method;    // for a refusal (403): the request's method; "" for a read
};

class AccessLog {
 public:
  // Opens (or creates) the access log at `dir` with `key` signing; `source` is the
  // CloudEvents source of its events (e.g. "sales-ledger/access"). `key` must outlive it.
  static ledger::Result<std::unique_ptr<AccessLog>> Open(const std::filesystem::path& dir,
                                                         const ledger::SigningKey& key,
                                                         std::string source);
  ~AccessLog();

  // Records `entry`; `done` runs once it is durable (or failed), on another thread.
  void Record(const AccessEntry& entry, std::function<void(ledger::Status)> done) const;

  // Records what is queued, then takes no more (reads answer 503). Idempotent.
  void Close() const { writer_->Close(); }

  // GET /v1/access?subject=&actor=&since=&limit=&after=: the recorded reads, oldest first.
  Response Query(const Request& request) const;

  const ledger::EventLog& log() const { return *log_; }
  // Takes an incremental backup of the access log (ledger/db_backup.h) while it records.
  ledger::Result<ledger::DbBackupInfo> BackupTo(const std::filesystem::path& backup_dir) const {
    return log_->BackupTo(backup_dir);
  }

  // The route a GET target is a recorded read of, with its subject; nullopt otherwise.
  static std::optional<AccessEntry> RecordedRead(std::string_view target);

 private:
  AccessLog() = default;

  std::unique_ptr<ledger::EmbeddedLog> log_;
  ledger::PermissiveDecider decider_;
  std::unique_ptr<ledger::Writer> writer_;
};

}  // namespace ingest
