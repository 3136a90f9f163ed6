// The company: reps in teams, support handlers, the price list (with a price change and
// a discontinued product) and the exchange rates published twice a month.
#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

// Exchange rates in units of 1/10,000 CNY per unit of the base currency, and how far a
// publication may move them.
constexpr int64_t kUsdCnyStartE4 = 71850;
constexpr int64_t kEurCnyStartE4 = 78200;
constexpr int64_t kRateStepMaxE4 = 180;
constexpr int64_t kRateBaseMinor = 100'000'000;  // 1,000,000.00 of the base currency
constexpr int kRateDaysOfMonth[] = {1, 16};

// When price-list changes happen, in months after the start.
constexpr int kGatewayV2ListedMonth = 4;
constexpr int kGatewayV1DiscontinuedMonth = 5;
constexpr int kSeatPriceChangeMonth = 3;
constexpr int kMaintenancePriceChangeMonth = 12;
constexpr int kTeamMoveMonth = 12;

const char* kLicence = "软件许可 Software licence";
const char* kSubscription = "软件订阅 Subscription";
const char* kServices = "专业服务 Services";
const char* kHardware = "硬件 Hardware";

}  // namespace

const std::vector<Rep>& Reps() {
  static const std::vector<Rep> reps = {
      {"u:zhang.wei", "team:east-china", "CNY"},   {"u:li.na", "team:east-china", "CNY"},
      {"u:chen.jing", "team:east-china", "CNY"},   {"u:zhao.lei", "team:east-china", "CNY"},
      {"u:wang.qiang", "team:north-china", "CNY"}, {"u:liu.yang", "team:north-china", "CNY"},
      {"u:sun.li", "team:north-china", "CNY"},     {"u:emily.ross", "team:us", "USD"},
      {"u:james.miller", "team:us", "USD"},        {"u:anna.schmidt", "team:europe", "EUR"},
      {"u:lukas.weber", "team:europe", "EUR"},
  };
  return reps;
}

std::vector<std::string> Teams() {
  return {"team:east-china", "team:north-china", "team:us", "team:europe"};
}

std::vector<const Rep*> TeamReps(std::string_view team) {
  std::vector<const Rep*> out;
  for (const Rep& rep : Reps()) {
    if (rep.team == team) out.push_back(&rep);
  }
  return out;
}

std::string TeamCurrency(std::string_view team) { return TeamReps(team).front()->currency; }

std::string OtherRep(Rng& rng, std::string_view team, std::string_view current) {
  std::vector<std::string> others;
  for (const Rep* rep : TeamReps(team)) {
    if (rep->id != current) others.push_back(rep->id);
  }
  return rng.Pick(others);
}

const std::vector<std::string>& SupportHandlers() {
  static const std::vector<std::string> handlers = {"u:wang.fang", "u:zhou.lei", "u:xu.ming",
                                                    "u:sarah.kim", "u:tom.becker"};
  return handlers;
}

void ListProducts(World& world) {
  auto month = [&](int m) { return AddMonths(world.start, m) + 10 * kMinutesPerHour; };
  const int64_t day0 = world.start + 9 * kMinutesPerHour;
  world.products = {
      {"PRD-MES-STD", "MES-STD-5", "云帆 MES 标准版 / Yunfan MES Standard Edition", kLicence,
       "license", 48000000, 0, 1, 1, day0},
      {"PRD-MES-PRO", "MES-PRO-5", "云帆 MES 专业版 / Yunfan MES Professional Edition", kLicence,
       "license", 98000000, 0, 1, 1, day0},
      {"PRD-WMS-STD", "WMS-STD-3", "云帆 WMS 仓储管理 / Yunfan WMS", kLicence, "license", 36000000,
       0, 1, 1, day0},
      {"PRD-MES-SEAT", "MES-SEAT-Y", "MES 用户席位（年） / MES user seat, yearly", kSubscription,
       "seat", 360000, 380000, 10, 150, day0, month(kSeatPriceChangeMonth)},
      {"PRD-CLOUD-Y", "CLOUD-Y", "云平台订阅（年） / Cloud platform, yearly", kSubscription, "year",
       12000000, 0, 1, 3, day0},
      {"PRD-IMPL", "SVC-IMPL-DAY", "实施服务（人天） / Implementation, per person-day", kServices,
       "day", 250000, 0, 10, 120, day0},
      {"PRD-TRAIN", "SVC-TRAIN-DAY", "现场培训（天） / On-site training, per day", kServices, "day",
       800000, 0, 2, 10, day0},
      {"PRD-MAINT", "SVC-MAINT-Y", "年度维保 / Annual maintenance", kServices, "year", 9600000,
       10200000, 1, 1, day0, month(kMaintenancePriceChangeMonth)},
      {"PRD-GW-V1", "GW-100", "数据采集网关 V1 / Data gateway V1", kHardware, "each", 980000, 0, 2,
       20, day0, kNever, month(kGatewayV1DiscontinuedMonth)},
      {"PRD-GW-V2", "GW-200", "数据采集网关 V2 / Data gateway V2", kHardware, "each", 1280000, 0, 2,
       20, month(kGatewayV2ListedMonth)},
      {"PRD-TERM", "TERM-10", "车间报工终端 / Shop-floor terminal", kHardware, "each", 450000, 0, 5,
       60, day0},
      {"PRD-SENSOR", "SNS-VIB", "振动传感器 / Vibration sensor", kHardware, "each", 68000, 0, 20,
       400, day0},
  };
  for (const Product& p : world.products) {
    Story story(world.events, p.listed_at, world.end);
    story.Emit("product.listed", "product/" + p.id,
               {{"sku", p.sku},
                {"name", p.name},
                {"category", p.category},
                {"list_price", Money(p.price_cny, "CNY")},
                {"unit", p.unit}});
    if (p.new_price_cny != 0) {
      Story change(world.events, p.price_changed_at - 7 * kMinutesPerDay, world.end);
      change.Emit("product.price_changed", "product/" + p.id,
                  {{"list_price", Money(p.new_price_cny, "CNY")},
                   {"effective_on", FormatDate(p.price_changed_at)},
                   {"reason", "年度价目表调整 / yearly price list"}});
    }
    if (p.discontinued_at != kNever) {
      Story stop(world.events, p.discontinued_at, world.end);
      stop.Emit("product.discontinued", "product/" + p.id,
                {{"reason", "芯片停产 / chipset end of life"},
                 {"replacement", "PRD-GW-V2"},
                 {"effective_on", FormatDate(p.discontinued_at)}});
    }
  }
}

// The days rates take effect: the first day of the story, then every 1st and 16th.
std::vector<int64_t> RateDays(const World& world) {
  std::vector<int64_t> days = {world.start};
  for (int m = 0; m <= world.options.months; ++m) {
    const int64_t first = MonthStart(AddMonths(world.start, m));
    for (int day : kRateDaysOfMonth) {
      const int64_t at = first + (day - 1) * kMinutesPerDay;
      if (at > world.start && at < world.end) days.push_back(at);
    }
  }
  return days;
}

void FormTeams(World& world) {
  const std::map<std::string, std::pair<std::string, std::string>> kTeams = {
      {"team:east-china", {"华东区销售 / East China sales", "u:zhou.min"}},
      {"team:north-china", {"华北区销售 / North China sales", "u:gao.yan"}},
      {"team:us", {"US sales", "u:david.clark"}},
      {"team:europe", {"Europe sales", "u:julia.meyer"}}};
  Story story(world.events, world.start + 8 * kMinutesPerHour, world.end);
  for (const std::string& team : Teams()) {
    const std::string subject = "team/" + team.substr(std::string_view("team:").size());
    const auto& [name, manager] = kTeams.at(team);
    story.Emit("team.formed", subject, {{"name", name}, {"manager", manager}});
    for (const Rep* rep : TeamReps(team)) {
      story.Advance(1);
      story.Emit("team.member_added", subject, {{"user", rep->id}});
    }
  }
  // Halfway through, a rep moves from East China to North China: team targets count
  // her deals for the team she was in when each one happened.
  Story move(world.events, AddMonths(world.start, kTeamMoveMonth) + 9 * kMinutesPerHour, world.end);
  move.Emit("team.member_removed", "team/east-china",
            {{"user", "u:zhao.lei"}, {"reason", "调往华北区 / moved to North China"}});
  move.Advance(1);
  move.Emit("team.member_added", "team/north-china",
            {{"user", "u:zhao.lei"}, {"reason", "从华东区调入 / joined from East China"}});
}

void PublishRates(World& world) {
  struct Pair {
    const char* base;
    int64_t rate_e4;
  };
  std::vector<Pair> pairs = {{"USD", kUsdCnyStartE4}, {"EUR", kEurCnyStartE4}};
  for (int64_t effective : RateDays(world)) {
    for (Pair& pair : pairs) {
      pair.rate_e4 += world.rng.Uniform(-kRateStepMaxE4, kRateStepMaxE4);
      Story story(world.events, effective + 9 * kMinutesPerHour + 15, world.end);
      story.Emit("fx.rate_published",
                 "fx/FX-" + std::string(pair.base) + "-CNY-" + Compact(effective),
                 {{"base", Money(kRateBaseMinor, pair.base)},
                  {"quote", Money(pair.rate_e4 * 10'000, "CNY")},
                  {"effective_at", FormatDateTime(effective)},
                  {"source", "中国人民银行中间价 / PBOC central parity"}});
    }
  }
}

}  // namespace seed::internal
