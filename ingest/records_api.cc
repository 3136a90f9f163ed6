#include "ingest/records_api.h"

#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "ingest/proofs_api.h"
#include "ingest/query.h"
#include "ingest/sealing.h"
#include "ledger/time.h"

namespace ingest {
namespace json = boost::json;

namespace {

// The kinds an account's related records come in, with their member name.
struct RelatedKind {
  std::string_view kind, member;
};
constexpr RelatedKind kRelatedKinds[] = {
    {"contact", "contacts"},    {"opportunity", "opportunities"},
    {"activity", "activities"}, {"contract", "contracts"},
    {"order", "orders"},        {"ticket", "tickets"},
};

json::object RecordJson(const projections::RecordState& r) {
  return {
      {"kind", r.kind},       {"id", r.id},          {"subject", r.subject()},
      {"version", r.version}, {"hash", r.last_hash}, {"created", r.created},
      {"updated", r.updated}, {"state", r.state},    {"updated_occurredat", r.updated_occurredat}};
}

json::object EntryJson(const projections::HistoryEntry& e) {
  json::array changes;
  for (const auto& c : e.changes) {
    json::object change{{"path", c.path}};
    if (c.old_value) change["old"] = *c.old_value;
    if (c.new_value) change["new"] = *c.new_value;
    changes.push_back(std::move(change));
  }
  json::object o{{"version", e.version},     {"type", e.type},
                 {"id", e.event_id},         {"actor", e.actor},
                 {"time", e.time},           {"occurredat", e.occurredat},
                 {"partition", e.partition}, {"ledgerseq", e.ledgerseq},
                 {"hash", e.hash},           {"changes", std::move(changes)}};
  if (!e.correlationid.empty()) o["correlationid"] = e.correlationid;
  if (!e.causationid.empty()) o["causationid"] = e.causationid;
  if (!e.retracted_by.empty())
    o["retracted"] = {{"by", e.retracted_by}, {"reason", e.retraction_reason}};
  return o;
}

// The record a record without an account belongs to, by the field naming it: an invoice
// bills an order, a payment pays an invoice.
constexpr std::string_view kParentRefs[] = {"order", "contract", "invoice", "opportunity"};

// Whose `record` is: its owner and its account's owner (found through the records it
// belongs to, at most three steps: payment -> invoice -> order -> account).
Ownership OwnershipOf(const projections::ViewReader& views, const projections::RecordState& r) {
  // The price list and the exchange rates are everyone's reference data.
  Ownership o{r.indexed.owner, "", r.kind == "product" || r.kind == "fx"};
  if (r.kind == "account") {
    o.account_owner = r.indexed.owner;
    return o;
  }
  std::string account = r.indexed.account;
  projections::RecordState hop = r;
  for (int step = 0; account.empty() && step < 3; ++step) {
    std::string parent;
    for (std::string_view ref : kParentRefs) {
      const json::value* v = hop.state.if_contains(ref);
      if (v != nullptr && v->is_string()) {
        parent = std::string(ref) + "/" + std::string(v->get_string());
        break;
      }
    }
    if (parent.empty()) break;
    auto next = views.GetRecord(parent);
    if (!next.ok()) break;
    hop = std::move(*next);
    account = hop.indexed.account;
  }
  if (!account.empty()) {
    if (auto a = views.GetRecord("account/" + account); a.ok()) o.account_owner = a->indexed.owner;
  }
  return o;
}

ledger::Status NotYours(const Grant& grant, const std::string& subject) {
  return ledger::Status::Denied(grant.principal.actor + " may read only " +
                                (grant.scope == Scope::kTeam ? "its team's" : "its own") +
                                " records, and " + subject + " is not one of them");
}

}  // namespace

std::optional<Response> RecordsApi::Handle(const Request& req, const Grant& grant) const {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kPrefix = "/v1/records/";
  const bool records = path.substr(0, kPrefix.size()) == kPrefix;
  if (!records && path != "/readyz") return std::nullopt;
  if (req.method() != http::verb::get) {
    Response res = Problem(
        req.version(), req.keep_alive(), http::status::method_not_allowed, "Method not allowed",
        ledger::Status::Invalid(records
                                    ? "records are read with GET; write events with POST /v1/events"
                                    : "readiness is asked with GET"));
    res.set(http::field::allow, "GET");
    return res;
  }
  if (!records) return Ready(req);
  std::vector<std::string_view> parts;
  for (std::string_view rest = path.substr(kPrefix.size()); !rest.empty();) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  }
  bool known = !parts.empty() && parts.size() <= 3 && ValidKind(parts[0]) &&
               (parts.size() < 2 || ValidId(parts[1]));
  if (known && parts.size() == 3) {
    known = parts[2] == "history" || parts[2] == "archive" ||
            (parts[2] == "related" && parts[0] == "account");
  }
  if (!known) return Fail(req, ledger::Status::NotFound("no such resource " + std::string(path)));
  const std::shared_ptr<const projections::Generation> g = views_.Current();
  if (parts.size() == 1) return List(req, *g, std::string(parts[0]), grant);
  if (parts.size() == 3 && parts[2] == "related")
    return Related(req, *g, std::string(parts[1]), grant);
  const std::string subject = std::string(parts[0]) + "/" + std::string(parts[1]);
  if (grant.scope != Scope::kAll) {
    // Whose the record is now decides, for its history and past states too.
    auto current = g->reader->GetRecord(subject);
    if (!current.ok()) return Fail(req, current.status());
    if (!grant.Sees(OwnershipOf(*g->reader, *current))) return Fail(req, NotYours(grant, subject));
  }
  if (parts.size() == 3 && parts[2] == "archive") return Record(req, *g, subject, true);
  return parts.size() == 3 ? History(req, *g, subject) : Record(req, *g, subject);
}

Response RecordsApi::Record(const Request& req, const Generation& g, const std::string& subject,
                            bool archive_view) const {
  Query q(TargetOf(req), {"asof", "asof_business", "after", "purpose"});
  auto asof = q.Time("asof");
  auto asof_business = q.Time("asof_business");
  if (asof && asof_business)
    q.violations.push_back({"/query/asof_business", "give asof or asof_business, not both"});
  const auto after = q.Positions(g.store->partitions());
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (auto s = WaitForPositions(g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  const projections::ViewReader& views = *g.reader;
  auto current = views.GetRecord(subject);
  if (!current.ok()) return Fail(req, current.status());
  if (current->archived && !archive_view) {
    return Problem(req.version(), req.keep_alive(), http::status::gone, "Archived",
                   ledger::Status::NotFound(
                       "record " + subject + " is archived: read it at /v1/records/" + subject +
                       "/archive, its history at /v1/records/" + subject + "/history"));
  }
  if (!current->archived && archive_view) {
    return Fail(req,
                ledger::Status::NotFound("record " + subject +
                                         " is not archived: read it at /v1/records/" + subject));
  }
  json::object body = RecordJson(*current);
  if (archive_view) body["archived"] = true;
  if (asof || asof_business) {
    auto at =
        asof ? views.StateAsOf(subject, *asof) : views.StateAsOfBusiness(subject, *asof_business);
    if (!at.ok()) return Fail(req, at.status());
    body["version"] = at->version;
    body["state"] = at->state;
    body["asof"] = q.Get(asof ? "asof" : "asof_business");
    body["asof_time"] = at->time;  // recorded time of the last event included
    body["events"] = at->events;
    body.erase("hash");
    body.erase("updated");
    body.erase("updated_occurredat");
  }
  return Answer(req, std::move(body));
}

Response RecordsApi::History(const Request& req, const Generation& g,
                             const std::string& subject) const {
  Query q(TargetOf(req), {"after_version", "limit", "after", "purpose"});
  uint64_t after_version = q.Number("after_version", UINT32_MAX);
  uint64_t limit = q.Number("limit", projections::kHistoryLimitMax);
  const auto after = q.Positions(g.store->partitions());
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (auto s = WaitForPositions(g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  auto page = g.reader->History(subject, after_version, limit);
  if (!page.ok()) return Fail(req, page.status());
  json::array entries;
  for (const auto& e : page->entries) entries.push_back(EntryJson(e));
  if (proofs_ != nullptr) {
    json::array checks = proofs_->Verify(page->entries);
    for (size_t i = 0; i < entries.size(); ++i)
      entries[i].as_object()["verification"] = std::move(checks[i]);
  }
  json::object body{{"subject", subject}, {"entries", std::move(entries)}};
  if (page->next_after != 0) body["next"] = page->next_after;
  return Answer(req, std::move(body));
}

Response RecordsApi::List(const Request& req, const Generation& g, const std::string& kind,
                          const Grant& grant) const {
  Query q(TargetOf(req), {"owner", "stage", "status", "account", "updated_since", "limit", "cursor",
                          "after", "purpose"});
  projections::ListFilter filter{q.Get("owner"), q.Get("stage"), q.Get("status"), q.Get("account"),
                                 q.Time("updated_since")};
  uint64_t limit = q.Number("limit", projections::kListLimitMax);
  const auto after = q.Positions(g.store->partitions());
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (auto s = WaitForPositions(g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  auto page = g.reader->List(kind, filter, limit, q.Get("cursor"));
  if (!page.ok()) return Fail(req, page.status());
  // A scoped caller's page leaves out records it may not read, so it may hold fewer
  // than `limit`; the cursor still goes on from the last record looked at.
  json::array records;
  for (const auto& r : page->records)
    if (grant.scope == Scope::kAll || grant.Sees(OwnershipOf(*g.reader, r)))
      records.push_back(RecordJson(r));
  json::object body{{"records", std::move(records)}};
  if (!page->cursor.empty()) body["cursor"] = page->cursor;
  return Answer(req, std::move(body));
}

Response RecordsApi::Related(const Request& req, const Generation& g, const std::string& id,
                             const Grant& grant) const {
  Query q(TargetOf(req), {"limit", "after", "purpose"});
  uint64_t limit = q.Number("limit", projections::kListLimitMax);
  const auto after = q.Positions(g.store->partitions());
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (auto s = WaitForPositions(g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  auto account = g.reader->GetRecord("account/" + id);
  if (!account.ok()) return Fail(req, account.status());
  if (grant.scope != Scope::kAll && !grant.Sees(OwnershipOf(*g.reader, *account)))
    return Fail(req, NotYours(grant, "account/" + id));
  json::object body{{"account", RecordJson(*account)}};
  json::object more;
  projections::ListFilter filter;
  filter.account = id;
  for (const RelatedKind& related : kRelatedKinds) {
    // One index range scan per kind (account/<id>/<kind>/...).
    auto page = g.reader->List(related.kind, filter, limit, "");
    if (!page.ok()) return Fail(req, page.status());
    json::array records;
    for (const auto& r : page->records)
      if (grant.scope == Scope::kAll || grant.Sees(OwnershipOf(*g.reader, r)))
        records.push_back(RecordJson(r));
    body[related.member] = std::move(records);
    if (!page->cursor.empty()) more[related.kind] = page->cursor;
  }
  if (!more.empty()) body["more"] = std::move(more);
  return Answer(req, std::move(body));
}

Response RecordsApi::Answer(const Request& req, json::object body) const {
  json::value v = std::move(body);
  Unseal(v, subject_keys_);
  return JsonResponse(req, http::status::ok, v);
}

Response RecordsApi::Ready(const Request& req) const {
  const std::shared_ptr<const projections::Generation> g = views_.Current();
  json::array partitions;
  bool ready = (!g->pin || options_.read_only) && g->runner->Error().ok();
  for (const auto& p : g->runner->Progress()) {
    const bool reached =
        options_.read_only ? p.finished || p.lag == 0 : p.lag <= kReadyLagEventsMax;
    ready = ready && !p.failed && reached;
    json::object o{{"partition", p.partition}, {"applied", p.applied}, {"lag", p.lag}};
    if (p.failed) o["error"] = p.error;
    if (!p.assigned) o["assigned"] = false;  // a query node's group gave it to another member
    partitions.push_back(std::move(o));
  }
  json::object body{
      {"ready", ready}, {"generation", g->name}, {"partitions", std::move(partitions)}};
  if (options_.read_only) body["read_only"] = true;
  if (g->pin) {
    boost::system::error_code ec;
    body["pinned"] = json::parse(projections::EncodePin(*g->pin), ec);
  }
  return JsonResponse(req, ready ? http::status::ok : http::status::service_unavailable, body);
}

std::string RecordsApi::MetricsText() const {
  const std::shared_ptr<const projections::Generation> g = views_.Current();
  const auto progress = g->runner->Progress();
  std::string lag =
      "# HELP ledger_projection_lag_events Events in the log not yet in the read models\n"
      "# TYPE ledger_projection_lag_events gauge\n";
  std::string stopped =
      "# HELP ledger_projection_stopped 1 when a partition's projection stopped on an event "
      "that failed its checks (see /readyz and stderr)\n"
      "# TYPE ledger_projection_stopped gauge\n";
  for (const auto& p : progress) {
    const std::string label = "{partition=\"" + std::to_string(p.partition) + "\"} ";
    lag += "ledger_projection_lag_events" + label + std::to_string(p.lag) + "\n";
    stopped += "ledger_projection_stopped" + label + (p.failed ? "1" : "0") + "\n";
  }
  return lag + stopped +
         "# HELP ledger_views_bytes Approximate size of the served views (SST files and "
         "memtables)\n"
         "# TYPE ledger_views_bytes gauge\n"
         "ledger_views_bytes " +
         std::to_string(g->store->ApproximateBytes()) + "\n" +
         "# HELP ledger_views_pinned 1 while the served views are pinned by a replay\n"
         "# TYPE ledger_views_pinned gauge\n"
         "ledger_views_pinned " +
         (g->pin ? "1" : "0") + "\n" +
         "# HELP ledger_views_swaps_total Replayed generations of views swapped in\n"
         "# TYPE ledger_views_swaps_total counter\n"
         "ledger_views_swaps_total " +
         std::to_string(views_.swaps()) + "\n" +
         "# HELP ledger_views_swap_failures_total Published generations that could not be served\n"
         "# TYPE ledger_views_swap_failures_total counter\n"
         "ledger_views_swap_failures_total " +
         std::to_string(views_.swap_failures()) + "\n";
}

}  // namespace ingest
