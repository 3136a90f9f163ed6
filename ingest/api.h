// The HTTP API's handlers: pure functions from a request to a response (they never touch
// a socket), so they can be tested without a server. docs/API.md describes the routes.
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>

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
};

class RecordsApi;
class ProofsApi;
class AccessLog;

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
  // Adds the checkpoint, proof and audit pack routes; before serving.
  void AttachProofs(const ProofsApi* proofs) { proofs_ = proofs; }
  // Records every read of records, history and audit packs before answering it, and
  // serves GET /v1/access; before serving.
  void AttachAccessLog(const AccessLog* access) { access_ = access; }

  const ApiLimits& limits() const { return limits_; }
  const ledger::EventLog& log() const { return log_; }

  // Whether the request is a followed feed (GET /v1/events?...&follow=true) with a valid
  // query; such requests are streamed by the session, not answered by Handle.
  std::optional<FeedQuery> FollowQuery(const Request& request) const;
  // Counts open followed feeds; false when follow_clients_max are open already.
  bool AcquireFollower() const;
  void ReleaseFollower() const;
  // Counts a request refused for its body size (the server answers it, not Handle).
  void CountTooLarge() const { metrics_.RecordTooLarge(); }

 private:
  void AppendEvents(const Request& request, Respond respond) const;
  Response Feed(const Request& request) const;

  ledger::Writer* writer_;
  const ledger::EventLog& log_;
  mutable std::atomic<size_t> followers_{0};
  mutable Metrics metrics_;
  const RecordsApi* records_ = nullptr;
  const ProofsApi* proofs_ = nullptr;
  const AccessLog* access_ = nullptr;
  const ledger::Keyring& keys_;
  ApiLimits limits_;
};

// A JSON response answering `request` (its HTTP version and keep-alive).
Response JsonResponse(const Request& request, http::status status, const boost::json::value& body);

// An RFC 9457 problem+json response listing every violation.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view title,
                 const ledger::Status& detail);
http::status HttpStatus(ledger::Code code);

// Who sent the request: until tokens exist (issue 6), the Ledger-Actor header, or
// "user:anonymous".
std::string ActorOf(const Request& request);

}  // namespace ingest
