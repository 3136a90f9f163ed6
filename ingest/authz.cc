#include "ingest/authz.h"

#include <algorithm>
#include <cmath>

namespace ingest {

namespace {

struct Row {
  Resource resource;
  std::string_view name;
  // By role, in the order of Role: rep, manager, compliance, consumer, ops, admin.
  Scope scopes[6];
};

constexpr Scope N = Scope::kNone, O = Scope::kOwn, T = Scope::kTeam, A = Scope::kAll;

// The one table of who may do what (see authz.h).
constexpr Row kMatrix[] = {
    {Resource::kHealth, "health", {A, A, A, A, A, A}},
    {Resource::kReady, "ready", {N, N, N, N, A, A}},
    {Resource::kMetrics, "metrics", {N, N, N, N, A, A}},
    {Resource::kKeys, "keys", {A, A, A, A, A, A}},
    {Resource::kAppend, "append", {A, A, N, N, N, N}},
    {Resource::kFeed, "feed", {N, N, A, A, N, N}},
    {Resource::kRecord, "record", {O, T, A, N, N, N}},
    {Resource::kHistory, "history", {O, T, A, N, N, N}},
    {Resource::kList, "list", {O, T, A, N, N, N}},
    {Resource::kRelated, "related", {O, T, A, N, N, N}},
    {Resource::kAuditPack, "auditpack", {N, N, A, N, N, N}},
    {Resource::kAccessLog, "access", {N, N, A, N, N, N}},
    {Resource::kCheckpoint, "checkpoint", {A, A, A, A, A, A}},
    {Resource::kProof, "proof", {A, A, A, A, A, A}},
    {Resource::kErase, "erase", {N, N, N, N, N, A}},
    {Resource::kAnalytics, "analytics", {N, A, A, N, N, N}},
    {Resource::kBackupCreate, "backup-create", {N, N, N, N, A, A}},
    {Resource::kBackupList, "backup-list", {N, N, A, N, A, A}},
    {Resource::kUnknown, "unknown", {A, A, A, A, A, A}},
};

const Row& RowOf(Resource resource) {
  for (const Row& row : kMatrix)
    if (row.resource == resource) return row;
  return kMatrix[std::size(kMatrix) - 1];
}

}  // namespace

std::string_view ResourceName(Resource resource) { return RowOf(resource).name; }

Resource ResourceOf(boost::beast::http::verb method, std::string_view path) {
  using boost::beast::http::verb;
  if (path == "/healthz") return Resource::kHealth;
  if (path == "/v1/events") {
    if (method == verb::post) return Resource::kAppend;
    return method == verb::get ? Resource::kFeed : Resource::kUnknown;
  }
  if (path == "/v1/admin/backups") {
    if (method == verb::post) return Resource::kBackupCreate;
    return method == verb::get ? Resource::kBackupList : Resource::kUnknown;
  }
  if (path.starts_with("/v1/subjects/"))
    return method == verb::post ? Resource::kErase : Resource::kUnknown;
  // Everything else is read with GET; another method gets the route's own 405.
  if (method != verb::get) return Resource::kUnknown;
  if (path == "/readyz") return Resource::kReady;
  if (path == "/metrics") return Resource::kMetrics;
  if (path == "/v1/keys") return Resource::kKeys;
  if (path == "/v1/access") return Resource::kAccessLog;
  if (path.starts_with("/v1/checkpoints/")) return Resource::kCheckpoint;
  if (path.starts_with("/v1/proofs/")) return Resource::kProof;
  if (path.starts_with("/v1/analytics/")) return Resource::kAnalytics;
  constexpr std::string_view kRecords = "/v1/records/";
  if (!path.starts_with(kRecords)) return Resource::kUnknown;
  const std::string_view rest = path.substr(kRecords.size());
  const size_t slashes = static_cast<size_t>(std::count(rest.begin(), rest.end(), '/'));
  if (slashes == 0) return Resource::kList;
  if (slashes == 2) {
    const std::string_view last = rest.substr(rest.rfind('/') + 1);
    if (last == "history") return Resource::kHistory;
    if (last == "related") return Resource::kRelated;
    if (last == "auditpack") return Resource::kAuditPack;
  }
  return Resource::kRecord;
}

Scope Allowed(Role role, Resource resource) {
  return RowOf(resource).scopes[static_cast<size_t>(role)];
}

std::string_view OwnerUser(std::string_view owner) {
  for (std::string_view prefix : {"user:", "u:"}) {
    if (owner.starts_with(prefix)) return owner.substr(prefix.size());
  }
  return owner;
}

bool Grant::Sees(const Ownership& o) const {
  switch (scope) {
    case Scope::kAll:
      return true;
    case Scope::kNone:
      return false;
    case Scope::kOwn:
    case Scope::kTeam:
      break;
  }
  if (o.shared) return true;
  const std::string user = principal.user();
  for (const std::string* owner : {&o.owner, &o.account_owner}) {
    if (owner->empty()) continue;
    const std::string_view who = OwnerUser(*owner);
    if (!user.empty() && who == user) return true;
    if (scope == Scope::kTeam && !principal.team.empty() && directory != nullptr &&
        directory->TeamOf(who) == principal.team) {
      return true;
    }
  }
  return false;
}

unsigned RateLimiter::Take(const std::string& key) {
  if (per_second_ <= 0) return 0;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto [it, added] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return static_cast<unsigned>(std::max(1.0, std::ceil((1 - b.tokens) / per_second_)));
}

}  // namespace ingest
