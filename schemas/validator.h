// Stateless validation of append commands against the catalogue: the envelope (type,
// subject, schema version, business time) and every field of `data` (types, enums,
// lengths, ranges, money, dates, unknown fields) plus the cross-field rules of each
// event type (end date after start date, one currency per document, ...).
//
// Every violation is reported, each with an RFC 6901 pointer relative to the command
// ("/data/lines/2/quantity") and an English reason. Thread-safe; never throws.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"
#include "schemas/catalog.h"

namespace schemas {

// At most this many violations are reported for one command; one more, at pointer "",
// then says that the list was cut.
inline constexpr size_t kViolationsMax = 100;

// Every violation of `command`; empty when it is well formed.
std::vector<ledger::Violation> ValidateCommand(const ledger::Command& command);

// The violations of `data` against `spec` (fields and cross-field rules), pointers
// under "/data". `subject` is the command's subject, for rules that refer to the
// record itself ("an account cannot be its own parent").
std::vector<ledger::Violation> ValidateData(const EventTypeSpec& spec,
                                            const boost::json::object& data,
                                            std::string_view subject);

}  // namespace schemas
