#include "ingest/records_api.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>

#include "ledger/time.h"

namespace ingest {
namespace json = boost::json;

namespace {

Response Fail(const Request& req, const ledger::Status& s) {
  auto status =
      s.code() == ledger::Code::kInvalidArgument ? http::status::bad_request : HttpStatus(s.code());
  return Problem(req.version(), req.keep_alive(), status, http::obsolete_reason(status), s);
}

bool ValidKind(std::string_view s) {
  return !s.empty() && s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool ValidId(std::string_view s) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  return !s.empty() && s.size() <= 64 && s[0] != '.' && s[0] != '_' && s[0] != ':' && s[0] != '-' &&
         std::all_of(s.begin(), s.end(), ok);
}

// Query parameters by name; every name not in `allowed` is a violation.
struct Query {
  std::map<std::string, std::string> values;
  std::vector<ledger::Violation> violations;

  // `target` is the request target (path and query), decoded by Boost.URL.
  Query(std::string_view target, std::initializer_list<std::string_view> allowed) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) {
      violations.push_back({"/query", "is not a valid query string"});
      return;
    }
    for (const auto& p : url->params()) {
      if (std::find(allowed.begin(), allowed.end(), p.key) == allowed.end()) {
        violations.push_back(
            {"/query/" + std::string(p.key), "is not a parameter of this endpoint"});
      } else {
        values[p.key] = p.value;
      }
    }
  }
  std::string Get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? "" : it->second;
  }
  uint64_t Number(const std::string& key, uint64_t max) {
    std::string v = Get(key);
    uint64_t n = 0;
    if (v.empty()) return 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n > max) {
      violations.push_back(
          {"/query/" + key, "must be a whole number from 0 to " + std::to_string(max)});
    }
    return n;
  }
  std::optional<ledger::Micros> Time(const std::string& key) {
    std::string v = Get(key);
    if (v.empty()) return std::nullopt;
    auto t = ledger::ParseRfc3339(v);
    if (!t) violations.push_back({"/query/" + key, "must be an RFC 3339 date-time"});
    return t;
  }
  ledger::Status Status() const {
    return violations.empty() ? ledger::Status::Ok()
                              : ledger::Status::Invalid("the query is not valid", violations);
  }
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
  return o;
}

}  // namespace

std::optional<Response> RecordsApi::Handle(const Request& req) const {
  const std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = target;  // Query parses the target's query part
  if (path == "/readyz") return Ready(req);
  constexpr std::string_view kPrefix = "/v1/records/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  if (req.method() != http::verb::get) {
    return Problem(
        req.version(), req.keep_alive(), http::status::method_not_allowed, "Method not allowed",
        ledger::Status::Invalid("records are read with GET; write events with POST /v1/events"));
  }
  std::vector<std::string_view> parts;
  for (std::string_view rest = path.substr(kPrefix.size()); !rest.empty();) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  }
  std::vector<ledger::Violation> v;
  if (parts.empty() || !ValidKind(parts[0]))
    v.push_back({"/path/kind", "must be a record kind such as opportunity"});
  if (parts.size() >= 2 && !ValidId(parts[1]))
    v.push_back({"/path/id", "must be a record id such as OPP-42"});
  if (parts.size() > 3 || (parts.size() == 3 && parts[2] != "history"))
    v.push_back({"/path", "no such resource"});
  if (!v.empty())
    return Fail(req, ledger::Status::NotFound("no such resource " + std::string(path)));
  if (parts.size() == 1) return List(req, std::string(parts[0]), query);
  const std::string subject = std::string(parts[0]) + "/" + std::string(parts[1]);
  return parts.size() == 3 ? History(req, subject, query) : Record(req, subject, query);
}

Response RecordsApi::Record(const Request& req, const std::string& subject,
                            std::string_view query) const {
  Query q(query, {"asof", "asof_business"});
  auto asof = q.Time("asof");
  auto asof_business = q.Time("asof_business");
  if (asof && asof_business)
    q.violations.push_back({"/query/asof_business", "give asof or asof_business, not both"});
  if (!q.Status().ok()) return Fail(req, q.Status());
  auto current = views_.GetRecord(subject);
  if (!current.ok()) return Fail(req, current.status());
  json::object body = RecordJson(*current);
  if (asof || asof_business) {
    auto at =
        asof ? views_.StateAsOf(subject, *asof) : views_.StateAsOfBusiness(subject, *asof_business);
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
  return JsonResponse(req, http::status::ok, body);
}

Response RecordsApi::History(const Request& req, const std::string& subject,
                             std::string_view query) const {
  Query q(query, {"after", "limit"});
  uint64_t after = q.Number("after", UINT32_MAX);
  uint64_t limit = q.Number("limit", projections::kHistoryLimitMax);
  if (!q.Status().ok()) return Fail(req, q.Status());
  auto page = views_.History(subject, after, limit);
  if (!page.ok()) return Fail(req, page.status());
  json::array entries;
  for (const auto& e : page->entries) entries.push_back(EntryJson(e));
  json::object body{{"subject", subject}, {"entries", std::move(entries)}};
  if (page->next_after != 0) body["next"] = page->next_after;
  return JsonResponse(req, http::status::ok, body);
}

Response RecordsApi::List(const Request& req, const std::string& kind,
                          std::string_view query) const {
  Query q(query, {"owner", "stage", "status", "account", "updated_since", "limit", "cursor"});
  projections::ListFilter filter{q.Get("owner"), q.Get("stage"), q.Get("status"), q.Get("account"),
                                 q.Time("updated_since")};
  uint64_t limit = q.Number("limit", projections::kListLimitMax);
  if (!q.Status().ok()) return Fail(req, q.Status());
  auto page = views_.List(kind, filter, limit, q.Get("cursor"));
  if (!page.ok()) return Fail(req, page.status());
  json::array records;
  for (const auto& r : page->records) records.push_back(RecordJson(r));
  json::object body{{"records", std::move(records)}};
  if (!page->cursor.empty()) body["cursor"] = page->cursor;
  return JsonResponse(req, http::status::ok, body);
}

Response RecordsApi::Ready(const Request& req) const {
  json::array partitions;
  bool ready = runner_.Error().ok();
  for (const auto& p : runner_.Progress()) {
    ready = ready && !p.failed && p.lag <= kReadyLagEventsMax;
    json::object o{{"partition", p.partition}, {"applied", p.applied}, {"lag", p.lag}};
    if (p.failed) o["error"] = p.error;
    partitions.push_back(std::move(o));
  }
  return JsonResponse(req, ready ? http::status::ok : http::status::service_unavailable,
                      {{"ready", ready}, {"partitions", std::move(partitions)}});
}

std::string RecordsApi::MetricsText() const {
  std::string out =
      "# HELP ledger_projection_lag_events Events in the log not yet in the read models\n"
      "# TYPE ledger_projection_lag_events gauge\n";
  for (const auto& p : runner_.Progress()) {
    out += "ledger_projection_lag_events{partition=\"" + std::to_string(p.partition) + "\"} " +
           std::to_string(p.lag) + "\n";
  }
  return out;
}

}  // namespace ingest
