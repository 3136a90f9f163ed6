#include "ingest/api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <optional>

#include "ingest/access_log.h"
#include "ingest/admin_api.h"
#include "ingest/analytics_api.h"
#include "ingest/proofs_api.h"
#include "ingest/query.h"
#include "ingest/records_api.h"
#include "ingest/sealing.h"
#include "ledger/crypto.h"
#include "ledger/time.h"

namespace ingest {
namespace json = boost::json;

Response JsonResponse(const Request& req, http::status status, const json::value& body) {
  Response res(status, req.version());
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = json::serialize(body) + "\n";
  res.prepare_payload();
  return res;
}

namespace {

json::object AppendedJson(const ledger::Appended& a) {
  return {{"id", a.id},
          {"partition", a.partition},
          {"ledgerseq", a.ledgerseq},
          {"streamversion", a.streamversion},
          {"hash", ledger::Hex(a.hash)},
          {"time", a.time},
          {"replayed", a.replayed}};
}

// Parses the body: one command object, or {"events":[...]}. Every problem is listed.
// What a command that failed the envelope checks still says about its type and data,
// so that its data can be checked too; nullopt when it names no type.
std::optional<ledger::Command> PartialCommand(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return std::nullopt;
  ledger::Command c;
  auto text = [&](const char* key) -> std::string {
    const json::value* m = o->if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
  };
  c.type = text("type");
  c.subject = text("subject");
  if (c.type.empty()) return std::nullopt;
  if (const json::value* d = o->if_contains("data"); d && d->is_object()) {
    c.data = d->get_object();
  } else {
    return std::nullopt;  // the envelope check already said what is wrong with data
  }
  if (const json::value* sv = o->if_contains("schemaversion"); sv && sv->is_int64()) {
    c.schemaversion = sv->get_int64();
  }
  return c;
}

// Parses the body into commands. When any command fails its envelope checks, the data
// of every command is checked too, so the answer lists every violation at once (a
// valid body goes to the writer, which runs the same data checks).
ledger::Result<std::vector<ledger::Command>> ParseCommands(const ledger::Writer& writer,
                                                           std::string_view body) {
  json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec)
    return ledger::Status::Invalid("the body is not valid JSON: " + ec.message(),
                                   {{"", ec.message()}});
  const json::array* list = nullptr;
  if (doc.is_object() && doc.get_object().contains("events")) {
    list = doc.get_object().at("events").if_array();
    if (list == nullptr || doc.get_object().size() != 1) {
      return ledger::Status::Invalid("a batch is {\"events\":[...]} and nothing else",
                                     {{"/events", "must be an array of event commands"}});
    }
  }
  std::vector<const json::value*> items;
  if (list != nullptr) {
    for (const json::value& v : *list) items.push_back(&v);
  } else {
    items.push_back(&doc);
  }
  std::vector<ledger::Command> commands;
  std::vector<std::vector<ledger::Violation>> found(items.size());  // per command
  std::vector<std::optional<ledger::Command>> checked(items.size());
  bool failed = false;
  for (size_t i = 0; i < items.size(); ++i) {
    auto c = ledger::ParseCommand(*items[i], "/events/" + std::to_string(i));
    if (c.ok()) {
      checked[i] = *c;
      commands.push_back(std::move(*c));
    } else {
      found[i] = c.status().violations();
      checked[i] = PartialCommand(*items[i]);
      failed = true;
    }
  }
  if (!failed) return commands;
  std::vector<ledger::Violation> violations;
  for (size_t i = 0; i < items.size(); ++i) {
    if (checked[i]) {
      const std::string prefix = "/events/" + std::to_string(i);
      for (ledger::Violation& v : writer.Validate(*checked[i])) {
        ledger::Violation full{prefix + v.pointer, std::move(v.reason)};
        const bool known = std::any_of(found[i].begin(), found[i].end(),
                                       [&](const auto& x) { return x.pointer == full.pointer; });
        if (!known) found[i].push_back(std::move(full));
      }
    }
    for (auto& v : found[i]) violations.push_back(std::move(v));
  }
  return ledger::Status::Invalid("the request has invalid events", std::move(violations));
}

}  // namespace

constexpr std::string_view kErasedType = "contact.erased";

http::status HttpStatus(ledger::Code code) {
  switch (code) {
    case ledger::Code::kInvalidArgument:
      return http::status::bad_request;
    case ledger::Code::kNotFound:
      return http::status::not_found;
    case ledger::Code::kConflict:
      return http::status::conflict;
    case ledger::Code::kIllegalTransition:
      return http::status::unprocessable_entity;
    case ledger::Code::kUnavailable:
      return http::status::service_unavailable;
    case ledger::Code::kResourceExhausted:
      return http::status::service_unavailable;
    case ledger::Code::kUnauthenticated:
      return http::status::unauthorized;
    case ledger::Code::kPermissionDenied:
      return http::status::forbidden;
    default:
      return http::status::internal_server_error;
  }
}

Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view title,
                 const ledger::Status& detail) {
  json::array violations;
  for (const auto& v : detail.violations())
    violations.push_back({{"pointer", v.pointer}, {"reason", v.reason}});
  json::object body = {{"type", "about:blank"},
                       {"title", title},
                       {"status", static_cast<int>(status)},
                       {"detail", detail.message()},
                       {"violations", std::move(violations)}};
  if (detail.current_version()) body["currentversion"] = *detail.current_version();
  Response res(status, version);
  res.set(http::field::content_type, "application/problem+json");
  res.keep_alive(keep_alive);
  res.body() = json::serialize(body) + "\n";
  res.prepare_payload();
  return res;
}

ledger::Result<Grant> Api::Authorize(const Request& req, Resource resource) const {
  if (open_) return Grant::Everything();
  if (tokens_ == nullptr) {
    return ledger::Status::Unauthenticated("this server was started without tokens");
  }
  const auto header = req[http::field::authorization];
  auto principal = tokens_->Authenticate(std::string_view(header.data(), header.size()));
  if (!principal.ok()) return principal.status();
  Grant grant{std::move(*principal), Scope::kNone, tokens_};
  grant.scope = Allowed(grant.principal.role, resource);
  return grant;
}

void Api::Refuse(const Request& req, Resource resource, const ledger::Status& why,
                 const std::string& actor, Respond respond) const {
  if (why.code() == ledger::Code::kUnauthenticated) {
    metrics_.RecordRefused(Metrics::Refusal::kUnauthenticated);
    Response res =
        Problem(req.version(), req.keep_alive(), http::status::unauthorized, "Unauthorized", why);
    res.set(http::field::www_authenticate, "Bearer realm=\"ledger\", error=\"invalid_token\"");
    return respond(std::move(res));
  }
  metrics_.RecordRefused(Metrics::Refusal::kDenied);
  Response res =
      Problem(req.version(), req.keep_alive(), http::status::forbidden, "Forbidden", why);
  if (access_ == nullptr) return respond(std::move(res));
  // The refusal is the only trace the request leaves: an entry in the access log.
  const std::string_view target = TargetOf(req);
  AccessEntry entry = AccessLog::RecordedRead(target).value_or(AccessEntry{});
  if (entry.resource.empty()) {
    entry.subject = std::string(target.substr(0, target.find('?')));
    if (const size_t q = target.find('?'); q != std::string_view::npos)
      entry.query = std::string(target.substr(q + 1));
  }
  entry.resource = std::string(ResourceName(resource));
  entry.actor = actor;
  entry.method = std::string(req.method_string());
  entry.status = res.result_int();
  access_->Record(entry, [res = std::move(res), respond = std::move(respond)](ledger::Status) {
    respond(std::move(res));  // refused either way; the entry is best effort only if it fails
  });
}

void Api::Handle(const Request& req, Respond respond) const {
  metrics_.RecordRequest();
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const Resource resource = ResourceOf(req.method(), path);
  if (path == "/healthz" && req.method() == http::verb::get) {
    return respond(JsonResponse(req, http::status::ok, {{"status", "ok"}}));
  }
  auto grant = Authorize(req, resource);
  if (!grant.ok()) return Refuse(req, resource, grant.status(), "", std::move(respond));
  if (grant->scope == Scope::kNone) {
    const Principal& p = grant->principal;
    return Refuse(req, resource,
                  ledger::Status::Denied("the role " + std::string(RoleName(p.role)) +
                                         " may not use " + std::string(ResourceName(resource)) +
                                         " (token " + p.token_id + ", " + p.actor + ")"),
                  p.actor, std::move(respond));
  }
  if (const unsigned wait = limiter_.Take(grant->principal.token_id)) {
    metrics_.RecordRefused(Metrics::Refusal::kRateLimited);
    Response res = Problem(
        req.version(), req.keep_alive(), http::status::too_many_requests, "Too many requests",
        ledger::Status::Exhausted("token " + grant->principal.token_id + " is over " +
                                  std::to_string(limits_.token_rate_per_s) +
                                  " requests per second; retry after " + std::to_string(wait) +
                                  " s"));
    res.set(http::field::retry_after, std::to_string(wait));
    return respond(std::move(res));
  }
  if (read_only_ && req.method() != http::verb::get && req.method() != http::verb::head) {
    metrics_.RecordReject(ledger::Code::kInvalidArgument);
    Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                           "Read-only server",
                           ledger::Status::Invalid("this ledgerd is read-only (--read-only): it "
                                                   "serves a point-in-time copy and takes no "
                                                   "writes; send them to the ledger's writer"));
    res.set(http::field::allow, "GET, HEAD");
    return respond(std::move(res));
  }
  if (admin_ != nullptr) {
    if (auto answer = admin_->Handle(req)) return respond(std::move(*answer));
  }
  std::optional<Response> read;
  if (proofs_ != nullptr) read = proofs_->Handle(req);
  if (!read && records_ != nullptr) read = records_->Handle(req, *grant);
  if (!read && analytics_ != nullptr) read = analytics_->Handle(req);
  if (read) {
    std::optional<AccessEntry> entry;
    if (access_ != nullptr && req.method() == http::verb::get)
      entry = AccessLog::RecordedRead(target);
    if (!entry) return respond(std::move(*read));
    // The read is answered only once its access-log entry is durable.
    entry->actor = grant->principal.actor;
    entry->status = read->result_int();
    return access_->Record(*entry, [this, res = std::move(*read),
                                    respond = std::move(respond)](ledger::Status s) mutable {
      if (s.ok()) return respond(std::move(res));
      metrics_.RecordReject(ledger::Code::kUnavailable);
      Response refused = Problem(
          res.version(), res.keep_alive(), http::status::service_unavailable,
          http::obsolete_reason(http::status::service_unavailable),
          ledger::Status::Unavailable("the access log cannot record this read, so it is not "
                                      "answered: " +
                                      s.message()));
      refused.set(http::field::retry_after, "1");
      respond(std::move(refused));
    });
  }
  if (path == "/v1/access" && access_ != nullptr) {
    if (req.method() == http::verb::get) return respond(access_->Query(req));
    Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                           "Method not allowed", ledger::Status::Invalid("read with GET"));
    res.set(http::field::allow, "GET");
    return respond(std::move(res));
  }
  if (path == "/v1/keys" && req.method() == http::verb::get) {
    json::array keys;
    for (const auto& k : keys_.keys()) {
      json::object key{{"kid", k.KidHex()},
                       {"name", k.name},
                       {"publickey", ledger::Base64(std::span<const uint8_t>(k.key))},
                       {"algorithm", "ed25519"},
                       {"vkey", k.VerifierKey()}};
      // A rotated key: the events it signed were recorded in [valid_from, valid_until).
      if (!k.valid_from.empty()) key["valid_from"] = k.valid_from;
      if (!k.valid_until.empty()) key["valid_until"] = k.valid_until;
      keys.push_back(std::move(key));
    }
    return respond(JsonResponse(req, http::status::ok, {{"keys", std::move(keys)}}));
  }
  if (path == "/v1/events" && req.method() == http::verb::post)
    return AppendEvents(req, *grant, std::move(respond));
  constexpr std::string_view kSubjects = "/v1/subjects/", kErase = "/erase";
  if (path.starts_with(kSubjects) && path.ends_with(kErase) &&
      path.size() > kSubjects.size() + kErase.size()) {
    const std::string_view id =
        path.substr(kSubjects.size(), path.size() - kSubjects.size() - kErase.size());
    if (req.method() == http::verb::post) return Erase(req, *grant, id, std::move(respond));
    Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                           "Method not allowed", ledger::Status::Invalid("erase with POST"));
    res.set(http::field::allow, "POST");
    return respond(std::move(res));
  }
  if (path == "/v1/events" && req.method() == http::verb::get) return respond(Feed(req));
  if (path == "/metrics" && req.method() == http::verb::get) {
    Response res(http::status::ok, req.version());
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.keep_alive(req.keep_alive());
    res.body() = metrics_.Render(log_, log_.ApproximateBytes());
    if (records_ != nullptr) res.body() += records_->MetricsText();
    res.prepare_payload();
    return respond(std::move(res));
  }
  bool known =
      path == "/healthz" || path == "/v1/keys" || path == "/v1/events" || path == "/metrics";
  auto status = known ? http::status::method_not_allowed : http::status::not_found;
  Response res =
      Problem(req.version(), req.keep_alive(), status, known ? "Method not allowed" : "Not found",
              ledger::Status::NotFound(std::string(req.method_string()) + " " + std::string(path)));
  if (known) res.set(http::field::allow, path == "/v1/events" ? "GET, POST" : "GET");
  respond(std::move(res));
}

std::optional<FeedQuery> Api::FollowQuery(const Request& req) const {
  const std::string_view target(req.target().data(), req.target().size());
  if (req.method() != http::verb::get || target.substr(0, target.find('?')) != "/v1/events")
    return std::nullopt;
  auto q = ParseFeedQuery(target, log_.partitions());
  if (!q.ok() || !q->follow) return std::nullopt;  // Handle answers (errors included)
  // Only a followed feed is charged here; Handle charges (or refuses) everything else.
  auto grant = Authorize(req, Resource::kFeed);
  if (!grant.ok() || grant->scope == Scope::kNone) return std::nullopt;
  if (limiter_.Take(grant->principal.token_id) != 0) return std::nullopt;
  return *q;
}

bool Api::AcquireFollower() const {
  if (followers_.fetch_add(1) < limits_.follow_clients_max) return true;
  --followers_;
  return false;
}

void Api::ReleaseFollower() const { --followers_; }

Response Api::Feed(const Request& req) const {
  auto q =
      ParseFeedQuery(std::string_view(req.target().data(), req.target().size()), log_.partitions());
  if (!q.ok())
    return Problem(req.version(), req.keep_alive(), http::status::bad_request, "Invalid query",
                   q.status());
  size_t count = 0;
  auto lines = ReadFeedLines(log_, q->partition, q->from, q->limit, count);
  if (!lines.ok()) {
    return Problem(req.version(), req.keep_alive(), http::status::internal_server_error,
                   "Cannot read the log", lines.status());
  }
  Response res(http::status::ok, req.version());
  res.set(http::field::content_type, "application/x-ndjson");
  res.set("Ledger-Next", std::to_string(q->from + count));  // where the next page starts
  res.keep_alive(req.keep_alive());
  res.body() = std::move(*lines);
  res.prepare_payload();
  return res;
}

Response Api::Rejected(unsigned version, bool keep_alive, const ledger::Status& why) const {
  metrics_.RecordReject(why.code());
  const http::status status = HttpStatus(why.code());
  return Problem(version, keep_alive, status, http::obsolete_reason(status), why);
}

void Api::AppendEvents(const Request& req, const Grant& grant, Respond respond) const {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  auto type = req[http::field::content_type];
  if (type.substr(0, type.find(';')) != "application/json") {
    metrics_.RecordReject(ledger::Code::kInvalidArgument);
    return respond(Problem(version, keep_alive, http::status::unsupported_media_type,
                           "Unsupported media type",
                           ledger::Status::Invalid("send Content-Type: application/json")));
  }
  if (writer_ == nullptr) {
    metrics_.RecordReject(ledger::Code::kUnavailable);
    return respond(Problem(
        version, keep_alive, http::status::service_unavailable,
        http::obsolete_reason(http::status::service_unavailable),
        ledger::Status::Unavailable("this ledgerd is a query node (--group): it projects and "
                                    "serves reads; send appends to the topic's writer")));
  }
  auto commands = ParseCommands(*writer_, req.body());
  if (!commands.ok()) {
    metrics_.RecordReject(commands.status().code());
    return respond(Problem(version, keep_alive, http::status::bad_request,
                           http::obsolete_reason(http::status::bad_request), commands.status()));
  }
  std::vector<ledger::Violation> reserved;
  for (size_t i = 0; i < commands->size(); ++i) {
    if ((*commands)[i].type == kErasedType) {
      reserved.push_back({"/events/" + std::to_string(i) + "/type",
                          "contact.erased is appended by POST /v1/subjects/{id}/erase, which "
                          "also destroys the contact's key"});
    }
  }
  if (!reserved.empty()) {
    metrics_.RecordReject(ledger::Code::kInvalidArgument);
    return respond(Problem(version, keep_alive, http::status::bad_request,
                           http::obsolete_reason(http::status::bad_request),
                           ledger::Status::Invalid("the request has invalid events", reserved)));
  }
  std::string actor = grant.principal.actor;
  writer_->AppendAsync(
      std::move(*commands), std::move(actor),
      [this, version, keep_alive, start = std::chrono::steady_clock::now(),
       respond = std::move(respond)](ledger::Result<std::vector<ledger::Appended>> r) {
        if (!r.ok()) return respond(Rejected(version, keep_alive, r.status()));
        json::array events;
        uint64_t replayed = 0;
        for (const auto& a : *r) {
          events.push_back(AppendedJson(a));
          replayed += a.replayed;
        }
        metrics_.RecordAppend(r->size(), replayed,
                              std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
        Response res(http::status::created, version);
        res.set(http::field::content_type, "application/json");
        res.keep_alive(keep_alive);
        res.body() = json::serialize(json::object{{"events", std::move(events)}}) + "\n";
        res.prepare_payload();
        respond(std::move(res));
      });
}

}  // namespace ingest

namespace ingest {

// Erasure: the contact.erased event first (idempotent by its id, and refused for an
// unknown or erased contact), then the key. A failure between the two leaves the event
// and the key: the same request again finds the event recorded and destroys the key.
void Api::Erase(const Request& req, const Grant& grant, std::string_view id,
                Respond respond) const {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  auto fail = [&](http::status status, const ledger::Status& why) {
    metrics_.RecordReject(why.code());
    respond(Problem(version, keep_alive, status, http::obsolete_reason(status), why));
  };
  if (!ValidId(id))
    return fail(http::status::not_found, ledger::Status::NotFound("no contact " + std::string(id)));
  if (writer_ == nullptr || subject_keys_ == nullptr) {
    return fail(http::status::service_unavailable,
                ledger::Status::Unavailable(
                    writer_ == nullptr ? "this ledgerd is a query node: erase on the writer"
                                       : "this ledgerd has no master key (--master-key-file)"));
  }
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  const json::value* reason =
      !ec && body.is_object() ? body.as_object().if_contains("reason") : nullptr;
  if (reason == nullptr || !reason->is_string() || reason->get_string().empty() ||
      reason->get_string().size() > 500 || body.as_object().size() != 1) {
    return fail(http::status::bad_request,
                ledger::Status::Invalid(
                    "the body is {\"reason\": \"why\"} (1..500 characters)",
                    {{"/reason", "is required: the request's reference or legal ground"}}));
  }
  ledger::Command c;
  c.type = std::string(kErasedType);
  c.subject = "contact/" + std::string(id);
  c.id = "erasure-contact-" + std::string(id);
  c.data = {{"reason", reason->get_string()}};
  std::vector<ledger::Command> batch;
  batch.push_back(std::move(c));
  const std::string subject = "contact/" + std::string(id);
  const std::string why(reason->get_string());
  writer_->AppendAsync(
      std::move(batch), grant.principal.actor,
      [this, version, keep_alive, subject, why, actor = grant.principal.actor,
       respond = std::move(respond)](ledger::Result<std::vector<ledger::Appended>> r) {
        if (!r.ok()) return respond(Rejected(version, keep_alive, r.status()));
        const ledger::Appended& a = r->front();
        if (auto s = subject_keys_->Erase(subject, {a.time, why, actor}); !s.ok()) {
          return respond(Problem(
              version, keep_alive, http::status::internal_server_error, "Key not destroyed",
              ledger::Status::IoError("contact.erased was recorded, but the key could not be "
                                      "destroyed; send the same request again: " +
                                      s.message())));
        }
        Response res(http::status::ok, version);
        res.set(http::field::content_type, "application/json");
        res.keep_alive(keep_alive);
        res.body() = json::serialize(json::object{
                         {"subject", subject}, {"erased", a.time}, {"event", AppendedJson(a)}}) +
                     "\n";
        res.prepare_payload();
        respond(std::move(res));
      });
}

}  // namespace ingest
