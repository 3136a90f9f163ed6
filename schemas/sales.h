// The sales domain's decider: the catalogue's shape checks (Validate) and the stateful
// rules of every record's life cycle (Check / Apply), for the ledger writer.
//
//   schemas::SalesDecider decider;
//   ledger::Writer writer(log, keys, decider, ...);
//
// Stateless and immutable: one instance may serve every thread. Validate may run on
// any thread; Check and Apply run where the writer calls them, with its context.
// The rules, and the decision state they keep per subject, are in schemas/README.md.
#pragma once

#include <vector>

#include "ledger/decider.h"
#include "ledger/event.h"
#include "ledger/status.h"

namespace schemas {

class SalesDecider final : public ledger::Decider {
 public:
  // Envelope and data shape (schemas/validator.h).
  std::vector<ledger::Violation> Validate(const ledger::Command& command) const override;

  // Creation order (kConflict / kNotFound), references (kNotFound), state machines
  // (kIllegalTransition), and facts that must agree with other records, such as an
  // invoice's currency (kInvalidArgument). Every violation found is listed; the code is
  // the most basic one among them, in that order. Reads the context, never writes it.
  ledger::Status Check(const ledger::Command& command, ledger::DecisionContext& ctx) const override;

  // Folds a recorded event into the state of its subject and, for payments, of the
  // invoice they pay. Events of unknown types are ignored.
  void Apply(const ledger::Event& event, ledger::DecisionContext& ctx) const override;

  // A retraction may undo only what no rule depends on: never a record's creation, nor
  // an event whose type changes decision state (a stage change, a payment, ...): those
  // are corrected with the domain's own events (opportunity.reopened, payment.refunded).
  std::optional<std::string> Unretractable(const ledger::Event& target) const override;
};

}  // namespace schemas
