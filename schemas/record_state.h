// The current state of a sales record as its read model shows it: a JSON object folded
// from the record's events in order, from the domain's point of view (what the deal,
// the order or the ticket is now), for every event type of the catalogue.
//
//   boost::json::object state;                       // before the first event
//   for (const ledger::Event& e : events_of_subject) schemas::ApplyToRecordState(state, e);
//   schemas::IndexFields f = schemas::IndexFieldsOf("opportunity", state);
//
// The state holds only domain fields: the caller keeps version, hash and times beside
// it. Money stays {"amount": <minor units>, "currency": "..."}; no JSON double is ever
// written. Every list kept is bounded (kRecordActionsMax, kRecordRefundsMax; consents
// by purpose), so a state's size is bounded by the catalogue's limits.
//
// What each event does (schemas/README.md has the table per kind):
// - A creation event's `data` becomes the state, plus `id` (the record id from the
//   subject) and the kind's lifecycle field: account status "active", opportunity
//   stage (the opened event's `stage`, else "prospecting"), activity status
//   "scheduled" (scheduled) or "completed" (logged), product status "listed", contract
//   status "active", order status "placed", invoice status "issued" with `total` and
//   `amount_due` (amount + tax), payment status "received" with `refunded` zero,
//   ticket status "open". Contacts, targets and forecasts have no lifecycle field.
// - Update events (`*.profile_updated`, `*.details_updated`, `*.forecast_revised`,
//   `contract.amended`, `*.revised`, `activity.rescheduled`, `*.owner_assigned`,
//   `product.price_changed`) replace the top-level fields they carry; nested objects
//   and arrays are replaced whole. Their `reason` explains the change and is not kept
//   (the history model has it).
// - Change events set the lifecycle field and the details of the new state, and clear
//   the details of the state they leave (a reopened opportunity loses `lost_reason`).
//
// Cross-record effects are not folded here: a payment does not lower its invoice's
// `amount_due` (payments are another record's stream); the read-model layer applies
// them. Statuses and stages are those of SalesDecider's decision state (states.h).
//
// Pure functions of their arguments; safe on any thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "ledger/event.h"

namespace schemas {

// A ticket keeps its last kRecordActionsMax actions (`actions`); `minutes_spent`
// counts all of them. A payment keeps its last kRecordRefundsMax refunds (`refunds`);
// `refunded` sums all of them.
inline constexpr size_t kRecordActionsMax = 50;
inline constexpr size_t kRecordRefundsMax = 50;

// Folds one recorded event of a record into that record's current state (empty before
// the first event). Deterministic; never fails on an event SalesDecider accepted.
// Events of types (or schema versions) the catalogue does not know leave the state
// unchanged. A creation event replaces the whole state.
void ApplyToRecordState(boost::json::object& state, const ledger::Event& event);

// The fields the read models index a record by, from its state; "" where the kind has
// none (or the state lacks it):
//   owner   — the user who holds the record: `owner`, or a ticket's `handler`;
//   stage   — an opportunity's stage;
//   status  — the lifecycle status of accounts, activities, products, contracts,
//             orders, invoices, payments and tickets;
//   account — the account the record belongs to; an account's own id. Invoices and
//             payments reach their account only through other records: "".
struct IndexFields {
  std::string owner, stage, status, account;
  bool operator==(const IndexFields&) const = default;
};
IndexFields IndexFieldsOf(std::string_view kind, const boost::json::object& state);

}  // namespace schemas
