// Stateful rules of accounts, contacts, opportunities and activities.
#include "schemas/data_access.h"
#include "schemas/rules.h"
#include "schemas/states.h"

namespace schemas::internal {
namespace {

// --- account: status active | inactive, owner ---

// Reassigning a record to its current owner is a mistake, not an event.
void CheckNewOwner(Decision& d) {
  auto owner = GetString(d.data(), "owner");
  if (owner && *owner == d.state().Str("owner")) {
    d.Illegal("/data/owner", d.Name() + " is already owned by " + std::string(*owner));
  }
}

void CheckAccountDeactivated(Decision& d) {
  if (d.state().Str("status") == "inactive") {
    return d.Illegal("/type", d.Name() + " is already deactivated");
  }
  RequireActiveAccount(d, "merged_into");
}

void CheckAccountReactivated(Decision& d) {
  if (d.state().Str("status") != "inactive") d.Illegal("/type", d.Name() + " is active already");
}

void ApplyAccountRegistered(Fold& f) {
  f.state.Set("status", "active");
  f.state.Set("owner", GetString(f.data(), "owner").value_or(""));
}

void ApplyOwner(Fold& f) { f.state.Set("owner", GetString(f.data(), "owner").value_or("")); }
void ApplyInactive(Fold& f) { f.state.Set("status", "inactive"); }
void ApplyActive(Fold& f) { f.state.Set("status", "active"); }

// --- contact: erased is final ---

void CheckContactNotErased(Decision& d) {
  if (d.state().Str("status") == "erased") {
    d.Illegal("/type", d.Name() + " was erased; nothing more is recorded about the person");
  }
}
void ApplyContactErased(Fold& f) { f.state.Set("status", "erased"); }

// --- opportunity: stage, account, owner ---

void CheckOpportunityOpened(Decision& d) { RequireActiveAccount(d, "account"); }

void CheckStageChanged(Decision& d) {
  std::string_view stage = d.state().Str("stage");
  auto from = GetString(d.data(), "from");
  auto to = GetString(d.data(), "to");
  if (stage == "closed_won") {
    d.Illegal("/data/from", d.Name() + " is closed_won; a won opportunity cannot change stage");
  } else if (stage == "closed_lost") {
    d.Illegal("/data/from", d.Name() + " is closed_lost; reopen it with opportunity.reopened");
  } else if (from && *from != stage) {
    d.Illegal("/data/from",
              d.Name() + " is in stage " + std::string(stage) + ", not " + std::string(*from));
  }
  if (to && !IsOpenStage(*to)) {
    d.Illegal("/data/to",
              "stage_changed moves between open stages; use opportunity.won or "
              "opportunity.lost to close " +
                  d.Name());
  }
}

void RequireOpenStage(Decision& d, std::string_view what) {
  std::string_view stage = d.state().Str("stage");
  if (IsOpenStage(stage)) return;
  std::string reason = d.Name() + " is " + std::string(stage) + "; " + std::string(what);
  if (stage == "closed_lost") reason += " (reopen it first)";
  d.Illegal("/type", std::move(reason));
}

void CheckForecastRevised(Decision& d) {
  RequireOpenStage(d, "only open opportunities can be revised");
}
void CheckWon(Decision& d) { RequireOpenStage(d, "only an open opportunity can be won"); }
void CheckLost(Decision& d) { RequireOpenStage(d, "only an open opportunity can be lost"); }

void CheckReopened(Decision& d) {
  std::string_view stage = d.state().Str("stage");
  if (stage != "closed_lost") {
    d.Illegal("/type", d.Name() + " is in stage " + std::string(stage) +
                           "; only a lost opportunity can be reopened");
  }
}

void ApplyOpportunityOpened(Fold& f) {
  f.state.Set("stage", GetString(f.data(), "stage").value_or("prospecting"));
  f.state.Set("account", GetString(f.data(), "account").value_or(""));
  f.state.Set("owner", GetString(f.data(), "owner").value_or(""));
}
void ApplyStageChanged(Fold& f) {
  if (auto to = GetString(f.data(), "to")) f.state.Set("stage", *to);
}
void ApplyWon(Fold& f) { f.state.Set("stage", "closed_won"); }
void ApplyLost(Fold& f) { f.state.Set("stage", "closed_lost"); }
void ApplyReopened(Fold& f) {
  f.state.Set("stage", GetString(f.data(), "stage").value_or("prospecting"));
}

// --- activity: status scheduled | completed | cancelled ---

void RequireScheduled(Decision& d, std::string_view verb) {
  std::string_view status = d.state().Str("status");
  if (status != "scheduled") {
    d.Illegal("/type", d.Name() + " is " + std::string(status) +
                           "; only a scheduled activity can be " + std::string(verb));
  }
}

void CheckRescheduled(Decision& d) { RequireScheduled(d, "rescheduled"); }
void CheckCompleted(Decision& d) { RequireScheduled(d, "completed"); }
void CheckCancelled(Decision& d) { RequireScheduled(d, "cancelled"); }

void ApplyScheduled(Fold& f) { f.state.Set("status", "scheduled"); }
void ApplyDone(Fold& f) { f.state.Set("status", "completed"); }
void ApplyCancelled(Fold& f) { f.state.Set("status", "cancelled"); }

constexpr TypeRules kRules[] = {
    {"account.registered", nullptr, ApplyAccountRegistered},
    {"account.profile_updated", nullptr, nullptr},
    {"account.owner_assigned", CheckNewOwner, ApplyOwner},
    {"account.deactivated", CheckAccountDeactivated, ApplyInactive},
    {"account.reactivated", CheckAccountReactivated, ApplyActive},
    {"contact.registered", nullptr, nullptr},
    {"contact.details_updated", CheckContactNotErased, nullptr},
    {"contact.consent_recorded", CheckContactNotErased, nullptr},
    {"contact.erased", CheckContactNotErased, ApplyContactErased},
    {"opportunity.opened", CheckOpportunityOpened, ApplyOpportunityOpened},
    {"opportunity.stage_changed", CheckStageChanged, ApplyStageChanged},
    {"opportunity.forecast_revised", CheckForecastRevised, nullptr},
    {"opportunity.owner_assigned", CheckNewOwner, ApplyOwner},
    {"opportunity.won", CheckWon, ApplyWon},
    {"opportunity.lost", CheckLost, ApplyLost},
    {"opportunity.reopened", CheckReopened, ApplyReopened},
    {"activity.scheduled", nullptr, ApplyScheduled},
    {"activity.logged", nullptr, ApplyDone},
    {"activity.rescheduled", CheckRescheduled, nullptr},
    {"activity.completed", CheckCompleted, ApplyDone},
    {"activity.cancelled", CheckCancelled, ApplyCancelled},
};

}  // namespace

std::span<const TypeRules> CrmRules() { return kRules; }

}  // namespace schemas::internal
