// After-sales service and planning: tickets, targets, forecasts.
#include "schemas/catalog_builders.h"

namespace schemas::build {
namespace {

std::vector<EventTypeSpec> TicketEvents() {
  return {
      Creation(
          "ticket.opened", "A customer asked for after-sales service",
          {Text("title", 200, "Short summary"),
           Note("request", 5000, "The customer's request in their words").Personal(),
           Enum("category",
                {"installation", "defect", "how_to", "billing", "delivery", "return",
                 "feature_request", "complaint", "other"},
                "Category"),
           Enum("severity", {"low", "medium", "high", "critical"}, "Severity"),
           Enum("channel", {"phone", "email", "web", "wechat", "chat", "visit"}, "How it came in")
               .Optional(),
           Ref("account", "account", "The customer"),
           Ref("contact", "contact", "Who asked").Optional(),
           Ref("order", "order", "The order concerned").Optional(),
           Ref("product", "product", "The product concerned").Optional(),
           DateTime("respond_by", "Service-level deadline").Optional()}),
      Change("ticket.assigned", "A handler took the ticket",
             {UserId("handler", "Who handles it"), Text("team", 100, "Support team").Optional()}),
      Change("ticket.action_taken", "The handler did something about the ticket",
             {Enum("action",
                   {"remote_support", "phone_support", "onsite_visit", "repair", "replacement",
                    "refund", "escalation", "customer_contacted", "other"},
                   "Kind of action"),
              Note("details", 2000, "What was done"),
              Integer("minutes_spent", 0, 10080, "Time spent, in minutes").Optional(),
              UserId("by", "Who did it, if not the handler").Optional()}),
      Change("ticket.resolved", "The handler considers the request solved",
             {Enum("resolution_code",
                   {"fixed", "workaround", "replaced", "refunded", "no_fault_found", "duplicate",
                    "wont_fix"},
                   "Kind of resolution"),
              Note("resolution", 2000, "How it was solved")}),
      Change("ticket.reopened", "The request turned out not to be solved",
             {Text("reason", 500, "Why")}),
      Change("ticket.closed", "The ticket is finished",
             {Enum("close_code", {"confirmed_by_customer", "no_customer_response", "by_policy"},
                   "Why it could be closed")}),
      Change("ticket.satisfaction_rated", "The customer rated the service",
             {Integer("score", 1, 5, "1 (very unhappy) to 5 (very happy)"),
              Note("comment", 1000, "The customer's comment").Optional().Personal()}),
  };
}

// Metrics counted in money; the others are counted in units (deals, meetings, ...).
std::vector<std::string> Metrics() {
  return {"revenue",   "bookings",   "gross_margin", "new_accounts",
          "deals_won", "activities", "meetings"};
}

std::vector<EventTypeSpec> PlanningEvents() {
  return {
      Creation("target.set", "A target was set for a rep or a team",
               {Enum("owner_type", {"rep", "team"}, "Whose target"),
                Id("owner", "The rep's user id or the team's id"),
                Period("period", "The period it covers"), Enum("metric", Metrics(), "Measure"),
                Money("amount", 0, "Target for a money metric (revenue, bookings, gross_margin)")
                    .Optional(),
                Integer("count", 0, 1'000'000'000, "Target for a count metric").Optional()}),
      Update("target.revised", "A target's value changed",
             {Money("amount", 0, "New target for a money metric"),
              Integer("count", 0, 1'000'000'000, "New target for a count metric")},
             {Text("reason", 500, "Why")}),
      Creation("forecast.submitted", "A rep submitted a forecast for a period",
               {UserId("owner", "The rep"), Period("period", "The period it covers"),
                Money("commit", 0, "Amount the rep commits to close"),
                Money("best_case", 0, "Amount if everything goes well (at least commit)"),
                Money("pipeline", 0, "All open pipeline in the period").Optional(),
                Note("notes", 1000, "Comments").Optional()}),
      Update("forecast.revised", "A rep revised a forecast",
             {Money("commit", 0, "New commit"), Money("best_case", 0, "New best case"),
              Money("pipeline", 0, "New pipeline")},
             {Text("reason", 500, "Why")}),
  };
}

// A rate is two amounts worth the same (1,000,000.00 USD = 7,123,400.00 CNY): integers
// only, as exact as the publisher's figures, and convertible with integer arithmetic
// (docs/API.md, "Currencies").
std::vector<EventTypeSpec> FxEvents() {
  return {
      Creation("fx.rate_published", "An exchange rate was published: base is worth quote",
               {Money("base", 1, "An amount in the base currency"),
                Money("quote", 1, "What that amount is worth in the quote currency"),
                DateTime("effective_at", "From when the rate applies (business time)"),
                Text("source", 100, "Who published it, e.g. a central bank's fixing").Optional()}),
  };
}

// Who belonged to which team when: team targets are measured against the deals of the
// reps who were members at each deal's business time.
std::vector<EventTypeSpec> TeamEvents() {
  return {
      Creation(
          "team.formed", "A sales team was formed",
          {Text("name", 100, "Team name"), UserId("manager", "The team's manager").Optional()}),
      Change("team.member_added", "A rep joined the team",
             {UserId("user", "The rep"), Text("reason", 500, "Why").Optional()}),
      Change("team.member_removed", "A rep left the team",
             {UserId("user", "The rep"), Text("reason", 500, "Why").Optional()}),
  };
}

}  // namespace

std::vector<EventTypeSpec> ServiceEventTypes() {
  std::vector<EventTypeSpec> all;
  for (auto* part : {&TicketEvents, &PlanningEvents, &FxEvents, &TeamEvents}) {
    for (EventTypeSpec& spec : part()) all.push_back(std::move(spec));
  }
  return all;
}

}  // namespace schemas::build
