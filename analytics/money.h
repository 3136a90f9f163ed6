// Money in reports: integer minor units converted into the reporting currency with the
// rate in force at a fact's business time (docs/API.md, "Analytics").
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analytics/book.h"

namespace analytics {

// numerator / denominator rounded half to even; denominator > 0.
int64_t RoundHalfEven(__int128 numerator, __int128 denominator);

// An amount as events carry it: {"amount": minor units, "currency": "CNY"}.
struct Amount {
  int64_t minor = 0;
  std::string currency;
};
std::optional<Amount> AmountAt(const boost::json::object& data, std::string_view key);

// Converts into one reporting currency, remembering what it could not convert.
class Converter {
 public:
  Converter(const Book& book, std::string currency);

  // `amount` at business time `at` (kTimeMax: the latest rate) in the reporting
  // currency; nullopt when no rate is in force (then noted as unconverted: its amount
  // once per `source` and `part`, when a report converts the same amount more than once,
  // and one fact per `source`, e.g. an order of several lines).
  std::optional<int64_t> Convert(const Amount& amount, Micros at, const void* source = nullptr,
                                 int part = 0);

  // {"amount": minor, "currency": reporting}
  boost::json::object Money(int64_t minor) const;
  // [{"currency", "amount", "facts"}] sorted by currency.
  boost::json::array Unconverted() const;
  const std::string& currency() const { return currency_; }

 private:
  struct Rate {
    std::string base, quote;
    int64_t base_minor = 0, quote_minor = 0;
    Micros effective_at = 0, recorded = 0;
  };
  struct Missing {
    __int128 minor = 0;
    int64_t facts = 0;
  };
  // The rate of (base, quote) in force at `at`: the latest effective_at, then the later
  // recorded; nullptr when none.
  const Rate* InForce(const std::string& base, const std::string& quote, Micros at) const;

  std::string currency_;
  // By (base, quote), sorted by (effective_at, recorded).
  std::map<std::pair<std::string, std::string>, std::vector<Rate>> rates_;
  std::map<std::string, Missing> missing_;
  std::set<std::pair<const void*, int>> missing_sources_;
  std::set<const void*> missing_facts_;
};

// A sum of converted amounts.
struct Sum {
  int64_t minor = 0;
  void Add(std::optional<int64_t> amount) { minor += amount.value_or(0); }
};

}  // namespace analytics
