#include "analytics/money.h"

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
      rates_.push_back(
          {base->currency, quote->currency, base->minor, quote->minor, *effective, f.recorded});
    }
  }
}

std::optional<int64_t> Converter::Convert(const Amount& amount, Micros at, const void* source,
                                          int part) {
  if (amount.currency == currency_) return amount.minor;
  // The rate in force: latest effective_at; then direct before inverse; then the later
  // recorded.
  const Rate* best = nullptr;
  bool best_direct = false;
  for (const Rate& r : rates_) {
    bool direct = r.base == amount.currency && r.quote == currency_;
    bool inverse = r.base == currency_ && r.quote == amount.currency;
    if ((!direct && !inverse) || r.effective_at > at) continue;
    if (best == nullptr || std::tuple(r.effective_at, direct, r.recorded) >
                               std::tuple(best->effective_at, best_direct, best->recorded)) {
      best = &r;
      best_direct = direct;
    }
  }
  if (best == nullptr) {
    if (source != nullptr && !missing_sources_.insert({source, part}).second) return std::nullopt;
    Missing& m = missing_[amount.currency];
    m.minor += amount.minor;
    m.facts += 1;
    return std::nullopt;
  }
  __int128 n = amount.minor;
  return best_direct ? RoundHalfEven(n * best->quote_minor, best->base_minor)
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
