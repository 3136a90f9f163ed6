// The query parameters of an analytics report (docs/API.md, "Analytics"), checked with
// every violation reported.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/book.h"
#include "ledger/status.h"

namespace analytics {

enum class Grain { kMonth, kQuarter, kHalf, kYear };

struct Params {
  std::string report;
  Micros from = kTimeMin;  // the business window [from, to)
  Micros to = kTimeMax;
  std::optional<Micros> asof;  // recorded time
  std::string currency;
  Grain grain = Grain::kQuarter;
  std::string period;  // targets: the target period ("2025-Q2")
  std::string by;      // win-loss, service
  std::optional<size_t> top;
  bool csv = false;
  Micros now = 0;  // the request's time (customers' recency when `to` and `asof` are absent)
  boost::json::object echo;  // what the answer repeats: from, to, asof, currency, period, ...
};

inline constexpr size_t kTopMax = 100000;

// The reports there are, in the order docs/API.md lists them.
const std::vector<std::string_view>& Reports();
bool IsReport(std::string_view report);
// The parameter names `report` takes.
std::vector<std::string_view> ParameterNames(std::string_view report);

// Checks `query` (parameter -> value; unknown names were already refused by the caller)
// for `report`; kInvalidArgument lists every violation at /query/<parameter>.
ledger::Result<Params> ParseParams(std::string_view report,
                                   const std::map<std::string, std::string>& query,
                                   std::string_view default_currency, Micros now);

// The period label of a date "YYYY-MM-DD": "2025-05", "2025-Q2", "2025-H1", "2025".
std::string PeriodOf(std::string_view date, Grain grain);
// The grain of a target period ("2025", "2025-H1", "2025-Q2", "2025-05"); nullopt if it
// is none of those.
std::optional<Grain> GrainOfPeriod(std::string_view period);
// The last microsecond (UTC) of a target period.
std::optional<Micros> PeriodEnd(std::string_view period);

}  // namespace analytics
