#include "ingest/admin_api.h"

#include <boost/json.hpp>

namespace ingest {
namespace {

namespace json = boost::json;

Response Failed(const Request& req, const ledger::Status& why) {
  const http::status status = HttpStatus(why.code());
  return Problem(req.version(), req.keep_alive(), status, http::obsolete_reason(status), why);
}

ledger::Status NoBackupDir() {
  return ledger::Status::Unavailable(
      "this ledgerd was started without --backup-dir: it has nowhere to keep backups");
}

}  // namespace

std::optional<Response> AdminApi::Handle(const Request& req) const {
  const std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != kBackupsRoute) return std::nullopt;
  if (req.method() == http::verb::post) {
    if (!hooks_.create_backup) return Failed(req, NoBackupDir());
    auto created = hooks_.create_backup();
    if (!created.ok()) return Failed(req, created.status());
    return JsonResponse(req, http::status::created, *created);
  }
  if (req.method() == http::verb::get) {
    if (!hooks_.list_backups) return Failed(req, NoBackupDir());
    auto listed = hooks_.list_backups();
    if (!listed.ok()) return Failed(req, listed.status());
    return JsonResponse(req, http::status::ok, json::object{{"backups", std::move(*listed)}});
  }
  Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                         "Method not allowed",
                         ledger::Status::Invalid("take a backup with POST, list them with GET"));
  res.set(http::field::allow, "GET, POST");
  return res;
}

}  // namespace ingest
