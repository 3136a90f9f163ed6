// targets: target vs actual per rep or team, and forecast commit vs actual, in a period.
#include <functional>

#include "analytics/derive.h"
#include "analytics/reports_internal.h"

namespace analytics::internal {
namespace {

namespace json = boost::json;

// Whose facts count for a target's owner: the rep, or the team's members at the time.
using OwnerTest = std::function<bool(std::string_view owner, Micros at)>;

OwnerTest OwnerTestOf(const Book& book, std::string owner_type, std::string owner) {
  if (owner_type == "team") {
    return [&book, owner](std::string_view user, Micros at) {
      return MemberAt(book, owner, user, at);
    };
  }
  return [owner](std::string_view user, Micros) { return user == owner; };
}

// A metric's actual in `period`: money (converted) or a count; nullopt: not measurable.
struct Actual {
  bool money = false;
  int64_t value = 0;
};

// Each metric's candidate facts in the period are found once per request (lazily), then
// filtered per target by owner: a report with many targets scans the book once per
// metric, not once per target.
class Actuals {
 public:
  Actuals(const Book& book, const Params& p, Converter& money) : book_(book), p_(p), money_(money) {
    grain_ = *GrainOfPeriod(p.period);
  }

  std::optional<Actual> Of(std::string_view metric, const OwnerTest& owns) {
    if (metric == "revenue" || metric == "deals_won") return Won(metric == "revenue", owns);
    if (metric == "bookings") return Bookings(owns);
    if (metric == "new_accounts") return NewAccounts(owns);
    if (metric == "activities" || metric == "meetings") return Touched(metric == "meetings", owns);
    return std::nullopt;  // gross_margin: the ledger holds no costs
  }

 private:
  // A fact in the period and whose it was (the owner at the time).
  struct Owned {
    std::string owner;
    const Fact* fact = nullptr;
  };

  bool InPeriod(const Fact& f) const { return PeriodOf(f.date, grain_) == p_.period; }

  Actual Won(bool revenue, const OwnerTest& owns) {
    if (!won_) {
      won_.emplace();
      for (const auto& [id, stream] : book_.Of("opportunity")) {
        std::string_view owner;
        for (const Fact& f : stream.facts) {
          if (f.type == "opportunity.opened" || f.type == "opportunity.owner_assigned")
            owner = Str(f.data, "owner");
          if (f.type == "opportunity.won" && InPeriod(f)) won_->push_back({std::string(owner), &f});
        }
      }
    }
    Actual a{revenue, 0};
    for (const Owned& w : *won_) {
      if (!owns(w.owner, w.fact->at)) continue;
      if (!revenue) {
        a.value += 1;
      } else if (auto amount = AmountAt(w.fact->data, "amount")) {
        a.value += money_.Convert(*amount, w.fact->at, w.fact).value_or(0);
      }
    }
    return a;
  }

  Actual Bookings(const OwnerTest& owns) {
    if (!bookings_) {
      bookings_.emplace();
      for (const Order& o : Orders(book_)) {
        if (!InPeriod(*o.placed)) continue;
        bookings_->push_back({AccountOwnerAt(book_, o.account, o.placed->at), o});
      }
    }
    Actual a{true, 0};
    for (const auto& [owner, o] : *bookings_) {
      if (!owns(owner, o.placed->at)) continue;
      a.value += money_.Convert(o.value, o.placed->at, o.placed).value_or(0);
    }
    return a;
  }

  Actual NewAccounts(const OwnerTest& owns) {
    if (!registered_) {
      registered_.emplace();
      for (const auto& [id, stream] : book_.Of("account")) {
        for (const Fact& f : stream.facts) {
          if (f.type == "account.registered" && InPeriod(f))
            registered_->push_back({std::string(Str(f.data, "owner")), &f});
        }
      }
    }
    Actual a;
    for (const Owned& r : *registered_) {
      if (owns(r.owner, r.fact->at)) a.value += 1;
    }
    return a;
  }

  Actual Touched(bool meetings_only, const OwnerTest& owns) {
    if (!touches_) {
      touches_.emplace();
      for (Touch& t : Touches(book_)) {
        if (InPeriod(*t.fact)) touches_->push_back(std::move(t));
      }
    }
    Actual a;
    for (const Touch& t : *touches_) {
      if (meetings_only && t.channel != "meeting" && t.channel != "visit") continue;
      if (owns(t.owner, t.fact->at)) a.value += 1;
    }
    return a;
  }

  const Book& book_;
  const Params& p_;
  Converter& money_;
  Grain grain_;
  std::optional<std::vector<Owned>> won_, registered_;
  std::optional<std::vector<std::pair<std::string, Order>>> bookings_;  // by account owner
  std::optional<std::vector<Touch>> touches_;
};

// The conversion time of a target's amounts: the period's end, or the latest rate
// while the period has not ended.
Micros ConversionTime(const Params& p) {
  Micros end = *PeriodEnd(p.period);
  return end > p.now ? kTimeMax : end;
}

json::value MoneyOrNull(const Converter& money, std::optional<int64_t> minor) {
  return minor ? json::value(money.Money(*minor)) : json::value(nullptr);
}

json::object TargetRow(const Stream& stream, Actuals& actuals, const Book& book, const Params& p,
                       Converter& money) {
  json::object latest;
  for (const Fact& f : stream.facts) {
    for (const auto& field : f.data) {
      if (field.key() != "reason") latest[field.key()] = field.value();
    }
  }
  std::string owner_type(Str(latest, "owner_type")), owner(Str(latest, "owner"));
  std::string metric(Str(latest, "metric"));
  json::object row{
      {"target", stream.id}, {"owner_type", owner_type}, {"owner", owner}, {"metric", metric}};
  std::optional<double> target_value;
  if (auto amount = AmountAt(latest, "amount")) {
    auto converted = money.Convert(*amount, ConversionTime(p), &stream);
    row["value"] = MoneyOrNull(money, converted);
    if (converted) target_value = static_cast<double>(*converted);
  } else {
    int64_t count = Int(latest, "count").value_or(0);
    row["value"] = count;
    target_value = static_cast<double>(count);
  }
  std::optional<Actual> actual = actuals.Of(metric, OwnerTestOf(book, owner_type, owner));
  if (!actual) {
    row["actual"] = nullptr;
    row["attainment"] = nullptr;
  } else {
    row["actual"] = actual->money ? json::value(money.Money(actual->value)) : actual->value;
    row["attainment"] = target_value ? Ratio(actual->value, *target_value) : json::value(nullptr);
  }
  return row;
}

json::object ForecastRow(const Stream& stream, Actuals& actuals, const Book& book, const Params& p,
                         Converter& money) {
  json::object latest;
  for (const Fact& f : stream.facts) {
    for (const auto& field : f.data) {
      if (field.key() != "reason") latest[field.key()] = field.value();
    }
  }
  std::string owner(Str(latest, "owner"));
  json::object row{{"forecast", stream.id}, {"owner", owner}};
  std::optional<int64_t> commit;
  for (int part : {0, 1}) {
    const char* key = part == 0 ? "commit" : "best_case";
    std::optional<int64_t> converted;
    if (auto amount = AmountAt(latest, key))
      converted = money.Convert(*amount, ConversionTime(p), &stream, part);
    row[key] = MoneyOrNull(money, converted);
    if (std::string_view(key) == "commit") commit = converted;
  }
  Actual actual = *actuals.Of("revenue", OwnerTestOf(book, "rep", owner));
  row["actual"] = money.Money(actual.value);
  row["commit_attainment"] = commit ? Ratio(actual.value, *commit) : json::value(nullptr);
  return row;
}

}  // namespace

json::object Targets(const Book& book, const Params& p, Converter& money) {
  Actuals actuals(book, p, money);
  json::array targets, forecasts;
  for (const auto& [id, stream] : book.Of("target")) {
    if (stream.facts.empty() || Str(stream.facts.front().data, "period") != p.period) continue;
    targets.push_back(TargetRow(stream, actuals, book, p, money));
  }
  for (const auto& [id, stream] : book.Of("forecast")) {
    if (stream.facts.empty() || Str(stream.facts.front().data, "period") != p.period) continue;
    forecasts.push_back(ForecastRow(stream, actuals, book, p, money));
  }
  return {{"targets", std::move(targets)}, {"forecasts", std::move(forecasts)}};
}

}  // namespace analytics::internal
