// The life cycles of sales records: opportunity stages, order statuses, ticket
// statuses and the transitions allowed between them. The catalogue uses the lists for
// its enums; the decider uses the transition rules. README.md has the tables.
#pragma once

#include <array>
#include <string_view>

namespace schemas {

// Opportunity stages, in pipeline order. The first five are open.
inline constexpr std::array<std::string_view, 7> kOpportunityStages = {
    "prospecting", "qualification", "needs_analysis", "proposal",
    "negotiation", "closed_won",    "closed_lost"};
inline constexpr std::array<std::string_view, 5> kOpenStages = {
    "prospecting", "qualification", "needs_analysis", "proposal", "negotiation"};
bool IsOpenStage(std::string_view stage);

// Order statuses. "cancelled" and "returned" are terminal.
inline constexpr std::array<std::string_view, 7> kOrderStatuses = {
    "placed", "awaiting_payment", "paid", "shipped", "delivered", "cancelled", "returned"};
// placed -> awaiting_payment | cancelled; awaiting_payment -> paid | cancelled;
// paid -> shipped | cancelled; shipped -> delivered | returned; delivered -> returned.
bool IsOrderTransitionAllowed(std::string_view from, std::string_view to);
// The statuses an order may move to from `from` ("" when terminal), comma-separated.
std::string_view OrderNextStatuses(std::string_view from);

// Ticket statuses (kept in decision state; events name the changes).
// open --assigned--> in_progress --resolved--> resolved --closed--> closed;
// resolved | closed --reopened--> in_progress.
inline constexpr std::string_view kTicketOpen = "open";
inline constexpr std::string_view kTicketInProgress = "in_progress";
inline constexpr std::string_view kTicketResolved = "resolved";
inline constexpr std::string_view kTicketClosed = "closed";

// Closed records, which an archive may seal (ledgerctl archive): an opportunity
// closed_won or closed_lost; an order delivered (the order life cycle has it paid before
// it ships, so a delivered order is a paid one), cancelled or returned; a ticket
// resolved or closed. Other kinds are never closed here: accounts, contacts, contracts,
// invoices and payments stay in the hot views. `stage` and `status` are the record's
// index fields (IndexFieldsOf).
bool IsClosedRecord(std::string_view kind, std::string_view stage, std::string_view status);

}  // namespace schemas
