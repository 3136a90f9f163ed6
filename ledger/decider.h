// The writer's view of the domain. The ledger library knows nothing of sales records;
// the schemas library implements Decider and the programs wire it in.
//
// Two phases:
//  - Validate: stateless shape checks (types, enums, lengths, unknown fields). Called
//    on the caller's thread before the command is queued, so it runs in parallel.
//  - Check/Apply: stateful rules (stage transitions, amounts due, referenced records
//    exist). Called on the writer's single sequencing thread with a DecisionContext
//    holding the small "decision state" the writer keeps beside each stream head,
//    consistent with the log (never the eventually consistent read models).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace ledger {

// Decision state of subjects, as the writer sees it at the point of one command.
// Not thread-safe; valid only during the call it is passed to.
class DecisionContext {
 public:
  virtual ~DecisionContext() = default;
  // The subject's current streamversion; 0 when the record has no events.
  virtual uint64_t StreamVersion(std::string_view subject) = 0;
  // The decider's opaque state for a subject ("" when none was ever put).
  virtual std::string State(std::string_view subject) = 0;
  // Replaces the decider's state for a subject (any subject, not only the event's:
  // a payment may change its invoice's amount due). Bounded: kDecisionStateBytesMax.
  virtual void PutState(std::string_view subject, std::string state) = 0;
};

inline constexpr size_t kDecisionStateBytesMax = 4096;

class Decider {
 public:
  virtual ~Decider() = default;

  // Every shape violation of one command, pointers relative to the command ("/data/stage").
  // Empty when the command is well formed.
  virtual std::vector<Violation> Validate(const Command& command) const = 0;

  // Whether the command is allowed in the current state. Returns kNotFound (record does
  // not exist), kConflict (record already exists), kIllegalTransition (state forbids it)
  // or kInvalidArgument, each with violations relative to the command. Must not modify
  // the context.
  virtual Status Check(const Command& command, DecisionContext& ctx) const = 0;

  // Folds a recorded event into the decision state. Called after Check succeeded, and
  // when the writer rebuilds its state from the log; must be deterministic and must not
  // fail (the log is the truth).
  virtual void Apply(const Event& event, DecisionContext& ctx) const = 0;

  // Why `target`, a recorded event, may not be retracted (kRetractionType); nullopt when
  // it may. A retraction never changes decision state, so a decider must refuse events
  // whose effect its rules depend on (a record's creation, a lifecycle transition):
  // those are corrected with domain events instead.
  virtual std::optional<std::string> Unretractable(const Event& target) const {
    (void)target;
    return std::nullopt;
  }
};

// A decider that accepts every command: for tests of the ledger alone.
class PermissiveDecider final : public Decider {
 public:
  std::vector<Violation> Validate(const Command&) const override { return {}; }
  Status Check(const Command&, DecisionContext&) const override { return Status::Ok(); }
  void Apply(const Event&, DecisionContext&) const override {}
};

}  // namespace ledger
