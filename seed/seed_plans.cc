// Targets per rep and team per quarter (revenue in money, deals won in count), and each
// rep's forecast per quarter, both near what the accounts' stories actually won, so
// "target vs actual" and "commit vs actual" have realistic gaps. Runs after the
// accounts, whose wins it reads from World.
#include <algorithm>

#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

constexpr int kTargetRevisedPercent = 20;
constexpr int kForecastRevisedPercent = 50;
constexpr int64_t kTargetDaysBefore = 10;
// A rep's quarterly revenue floor when it won nothing, in minor units of its currency.
constexpr int64_t kRevenueFloorCny = 50'000'000;
constexpr int64_t kRevenueFloorForeign = 8'000'000;

std::string RepKey(std::string_view id) {
  std::string key;
  for (char c : id.substr(id.find(':') + 1)) {
    if (c != '.') key += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return key;
}

std::string TeamKey(std::string_view team) { return RepKey(team); }

void SetTarget(World& world, Story& story, const std::string& id, boost::json::object data,
               bool money, const std::string& currency) {
  Rng& rng = world.rng;
  const int64_t value = money ? data.at("amount").at("amount").to_number<int64_t>()
                              : data.at("count").to_number<int64_t>();
  if (!story.Emit("target.set", "target/" + id, std::move(data))) return;
  if (!rng.Chance(kTargetRevisedPercent)) return;
  Story later(story);
  later.Advance(rng.Uniform(20, 45) * kMinutesPerDay);
  const int64_t revised = value * rng.Uniform(85, 120) / 100;
  boost::json::object change = {{"reason", "季度中期调整 / mid-quarter adjustment"}};
  if (money)
    change["amount"] = Money(revised, currency);
  else
    change["count"] = revised;
  later.Emit("target.revised", "target/" + id, std::move(change));
}

void RepQuarter(World& world, int64_t quarter_start, const Rep& rep, int64_t& team_total) {
  Rng& rng = world.rng;
  const std::string q = Quarter(quarter_start);
  const int64_t floor = rep.currency == "CNY" ? kRevenueFloorCny : kRevenueFloorForeign;
  const int64_t actual = world.won_amount[{rep.id, q}];
  const int64_t target = std::max(floor, actual * rng.Uniform(80, 130) / 100) / 10000 * 10000;
  team_total += target;
  const std::string prefix = "TGT-" + q + "-" + RepKey(rep.id);
  Story story(world.events,
              std::max(world.start + 9 * kMinutesPerHour,
                       quarter_start - kTargetDaysBefore * kMinutesPerDay),
              world.end);
  SetTarget(world, story, prefix + "-REV",
            {{"owner_type", "rep"},
             {"owner", rep.id},
             {"period", q},
             {"metric", "revenue"},
             {"amount", Money(target, rep.currency)}},
            true, rep.currency);
  story.Advance(5);
  const int deals = world.won_deals[{rep.id, q}];
  SetTarget(world, story, prefix + "-DEALS",
            {{"owner_type", "rep"},
             {"owner", rep.id},
             {"period", q},
             {"metric", "deals_won"},
             {"count", std::max<int64_t>(1, deals + rng.Uniform(-1, 2))}},
            false, "");
  // The forecast, early in the quarter.
  Story forecast(world.events,
                 std::max(world.start + 10 * kMinutesPerHour, quarter_start) +
                     rng.Uniform(2, 6) * kMinutesPerDay,
                 world.end);
  const int64_t commit = actual * rng.Uniform(60, 110) / 100;
  // A rep who won nothing still saw some upside in the pipeline.
  const int64_t best = std::max({commit, actual, floor / 4}) * rng.Uniform(110, 160) / 100;
  const std::string subject = "forecast/FC-" + q + "-" + RepKey(rep.id);
  if (!forecast.Emit("forecast.submitted", subject,
                     {{"owner", rep.id},
                      {"period", q},
                      {"commit", Money(commit, rep.currency)},
                      {"best_case", Money(best, rep.currency)},
                      {"pipeline", Money(best * rng.Uniform(150, 250) / 100, rep.currency)},
                      {"notes", "基于当前商机 / from the open pipeline"}}))
    return;
  if (!rng.Chance(kForecastRevisedPercent)) return;
  forecast.Advance(rng.Uniform(30, 50) * kMinutesPerDay);
  const int64_t new_commit = (commit + actual) / 2;
  forecast.Emit("forecast.revised", subject,
                {{"commit", Money(new_commit, rep.currency)},
                 {"best_case", Money(std::max(best, new_commit), rep.currency)},
                 {"reason", "季度中期更新 / mid-quarter update"}});
}

}  // namespace

void PlanTargetsAndForecasts(World& world) {
  for (int64_t q = MonthStart(world.start); q < world.end; q = AddMonths(q, 1)) {
    if ((MonthOf(q) - 1) % 3 != 0 && q != MonthStart(world.start)) continue;
    const int64_t quarter_start = MonthStart(AddMonths(q, -((MonthOf(q) - 1) % 3)));
    for (const std::string& team : Teams()) {
      int64_t total = 0;
      for (const Rep* rep : TeamReps(team)) RepQuarter(world, quarter_start, *rep, total);
      const std::string q_name = Quarter(quarter_start);
      Story story(world.events,
                  std::max(world.start + 9 * kMinutesPerHour,
                           quarter_start - kTargetDaysBefore * kMinutesPerDay) +
                      30,
                  world.end);
      SetTarget(world, story, "TGT-" + q_name + "-" + TeamKey(team),
                {{"owner_type", "team"},
                 {"owner", team},
                 {"period", q_name},
                 {"metric", "revenue"},
                 {"amount", Money(total, TeamCurrency(team))}},
                true, TeamCurrency(team));
    }
  }
}

}  // namespace seed::internal
