// The analytics reference's shared definitions (docs/API.md, "Definitions shared by
// every report"), read literally.
//
// Where the spec leaves a choice, this reference takes the most literal reading; the
// integrator reconciles spec and engine with this list:
//  A1. targets: a row names the target's id "target" and its latest value "value"
//      (the spec's example first repeated "target"; it was corrected).
//  A2. Ratios are not rounded (the example's 0.2649 looks rounded to 4 places).
//  A3. "Snapshot amounts convert at `to`": rates with effective_at <= to (inclusive, as
//      "at or before the business time"). "The latest rate": the greatest effective_at
//      among all rates, whatever the instant.
//  A4. unconverted "facts" counts distinct facts; pipeline counts an opportunity's
//      amount under the opportunity's subject; products convert line by line (line
//      revenue at the order's placed time) and sum lines per currency.
//  A5. The pipeline ignores `from` (open at `to`); targets ignore `from`/`to` (the
//      target period decides).
//  A6. "Follows"/"after"/"first"/"latest" within a record mean stream order, among the
//      facts whose business time is before `to` where the spec says "before `to`".
//  A7. funnel: stage_days lists the five open stages (zeros: stays 0, avg/median null);
//      a stay still open at the end of the facts has no end and is not counted.
//  A8. An account's owner "at a fact's business time" folds the account's facts at or
//      before that time (inclusive); "at `to`" folds those before `to`.
//  A9. Membership: after the member events at or before t (inclusive) in stream order,
//      the last of them decides (added: member; removed: not).
//  A10. Targets: a target's latest value is the last of set/revised in stream order,
//      whatever their business time; a money target, commit or best case with no rate
//      is null (and listed in unconverted), its attainment null; a period "has ended"
//      when its last instant is before `asof` (or the request time without asof).
//  A11. Rep owners compare without the "u:" prefix; a team owner "team:T" or "T".
//  A12. customers: lifetime value counts payments whatever their order's status;
//      payments and refunds convert at the fact's business time (occurredat), not at
//      received_at/refunded_at; last_purchase ties: the later recorded order.
//  A13. service: `by` defaults to product; `resolved` counts resolved facts in the
//      window grouped by the ticket's key even when the ticket was opened earlier;
//      a ticket's status: opened->open, assigned/reopened->in_progress, resolved,
//      closed.
//  A14. The answer repeats "by" (win-loss, service); "top" is not repeated; from/to are
//      repeated as given (a date stays "YYYY-MM-DD").
//  A15. win-loss by category: a product with no product.listed fact counts as
//      "(none)"; total counts each deal once.
//  A17. customers: avg_satisfaction averages the latest score (before `to`) of every
//      ticket of the account, whenever opened; open_tickets counts tickets opened before
//      `to`; recency_days counts from `to` itself (the window's exclusive end).
//  A18. Every report repeats "period" (the grouping, default quarter) even when it does
//      not group by period; funnel and service carry no "unconverted".
//  A16. Activities without an outcome cannot occur (outcome is required), a completed
//      activity with a rescheduled start still happens at its completed fact.
#include "tests/analytics_reference.h"

#include <algorithm>
#include <cstdlib>

#include "ledger/time.h"
#include "tests/analytics_reference_internal.h"

namespace analytics_ref {

namespace json = boost::json;
using namespace internal;

std::vector<RefFact> FactsFromNdjson(const std::vector<std::string>& lines, int64_t first_index) {
  std::vector<RefFact> facts;
  for (const std::string& line : lines) {
    json::value parsed = json::parse(line);
    const json::object& command = parsed.as_object();
    RefFact fact;
    fact.type = Str(command, "type");
    fact.subject = Str(command, "subject");
    fact.id = Str(command, "id");
    fact.occurredat = Str(command, "occurredat");
    if (command.contains("data")) fact.data = command.at("data").as_object();
    fact.recorded_index = first_index + static_cast<int64_t>(facts.size());
    EXPECT_FALSE(fact.type.empty() || fact.subject.empty()) << line;
    facts.push_back(std::move(fact));
  }
  return facts;
}

std::vector<RefFact> DropRetracted(const std::vector<RefFact>& facts) {
  std::set<std::string> retracted;  // "<subject> <event id>"
  for (const RefFact& fact : facts) {
    if (fact.type == "event.retracted")
      retracted.insert(fact.subject + " " + Str(fact.data, "event"));
  }
  std::vector<RefFact> kept;
  for (const RefFact& fact : facts) {
    if (fact.type == "event.retracted" || retracted.count(fact.subject + " " + fact.id)) continue;
    kept.push_back(fact);
  }
  return kept;
}

int64_t DivideHalfEven(__int128 numerator, __int128 denominator) {
  if (denominator < 0) numerator = -numerator, denominator = -denominator;
  const bool negative = numerator < 0;
  const __int128 magnitude = negative ? -numerator : numerator;
  __int128 quotient = magnitude / denominator;
  const __int128 twice_remainder = 2 * (magnitude % denominator);
  if (twice_remainder > denominator || (twice_remainder == denominator && quotient % 2 == 1)) {
    ++quotient;
  }
  return static_cast<int64_t>(negative ? -quotient : quotient);
}

namespace internal {

std::string Str(const json::object& object, const std::string& key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<int64_t> Int(const json::object& object, const std::string& key) {
  const json::value* value = object.if_contains(key);
  if (!value || !value->is_number()) return std::nullopt;
  return value->to_number<int64_t>();
}

std::string RecordId(const std::string& subject) { return subject.substr(subject.find('/') + 1); }
std::string Kind(const std::string& subject) { return subject.substr(0, subject.find('/')); }

Micros BusinessTime(const RefFact& fact) {
  const std::string& text = fact.occurredat.empty() ? fact.recorded : fact.occurredat;
  std::optional<Micros> t = ledger::ParseRfc3339(text);
  EXPECT_TRUE(t.has_value()) << "no business time in " << fact.id << ": " << text;
  return t.value_or(0);
}

std::string DateText(const RefFact& fact) {
  return (fact.occurredat.empty() ? fact.recorded : fact.occurredat).substr(0, 10);
}

std::string PeriodOf(const std::string& date, const std::string& grouping) {
  const std::string year = date.substr(0, 4);
  const int month = std::atoi(date.substr(5, 2).c_str());
  if (grouping == "month") return date.substr(0, 7);
  if (grouping == "half") return year + "-H" + std::to_string((month - 1) / 6 + 1);
  if (grouping == "year") return year;
  return year + "-Q" + std::to_string((month - 1) / 3 + 1);
}

namespace {
std::string GroupingOf(const std::string& period) {
  if (period.size() == 4) return "year";
  if (period[5] == 'H') return "half";
  if (period[5] == 'Q') return "quarter";
  return "month";
}

Micros StartOfMonth(int year, int month) {  // month may be 13
  if (month > 12) year += 1, month -= 12;
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-01T00:00:00Z", year, month);
  return ledger::ParseRfc3339(text).value();
}
}  // namespace

bool DateInPeriod(const std::string& date, const std::string& period) {
  return PeriodOf(date, GroupingOf(period)) == period;
}

Micros PeriodLastInstant(const std::string& period) {
  const int year = std::atoi(period.substr(0, 4).c_str());
  const std::string grouping = GroupingOf(period);
  int last_month = 12;  // the period's last month
  if (grouping == "half") last_month = 6 * (period[6] - '0');
  if (grouping == "quarter") last_month = 3 * (period[6] - '0');
  if (grouping == "month") last_month = std::atoi(period.substr(5, 2).c_str());
  return StartOfMonth(year, last_month + 1) - 1;
}

namespace {
std::optional<Micros> ParseInstant(const std::string& text) {
  if (text.size() == 10) return ledger::ParseRfc3339(text + "T00:00:00Z");
  return ledger::ParseRfc3339(text);
}
}  // namespace

Window WindowOf(const RefParams& params) {
  Window window;
  if (params.from) window.from = ParseInstant(*params.from);
  if (params.to) window.to = ParseInstant(*params.to);
  return window;
}

std::optional<Micros> AsofTime(const RefParams& params) {
  if (!params.asof) return std::nullopt;
  return ledger::ParseRfc3339(*params.asof);
}

void Unconverted::Add(const std::string& currency, int64_t amount, const std::string& key) {
  by_currency_[currency][key] = amount;
}

json::array Unconverted::Json() const {
  json::array list;
  for (const auto& [currency, amounts] : by_currency_) {
    int64_t total = 0;
    std::set<std::string> facts;
    for (const auto& [key, amount] : amounts) {
      total += amount;
      facts.insert(key.substr(0, key.find('#')));
    }
    list.push_back(json::object{
        {"currency", currency}, {"amount", total}, {"facts", static_cast<int64_t>(facts.size())}});
  }
  return list;
}

Converter::Converter(const std::vector<RefFact>& facts, std::string reporting)
    : reporting_(std::move(reporting)) {
  for (const RefFact& fact : facts) {
    if (fact.type != "fx.rate_published") continue;
    const json::object& base = fact.data.at("base").as_object();
    const json::object& quote = fact.data.at("quote").as_object();
    rates_.push_back(Rate{
        *Int(base, "amount"), *Int(quote, "amount"), Str(base, "currency"), Str(quote, "currency"),
        ledger::ParseRfc3339(Str(fact.data, "effective_at")).value(), fact.recorded_index});
  }
}

std::optional<int64_t> Converter::Convert(int64_t amount, const std::string& currency,
                                          std::optional<Micros> at) const {
  if (currency == reporting_) return amount;
  const Rate* best = nullptr;
  bool best_direct = false;
  for (const Rate& rate : rates_) {
    const bool direct = rate.base_currency == currency && rate.quote_currency == reporting_;
    const bool inverse = rate.base_currency == reporting_ && rate.quote_currency == currency;
    if ((!direct && !inverse) || (at && rate.effective_at > *at)) continue;
    // Latest effective_at; a tie: direct before inverse, then the later recorded.
    const bool better = !best || rate.effective_at > best->effective_at ||
                        (rate.effective_at == best->effective_at &&
                         ((direct && !best_direct) ||
                          (direct == best_direct && rate.recorded_index > best->recorded_index)));
    if (better) best = &rate, best_direct = direct;
  }
  if (!best) return std::nullopt;
  if (best_direct) return DivideHalfEven(static_cast<__int128>(amount) * best->quote, best->base);
  return DivideHalfEven(static_cast<__int128>(amount) * best->base, best->quote);
}

std::optional<int64_t> Converter::ConvertOrNote(const json::object& money, std::optional<Micros> at,
                                                const std::string& key,
                                                Unconverted& unconverted) const {
  const int64_t amount = Int(money, "amount").value_or(0);
  const std::string currency = Str(money, "currency");
  std::optional<int64_t> converted = Convert(amount, currency, at);
  if (!converted) unconverted.Add(currency, amount, key);
  return converted;
}

json::object MoneyJson(int64_t amount, const std::string& currency) {
  return json::object{{"amount", amount}, {"currency", currency}};
}

json::value RatioOrNull(double numerator, double denominator) {
  if (denominator == 0) return nullptr;
  return numerator / denominator;
}

json::value MeanOrNull(const std::vector<double>& values) {
  if (values.empty()) return nullptr;
  double sum = 0;
  for (double value : values) sum += value;
  return sum / static_cast<double>(values.size());
}

json::value MedianOrNull(std::vector<double> values) {
  if (values.empty()) return nullptr;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2;
}

json::object Header(const std::string& report, const RefParams& params) {
  auto text_or_null = [](const std::optional<std::string>& text) -> json::value {
    if (!text) return nullptr;
    return json::value(*text);
  };
  return json::object{{"report", report},
                      {"from", text_or_null(params.from)},
                      {"to", text_or_null(params.to)},
                      {"asof", text_or_null(params.asof)},
                      {"currency", params.currency},
                      {"period", params.period}};
}

std::map<std::string, Stream> StreamsOfKind(const std::vector<RefFact>& facts,
                                            const std::string& kind) {
  std::map<std::string, Stream> streams;
  for (const RefFact& fact : facts) {
    if (Kind(fact.subject) == kind) streams[fact.subject].push_back(&fact);
  }
  return streams;
}

std::map<std::string, std::string> ProductCategories(const std::vector<RefFact>& facts) {
  std::map<std::string, std::string> categories;
  for (const RefFact& fact : facts) {
    if (fact.type == "product.listed")
      categories[RecordId(fact.subject)] = Str(fact.data, "category");
  }
  return categories;
}

AccountOwners::AccountOwners(const std::vector<RefFact>& facts)
    : streams_(StreamsOfKind(facts, "account")) {}

std::string AccountOwners::OwnerAt(const std::string& account, Micros t, bool inclusive) const {
  std::string owner;
  auto stream = streams_.find("account/" + account);
  if (stream == streams_.end()) return owner;
  for (const RefFact* fact : stream->second) {
    const Micros at = BusinessTime(*fact);
    if (at > t || (!inclusive && at == t)) continue;
    if (fact->type == "account.registered" || fact->type == "account.owner_assigned") {
      owner = Str(fact->data, "owner");
    }
  }
  return owner;
}

std::string NormalUser(const std::string& user) {
  return user.rfind("u:", 0) == 0 ? user.substr(2) : user;
}

Teams::Teams(const std::vector<RefFact>& facts) : streams_(StreamsOfKind(facts, "team")) {}

bool Teams::IsMember(const std::string& team, const std::string& user, Micros t) const {
  auto stream = streams_.find("team/" + team);
  if (stream == streams_.end()) return false;
  bool member = false;
  for (const RefFact* fact : stream->second) {
    if (BusinessTime(*fact) > t || NormalUser(Str(fact->data, "user")) != NormalUser(user))
      continue;
    if (fact->type == "team.member_added") member = true;
    if (fact->type == "team.member_removed") member = false;
  }
  return member;
}

}  // namespace internal
}  // namespace analytics_ref
