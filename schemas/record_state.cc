#include "schemas/record_state.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <unordered_map>

#include "ledger/status.h"
#include "schemas/catalog.h"
#include "schemas/data_access.h"
#include "schemas/states.h"

namespace schemas {
namespace {

using internal::GetInteger;
using internal::GetMoney;
using internal::GetString;

// One event being folded into its record's state.
struct Fold {
  boost::json::object& state;
  const ledger::Event& event;
  const boost::json::object& data() const { return event.data; }
};

boost::json::object Money(int64_t amount, std::string_view currency) {
  return boost::json::object{{"amount", amount}, {"currency", currency}};
}

// Business time of the event; the recorded time if a caller left it out.
std::string_view When(const Fold& f) {
  return f.event.occurredat.empty() ? std::string_view(f.event.time) : f.event.occurredat;
}

// The creation event's data is the record; `id` names it (an account's index needs it).
void Create(Fold& f, std::string_view lifecycle_key = {}, std::string_view lifecycle = {}) {
  f.state = f.data();
  f.state["id"] = internal::SubjectId(f.event.subject);
  if (!lifecycle_key.empty()) f.state[lifecycle_key] = lifecycle;
}

// Update events: every field they carry replaces the record's; `reason` only explains.
void Merge(Fold& f) {
  for (const auto& field : f.data()) {
    if (field.key() != "reason") f.state[field.key()] = field.value();
  }
}

// A record attribute the event may carry: replaced when present, kept otherwise.
void CopyIfPresent(Fold& f, std::string_view data_key, std::string_view state_key) {
  if (const boost::json::value* value = f.data().if_contains(data_key)) {
    f.state[state_key] = *value;
  }
}

// A detail of the state the event moves to: replaced, or removed when not given so that
// no detail of an earlier transition lingers.
void CopyOrErase(Fold& f, std::string_view data_key, std::string_view state_key) {
  if (const boost::json::value* value = f.data().if_contains(data_key)) {
    f.state[state_key] = *value;
  } else {
    f.state.erase(state_key);
  }
}

void Erase(Fold& f, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) f.state.erase(key);
}

void Set(Fold& f, std::string_view key, std::string_view value) { f.state[key] = value; }

// Appends to the array `key`, keeping its last `items_max` elements.
void AppendBounded(Fold& f, std::string_view key, boost::json::object item, size_t items_max) {
  boost::json::value& slot = f.state[key];
  if (!slot.is_array()) slot = boost::json::array();
  boost::json::array& items = slot.get_array();
  items.push_back(std::move(item));
  if (items.size() > items_max)
    items.erase(items.begin(), items.end() - static_cast<std::ptrdiff_t>(items_max));
}

void AddInteger(Fold& f, std::string_view key, int64_t delta) {
  f.state[key] = GetInteger(f.state, key).value_or(0) + delta;
}

// --- account: status active | inactive ---

void AccountRegistered(Fold& f) { Create(f, "status", "active"); }
void AccountDeactivated(Fold& f) {
  Set(f, "status", "inactive");
  CopyOrErase(f, "reason", "deactivated_reason");
  CopyOrErase(f, "merged_into", "merged_into");
  CopyOrErase(f, "details", "deactivated_details");
}
void AccountReactivated(Fold& f) {
  Set(f, "status", "active");
  Erase(f, {"deactivated_reason", "merged_into", "deactivated_details"});
}

// --- contact: no lifecycle; consents by purpose ---

void ContactRegistered(Fold& f) { Create(f); }
void ConsentRecorded(Fold& f) {
  auto purpose = GetString(f.data(), "purpose");
  if (!purpose) return;
  boost::json::object consent = f.data();
  consent.erase("purpose");
  consent["at"] = When(f);
  boost::json::value& consents = f.state["consent"];
  if (!consents.is_object()) consents = boost::json::object();
  consents.get_object()[*purpose] = std::move(consent);
}

void ContactErased(Fold& f) {
  f.state["erased"] =
      boost::json::object{{"at", When(f)}, {"reason", GetString(f.data(), "reason").value_or("")}};
}

// --- opportunity: stage (states.h) ---

void OpportunityOpened(Fold& f) {
  Create(f);
  if (!GetString(f.state, "stage")) Set(f, "stage", "prospecting");
}
void StageChanged(Fold& f) {
  if (auto to = GetString(f.data(), "to")) Set(f, "stage", *to);
  CopyIfPresent(f, "probability", "probability");
}
void OpportunityWon(Fold& f) {
  Set(f, "stage", "closed_won");
  CopyIfPresent(f, "amount", "amount");
  CopyIfPresent(f, "close_date", "close_date");
  CopyOrErase(f, "reason", "won_reason");
}
void OpportunityLost(Fold& f) {
  Set(f, "stage", "closed_lost");
  CopyIfPresent(f, "close_date", "close_date");
  CopyOrErase(f, "reason", "lost_reason");
  CopyOrErase(f, "competitor", "competitor");
  CopyOrErase(f, "details", "lost_details");
}
void OpportunityReopened(Fold& f) {
  Set(f, "stage", GetString(f.data(), "stage").value_or("prospecting"));
  Erase(f, {"won_reason", "lost_reason", "competitor", "lost_details"});
}

// --- activity: status scheduled | completed | cancelled ---

void ActivityScheduled(Fold& f) { Create(f, "status", "scheduled"); }
void ActivityLogged(Fold& f) { Create(f, "status", "completed"); }
void ActivityCompleted(Fold& f) {
  Merge(f);
  Set(f, "status", "completed");
}
void ActivityCancelled(Fold& f) {
  Set(f, "status", "cancelled");
  CopyOrErase(f, "reason", "cancelled_reason");
}

// --- product: status listed | discontinued ---

void ProductListed(Fold& f) { Create(f, "status", "listed"); }
void PriceChanged(Fold& f) {
  CopyIfPresent(f, "list_price", "list_price");
  CopyOrErase(f, "effective_on", "price_effective_on");
}
void ProductDiscontinued(Fold& f) {
  Set(f, "status", "discontinued");
  CopyOrErase(f, "reason", "discontinued_reason");
  CopyOrErase(f, "replacement", "replacement");
  CopyOrErase(f, "effective_on", "discontinued_on");
}

// --- contract: status active | terminated ---

void ContractSigned(Fold& f) { Create(f, "status", "active"); }
void ContractTerminated(Fold& f) {
  Set(f, "status", "terminated");
  CopyOrErase(f, "reason", "terminated_reason");
  CopyOrErase(f, "effective_on", "terminated_on");
  CopyOrErase(f, "details", "terminated_details");
}

// --- order: status (states.h) ---

void OrderPlaced(Fold& f) { Create(f, "status", "placed"); }
void OrderStatusChanged(Fold& f) {
  if (auto to = GetString(f.data(), "to")) Set(f, "status", *to);
  CopyOrErase(f, "reason", "status_reason");
  CopyIfPresent(f, "carrier", "carrier");
  CopyIfPresent(f, "tracking_number", "tracking_number");
}

// --- invoice: status issued | voided; total and amount_due ---

void InvoiceIssued(Fold& f) {
  Create(f, "status", "issued");
  auto amount = GetMoney(f.data(), "amount");
  auto tax = GetMoney(f.data(), "tax");
  if (!amount) return;
  // The validator holds tax to the amount's currency; anything else is not added.
  int64_t total = amount->amount + (tax && tax->currency == amount->currency ? tax->amount : 0);
  f.state["total"] = Money(total, amount->currency);
  f.state["amount_due"] = Money(total, amount->currency);
}
void InvoiceVoided(Fold& f) {
  Set(f, "status", "voided");
  CopyOrErase(f, "reason", "voided_reason");
  // Nothing is owed on a voided invoice (the decider refuses to void one with payments).
  if (auto total = GetMoney(f.state, "total")) f.state["amount_due"] = Money(0, total->currency);
}

// --- payment: status received | partially_refunded | refunded ---

void PaymentReceived(Fold& f) {
  Create(f, "status", "received");
  if (auto amount = GetMoney(f.data(), "amount")) {
    f.state["refunded"] = Money(0, amount->currency);
  }
}
void PaymentRefunded(Fold& f) {
  auto refund = GetMoney(f.data(), "amount");
  if (!refund) return;
  auto amount = GetMoney(f.state, "amount");
  auto before = GetMoney(f.state, "refunded");
  int64_t refunded = (before ? before->amount : 0) + refund->amount;
  f.state["refunded"] = Money(refunded, amount ? amount->currency : refund->currency);
  bool whole = amount && refunded >= amount->amount;
  Set(f, "status", whole ? "refunded" : "partially_refunded");
  AppendBounded(f, "refunds", f.data(), kRecordRefundsMax);
}

// --- ticket: status open | in_progress | resolved | closed (states.h) ---

void TicketOpened(Fold& f) { Create(f, "status", kTicketOpen); }
void TicketAssigned(Fold& f) {
  Set(f, "status", kTicketInProgress);
  CopyIfPresent(f, "handler", "handler");
  CopyOrErase(f, "team", "team");
}
void ActionTaken(Fold& f) {
  boost::json::object action = f.data();
  action["at"] = When(f);
  AppendBounded(f, "actions", std::move(action), kRecordActionsMax);
  if (auto minutes = GetInteger(f.data(), "minutes_spent")) {
    AddInteger(f, "minutes_spent", *minutes);
  }
}
void TicketResolved(Fold& f) {
  Set(f, "status", kTicketResolved);
  CopyOrErase(f, "resolution_code", "resolution_code");
  CopyOrErase(f, "resolution", "resolution");
}
void TicketReopened(Fold& f) {
  // As the decider: back to the handler if there is one.
  bool handled = !GetString(f.state, "handler").value_or("").empty();
  Set(f, "status", handled ? kTicketInProgress : kTicketOpen);
  Erase(f, {"resolution_code", "resolution", "close_code"});
}
void TicketClosed(Fold& f) {
  Set(f, "status", kTicketClosed);
  CopyOrErase(f, "close_code", "close_code");
}
void SatisfactionRated(Fold& f) {
  boost::json::object satisfaction = f.data();
  satisfaction["at"] = When(f);
  f.state["satisfaction"] = std::move(satisfaction);
}

// --- target, forecast: no lifecycle ---

void Created(Fold& f) { Create(f); }

// --- team: `members`, user ids in the order they joined ---

void TeamFormed(Fold& f) {
  Create(f);
  f.state["members"] = boost::json::array();
}
void MemberAdded(Fold& f) {
  auto& members = f.state["members"];
  if (!members.is_array()) members = boost::json::array();
  members.as_array().push_back(f.data().at("user"));
}
void MemberRemoved(Fold& f) {
  auto* members = f.state["members"].if_array();
  if (members == nullptr) return;
  const boost::json::value& user = f.data().at("user");
  members->erase(std::remove(members->begin(), members->end(), user), members->end());
}

struct TypeFold {
  std::string_view type;
  void (*apply)(Fold&);
};

constexpr TypeFold kFolds[] = {
    {"account.registered", AccountRegistered},
    {"account.profile_updated", Merge},
    {"account.owner_assigned", Merge},
    {"account.deactivated", AccountDeactivated},
    {"account.reactivated", AccountReactivated},
    {"contact.registered", ContactRegistered},
    {"contact.details_updated", Merge},
    {"contact.consent_recorded", ConsentRecorded},
    {"contact.erased", ContactErased},
    {"opportunity.opened", OpportunityOpened},
    {"opportunity.stage_changed", StageChanged},
    {"opportunity.forecast_revised", Merge},
    {"opportunity.owner_assigned", Merge},
    {"opportunity.won", OpportunityWon},
    {"opportunity.lost", OpportunityLost},
    {"opportunity.reopened", OpportunityReopened},
    {"activity.scheduled", ActivityScheduled},
    {"activity.logged", ActivityLogged},
    {"activity.rescheduled", Merge},
    {"activity.completed", ActivityCompleted},
    {"activity.cancelled", ActivityCancelled},
    {"product.listed", ProductListed},
    {"product.price_changed", PriceChanged},
    {"product.discontinued", ProductDiscontinued},
    {"contract.signed", ContractSigned},
    {"contract.amended", Merge},
    {"contract.terminated", ContractTerminated},
    {"order.placed", OrderPlaced},
    {"order.status_changed", OrderStatusChanged},
    {"invoice.issued", InvoiceIssued},
    {"invoice.voided", InvoiceVoided},
    {"payment.received", PaymentReceived},
    {"payment.refunded", PaymentRefunded},
    {"ticket.opened", TicketOpened},
    {"ticket.assigned", TicketAssigned},
    {"ticket.action_taken", ActionTaken},
    {"ticket.resolved", TicketResolved},
    {"ticket.reopened", TicketReopened},
    {"ticket.closed", TicketClosed},
    {"ticket.satisfaction_rated", SatisfactionRated},
    {"target.set", Created},
    {"target.revised", Merge},
    {"forecast.submitted", Created},
    {"forecast.revised", Merge},
    {"fx.rate_published", Created},
    {"team.formed", TeamFormed},
    {"team.member_added", MemberAdded},
    {"team.member_removed", MemberRemoved},
};

void (*FindFold(std::string_view type))(Fold&) {
  static const auto* by_type = [] {
    auto* map = new std::unordered_map<std::string_view, void (*)(Fold&)>;
    for (const TypeFold& fold : kFolds) map->emplace(fold.type, fold.apply);
    // Every event type of the catalogue has its fold, and no other.
    for (const EventTypeSpec& spec : Catalog()) LEDGER_ASSERT(map->contains(spec.type));
    LEDGER_ASSERT(map->size() == Catalog().size());
    return map;
  }();
  auto it = by_type->find(type);
  return it == by_type->end() ? nullptr : it->second;
}

// Where each kind keeps its index fields ("" = none).
struct IndexKeys {
  std::string_view kind, owner, stage, status, account;
};

constexpr IndexKeys kIndexKeys[] = {
    {"account", "owner", "", "status", "id"},
    {"contact", "owner", "", "", "account"},
    {"opportunity", "owner", "stage", "", "account"},
    {"activity", "owner", "", "status", "account"},
    {"product", "", "", "status", ""},
    {"contract", "", "", "status", "account"},
    {"order", "", "", "status", "account"},
    {"invoice", "", "", "status", ""},
    {"payment", "", "", "status", ""},
    {"ticket", "handler", "", "status", "account"},
    {"target", "owner", "", "", ""},
    {"forecast", "owner", "", "", ""},
    {"fx", "", "", "", ""},
    {"team", "manager", "", "", ""},
};

std::string StringAt(const boost::json::object& state, std::string_view key) {
  if (key.empty()) return {};
  return std::string(GetString(state, key).value_or(""));
}

}  // namespace

void ApplyToRecordState(boost::json::object& state, const ledger::Event& event) {
  if (FindEventType(event.type, event.schemaversion) == nullptr) return;
  void (*apply)(Fold&) = FindFold(event.type);
  if (apply == nullptr) return;
  Fold fold{state, event};
  apply(fold);
}

IndexFields IndexFieldsOf(std::string_view kind, const boost::json::object& state) {
  for (const IndexKeys& keys : kIndexKeys) {
    if (keys.kind != kind) continue;
    return IndexFields{StringAt(state, keys.owner), StringAt(state, keys.stage),
                       StringAt(state, keys.status), StringAt(state, keys.account)};
  }
  return {};
}

}  // namespace schemas
