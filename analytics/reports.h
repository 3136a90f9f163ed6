// The analytics reports (docs/API.md, "Analytics"): each a fold of the book under the
// request's parameters into the JSON answer.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "analytics/book.h"
#include "analytics/params.h"
#include "projections/encoding.h"

namespace analytics {

// The answer to `params.report` over `facts` (those recorded by params.asof): the
// parameters it used, the report's members and `unconverted` when it has money.
ledger::Result<boost::json::object> Compute(std::vector<projections::Fact> facts,
                                            const Params& params);

// The main table of `report`'s answer as CSV (RFC 4180, CRLF, a header row; nested
// objects as "a.b" columns, arrays as JSON text, null as an empty field).
std::string ToCsv(std::string_view report, const boost::json::object& answer);

}  // namespace analytics
