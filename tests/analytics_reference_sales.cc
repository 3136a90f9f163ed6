// The analytics reference: opportunities and activities (pipeline, funnel, win-loss,
// activities), each a plain fold of docs/API.md's definitions.
#include <algorithm>
#include <tuple>

#include "tests/analytics_reference_internal.h"

namespace analytics_ref {
namespace internal {

void ApplyOpportunity(OppState& state, const RefFact& fact) {
  const json::object& data = fact.data;
  if (fact.type == "opportunity.opened") {
    state = OppState{};
    state.exists = true;
    state.stage = data.contains("stage") ? Str(data, "stage") : "prospecting";
    state.owner = Str(data, "owner");
    state.source = Str(data, "source");
    state.opened_at = BusinessTime(fact);
  }
  if (fact.type == "opportunity.stage_changed") state.stage = Str(data, "to");
  if (fact.type == "opportunity.reopened") state.stage = Str(data, "stage");
  if (fact.type == "opportunity.won") state.stage = "closed_won";
  if (fact.type == "opportunity.lost") state.stage = "closed_lost";
  if (fact.type == "opportunity.owner_assigned") state.owner = Str(data, "owner");
  const bool sets_forecast =
      fact.type == "opportunity.opened" || fact.type == "opportunity.forecast_revised";
  if (sets_forecast && data.contains("amount")) state.amount = data.at("amount").as_object();
  if ((sets_forecast || fact.type == "opportunity.stage_changed") && data.contains("probability")) {
    state.probability = Int(data, "probability");
  }
  if (sets_forecast && data.contains("products")) state.products = data.at("products").as_array();
}

OppAtTo FoldOpportunity(const Stream& stream, const Window& window) {
  OppAtTo result;
  for (const RefFact* fact : stream) {
    if (!window.BeforeTo(BusinessTime(*fact))) continue;
    ApplyOpportunity(result.state, *fact);
    if (fact->type == "opportunity.won" || fact->type == "opportunity.lost") {
      const Micros at = BusinessTime(*fact);
      result.close =
          Close{fact, result.state, fact->type == "opportunity.won", at - result.state.opened_at};
    }
    if (fact->type == "opportunity.reopened") result.close.reset();
  }
  return result;
}

std::map<std::string, Close> ClosesInWindow(const std::vector<RefFact>& facts,
                                            const Window& window) {
  std::map<std::string, Close> closes;
  for (const auto& [subject, stream] : StreamsOfKind(facts, "opportunity")) {
    OppAtTo at_to = FoldOpportunity(stream, window);
    if (at_to.close && window.In(BusinessTime(*at_to.close->fact))) closes[subject] = *at_to.close;
  }
  return closes;
}

std::vector<Activity> ActivitiesThatHappened(const std::vector<RefFact>& facts) {
  std::vector<Activity> happened;
  for (const auto& [subject, stream] : StreamsOfKind(facts, "activity")) {
    Activity activity;
    for (const RefFact* fact : stream) {
      const bool creation = fact->type == "activity.scheduled" || fact->type == "activity.logged";
      if (creation) {
        activity.owner = Str(fact->data, "owner");
        activity.channel = Str(fact->data, "channel");
        activity.opportunity = Str(fact->data, "opportunity");
      }
      if (fact->type == "activity.logged" || fact->type == "activity.completed") {
        activity.fact = fact;
        activity.outcome = Str(fact->data, "outcome");
        happened.push_back(activity);
      }
    }
  }
  return happened;
}

}  // namespace internal

using namespace internal;

namespace {

struct PipelineCell {
  int64_t count = 0, amount = 0, weighted = 0;
  void Add(const PipelineCell& deal) {
    count += deal.count, amount += deal.amount, weighted += deal.weighted;
  }
  json::object Json(const std::string& currency) const {
    return json::object{{"count", count},
                        {"amount", MoneyJson(amount, currency)},
                        {"weighted", MoneyJson(weighted, currency)}};
  }
};

PipelineCell PipelineDeal(const std::string& subject, const OppState& state,
                          const Converter& converter, const Window& window,
                          Unconverted& unconverted) {
  PipelineCell deal{1, 0, 0};
  if (!state.amount) return deal;
  std::optional<int64_t> amount =
      converter.ConvertOrNote(*state.amount, window.to, subject, unconverted);
  if (!amount) return deal;
  deal.amount = *amount;
  deal.weighted =
      DivideHalfEven(static_cast<__int128>(*amount) * state.probability.value_or(0), 100);
  return deal;
}

json::array StageRows(const std::map<std::string, PipelineCell>& cells, bool zeros,
                      const std::string& currency) {
  json::array rows;
  for (const std::string& stage : kOpenStages) {
    auto cell = cells.find(stage);
    if (cell == cells.end() && !zeros) continue;
    json::object row{{"stage", stage}};
    json::object values = (cell == cells.end() ? PipelineCell{} : cell->second).Json(currency);
    for (auto& member : values) row[member.key()] = member.value();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

json::object Pipeline(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const Converter converter(facts, params.currency);
  Unconverted unconverted;
  std::map<std::string, PipelineCell> stages;
  std::map<std::string, std::map<std::string, PipelineCell>> owners;
  PipelineCell total;
  for (const auto& [subject, stream] : StreamsOfKind(facts, "opportunity")) {
    const OppState state = FoldOpportunity(stream, window).state;
    if (!state.exists ||
        std::find(kOpenStages.begin(), kOpenStages.end(), state.stage) == kOpenStages.end()) {
      continue;
    }
    const PipelineCell deal = PipelineDeal(subject, state, converter, window, unconverted);
    stages[state.stage].Add(deal);
    owners[state.owner][state.stage].Add(deal);
    total.Add(deal);
  }
  json::object report = Header("pipeline", params);
  report["stages"] = StageRows(stages, true, params.currency);
  json::array owner_rows;
  for (const auto& [owner, cells] : owners) {
    PipelineCell sum;
    for (const auto& [stage, cell] : cells) sum.Add(cell);
    json::object row{{"owner", owner}};
    for (auto& member : sum.Json(params.currency)) row[member.key()] = member.value();
    row["stages"] = StageRows(cells, false, params.currency);
    owner_rows.push_back(std::move(row));
  }
  report["owners"] = std::move(owner_rows);
  report["total"] = total.Json(params.currency);
  report["unconverted"] = unconverted.Json();
  return report;
}

namespace {

int StageRank(const std::string& stage) {
  auto it = std::find(kOpenStages.begin(), kOpenStages.end(), stage);
  if (it != kOpenStages.end()) return static_cast<int>(it - kOpenStages.begin());
  return stage == "won" ? 5 : -1;
}

// The stage a fact enters ("won" for opportunity.won), or "" for none.
std::string EnteredStage(const RefFact& fact) {
  if (fact.type == "opportunity.opened") {
    return fact.data.contains("stage") ? Str(fact.data, "stage") : "prospecting";
  }
  if (fact.type == "opportunity.stage_changed") return Str(fact.data, "to");
  if (fact.type == "opportunity.reopened") return Str(fact.data, "stage");
  if (fact.type == "opportunity.won") return "won";
  return "";
}

struct StepCount {
  int64_t entered = 0, advanced = 0;
};

// Whether the stream enters `stage` in the window, and then advances before `to`.
void CountStep(const Stream& stream, const std::string& stage, const Window& window,
               StepCount& step) {
  size_t first = stream.size();
  for (size_t i = 0; i < stream.size() && first == stream.size(); ++i) {
    if (EnteredStage(*stream[i]) == stage && window.In(BusinessTime(*stream[i]))) first = i;
  }
  if (first == stream.size()) return;
  ++step.entered;
  for (size_t i = first + 1; i < stream.size(); ++i) {
    const std::string entered = EnteredStage(*stream[i]);
    if (!entered.empty() && window.BeforeTo(BusinessTime(*stream[i])) &&
        StageRank(entered) > StageRank(stage)) {
      ++step.advanced;
      return;
    }
  }
}

// Stays in open stages that ended in the window, in days, by stage.
void CollectStays(const Stream& stream, const Window& window,
                  std::map<std::string, std::vector<double>>& stays) {
  std::string stage;  // the open stage of the current stay, "" when none
  Micros started = 0;
  for (const RefFact* fact : stream) {
    const std::string entered = EnteredStage(*fact);
    if (entered.empty() && fact->type != "opportunity.lost") continue;
    const Micros at = BusinessTime(*fact);
    if (!stage.empty() && window.In(at)) {
      stays[stage].push_back(static_cast<double>(at - started) / 1e6 / 86400.0);
    }
    stage = StageRank(entered) >= 0 && entered != "won" ? entered : "";
    started = at;
  }
}

}  // namespace

json::object Funnel(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const auto streams = StreamsOfKind(facts, "opportunity");
  std::map<std::string, std::vector<double>> stays;
  for (const auto& [subject, stream] : streams) CollectStays(stream, window, stays);
  json::array steps, stage_days;
  for (size_t s = 0; s < kOpenStages.size(); ++s) {
    const std::string& stage = kOpenStages[s];
    StepCount step;
    for (const auto& [subject, stream] : streams) CountStep(stream, stage, window, step);
    steps.push_back(json::object{
        {"stage", stage},
        {"next", s + 1 < kOpenStages.size() ? kOpenStages[s + 1] : std::string("won")},
        {"entered", step.entered},
        {"advanced", step.advanced},
        {"rate",
         RatioOrNull(static_cast<double>(step.advanced), static_cast<double>(step.entered))}});
    stage_days.push_back(json::object{{"stage", stage},
                                      {"stays", static_cast<int64_t>(stays[stage].size())},
                                      {"avg_days", MeanOrNull(stays[stage])},
                                      {"median_days", MedianOrNull(stays[stage])}});
  }
  json::object report = Header("funnel", params);
  report["steps"] = std::move(steps);
  report["stage_days"] = std::move(stage_days);
  return report;
}

namespace {

struct WinLossGroup {
  int64_t won = 0, lost = 0, won_amount = 0;
  std::vector<double> cycle_days;
  std::map<std::string, int64_t> loss_reasons;

  void Add(const Close& close, std::optional<int64_t> amount) {
    (close.won ? won : lost) += 1;
    if (close.won) won_amount += amount.value_or(0);
    if (!close.won) ++loss_reasons[Str(close.fact->data, "reason")];
    cycle_days.push_back(static_cast<double>(close.cycle_us) / 1e6 / 86400.0);
  }
  json::object Json(const std::string& currency) const {
    json::array reasons;
    for (const auto& [reason, count] : loss_reasons) {
      reasons.push_back(json::object{{"reason", reason}, {"count", count}});
    }
    return json::object{
        {"won", won},
        {"lost", lost},
        {"win_rate", RatioOrNull(static_cast<double>(won), static_cast<double>(won + lost))},
        {"won_amount", MoneyJson(won_amount, currency)},
        {"avg_cycle_days", MeanOrNull(cycle_days)},
        {"loss_reasons", std::move(reasons)}};
  }
};

std::vector<std::string> WinLossKeys(const Close& close, const std::string& by,
                                     const std::string& grouping,
                                     const std::map<std::string, std::string>& categories) {
  const OppState& state = close.at_close;
  if (by == "source") return {state.source.empty() ? "(none)" : state.source};
  if (by == "period") return {PeriodOf(DateText(*close.fact), grouping)};
  if (by != "category") return {state.owner};
  std::set<std::string> keys;
  for (const json::value& product : state.products) {
    auto category = categories.find(std::string(product.as_string()));
    keys.insert(category == categories.end() ? "(none)" : category->second);
  }
  if (keys.empty()) keys.insert("(none)");
  return {keys.begin(), keys.end()};
}

}  // namespace

json::object WinLoss(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const Converter converter(facts, params.currency);
  const auto categories = ProductCategories(facts);
  const std::string by = params.by.empty() || params.by == "default" ? "owner" : params.by;
  Unconverted unconverted;
  std::map<std::string, WinLossGroup> groups;
  WinLossGroup total;
  for (const auto& [subject, close] : ClosesInWindow(facts, window)) {
    std::optional<int64_t> amount;
    if (close.won) {
      amount = converter.ConvertOrNote(close.fact->data.at("amount").as_object(),
                                       BusinessTime(*close.fact), close.fact->id, unconverted);
    }
    for (const std::string& key : WinLossKeys(close, by, params.period, categories)) {
      groups[key].Add(close, amount);
    }
    total.Add(close, amount);
  }
  json::object report = Header("win-loss", params);
  report["by"] = by;
  json::array rows;
  for (const auto& [key, group] : groups) {
    json::object row{{"key", key}};
    for (auto& member : group.Json(params.currency)) row[member.key()] = member.value();
    rows.push_back(std::move(row));
  }
  report["groups"] = std::move(rows);
  report["total"] = total.Json(params.currency);
  report["unconverted"] = unconverted.Json();
  return report;
}

namespace {

json::object BeforeResult(const std::vector<Activity>& happened,
                          const std::map<std::string, Close>& closes, bool won) {
  int64_t opportunities = 0, touches = 0;
  std::map<std::string, int64_t> channels;
  for (const auto& [subject, close] : closes) {
    if (close.won != won) continue;
    ++opportunities;
    const Micros closed_at = BusinessTime(*close.fact);
    for (const Activity& activity : happened) {
      if (activity.opportunity != RecordId(subject) || BusinessTime(*activity.fact) > closed_at) {
        continue;
      }
      ++touches;
      ++channels[activity.channel];
    }
  }
  json::array channel_rows;
  for (const auto& [channel, count] : channels) {
    channel_rows.push_back(json::object{{"channel", channel}, {"count", count}});
  }
  return json::object{{"opportunities", opportunities},
                      {"touches", touches},
                      {"avg_touches", RatioOrNull(static_cast<double>(touches),
                                                  static_cast<double>(opportunities))},
                      {"channels", std::move(channel_rows)}};
}

}  // namespace

json::object Activities(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const std::vector<Activity> happened = ActivitiesThatHappened(facts);
  using RowKey = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<RowKey, int64_t> rows;
  std::map<std::pair<std::string, std::string>, int64_t> totals;
  for (const Activity& activity : happened) {
    if (!window.In(BusinessTime(*activity.fact))) continue;
    const std::string period = PeriodOf(DateText(*activity.fact), params.period);
    ++rows[{activity.owner, period, activity.channel, activity.outcome}];
    ++totals[{activity.channel, activity.outcome}];
  }
  json::array row_list, total_list;
  for (const auto& [key, count] : rows) {
    const auto& [owner, period, channel, outcome] = key;
    row_list.push_back(json::object{{"owner", owner},
                                    {"period", period},
                                    {"channel", channel},
                                    {"outcome", outcome},
                                    {"count", count}});
  }
  for (const auto& [key, count] : totals) {
    total_list.push_back(
        json::object{{"channel", key.first}, {"outcome", key.second}, {"count", count}});
  }
  const auto closes = ClosesInWindow(facts, window);
  json::object report = Header("activities", params);
  report["rows"] = std::move(row_list);
  report["totals"] = std::move(total_list);
  report["before_result"] = json::object{{"won", BeforeResult(happened, closes, true)},
                                         {"lost", BeforeResult(happened, closes, false)}};
  return report;
}

}  // namespace analytics_ref
