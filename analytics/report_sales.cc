// win-loss, activities and targets.
#include <map>
#include <set>

#include "analytics/derive.h"
#include "analytics/reports_internal.h"

namespace analytics::internal {
namespace {

namespace json = boost::json;

// An opportunity whose close is in the window.
struct Closed {
  Deal deal;
  bool won = false;
  std::optional<int64_t> won_amount;  // converted at the close
};

std::vector<Closed> ClosedDeals(const Book& book, const Params& p, Converter* money) {
  std::vector<Closed> out;
  for (const auto& [id, stream] : book.Of("opportunity")) {
    Deal d = DealAt(stream, p.to);
    if (d.close == nullptr || !InWindow(d.close->at, p.from, p.to)) continue;
    Closed c{std::move(d)};
    c.won = c.deal.close->type == "opportunity.won";
    if (c.won && money != nullptr) {
      if (auto amount = AmountAt(c.deal.close->data, "amount"))
        c.won_amount = money->Convert(*amount, c.deal.close->at);
    }
    out.push_back(std::move(c));
  }
  return out;
}

struct WinLossTally {
  int64_t won = 0, lost = 0;
  Sum won_amount;
  std::vector<Micros> cycles;
  std::map<std::string, int64_t> reasons;

  void Add(const Closed& c) {
    (c.won ? won : lost) += 1;
    won_amount.Add(c.won_amount);
    cycles.push_back(c.deal.close->at - c.deal.opened_at);
    if (!c.won) reasons[std::string(Str(c.deal.close->data, "reason"))] += 1;
  }
  json::object Json(const Converter& money) const {
    json::array loss_reasons;
    for (const auto& [reason, count] : reasons)
      loss_reasons.push_back({{"reason", reason}, {"count", count}});
    return {{"won", won},
            {"lost", lost},
            {"win_rate", Ratio(won, won + lost)},
            {"won_amount", money.Money(won_amount.minor)},
            {"avg_cycle_days", Mean(cycles, kDay)},
            {"loss_reasons", std::move(loss_reasons)}};
  }
};

std::set<std::string> GroupsOf(const Book& book, const Params& p, const Closed& c) {
  if (p.by == "source") return {c.deal.source.empty() ? "(none)" : c.deal.source};
  if (p.by == "period") return {PeriodOf(c.deal.close->date, p.grain)};
  if (p.by == "category") {
    std::set<std::string> categories;
    for (const std::string& product : c.deal.close_products)
      categories.insert(CategoryOf(book, product));
    if (categories.empty()) categories.insert("(none)");
    return categories;
  }
  return {c.deal.close_owner};
}

}  // namespace

json::object WinLoss(const Book& book, const Params& p, Converter& money) {
  std::map<std::string, WinLossTally> groups;
  WinLossTally total;
  for (const Closed& c : ClosedDeals(book, p, &money)) {
    for (const std::string& key : GroupsOf(book, p, c)) groups[key].Add(c);
    total.Add(c);
  }
  json::array rows;
  for (const auto& [key, tally] : groups) rows.push_back(Keyed("key", key, tally.Json(money)));
  return {{"groups", std::move(rows)}, {"total", total.Json(money)}};
}

namespace {

json::object BeforeResult(const std::vector<Closed>& closed,
                          const std::map<std::string, std::vector<const Touch*>>& by_deal,
                          bool won) {
  int64_t deals = 0, touches = 0;
  std::map<std::string, int64_t> channels;
  for (const Closed& c : closed) {
    if (c.won != won) continue;
    deals += 1;
    auto it = by_deal.find(c.deal.id);
    if (it == by_deal.end()) continue;
    for (const Touch* t : it->second) {
      if (t->fact->at > c.deal.close->at) continue;
      touches += 1;
      channels[t->channel] += 1;
    }
  }
  json::array rows;
  for (const auto& [channel, count] : channels)
    rows.push_back({{"channel", channel}, {"count", count}});
  return {{"opportunities", deals},
          {"touches", touches},
          {"avg_touches", Ratio(touches, deals)},
          {"channels", std::move(rows)}};
}

}  // namespace

json::object Activities(const Book& book, const Params& p) {
  std::vector<Touch> touches = Touches(book);
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> rows;
  std::map<std::pair<std::string, std::string>, int64_t> totals;
  std::map<std::string, std::vector<const Touch*>> by_deal;
  for (const Touch& t : touches) {
    if (!t.opportunity.empty()) by_deal[t.opportunity].push_back(&t);
    if (!InWindow(t.fact->at, p.from, p.to)) continue;
    rows[{t.owner, PeriodOf(t.fact->date, p.grain), t.channel, t.outcome}] += 1;
    totals[{t.channel, t.outcome}] += 1;
  }
  json::array row_list, total_list;
  for (const auto& [key, count] : rows) {
    const auto& [owner, period, channel, outcome] = key;
    row_list.push_back({{"owner", owner},
                        {"period", period},
                        {"channel", channel},
                        {"outcome", outcome},
                        {"count", count}});
  }
  for (const auto& [key, count] : totals)
    total_list.push_back({{"channel", key.first}, {"outcome", key.second}, {"count", count}});
  std::vector<Closed> closed = ClosedDeals(book, p, nullptr);
  return {{"rows", std::move(row_list)},
          {"totals", std::move(total_list)},
          {"before_result",
           {{"won", BeforeResult(closed, by_deal, true)},
            {"lost", BeforeResult(closed, by_deal, false)}}}};
}

}  // namespace analytics::internal
