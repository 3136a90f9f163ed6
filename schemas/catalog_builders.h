// Internal to the schemas library: the small vocabulary the catalogue files
// (catalog_*.cc) are written in. Not part of the public API.
#pragma once

#include <string>
#include <vector>

#include "schemas/catalog.h"

namespace schemas::build {

// Single-line text of at most `chars_max` code points (and 3 bytes per code point, so
// CJK text fits at full length while 4-byte characters meet the byte cap first).
FieldSpec Text(std::string name, size_t chars_max, std::string description);
// Multi-line free text (tab, CR and LF allowed).
FieldSpec Note(std::string name, size_t chars_max, std::string description);
FieldSpec Id(std::string name, std::string description);
// A user of the sales organization ("u:zhang.wei"): a rep, a manager, a handler.
FieldSpec UserId(std::string name, std::string description);
FieldSpec Enum(std::string name, std::vector<std::string> values, std::string description);
FieldSpec Integer(std::string name, int64_t min, int64_t max, std::string description);
FieldSpec Percent(std::string name, std::string description);
FieldSpec Boolean(std::string name, std::string description);
// Money whose amount (minor units) is at least `amount_min`.
FieldSpec Money(std::string name, int64_t amount_min, std::string description);
FieldSpec Date(std::string name, std::string description);
FieldSpec DateTime(std::string name, std::string description);
FieldSpec Period(std::string name, std::string description);
FieldSpec Email(std::string name, std::string description);
FieldSpec Phone(std::string name, std::string description);
FieldSpec Url(std::string name, std::string description);
FieldSpec Country(std::string name, std::string description);
FieldSpec Ref(std::string name, std::string kind, std::string description);
FieldSpec Array(std::string name, size_t items_max, FieldSpec item, std::string description);
FieldSpec Object(std::string name, std::vector<FieldSpec> fields, std::string description);

// Shared shapes.
FieldSpec Address(std::string name, std::string description);
// Lines of a contract or an order: product x quantity x unit price - discount.
inline constexpr size_t kLinesMax = 100;
FieldSpec Lines(std::string name, std::string description);

// The enum values of a fixed list such as kOpenStages.
template <typename List>
std::vector<std::string> Values(const List& list) {
  return std::vector<std::string>(list.begin(), list.end());
}

// Event types. The kind is the prefix of `type`.
EventTypeSpec Creation(std::string type, std::string description, std::vector<FieldSpec> fields);
EventTypeSpec Change(std::string type, std::string description, std::vector<FieldSpec> fields);
// An update: every field of `fields` optional, at least one of them present; `context`
// fields (a reason, say) come after and do not count.
EventTypeSpec Update(std::string type, std::string description, std::vector<FieldSpec> fields,
                     std::vector<FieldSpec> context = {});

// The catalogue, by area (catalog_crm.cc, catalog_commerce.cc, catalog_service.cc).
std::vector<EventTypeSpec> CrmEventTypes();       // account, contact, opportunity, activity
std::vector<EventTypeSpec> CommerceEventTypes();  // product, contract, order, invoice, payment
std::vector<EventTypeSpec> ServiceEventTypes();   // ticket, target, forecast, fx, team

}  // namespace schemas::build
