// The analytics reference: targets, products, customers and service, each a plain fold
// of docs/API.md's definitions.
#include <algorithm>

#include "tests/analytics_reference_internal.h"

namespace analytics_ref {
namespace internal {

std::vector<Order> OrdersNotCancelled(const std::vector<RefFact>& facts) {
  std::set<std::string> cancelled;
  for (const RefFact& fact : facts) {
    if (fact.type == "order.status_changed" && Str(fact.data, "to") == "cancelled") {
      cancelled.insert(fact.subject);
    }
  }
  std::vector<Order> orders;
  for (const RefFact& fact : facts) {
    if (fact.type != "order.placed" || cancelled.count(fact.subject)) continue;
    Order order{&fact, RecordId(fact.subject), Str(fact.data, "account"), "", {}, 0};
    for (const json::value& item : fact.data.at("lines").as_array()) {
      const json::object& line = item.as_object();
      const json::object& price = line.at("unit_price").as_object();
      const int64_t quantity = Int(line, "quantity").value_or(0);
      const int64_t discount = Int(line, "discount_percent").value_or(0);
      order.currency = Str(price, "currency");
      const int64_t value = DivideHalfEven(
          static_cast<__int128>(quantity) * Int(price, "amount").value_or(0) * (100 - discount),
          100);
      order.lines.push_back(OrderLine{Str(line, "product"), quantity, value});
      order.value += value;
    }
    orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace internal

using namespace internal;

namespace {

json::object OrderMoney(const Order& order, int64_t amount) {
  return json::object{{"amount", amount}, {"currency", order.currency}};
}

// Whose facts a target or forecast counts: a rep's own, or its team members' then.
struct TargetOwner {
  bool team = false;
  std::string id;  // the user without "u:", or the team id
  const Teams* teams = nullptr;
  bool Matches(const std::string& owner, Micros at) const {
    if (!team) return NormalUser(owner) == id;
    return teams->IsMember(id, owner, at);
  }
};

TargetOwner OwnerOf(const std::string& owner_type, const std::string& owner, const Teams& teams) {
  if (owner_type != "team") return TargetOwner{false, NormalUser(owner), &teams};
  const std::string id = owner.rfind("team:", 0) == 0 ? owner.substr(5) : owner;
  return TargetOwner{true, id, &teams};
}

struct PeriodFacts {
  const std::vector<RefFact>& facts;
  const std::string& period;
  const Converter& converter;
  const Teams& teams;
  Unconverted& unconverted;
};

// Won opportunities in the period: (won fact, owner at the win).
std::vector<std::pair<const RefFact*, std::string>> WinsIn(const PeriodFacts& in) {
  std::vector<std::pair<const RefFact*, std::string>> wins;
  for (const auto& [subject, stream] : StreamsOfKind(in.facts, "opportunity")) {
    OppState state;
    for (const RefFact* fact : stream) {
      ApplyOpportunity(state, *fact);
      if (fact->type == "opportunity.won" && DateInPeriod(DateText(*fact), in.period)) {
        wins.emplace_back(fact, state.owner);
      }
    }
  }
  return wins;
}

int64_t Revenue(const PeriodFacts& in, const TargetOwner& owner, bool count_only) {
  int64_t total = 0;
  for (const auto& [won, won_by] : WinsIn(in)) {
    const Micros at = BusinessTime(*won);
    if (!owner.Matches(won_by, at)) continue;
    if (count_only) {
      ++total;
      continue;
    }
    total +=
        in.converter.ConvertOrNote(won->data.at("amount").as_object(), at, won->id, in.unconverted)
            .value_or(0);
  }
  return total;
}

int64_t Bookings(const PeriodFacts& in, const TargetOwner& owner) {
  const AccountOwners accounts(in.facts);
  int64_t total = 0;
  for (const Order& order : OrdersNotCancelled(in.facts)) {
    const Micros at = BusinessTime(*order.placed);
    if (!DateInPeriod(DateText(*order.placed), in.period)) continue;
    if (!owner.Matches(accounts.OwnerAt(order.account, at, true), at)) continue;
    total +=
        in.converter
            .ConvertOrNote(OrderMoney(order, order.value), at, order.placed->id, in.unconverted)
            .value_or(0);
  }
  return total;
}

int64_t CountActivities(const PeriodFacts& in, const TargetOwner& owner, bool meetings_only) {
  int64_t count = 0;
  for (const Activity& activity : ActivitiesThatHappened(in.facts)) {
    if (!DateInPeriod(DateText(*activity.fact), in.period)) continue;
    if (meetings_only && activity.channel != "meeting" && activity.channel != "visit") continue;
    if (owner.Matches(activity.owner, BusinessTime(*activity.fact))) ++count;
  }
  return count;
}

int64_t NewAccounts(const PeriodFacts& in, const TargetOwner& owner) {
  int64_t count = 0;
  for (const RefFact& fact : in.facts) {
    if (fact.type != "account.registered" || !DateInPeriod(DateText(fact), in.period)) continue;
    if (owner.Matches(Str(fact.data, "owner"), BusinessTime(fact))) ++count;
  }
  return count;
}

bool IsMoneyMetric(const std::string& metric) {
  return metric == "revenue" || metric == "bookings" || metric == "gross_margin";
}

// The actual of a metric: minor units or a count; nullopt for gross_margin.
std::optional<int64_t> Actual(const PeriodFacts& in, const std::string& metric,
                              const TargetOwner& owner) {
  if (metric == "revenue") return Revenue(in, owner, false);
  if (metric == "deals_won") return Revenue(in, owner, true);
  if (metric == "bookings") return Bookings(in, owner);
  if (metric == "new_accounts") return NewAccounts(in, owner);
  if (metric == "activities") return CountActivities(in, owner, false);
  if (metric == "meetings") return CountActivities(in, owner, true);
  return std::nullopt;
}

// When money targets convert: the period's last instant, or the latest rate before then.
std::optional<Micros> TargetRateTime(const RefParams& params) {
  const Micros last = PeriodLastInstant(params.period);
  const Micros now = AsofTime(params).value_or(params.request_time_us);
  if (last < now) return last;
  return std::nullopt;
}

json::value MoneyOrNull(std::optional<int64_t> amount, const std::string& currency) {
  if (!amount) return nullptr;
  return MoneyJson(*amount, currency);
}

json::value AttainmentOrNull(std::optional<int64_t> actual, std::optional<int64_t> target) {
  if (!actual || !target) return nullptr;
  return RatioOrNull(static_cast<double>(*actual), static_cast<double>(*target));
}

json::object TargetRow(const Stream& stream, const PeriodFacts& in, const RefParams& params) {
  const json::object& set = stream.front()->data;
  const std::string metric = Str(set, "metric");
  const bool money = IsMoneyMetric(metric);
  json::value value = money ? set.at("amount") : set.at("count");
  for (const RefFact* fact : stream) {
    if (fact->type == "target.revised") value = fact->data.at(money ? "amount" : "count");
  }
  std::optional<int64_t> target =
      money ? in.converter.ConvertOrNote(value.as_object(), TargetRateTime(params),
                                         stream.front()->id, in.unconverted)
            : value.to_number<int64_t>();
  const TargetOwner owner = OwnerOf(Str(set, "owner_type"), Str(set, "owner"), in.teams);
  const std::optional<int64_t> actual = Actual(in, metric, owner);
  json::object row{{"target", RecordId(stream.front()->subject)},
                   {"owner_type", Str(set, "owner_type")},
                   {"owner", Str(set, "owner")},
                   {"metric", metric}};
  // A1: the spec names the target's id "target" and its latest value "value".
  row["value"] = money ? MoneyOrNull(target, params.currency) : json::value(*target);
  row["actual"] = money ? MoneyOrNull(actual, params.currency)
                        : (actual ? json::value(*actual) : json::value(nullptr));
  row["attainment"] = AttainmentOrNull(actual, target);
  return row;
}

json::object ForecastRow(const Stream& stream, const PeriodFacts& in, const RefParams& params) {
  json::object latest = stream.front()->data;
  for (const RefFact* fact : stream) {
    for (const char* key : {"commit", "best_case"}) {
      if (fact->type == "forecast.revised" && fact->data.contains(key))
        latest[key] = fact->data.at(key);
    }
  }
  const std::optional<Micros> rate_time = TargetRateTime(params);
  const std::string& id = stream.front()->id;
  const std::optional<int64_t> commit = in.converter.ConvertOrNote(
      latest.at("commit").as_object(), rate_time, id + "#commit", in.unconverted);
  const std::optional<int64_t> best = in.converter.ConvertOrNote(
      latest.at("best_case").as_object(), rate_time, id + "#best_case", in.unconverted);
  const std::optional<int64_t> actual =
      Revenue(in, OwnerOf("rep", Str(latest, "owner"), in.teams), false);
  return json::object{{"forecast", RecordId(stream.front()->subject)},
                      {"owner", Str(latest, "owner")},
                      {"commit", MoneyOrNull(commit, params.currency)},
                      {"best_case", MoneyOrNull(best, params.currency)},
                      {"actual", MoneyOrNull(actual, params.currency)},
                      {"commit_attainment", AttainmentOrNull(actual, commit)}};
}

}  // namespace

json::object Targets(const std::vector<RefFact>& facts, const RefParams& params) {
  const Converter converter(facts, params.currency);
  const Teams teams(facts);
  Unconverted unconverted;
  const PeriodFacts in{facts, params.period, converter, teams, unconverted};
  json::array targets, forecasts;
  for (const auto& [subject, stream] : StreamsOfKind(facts, "target")) {
    if (stream.front()->type == "target.set" &&
        Str(stream.front()->data, "period") == params.period) {
      targets.push_back(TargetRow(stream, in, params));
    }
  }
  for (const auto& [subject, stream] : StreamsOfKind(facts, "forecast")) {
    if (stream.front()->type == "forecast.submitted" &&
        Str(stream.front()->data, "period") == params.period) {
      forecasts.push_back(ForecastRow(stream, in, params));
    }
  }
  json::object report = Header("targets", params);
  report["targets"] = std::move(targets);
  report["forecasts"] = std::move(forecasts);
  report["unconverted"] = unconverted.Json();
  return report;
}

namespace {

struct Sales {
  int64_t revenue = 0, quantity = 0;
  std::set<std::string> orders;
  json::object Json(const std::string& currency) const {
    return json::object{{"revenue", MoneyJson(revenue, currency)},
                        {"quantity", quantity},
                        {"orders", static_cast<int64_t>(orders.size())}};
  }
};

// Rows sorted by revenue (descending), then name; `name_key` names the row.
json::array RankedRows(const std::map<std::string, Sales>& sales, const std::string& name_key,
                       const std::string& currency,
                       const std::map<std::string, std::string>* categories) {
  std::vector<std::pair<std::string, const Sales*>> ranked;
  for (const auto& [name, entry] : sales) ranked.emplace_back(name, &entry);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second->revenue > b.second->revenue;
  });
  json::array rows;
  for (const auto& [name, entry] : ranked) {
    json::object row{{name_key, name}};
    if (categories) {
      auto category = categories->find(name);
      row["category"] = category == categories->end() ? "(none)" : category->second;
    }
    for (auto& member : entry->Json(currency)) row[member.key()] = member.value();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

json::object Products(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const Converter converter(facts, params.currency);
  const auto categories = ProductCategories(facts);
  Unconverted unconverted;
  std::map<std::string, Sales> products, category_sales;
  std::map<std::string, std::map<std::string, Sales>> periods;
  std::map<std::string, Sales> period_totals;
  for (const Order& order : OrdersNotCancelled(facts)) {
    const Micros at = BusinessTime(*order.placed);
    if (!window.In(at)) continue;
    const std::string period = PeriodOf(DateText(*order.placed), params.period);
    for (size_t i = 0; i < order.lines.size(); ++i) {
      const OrderLine& line = order.lines[i];
      const int64_t revenue =
          converter
              .ConvertOrNote(OrderMoney(order, line.value), at,
                             order.placed->id + "#" + std::to_string(i), unconverted)
              .value_or(0);
      auto found = categories.find(line.product);
      const std::string category = found == categories.end() ? "(none)" : found->second;
      for (Sales* sales : {&products[line.product], &category_sales[category],
                           &periods[period][category], &period_totals[period]}) {
        sales->revenue += revenue;
        sales->quantity += line.quantity;
        sales->orders.insert(order.id);
      }
    }
  }
  json::array product_rows = RankedRows(products, "product", params.currency, &categories);
  if (params.top && product_rows.size() > *params.top) product_rows.resize(*params.top);
  json::array period_rows;
  for (const auto& [period, total] : period_totals) {
    json::object row{{"period", period}};
    for (auto& member : total.Json(params.currency)) row[member.key()] = member.value();
    row["categories"] = RankedRows(periods[period], "category", params.currency, nullptr);
    period_rows.push_back(std::move(row));
  }
  json::object report = Header("products", params);
  report["products"] = std::move(product_rows);
  report["categories"] = RankedRows(category_sales, "category", params.currency, nullptr);
  report["periods"] = std::move(period_rows);
  report["unconverted"] = unconverted.Json();
  return report;
}

json::object Report(const std::string& name, const std::vector<RefFact>& facts,
                    const RefParams& params) {
  if (name == "pipeline") return Pipeline(facts, params);
  if (name == "funnel") return Funnel(facts, params);
  if (name == "win-loss") return WinLoss(facts, params);
  if (name == "activities") return Activities(facts, params);
  if (name == "targets") return Targets(facts, params);
  if (name == "products") return Products(facts, params);
  if (name == "customers") return Customers(facts, params);
  if (name == "service") return Service(facts, params);
  return {};
}

}  // namespace analytics_ref
