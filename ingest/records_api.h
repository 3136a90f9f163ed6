// The query routes over the read models (projections/):
//   GET /v1/records/{kind}/{id}[?asof=RFC3339 | ?asof_business=RFC3339]
//   GET /v1/records/{kind}/{id}/history[?after=VERSION&limit=N]
//   GET /v1/records/{kind}?owner=&stage=&status=&account=&updated_since=&limit=&cursor=
//   GET /readyz
// Pure request -> response functions; thread-safe. docs/API.md describes them.
#pragma once

#include <optional>

#include "ingest/api.h"
#include "projections/queries.h"
#include "projections/runner.h"

namespace ingest {

// /readyz answers 503 while any partition's projection lags the log by more than this.
inline constexpr uint64_t kReadyLagEventsMax = 1000;

class RecordsApi {
 public:
  // `views` and `runner` must outlive this.
  RecordsApi(const projections::ViewReader& views, const projections::Runner& runner)
      : views_(views), runner_(runner) {}

  // The response when the request is one of the routes above; nullopt otherwise.
  std::optional<Response> Handle(const Request& request) const;

  // Projection lag lines for /metrics.
  std::string MetricsText() const;

 private:
  Response Record(const Request& req, const std::string& subject, std::string_view query) const;
  Response History(const Request& req, const std::string& subject, std::string_view query) const;
  Response List(const Request& req, const std::string& kind, std::string_view query) const;
  Response Ready(const Request& req) const;

  const projections::ViewReader& views_;
  const projections::Runner& runner_;
};

}  // namespace ingest
