// Internal to the schemas library: the stateless rules that involve more than one
// field of an event (validator_rules.cc). Each rule only looks at fields that are
// well formed on their own; malformed fields were already reported.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "schemas/catalog.h"

namespace schemas::internal {

void CheckCrossFieldRules(const EventTypeSpec& spec, const boost::json::object& data,
                          std::string_view subject, std::vector<ledger::Violation>& out);

}  // namespace schemas::internal
