// Stateful rules of tickets, targets, forecasts, exchange rates and teams.
#include "schemas/data_access.h"
#include "schemas/iso_codes.h"
#include "schemas/rules.h"
#include "schemas/states.h"

namespace schemas::internal {
namespace {

// --- ticket: status open | in_progress | resolved | closed, handler, rated ---

std::string TicketIs(const Decision& d) {
  std::string_view status = d.state().Str("status");
  return d.Name() + " is " +
         (status == kTicketOpen ? std::string("open and unassigned") : std::string(status));
}

void CheckAssigned(Decision& d) {
  std::string_view status = d.state().Str("status");
  if (status == kTicketResolved || status == kTicketClosed) {
    return d.Illegal("/type", TicketIs(d) + "; reopen it before assigning it");
  }
  auto handler = GetString(d.data(), "handler");
  if (handler && *handler == d.state().Str("handler")) {
    d.Illegal("/data/handler", d.Name() + " is already assigned to " + std::string(*handler));
  }
}

// Work on a ticket needs a handler and an unsolved request.
void RequireInProgress(Decision& d, std::string_view what) {
  std::string_view status = d.state().Str("status");
  if (status == kTicketInProgress) return;
  std::string hint = status == kTicketOpen ? "assign a handler first" : "reopen it first";
  d.Illegal("/type", TicketIs(d) + "; " + std::string(what) + " (" + hint + ")");
}

void CheckActionTaken(Decision& d) {
  RequireInProgress(d, "actions are taken on a ticket in progress");
}
void CheckResolved(Decision& d) { RequireInProgress(d, "only a ticket in progress is resolved"); }

void CheckReopened(Decision& d) {
  std::string_view status = d.state().Str("status");
  if (status != kTicketResolved && status != kTicketClosed) {
    d.Illegal("/type", TicketIs(d) + "; only a resolved or closed ticket can be reopened");
  }
}

void CheckClosed(Decision& d) {
  if (d.state().Str("status") != kTicketResolved) {
    d.Illegal("/type", TicketIs(d) + "; only a resolved ticket can be closed");
  }
}

void CheckRated(Decision& d) {
  std::string_view status = d.state().Str("status");
  if (status != kTicketResolved && status != kTicketClosed) {
    return d.Illegal("/type", TicketIs(d) + "; it can be rated once resolved");
  }
  if (d.state().Bool("rated")) {
    d.Illegal("/type", d.Name() + " was already rated for this resolution");
  }
}

void ApplyTicketOpened(Fold& f) {
  f.state.Set("status", kTicketOpen);
  f.state.Set("handler", "");
  f.state.SetBool("rated", false);
}
void ApplyAssigned(Fold& f) {
  f.state.Set("status", kTicketInProgress);
  f.state.Set("handler", GetString(f.data(), "handler").value_or(""));
}
void ApplyResolved(Fold& f) { f.state.Set("status", kTicketResolved); }
void ApplyTicketReopened(Fold& f) {
  f.state.Set("status", f.state.Str("handler").empty() ? kTicketOpen : kTicketInProgress);
  f.state.SetBool("rated", false);
}
void ApplyClosed(Fold& f) { f.state.Set("status", kTicketClosed); }
void ApplyRated(Fold& f) { f.state.SetBool("rated", true); }

// --- target: unit money | count, currency ---

bool IsMoneyMetric(std::string_view metric) {
  return metric == "revenue" || metric == "bookings" || metric == "gross_margin";
}

void CheckTargetRevised(Decision& d) {
  bool money = d.state().Str("unit") == "money";
  std::string_view wrong = money ? "count" : "amount";
  if (d.data().contains(wrong)) {
    d.Invalid("/data/" + std::string(wrong),
              d.Name() + " is measured in " + (money ? "money; give amount" : "units; give count"));
  }
  auto amount = GetMoney(d.data(), "amount");
  if (money && amount && amount->currency != d.state().Str("currency")) {
    d.Invalid("/data/amount/currency", "must be " + std::string(d.state().Str("currency")) +
                                           ", the currency of " + d.Name());
  }
}

void ApplyTargetSet(Fold& f) {
  bool money = IsMoneyMetric(GetString(f.data(), "metric").value_or(""));
  f.state.Set("unit", money ? "money" : "count");
  auto amount = GetMoney(f.data(), "amount");
  f.state.Set("currency", amount ? amount->currency : "");
}

// --- forecast: currency, commit, best_case (minor units) ---

void CheckForecastRevised(Decision& d) {
  std::string_view currency = d.state().Str("currency");
  int64_t commit = d.state().Int("commit");
  int64_t best_case = d.state().Int("best_case");
  for (std::string_view key : {"commit", "best_case", "pipeline"}) {
    auto money = GetMoney(d.data(), key);
    if (!money) continue;
    if (money->currency != currency) {
      d.Invalid("/data/" + std::string(key) + "/currency",
                "must be " + std::string(currency) + ", the currency of " + d.Name());
      return;
    }
    if (key == "commit") commit = money->amount;
    if (key == "best_case") best_case = money->amount;
  }
  if (best_case < commit) {
    std::string key = d.data().contains("best_case") ? "best_case" : "commit";
    d.Invalid("/data/" + key, "best_case (" + FormatMoney(best_case, currency) +
                                  ") must be at least commit (" + FormatMoney(commit, currency) +
                                  ")");
  }
}

void ApplyForecast(Fold& f) {
  for (std::string_view key : {"commit", "best_case"}) {
    if (auto money = GetMoney(f.data(), key)) {
      f.state.Set("currency", money->currency);
      f.state.Set(key, money->amount);
    }
  }
}

// --- fx: a rate between two different currencies ---

void CheckFxPublished(Decision& d) {
  auto base = GetMoney(d.data(), "base");
  auto quote = GetMoney(d.data(), "quote");
  if (base && quote && base->currency == quote->currency)
    d.Invalid("/data/quote/currency", "must differ from the base currency " + base->currency);
}

// --- team: member:<user> true while the user is a member ---

std::string MemberKey(const Decision& d) {
  return "member:" + std::string(GetString(d.data(), "user").value_or(""));
}

void CheckMemberAdded(Decision& d) {
  if (d.state().Bool(MemberKey(d)))
    d.Illegal("/data/user", std::string(GetString(d.data(), "user").value_or("")) +
                                " is already a member of " + d.Name());
}
void CheckMemberRemoved(Decision& d) {
  if (!d.state().Bool(MemberKey(d)))
    d.Illegal("/data/user", std::string(GetString(d.data(), "user").value_or("")) +
                                " is not a member of " + d.Name());
}
void ApplyMemberAdded(Fold& f) {
  f.state.SetBool("member:" + std::string(GetString(f.data(), "user").value_or("")), true);
}
void ApplyMemberRemoved(Fold& f) {
  f.state.SetBool("member:" + std::string(GetString(f.data(), "user").value_or("")), false);
}

constexpr TypeRules kRules[] = {
    {"ticket.opened", nullptr, ApplyTicketOpened},
    {"ticket.assigned", CheckAssigned, ApplyAssigned},
    {"ticket.action_taken", CheckActionTaken, nullptr},
    {"ticket.resolved", CheckResolved, ApplyResolved},
    {"ticket.reopened", CheckReopened, ApplyTicketReopened},
    {"ticket.closed", CheckClosed, ApplyClosed},
    {"ticket.satisfaction_rated", CheckRated, ApplyRated},
    {"target.set", nullptr, ApplyTargetSet},
    {"target.revised", CheckTargetRevised, nullptr},
    {"forecast.submitted", nullptr, ApplyForecast},
    {"forecast.revised", CheckForecastRevised, ApplyForecast},
    {"fx.rate_published", CheckFxPublished, nullptr},
    {"team.formed", nullptr, nullptr},
    {"team.member_added", CheckMemberAdded, ApplyMemberAdded},
    {"team.member_removed", CheckMemberRemoved, ApplyMemberRemoved},
};

}  // namespace

std::span<const TypeRules> ServiceRules() { return kRules; }

}  // namespace schemas::internal
