// What the analytics read model keeps of a sales event (projections::Models::fact):
// the event's data without its personal fields, for every kind but contacts (whose
// events are about a person, not about sales figures).
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "ledger/event.h"

namespace schemas {

// The event's data without the fields the catalogue marks personal (at any depth);
// a retraction's data as it is; nullopt for contact events and unknown types.
std::optional<boost::json::object> AnalyticsFactOf(const ledger::Event& event);

}  // namespace schemas
