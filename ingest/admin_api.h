// The operators' routes:
//   POST /v1/admin/backups   take a backup set now (ops/backup_set.h): 201 with its id
//                            and, per database, its BackupEngine id and sizes
//   GET  /v1/admin/backups   the sets in the backup directory, oldest first
// ledgerd supplies what they do (AdminHooks), so this library knows nothing of the
// backup layout. Who may use them is in ingest/authz.h. Thread-safe if the hooks are;
// a backup runs on the HTTP thread that asked for it.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <optional>

#include "ingest/api.h"

namespace ingest {

inline constexpr std::string_view kBackupsRoute = "/v1/admin/backups";

struct AdminHooks {
  // Takes a backup set; the answer's body. Empty: ledgerd has no --backup-dir (503).
  std::function<ledger::Result<boost::json::object>()> create_backup;
  // The sets taken so far. Empty as create_backup.
  std::function<ledger::Result<boost::json::array>()> list_backups;
};

class AdminApi {
 public:
  explicit AdminApi(AdminHooks hooks) : hooks_(std::move(hooks)) {}
  // The response when the request is one of the routes above; nullopt otherwise.
  std::optional<Response> Handle(const Request& request) const;

 private:
  const AdminHooks hooks_;
};

}  // namespace ingest
