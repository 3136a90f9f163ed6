// Authorization, decided here and nowhere else: which role may use which resource, and
// over which records (docs/API.md "Roles" has the same matrix as a table).
//
//   resource            rep  manager  compliance  consumer  ops  admin
//   record/history/     own  team     all         -         -    -
//     list/related
//   auditpack, access   -    -        all         -         -    -
//   append (POST)       all  all      -           -         -    -
//   feed (GET events)   -    -        all         all       -    -
//   checkpoints,proofs  all  all      all         all       all  all
//   keys                all  all      all         all       all  all
//   readyz, metrics     -    -        -           -         all  all
//   erase               -    -        -           -         -    all
//   backup-create       -    -        -           -         all  all
//   backup-list         -    -        all         -         all  all
//
// "own": records the rep owns, or whose account it owns, and the product catalogue
// (owner "u:li.wei" or "li.wei" is the token actor "user:li.wei").
// "team": those of every member of the manager's team (users whose tokens carry the
// manager's team), and its own. /healthz needs no token.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ingest/tokens.h"

namespace ingest {

enum class Resource {
  kHealth,
  kReady,
  kMetrics,
  kKeys,
  kAppend,
  kFeed,
  kRecord,
  kHistory,
  kList,
  kRelated,
  kAuditPack,
  kAccessLog,
  kCheckpoint,
  kProof,
  kErase,
  kAnalytics,
  kBackupCreate,  // POST /v1/admin/backups
  kBackupList,    // GET /v1/admin/backups
  kUnknown,       // no such route, or a method the route does not take: its 404 or 405, which
                  // touch no data
};
std::string_view ResourceName(Resource resource);
// The resource a request is for, from its method and path alone.
Resource ResourceOf(boost::beast::http::verb method, std::string_view path);

enum class Scope { kNone, kOwn, kTeam, kAll };
// The matrix above. A development server (ledgerd --dev-open) grants everything.
Scope Allowed(Role role, Resource resource);

// The user an owner field names: "li.wei" for "li.wei", "u:li.wei" or "user:li.wei" (the
// catalogue writes users "u:<id>", tokens' actors are "user:<id>").
std::string_view OwnerUser(std::string_view owner);

// Whose a record is.
struct Ownership {
  std::string owner;          // the record's owner (or handler), "" when it has none
  std::string account_owner;  // the owner of the account it belongs to, "" when none
  bool shared = false;        // the product catalogue: every seller reads it
};

// What a request may do: who sent it and the scope the matrix gives it.
struct Grant {
  Principal principal;
  Scope scope = Scope::kNone;
  const TokenDirectory* directory = nullptr;  // for a manager's team; may be null

  // Whether the request may read a record with this ownership.
  bool Sees(const Ownership& ownership) const;
  static Grant Everything() { return {{"", Role::kAdmin, "user:dev", ""}, Scope::kAll, nullptr}; }
};

// Per-token request rate: a token bucket of `burst` requests refilled at `per_second`.
// Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
  // 0 when the request may go on; otherwise the whole seconds until it may (>= 1).
  unsigned Take(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  const double per_second_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ingest
