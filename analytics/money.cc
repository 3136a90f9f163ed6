#include "analytics/money.h"

#include <algorithm>
#include <tuple>

namespace analytics {

int64_t RoundHalfEven(__int128 numerator, __int128 denominator) {
  __int128 quotient = numerator / denominator;
  __int128 remainder = numerator % denominator;
  if (remainder < 0) {  // floor division
    quotient -= 1;
    remainder += denominator;
  }
  __int128 twice = remainder * 2;
  if (twice > denominator || (twice == denominator && quotient % 2 != 0)) quotient += 1;
  return static_cast<int64_t>(quotient);
}

std::optional<Amount> AmountAt(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  if (v == nullptr || !v->is_object()) return std::nullopt;
  auto minor = Int(v->get_object(), "amount");
  std::string_view currency = Str(v->get_object(), "currency");
  if (!minor || currency.empty()) return std::nullopt;
  return Amount{*minor, std::string(currency)};
}

Converter::Converter(const Book& book, std::string currency) : currency_(std::move(currency)) {
  for (const auto& [id, stream] : book.Of("fx")) {
    for (const Fact& f : stream.facts) {
      if (f.type != "fx.rate_published") continue;
      auto base = AmountAt(f.data, "base");
      auto quote = AmountAt(f.data, "quote");
      auto effective = ledger::ParseRfc3339(Str(f.data, "effective_at"));
      if (!base || !quote || !effective || base->minor <= 0 || quote->minor <= 0) continue;
      rates_[{base->currency, quote->currency}].push_back(
          {base->currency, quote->currency, base->minor, quote->minor, *effective, f.recorded});
    }
  }
  for (auto& [pair, rates] : rates_) {
    std::sort(rates.begin(), rates.end(), [](const Rate& a, const Rate& b) {
      return std::tie(a.effective_at, a.recorded) < std::tie(b.effective_at, b.recorded);
    });
  }
}

const Converter::Rate* Converter::InForce(const std::string& base, const std::string& quote,
                                          Micros at) const {
  auto it = rates_.find({base, quote});
  if (it == rates_.end()) return nullptr;
  const std::vector<Rate>& rates = it->second;
  auto after = std::upper_bound(rates.begin(), rates.end(), at,
                                [](Micros t, const Rate& r) { return t < r.effective_at; });
  return after == rates.begin() ? nullptr : &*(after - 1);
}

std::optional<int64_t> Converter::Convert(const Amount& amount, Micros at, const void* source,
                                          int part) {
  if (amount.currency == currency_) return amount.minor;
  // Direct or inverse, whichever took effect later; a tie: direct, then the later recorded.
  const Rate* direct = InForce(amount.currency, currency_, at);
  const Rate* inverse = InForce(currency_, amount.currency, at);
  bool use_direct =
      direct != nullptr &&
      (inverse == nullptr || std::tuple(direct->effective_at, 1, direct->recorded) >
                                 std::tuple(inverse->effective_at, 0, inverse->recorded));
  const Rate* best = use_direct ? direct : inverse;
  if (best == nullptr) {
    if (source != nullptr && !missing_sources_.insert({source, part}).second) return std::nullopt;
    Missing& m = missing_[amount.currency];
    m.minor += amount.minor;
    if (source == nullptr || missing_facts_.insert(source).second) m.facts += 1;
    return std::nullopt;
  }
  __int128 n = amount.minor;
  return use_direct ? RoundHalfEven(n * best->quote_minor, best->base_minor)
                    : RoundHalfEven(n * best->base_minor, best->quote_minor);
}

boost::json::object Converter::Money(int64_t minor) const {
  return {{"amount", minor}, {"currency", currency_}};
}

boost::json::array Converter::Unconverted() const {
  boost::json::array out;
  for (const auto& [currency, m] : missing_) {
    out.push_back(
        {{"currency", currency}, {"amount", static_cast<int64_t>(m.minor)}, {"facts", m.facts}});
  }
  return out;
}

}  // namespace analytics
