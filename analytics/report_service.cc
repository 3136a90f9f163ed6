// service: tickets opened and resolved, time to first action and to resolution,
// satisfaction, by product or handler.
#include <map>

#include "analytics/derive.h"
#include "analytics/reports_internal.h"

namespace analytics::internal {
namespace {

namespace json = boost::json;

struct ServiceTally {
  int64_t opened = 0, resolved = 0;
  std::vector<Micros> first_action, resolution;
  std::vector<Micros> scores;

  json::object Json() const {
    auto durations = [](const std::vector<Micros>& d) {
      return json::object{{"tickets", static_cast<int64_t>(d.size())},
                          {"avg", Mean(d, kHour)},
                          {"median", Median(d, kHour)}};
    };
    return {{"opened", opened},
            {"resolved", resolved},
            {"first_action_hours", durations(first_action)},
            {"resolution_hours", durations(resolution)},
            {"satisfaction",
             {{"ratings", static_cast<int64_t>(scores.size())}, {"avg", Mean(scores, 1.0)}}}};
  }
};

// One ticket before `to`.
struct Ticket {
  const Fact* opened = nullptr;
  const Fact* first_action = nullptr;
  const Fact* first_resolved = nullptr;
  std::optional<int64_t> score;
  std::string product = "(none)";
  std::string handler = "(unassigned)";
  std::vector<const Fact*> resolutions;
};

Ticket TicketAt(const Stream& stream, Micros to) {
  Ticket t;
  for (const Fact& f : stream.facts) {
    if (f.at >= to) continue;
    if (f.type == "ticket.opened") {
      t.opened = &f;
      if (std::string_view product = Str(f.data, "product"); !product.empty()) t.product = product;
    } else if (f.type == "ticket.assigned") {
      t.handler = Str(f.data, "handler");
    } else if (f.type == "ticket.action_taken" && t.first_action == nullptr) {
      t.first_action = &f;
    } else if (f.type == "ticket.resolved") {
      if (t.first_resolved == nullptr) t.first_resolved = &f;
      t.resolutions.push_back(&f);
    } else if (f.type == "ticket.satisfaction_rated") {
      t.score = Int(f.data, "score");
    }
  }
  return t;
}

void Add(ServiceTally& s, const Ticket& t, const Params& p) {
  for (const Fact* r : t.resolutions) {
    if (InWindow(r->at, p.from, p.to)) s.resolved += 1;
  }
  if (!InWindow(t.opened->at, p.from, p.to)) return;
  s.opened += 1;
  if (t.first_action) s.first_action.push_back(t.first_action->at - t.opened->at);
  if (t.first_resolved) s.resolution.push_back(t.first_resolved->at - t.opened->at);
  if (t.score) s.scores.push_back(*t.score);
}

}  // namespace

json::object Service(const Book& book, const Params& p) {
  std::map<std::string, ServiceTally> groups;
  ServiceTally total;
  for (const auto& [id, stream] : book.Of("ticket")) {
    Ticket t = TicketAt(stream, p.to);
    if (t.opened == nullptr) continue;
    Add(groups[p.by == "handler" ? t.handler : t.product], t, p);
    Add(total, t, p);
  }
  json::array rows;
  for (const auto& [key, tally] : groups) {
    if (tally.opened == 0 && tally.resolved == 0) continue;
    rows.push_back(Keyed("key", key, tally.Json()));
  }
  return {{"groups", std::move(rows)}, {"total", total.Json()}};
}

}  // namespace analytics::internal
