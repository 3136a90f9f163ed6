// The HTTP API's handlers: pure functions from a request to a response (they never touch
// a socket), so they can be tested without a server. docs/API.md describes the routes.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>

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
};

class Api {
 public:
  // All references must outlive the Api. Thread-safe.
  Api(ledger::Writer& writer, const ledger::Keyring& keys, ApiLimits limits)
      : writer_(writer), keys_(keys), limits_(limits) {}

  // Answers `request` through `respond`, exactly once, possibly on another thread
  // (appends answer after the event log made them durable).
  void Handle(const Request& request, Respond respond) const;

  const ApiLimits& limits() const { return limits_; }

 private:
  void AppendEvents(const Request& request, Respond respond) const;

  ledger::Writer& writer_;
  const ledger::Keyring& keys_;
  ApiLimits limits_;
};

// An RFC 9457 problem+json response listing every violation.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view title,
                 const ledger::Status& detail);
http::status HttpStatus(ledger::Code code);

}  // namespace ingest
