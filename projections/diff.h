// Field-level differences between two states of a record, for the history model.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "projections/encoding.h"

namespace projections {

// The changes that turn `before` into `after`. Objects are compared member by member,
// recursively; anything else (strings, numbers, arrays, null) is compared whole. A
// member present on one side only gives a change with only `old` or only `new`.
// Paths are RFC 6901 pointers ("/lines" , "/terms/net~1days"); changes come in the
// byte order of member names at each level, so the result does not depend on the
// objects' insertion order.
std::vector<Change> DiffStates(const boost::json::object& before, const boost::json::object& after);

// An RFC 6901 reference token: '~' -> "~0", '/' -> "~1".
std::string EscapePointerToken(std::string_view token);

}  // namespace projections
