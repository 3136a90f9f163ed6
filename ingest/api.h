// The HTTP API's handlers: pure functions from a request to a response (they never touch
// a socket), so they can be tested without a server. docs/API.md describes the routes.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>

#include "ingest/authz.h"
#include "ingest/feed.h"
#include "ingest/metrics.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/writer.h"

namespace ingest {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Respond = std::function<void(Response)>;

struct ApiLimits {
  size_t body_bytes_max = 4 * 1024 * 1024;
  size_t follow_clients_max = 64;  // open ?follow=true feeds; beyond: 503
  unsigned follow_poll_ms = 50;    // how often an idle followed feed looks for new events
  double token_rate_per_s = 0;     // requests per second per token; 0 = unlimited
  double token_burst = 0;          // requests a token may send at once (>= 1 when limited)
};

class RecordsApi;
class AnalyticsApi;
class ProofsApi;
class AccessLog;
class SubjectKeys;
class AdminApi;

class Api {
 public:
  // All references must outlive the Api. Thread-safe.
  // `writer` null: a query node (ledgerd --group), which serves reads and answers
  // appends with 503 naming why.
  Api(ledger::Writer* writer, const ledger::EventLog& log, const ledger::Keyring& keys,
      ApiLimits limits)
      : writer_(writer), log_(log), keys_(keys), limits_(limits) {}

  // Answers `request` through `respond`, exactly once, possibly on another thread
  // (appends answer after the event log made them durable).
  void Handle(const Request& request, Respond respond) const;

  // Adds the read-model routes (records, history, lists, /readyz); before serving.
  void AttachRecords(const RecordsApi* records) { records_ = records; }
  // Adds the analytics routes; before serving.
  void AttachAnalytics(const AnalyticsApi* analytics) { analytics_ = analytics; }
  // Adds the checkpoint, proof and audit pack routes; before serving.
  void AttachProofs(const ProofsApi* proofs) { proofs_ = proofs; }
  // Records every read of records, history and audit packs before answering it, every
  // request its role may not make, and serves GET /v1/access; before serving.
  void AttachAccessLog(const AccessLog* access) { access_ = access; }
  // Every request but /healthz must carry one of these tokens; before serving. Without
  // tokens (and not open), every such request is answered 401.
  void AttachTokens(const TokenDirectory* tokens) { tokens_ = tokens; }
  // Serves POST /v1/subjects/{contact id}/erase with these keys; before serving.
  void AttachSubjectKeys(const SubjectKeys* keys) { subject_keys_ = keys; }
  // Adds the operators' routes (/v1/admin/backups); before serving.
  void AttachAdmin(const AdminApi* admin) { admin_ = admin; }
  // Answers every request but GET and HEAD with 405 naming why: a server of a
  // point-in-time copy (ledgerd --read-only); before serving.
  void ServeReadOnly() { read_only_ = true; }

  // Lets every request in with every right, as user:dev (ledgerd --dev-open, loopback
  // only); before serving.
  void OpenForDevelopment() { open_ = true; }

  const ApiLimits& limits() const { return limits_; }
  const ledger::EventLog& log() const { return log_; }

  // Whether the request is a followed feed (GET /v1/events?...&follow=true) with a valid
  // query that its token may read; such requests are streamed by the session, not
  // answered by Handle (which answers every other case, refusals included).
  std::optional<FeedQuery> FollowQuery(const Request& request) const;
  // Counts open followed feeds; false when follow_clients_max are open already.
  bool AcquireFollower() const;
  void ReleaseFollower() const;
  // Counts a request refused for its body size (the server answers it, not Handle).
  void CountTooLarge() const { metrics_.RecordTooLarge(); }

 private:
  // Who sent the request and what the matrix lets it do with `resource` (scope kNone:
  // nothing); kUnauthenticated, naming why, when the token is missing or not valid.
  ledger::Result<Grant> Authorize(const Request& request, Resource resource) const;
  // Answers a refused request: 401, or 403 once the access log has recorded it.
  void Refuse(const Request& request, Resource resource, const ledger::Status& why,
              const std::string& actor, Respond respond) const;
  void AppendEvents(const Request& request, const Grant& grant, Respond respond) const;
  // The problem answering a request the writer refused, counted as a reject.
  Response Rejected(unsigned version, bool keep_alive, const ledger::Status& why) const;
  void Erase(const Request& request, const Grant& grant, std::string_view id,
             Respond respond) const;
  Response Feed(const Request& request) const;

  ledger::Writer* writer_;
  const ledger::EventLog& log_;
  mutable std::atomic<size_t> followers_{0};
  mutable Metrics metrics_;
  const RecordsApi* records_ = nullptr;
  const AnalyticsApi* analytics_ = nullptr;
  const ProofsApi* proofs_ = nullptr;
  const AccessLog* access_ = nullptr;
  const TokenDirectory* tokens_ = nullptr;
  const SubjectKeys* subject_keys_ = nullptr;
  const AdminApi* admin_ = nullptr;
  bool read_only_ = false;
  bool open_ = false;
  const ledger::Keyring& keys_;
  ApiLimits limits_;
  mutable RateLimiter limiter_{limits_.token_rate_per_s, std::max(1.0, limits_.token_burst)};
};

// A JSON response answering `request` (its HTTP version and keep-alive).
Response JsonResponse(const Request& request, http::status status, const boost::json::value& body);

// An RFC 9457 problem+json response listing every violation.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view title,
                 const ledger::Status& detail);
http::status HttpStatus(ledger::Code code);

}  // namespace ingest
