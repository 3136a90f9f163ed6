// The report functions, one file per area; reports.cc dispatches.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "analytics/book.h"
#include "analytics/money.h"
#include "analytics/params.h"

namespace analytics::internal {

boost::json::object Pipeline(const Book& book, const Params& p, Converter& money);
boost::json::object Funnel(const Book& book, const Params& p);
boost::json::object WinLoss(const Book& book, const Params& p, Converter& money);
boost::json::object Activities(const Book& book, const Params& p);
boost::json::object Targets(const Book& book, const Params& p, Converter& money);
boost::json::object Products(const Book& book, const Params& p, Converter& money);
boost::json::object Customers(const Book& book, const Params& p, Converter& money);
boost::json::object Service(const Book& book, const Params& p);

// {key: value} followed by the members of `rest`: the key column first.
boost::json::object Keyed(std::string_view key, boost::json::value value, boost::json::object rest);
inline boost::json::object Keyed(std::string_view key, std::string_view value,
                                 boost::json::object rest) {
  return Keyed(key, boost::json::value(value), std::move(rest));
}

// a / b as a JSON number; null when b is 0.
boost::json::value Ratio(double a, double b);
// Mean and median of durations (microseconds) in `unit` microseconds; null when empty.
boost::json::value Mean(const std::vector<Micros>& durations, double unit);
boost::json::value Median(std::vector<Micros> durations, double unit);

inline constexpr double kDay = 86400e6;  // microseconds
inline constexpr double kHour = 3600e6;

}  // namespace analytics::internal
