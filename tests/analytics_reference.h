// A reference for GET /v1/analytics/{report} (docs/API.md, "Analytics"): a
// straightforward fold over the commands a test appended, written from the spec alone,
// so the tests can check every answer of the engine against an independent computation.
// Deliberately simple (clarity over speed); shares no code with analytics/.
//
// The caller passes exactly the facts visible at the `asof` it asks about: the commands
// recorded by then, in recorded order, minus the retracted ones (DropRetracted).
// Everything here is pure and single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace analytics_ref {

// One appended command as the ledger recorded it.
struct RefFact {
  std::string type;
  std::string subject;  // "<kind>/<id>"
  std::string id;
  std::string occurredat;  // RFC 3339 as sent; empty: the recorded time counts
  boost::json::object data;
  int64_t recorded_index = 0;  // position in recorded order (stream order per subject)
  std::string recorded;        // recorded time, RFC 3339 (used when occurredat is empty)
};

// Parses NDJSON command lines ({type, subject, data, occurredat, id}); the index of each
// is its position after `first_index`. Lines that are not commands fail the test.
std::vector<RefFact> FactsFromNdjson(const std::vector<std::string>& lines, int64_t first_index);

// The facts without the `event.retracted` facts and the events they name.
std::vector<RefFact> DropRetracted(const std::vector<RefFact>& facts);

// The parameters of one request, already checked.
struct RefParams {
  std::optional<std::string> from;  // as given: RFC 3339 or YYYY-MM-DD
  std::optional<std::string> to;
  std::optional<std::string> asof;  // RFC 3339, as given
  std::string currency = "CNY";
  std::string period = "quarter";  // grouping; for targets, the target period
  std::string by;                  // win-loss, service; "" = the default
  std::optional<size_t> top;       // products, customers
  int64_t request_time_us = 0;     // "now", for recency and unended periods
};

boost::json::object Pipeline(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Funnel(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object WinLoss(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Activities(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Targets(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Products(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Customers(const std::vector<RefFact>& facts, const RefParams& params);
boost::json::object Service(const std::vector<RefFact>& facts, const RefParams& params);

// The report named as in the URL ("win-loss"); an empty object for an unknown name.
boost::json::object Report(const std::string& name, const std::vector<RefFact>& facts,
                           const RefParams& params);

// numerator / denominator rounded half to even on the exact quotient (128-bit).
int64_t DivideHalfEven(__int128 numerator, __int128 denominator);

// Compares two reports: integers, strings, booleans and nulls exactly, numbers within
// 1e-9 relative (an integer equals a double of the same value), arrays element by
// element, objects member by member. A name in `ignored` without '/' is skipped as a
// member name at any depth; one starting with '/' skips that JSON pointer (and below).
// On a mismatch the message names the pointer of the first difference and both values.
::testing::AssertionResult SameReport(const boost::json::value& expected,
                                      const boost::json::value& actual,
                                      const std::vector<std::string>& ignored = {"asof"});

}  // namespace analytics_ref
