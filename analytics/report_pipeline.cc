// pipeline (open deals at `to`) and funnel (stage conversion and time in stage).
#include <map>

#include "analytics/derive.h"
#include "analytics/reports_internal.h"

namespace analytics::internal {
namespace {

namespace json = boost::json;

struct Tally {
  int64_t count = 0;
  Sum amount, weighted;
  json::object Json(const Converter& money) const {
    return {{"count", count},
            {"amount", money.Money(amount.minor)},
            {"weighted", money.Money(weighted.minor)}};
  }
};

int StageOrder(std::string_view stage) {
  for (int i = 0; i < 5; ++i) {
    if (kOpenStages[i] == stage) return i;
  }
  return stage == "won" ? 5 : -1;
}

}  // namespace

json::object Pipeline(const Book& book, const Params& p, Converter& money) {
  std::map<std::string, Tally> stages;
  std::map<std::string, std::map<std::string, Tally>> owners;  // owner -> stage
  std::map<std::string, Tally> owner_totals;
  Tally total;
  for (const auto& [id, stream] : book.Of("opportunity")) {
    Deal d = DealAt(stream, p.to);
    if (!d.open()) continue;
    std::optional<int64_t> amount;
    if (d.amount) amount = money.Convert(*d.amount, p.to);
    std::optional<int64_t> weighted;
    if (amount)
      weighted = RoundHalfEven(static_cast<__int128>(*amount) * d.probability.value_or(0), 100);
    for (Tally* t : {&stages[d.stage], &owners[d.owner][d.stage], &owner_totals[d.owner], &total}) {
      t->count += 1;
      t->amount.Add(amount);
      t->weighted.Add(weighted);
    }
  }
  json::array stage_rows;
  for (std::string_view stage : kOpenStages) {
    stage_rows.push_back(Keyed("stage", stage, stages[std::string(stage)].Json(money)));
  }
  json::array owner_rows;
  for (const auto& [owner, by_stage] : owners) {
    json::object row = Keyed("owner", owner, owner_totals[owner].Json(money));
    json::array rows;
    for (std::string_view stage : kOpenStages) {
      auto it = by_stage.find(std::string(stage));
      if (it == by_stage.end()) continue;
      rows.push_back(Keyed("stage", stage, it->second.Json(money)));
    }
    row["stages"] = std::move(rows);
    owner_rows.push_back(std::move(row));
  }
  return {{"stages", std::move(stage_rows)},
          {"owners", std::move(owner_rows)},
          {"total", total.Json(money)}};
}

namespace {

struct Entry {
  std::string stage;  // an open stage, "won" or "lost"
  Micros at;
};

std::vector<Entry> Entries(const Stream& stream, Micros to) {
  std::vector<Entry> out;
  for (const Fact& f : stream.facts) {
    if (f.at >= to) continue;
    if (f.type == "opportunity.opened") {
      std::string_view stage = Str(f.data, "stage");
      out.push_back({stage.empty() ? "prospecting" : std::string(stage), f.at});
    } else if (f.type == "opportunity.stage_changed") {
      out.push_back({std::string(Str(f.data, "to")), f.at});
    } else if (f.type == "opportunity.reopened") {
      out.push_back({std::string(Str(f.data, "stage")), f.at});
    } else if (f.type == "opportunity.won") {
      out.push_back({"won", f.at});
    } else if (f.type == "opportunity.lost") {
      out.push_back({"lost", f.at});
    }
  }
  return out;
}

}  // namespace

json::object Funnel(const Book& book, const Params& p) {
  int64_t entered[5] = {}, advanced[5] = {};
  std::vector<Micros> stays[5];
  for (const auto& [id, stream] : book.Of("opportunity")) {
    std::vector<Entry> entries = Entries(stream, p.to);
    for (int s = 0; s < 5; ++s) {
      for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].stage != kOpenStages[s] || !InWindow(entries[i].at, p.from, p.to)) continue;
        entered[s] += 1;
        for (size_t j = i + 1; j < entries.size(); ++j) {
          if (StageOrder(entries[j].stage) > s) {
            advanced[s] += 1;
            break;
          }
        }
        break;  // the first entry in the window only
      }
    }
    for (size_t i = 0; i + 1 < entries.size(); ++i) {
      int s = StageOrder(entries[i].stage);
      if (s < 0 || s > 4 || !InWindow(entries[i + 1].at, p.from, p.to)) continue;
      stays[s].push_back(entries[i + 1].at - entries[i].at);
    }
  }
  json::array steps, days;
  for (int s = 0; s < 5; ++s) {
    steps.push_back({{"stage", kOpenStages[s]},
                     {"next", s == 4 ? std::string_view("won") : kOpenStages[s + 1]},
                     {"entered", entered[s]},
                     {"advanced", advanced[s]},
                     {"rate", Ratio(advanced[s], entered[s])}});
    days.push_back({{"stage", kOpenStages[s]},
                    {"stays", static_cast<int64_t>(stays[s].size())},
                    {"avg_days", Mean(stays[s], kDay)},
                    {"median_days", Median(stays[s], kDay)}});
  }
  return {{"steps", std::move(steps)}, {"stage_days", std::move(days)}};
}

}  // namespace analytics::internal
