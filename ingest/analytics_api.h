// The analytics routes (docs/API.md, "Analytics"):
//   GET /v1/analytics/{report}?from=&to=&asof=&currency=&period=&by=&top=&format=&after=
// Each request folds the facts of the generation of views served when it arrived, up to
// `asof`, into the report (analytics/reports.h); `format=csv` answers its main table as
// CSV. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ingest/api.h"
#include "projections/views.h"

namespace ingest {

struct AnalyticsOptions {
  std::string reporting_currency = "CNY";  // when a request names none
  // Most facts one request folds (each held in memory meanwhile); more: 503.
  size_t facts_max = 2'000'000;
  std::chrono::milliseconds read_wait{5000};  // longest wait for ?after=, then 503
};

class AnalyticsApi {
 public:
  // `views` must outlive this.
  AnalyticsApi(const projections::LiveViews& views, AnalyticsOptions options)
      : views_(views), options_(std::move(options)) {}

  // The response when the request is an analytics route; nullopt otherwise.
  std::optional<Response> Handle(const Request& request) const;

 private:
  const projections::LiveViews& views_;
  const AnalyticsOptions options_;
};

}  // namespace ingest
