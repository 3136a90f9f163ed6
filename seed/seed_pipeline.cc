// An opportunity's way through the stages: touches before each move, drop-off at every
// stage, an occasional step back, forecast revisions and owner changes, the win or the
// loss (with its reason and competitor), and sometimes a reopening after a loss.
#include <algorithm>

#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

const std::vector<std::string> kStages = {"prospecting", "qualification", "needs_analysis",
                                          "proposal", "negotiation"};
constexpr int kStageProbability[] = {10, 20, 40, 60, 80};
// Chance, in percent, that a deal in stage i moves on (the last: that it is won).
constexpr int kAdvancePercent[] = {80, 85, 85, 85, 72};
constexpr int kStepBackPercent = 8;
constexpr int kForecastRevisionPercent = 15;
constexpr int kOwnerChangePercent = 2;
constexpr int kReopenPercent = 15;
constexpr int kReopenedWinPercent = 50;
constexpr int kLinesMax = 3;
// Converting list prices (CNY) for USD and EUR deals: CNY per unit times 10,000.
constexpr int64_t kUsdPriceRateE4 = 72000;
constexpr int64_t kEurPriceRateE4 = 78000;

const std::vector<std::string> kSources = {"inbound_web",       "referral",    "partner",
                                           "trade_show",        "cold_call",   "email_campaign",
                                           "existing_customer", "advertising", "other"};
const std::vector<std::string> kLossReasons = {"price",        "competitor",   "no_budget",
                                               "no_decision",  "timing",       "product_fit",
                                               "relationship", "lost_contact", "other"};
const std::vector<int> kLossWeights = {20, 25, 12, 12, 10, 8, 5, 5, 3};

int64_t UnitPrice(const World& world, const Product& p, int64_t at, std::string_view currency) {
  const int64_t cny = world.PriceCny(p, at);
  if (currency == "CNY") return cny;
  const int64_t rate = currency == "USD" ? kUsdPriceRateE4 : kEurPriceRateE4;
  return cny * 10'000 / rate / 100 * 100;  // whole units
}

const Product* Sellable(const World& world, const Product* p, int64_t at) {
  if (world.Sellable(*p, at)) return p;
  for (const Product& other : world.products) {
    if (other.category == p->category && world.Sellable(other, at)) return &other;
  }
  return nullptr;
}

// Where the deal ends: the last stage reached and whether it is won there.
struct Fate {
  int last_stage = 0;
  bool won = false;
};

Fate DecideFate(Rng& rng, int from_stage) {
  Fate fate{from_stage, false};
  while (fate.last_stage < 4 && rng.Chance(kAdvancePercent[fate.last_stage])) ++fate.last_stage;
  fate.won = fate.last_stage == 4 && rng.Chance(kAdvancePercent[4]);
  return fate;
}

void ReviseForecast(World& world, Story& story, const std::string& subject, int64_t amount,
                    const AccountCtx& account, int stage) {
  Rng& rng = world.rng;
  story.NextWorkTime(rng, 1, 7);
  static const std::vector<std::string> categories = {"pipeline", "best_case", "commit", "omitted"};
  story.Emit("opportunity.forecast_revised", subject,
             {{"amount", Money(amount * rng.Uniform(85, 110) / 100, account.currency)},
              {"close_date", FormatDate(story.now() + rng.Uniform(20, 90) * kMinutesPerDay)},
              {"probability", std::min(95, kStageProbability[stage] + 5)},
              {"forecast_category", categories[std::min<size_t>(stage / 2 + rng.Uniform(0, 1), 3)]},
              {"reason", "客户反馈预算调整 / budget update from the customer"}});
}

// Touches and moves from `stage` up to fate.last_stage; the deal's owner may change.
int WorkStages(World& world, Story& story, const AccountCtx& account, const std::string& subject,
               const std::string& id, int stage, const Fate& fate, std::string& owner,
               int64_t amount) {
  Rng& rng = world.rng;
  for (;;) {
    const int touches = static_cast<int>(fate.won ? rng.Uniform(1, 4) : rng.Uniform(0, 2));
    for (int t = 0; t < touches && story.alive(); ++t) {
      story.NextWorkTime(rng, 2, 12);
      LogActivity(world, story, account, owner, id, fate.won);
    }
    if (rng.Chance(kForecastRevisionPercent))
      ReviseForecast(world, story, subject, amount, account, stage);
    if (rng.Chance(kOwnerChangePercent)) {
      const std::string next = OtherRep(rng, account.team, owner);
      story.NextWorkTime(rng, 1, 5);
      if (story.Emit("opportunity.owner_assigned", subject,
                     {{"owner", next}, {"reason", "销售休假交接 / rep on leave, handed over"}})) {
        owner = next;
      }
    }
    if (stage >= fate.last_stage || !story.alive()) return stage;
    int to = stage + 1;
    if (stage >= 2 && rng.Chance(kStepBackPercent)) to = stage - 1;
    story.NextWorkTime(rng, 1, 6);
    boost::json::object data = {
        {"from", kStages[stage]}, {"to", kStages[to]}, {"probability", kStageProbability[to]}};
    if (to < stage) data["reason"] = "客户要求重新评估需求 / the customer reopened requirements";
    if (!story.Emit("opportunity.stage_changed", subject, std::move(data))) return stage;
    stage = to;
  }
}

void Lose(World& world, Story& story, const std::string& subject) {
  Rng& rng = world.rng;
  story.NextWorkTime(rng, 2, 20);
  const std::string& reason = kLossReasons[rng.Weighted(kLossWeights)];
  boost::json::object data = {{"reason", reason}};
  if (reason == "competitor") data["competitor"] = rng.Pick(Competitors());
  data["details"] = "客户选择了其他方案 / the customer went another way";
  data["close_date"] = FormatDate(story.now());
  story.Emit("opportunity.lost", subject, std::move(data));
}

}  // namespace

std::vector<Line> PickLines(World& world, int64_t at, int count) {
  Rng& rng = world.rng;
  std::vector<Line> lines;
  for (int i = 0; i < count * 3 && static_cast<int>(lines.size()) < count; ++i) {
    const Product& p = rng.Pick(world.products);
    if (!world.Sellable(p, at)) continue;
    bool taken = false;
    for (const Line& l : lines) taken = taken || l.product == &p;
    if (taken) continue;
    const int discount = rng.Chance(50) ? static_cast<int>(rng.Uniform(1, 4)) * 5 : 0;
    lines.push_back({&p, rng.Uniform(p.qty_min, p.qty_max), discount});
  }
  return lines;
}

boost::json::array LinesJson(const World& world, const std::vector<Line>& lines, int64_t at,
                             std::string_view currency) {
  boost::json::array out;
  std::vector<const Product*> used;
  for (const Line& line : lines) {
    const Product* p = Sellable(world, line.product, at);
    if (p == nullptr || std::find(used.begin(), used.end(), p) != used.end()) continue;
    used.push_back(p);
    boost::json::object json = {
        {"product", p->id},
        {"quantity", line.quantity},
        {"unit_price", Money(UnitPrice(world, *p, at, currency), currency)}};
    if (line.discount_percent > 0) json["discount_percent"] = line.discount_percent;
    out.push_back(std::move(json));
  }
  return out;
}

int64_t LinesTotal(const boost::json::array& lines) {
  int64_t total = 0;
  for (const boost::json::value& line : lines) {
    const boost::json::object& o = line.get_object();
    const int64_t gross = o.at("quantity").to_number<int64_t>() *
                          o.at("unit_price").at("amount").to_number<int64_t>();
    const int64_t discount =
        o.contains("discount_percent") ? o.at("discount_percent").to_number<int64_t>() : 0;
    total += gross * (100 - discount) / 100;
  }
  return total;
}

void RunOpportunity(World& world, Story& story, AccountCtx& account) {
  Rng& rng = world.rng;
  const std::string id = Sequenced("OPP", YearOf(story.now()), world.next_opportunity++, 5);
  const std::string subject = "opportunity/" + id;
  std::vector<Line> lines =
      PickLines(world, story.now(), static_cast<int>(rng.Uniform(1, kLinesMax)));
  const int64_t amount = LinesTotal(LinesJson(world, lines, story.now(), account.currency));
  if (lines.empty() || amount <= 0) return;
  boost::json::array products, contacts;
  for (const Line& l : lines) products.push_back(boost::json::string(l.product->id));
  for (size_t i = 0; i < account.contacts.size() && i < 2; ++i)
    contacts.push_back(boost::json::string(account.contacts[i]));
  const int start_stage = rng.Chance(15) ? 1 : 0;
  std::string owner = account.owner;
  boost::json::object data = {
      {"name",
       (account.chinese ? "数字化车间项目 / digital workshop " : "Shop-floor project ") + id},
      {"account", account.id},
      {"owner", owner},
      {"stage", kStages[start_stage]},
      {"amount", Money(amount, account.currency)},
      {"close_date", FormatDate(story.now() + rng.Uniform(45, 150) * kMinutesPerDay)},
      {"probability", kStageProbability[start_stage]},
      {"source", rng.Pick(kSources)},
      {"products", std::move(products)}};
  if (!contacts.empty()) data["contacts"] = std::move(contacts);
  if (!story.Emit("opportunity.opened", subject, std::move(data))) return;
  account.NeedsActive(story.now());
  Fate fate = DecideFate(rng, start_stage);
  int stage = WorkStages(world, story, account, subject, id, start_stage, fate, owner, amount);
  while (story.alive() && !fate.won) {
    Lose(world, story, subject);
    if (!rng.Chance(kReopenPercent)) return;
    story.NextWorkTime(rng, 30, 90);
    stage = std::max(1, stage - 1);
    if (!story.Emit("opportunity.reopened", subject,
                    {{"stage", kStages[stage]},
                     {"reason", "竞品实施受阻，客户重新联系 / the customer came back"}}))
      return;
    fate = {4, rng.Chance(kReopenedWinPercent)};
    stage = WorkStages(world, story, account, subject, id, stage, fate, owner, amount);
  }
  if (!story.alive() || stage != 4) return;
  story.NextWorkTime(rng, 1, 10);
  const int64_t final_amount = LinesTotal(LinesJson(world, lines, story.now(), account.currency));
  if (!story.Emit("opportunity.won", subject,
                  {{"amount", Money(final_amount, account.currency)},
                   {"close_date", FormatDate(story.now())},
                   {"reason", "方案匹配、本地实施团队 / fit and a local delivery team"}}))
    return;
  world.won_amount[{owner, Quarter(story.now())}] += final_amount;
  world.won_deals[{owner, Quarter(story.now())}] += 1;
  const std::vector<Delivered> delivered = FulfilDeal(world, story, account, {id, owner, lines});
  ServiceTickets(world, story, account, delivered);
}

}  // namespace seed::internal
