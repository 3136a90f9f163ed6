// Internal to the schemas library: the stateful rules of each event type, used by
// SalesDecider (sales_decider.cc). Rules live by area in rules_crm.cc,
// rules_commerce.cc and rules_service.cc.
#pragma once

#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/decider.h"
#include "ledger/event.h"
#include "ledger/status.h"
#include "schemas/catalog.h"
#include "schemas/decision_state.h"

namespace schemas::internal {

// One command being decided: its record's state and the violations found so far.
class Decision {
 public:
  Decision(const ledger::Command& command, const EventTypeSpec& spec, ledger::DecisionContext& ctx);

  const ledger::Command& command() const { return command_; }
  const boost::json::object& data() const { return command_.data; }
  const EventTypeSpec& spec() const { return spec_; }
  std::string_view id() const { return id_; }  // "OPP-1"
  const RecordState& state() const { return state_; }
  std::string Name() const;  // "opportunity OPP-1", for messages

  // Whether the record `kind`/`id` has any event; its state.
  bool Exists(std::string_view kind, std::string_view id) const;
  RecordState StateOf(std::string_view kind, std::string_view id) const;

  void NotFound(std::string pointer, std::string reason);
  void Conflict(std::string pointer, std::string reason);
  void Illegal(std::string pointer, std::string reason);
  void Invalid(std::string pointer, std::string reason);

  bool ok() const { return violations_.empty(); }
  // The verdict: Ok, or the most basic code found (not found, conflict, illegal
  // transition, invalid argument) with every violation.
  ledger::Status ToStatus() const;

 private:
  void Add(ledger::Code code, std::string pointer, std::string reason);

  const ledger::Command& command_;
  const EventTypeSpec& spec_;
  ledger::DecisionContext& ctx_;
  std::string id_;
  RecordState state_;
  ledger::Code code_ = ledger::Code::kOk;
  std::vector<ledger::Violation> violations_;
};

// One recorded event being folded. `state` is the subject's; the caller stores it.
struct Fold {
  const ledger::Event& event;
  ledger::DecisionContext& ctx;
  RecordState& state;
  const boost::json::object& data() const { return event.data; }
};

struct TypeRules {
  std::string_view type;
  void (*check)(Decision&);  // nullptr: no rule beyond existence and references
  void (*apply)(Fold&);      // nullptr: the event changes no decision state
};

std::span<const TypeRules> CrmRules();       // account, contact, opportunity, activity
std::span<const TypeRules> CommerceRules();  // product, contract, order, invoice, payment
std::span<const TypeRules> ServiceRules();   // ticket, target, forecast

// Shared checks.
// The account named by data field `key` (if present and existing) must be active.
void RequireActiveAccount(Decision& d, std::string_view key);
// No line of data field "lines" may sell a discontinued product.
void RequireListedProducts(Decision& d);

}  // namespace schemas::internal
