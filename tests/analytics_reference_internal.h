// Internal to the analytics reference (tests/analytics_reference*.cc): the shared
// definitions of docs/API.md "Definitions shared by every report", each a plain fold.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/analytics_reference.h"

namespace analytics_ref::internal {

namespace json = boost::json;
using Micros = int64_t;

inline const std::vector<std::string> kOpenStages = {"prospecting", "qualification",
                                                     "needs_analysis", "proposal", "negotiation"};

std::string Str(const json::object& object, const std::string& key);  // "" when absent
std::optional<int64_t> Int(const json::object& object, const std::string& key);
std::string RecordId(const std::string& subject);
std::string Kind(const std::string& subject);

Micros BusinessTime(const RefFact& fact);
std::string DateText(const RefFact& fact);  // YYYY-MM-DD as written in occurredat
// "2025-03", "2025-Q1", "2025-H1" or "2025" of a date, by grouping name.
std::string PeriodOf(const std::string& date, const std::string& grouping);
bool DateInPeriod(const std::string& date, const std::string& period);
Micros PeriodLastInstant(const std::string& period);  // UTC

struct Window {
  std::optional<Micros> from;
  std::optional<Micros> to;
  bool In(Micros t) const { return (!from || t >= *from) && (!to || t < *to); }
  bool BeforeTo(Micros t) const { return !to || t < *to; }
};
Window WindowOf(const RefParams& params);
std::optional<Micros> AsofTime(const RefParams& params);

// Amounts left out of money totals, by currency; each key (a fact id, optionally with a
// "#part" suffix) counted once, `facts` counting distinct fact ids.
class Unconverted {
 public:
  void Add(const std::string& currency, int64_t amount, const std::string& key);
  json::array Json() const;

 private:
  std::map<std::string, std::map<std::string, int64_t>> by_currency_;
};

// Converts amounts into the reporting currency with the fx.rate_published facts.
class Converter {
 public:
  Converter(const std::vector<RefFact>& facts, std::string reporting);
  // `at` nullopt: the latest rate. nullopt when there is no rate.
  std::optional<int64_t> Convert(int64_t amount, const std::string& currency,
                                 std::optional<Micros> at) const;
  // Converts a money object, or notes it in `unconverted` under `key`.
  std::optional<int64_t> ConvertOrNote(const json::object& money, std::optional<Micros> at,
                                       const std::string& key, Unconverted& unconverted) const;
  const std::string& reporting() const { return reporting_; }

 private:
  struct Rate {
    int64_t base = 0, quote = 0;
    std::string base_currency, quote_currency;
    Micros effective_at = 0;
    int64_t recorded_index = 0;
  };
  std::vector<Rate> rates_;
  std::string reporting_;
};

json::object MoneyJson(int64_t amount, const std::string& currency);
json::value RatioOrNull(double numerator, double denominator);
json::value MeanOrNull(const std::vector<double>& values);
json::value MedianOrNull(std::vector<double> values);
// report, from, to, asof, currency, period.
json::object Header(const std::string& report, const RefParams& params);

using Stream = std::vector<const RefFact*>;
// The facts of each subject of `kind`, in stream (recorded) order.
std::map<std::string, Stream> StreamsOfKind(const std::vector<RefFact>& facts,
                                            const std::string& kind);

struct OppState {
  bool exists = false;
  std::string stage;
  std::string owner;
  std::optional<json::object> amount;
  std::optional<int64_t> probability;
  json::array products;
  std::string source;
  Micros opened_at = 0;
};
struct Close {
  const RefFact* fact = nullptr;
  OppState at_close;
  bool won = false;
  Micros cycle_us = 0;
};
struct OppAtTo {
  OppState state;
  std::optional<Close> close;
};
void ApplyOpportunity(OppState& state, const RefFact& fact);
OppAtTo FoldOpportunity(const Stream& stream, const Window& window);
// The closes (at `to`) whose business time is in the window, by opportunity subject.
std::map<std::string, Close> ClosesInWindow(const std::vector<RefFact>& facts,
                                            const Window& window);
// product id -> the category it was listed with.
std::map<std::string, std::string> ProductCategories(const std::vector<RefFact>& facts);

struct Activity {
  const RefFact* fact = nullptr;  // logged or completed
  std::string owner, channel, outcome, opportunity;
};
std::vector<Activity> ActivitiesThatHappened(const std::vector<RefFact>& facts);

struct OrderLine {
  std::string product;
  int64_t quantity = 0;
  int64_t value = 0;  // in the order's currency
};
struct Order {
  const RefFact* placed = nullptr;
  std::string id, account, currency;
  std::vector<OrderLine> lines;
  int64_t value = 0;
};
// Orders without a cancellation among the facts, in recorded order.
std::vector<Order> OrdersNotCancelled(const std::vector<RefFact>& facts);

// Who owned each account when (account.registered, account.owner_assigned).
class AccountOwners {
 public:
  explicit AccountOwners(const std::vector<RefFact>& facts);
  // The owner after the account's facts at or before `t` (inclusive when `inclusive`).
  std::string OwnerAt(const std::string& account, Micros t, bool inclusive) const;

 private:
  std::map<std::string, Stream> streams_;
};

// Team membership intervals (team.member_added / member_removed).
class Teams {
 public:
  explicit Teams(const std::vector<RefFact>& facts);
  bool IsMember(const std::string& team, const std::string& user, Micros t) const;

 private:
  std::map<std::string, Stream> streams_;
};
std::string NormalUser(const std::string& user);  // "u:zhang.wei" and "zhang.wei" alike

}  // namespace analytics_ref::internal
