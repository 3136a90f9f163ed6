#include "schemas/validator_rules.h"

#include <boost/json/array.hpp>
#include <functional>
#include <string>

#include "schemas/data_access.h"
#include "schemas/formats.h"
#include "schemas/iso_codes.h"

namespace schemas::internal {
namespace {

using ledger::Violation;

struct RuleInput {
  const boost::json::object& data;
  std::string_view subject;
  std::vector<Violation>& out;
};

std::optional<std::string_view> GetDate(const boost::json::object& data, std::string_view key) {
  auto text = GetString(data, key);
  return text && IsDate(*text) ? text : std::nullopt;
}

// Money whose currency is valid on its own; a bad code was reported already.
std::optional<MoneyValue> GetValidMoney(const boost::json::object& data, std::string_view key) {
  auto money = GetMoney(data, key);
  return money && FindCurrency(money->currency) != nullptr ? money : std::nullopt;
}

void Differ(const RuleInput& in, std::string_view from_key, std::string_view to_key) {
  auto from = GetString(in.data, from_key);
  auto to = GetString(in.data, to_key);
  if (from && to && *from == *to) {
    in.out.push_back(
        {"/data/" + std::string(to_key),
         "must differ from " + std::string(from_key) + " (both are " + QuoteForMessage(*to) + ")"});
  }
}

// ISO dates compare correctly as strings.
void NotBefore(const RuleInput& in, std::string_view early_key, std::string_view late_key) {
  auto early = GetDate(in.data, early_key);
  auto late = GetDate(in.data, late_key);
  if (early && late && *late < *early) {
    in.out.push_back(
        {"/data/" + std::string(late_key),
         "must not be before " + std::string(early_key) + " (" + std::string(*early) + ")"});
  }
}

void NotSelf(const RuleInput& in, std::string_view key, std::string_view what) {
  auto id = GetString(in.data, key);
  if (id && *id == SubjectId(in.subject)) {
    in.out.push_back({"/data/" + std::string(key), std::string(what)});
  }
}

void RequiredWhen(const RuleInput& in, std::string_view key, std::string_view when_key,
                  std::string_view when_value) {
  auto value = GetString(in.data, when_key);
  if (value && *value == when_value && !in.data.contains(key)) {
    in.out.push_back({"/data/" + std::string(key), "is required when " + std::string(when_key) +
                                                       " is " + std::string(when_value)});
  }
}

// Every money field in `keys` must be in the currency of the first one present.
void SameCurrency(const RuleInput& in, std::initializer_list<std::string_view> keys) {
  std::optional<MoneyValue> first;
  std::string_view first_key;
  for (std::string_view key : keys) {
    auto money = GetValidMoney(in.data, key);
    if (!money) continue;
    if (!first) {
      first = money;
      first_key = key;
    } else if (money->currency != first->currency) {
      in.out.push_back({"/data/" + std::string(key) + "/currency",
                        "must be " + first->currency + " like " + std::string(first_key)});
    }
  }
}

void AtLeast(const RuleInput& in, std::string_view low_key, std::string_view high_key) {
  auto low = GetValidMoney(in.data, low_key);
  auto high = GetValidMoney(in.data, high_key);
  if (low && high && low->currency == high->currency && high->amount < low->amount) {
    in.out.push_back(
        {"/data/" + std::string(high_key), "must be at least " + std::string(low_key)});
  }
}

// All lines of one document are priced in one currency.
void LinesInOneCurrency(const RuleInput& in) {
  const boost::json::array* lines = GetArray(in.data, "lines");
  if (lines == nullptr) return;
  std::optional<MoneyValue> first;
  for (size_t i = 0; i < lines->size(); ++i) {
    const boost::json::object* line = (*lines)[i].if_object();
    if (line == nullptr) continue;
    auto price = GetValidMoney(*line, "unit_price");
    if (!price) continue;
    if (!first) {
      first = price;
    } else if (price->currency != first->currency) {
      in.out.push_back(
          {"/data/lines/" + std::to_string(i) + "/unit_price/currency",
           "must be " + first->currency + " like the other lines: one document, one currency"});
    }
  }
}

bool IsMoneyMetric(std::string_view metric) {
  return metric == "revenue" || metric == "bookings" || metric == "gross_margin";
}

void TargetValueMatchesMetric(const RuleInput& in) {
  auto metric = GetString(in.data, "metric");
  if (!metric) return;
  bool money = IsMoneyMetric(*metric);
  std::string_view needed = money ? "amount" : "count";
  std::string_view other = money ? "count" : "amount";
  if (!in.data.contains(needed)) {
    in.out.push_back(
        {"/data/" + std::string(needed), "is required for metric " + std::string(*metric)});
  }
  if (in.data.contains(other)) {
    in.out.push_back(
        {"/data/" + std::string(other),
         "is not allowed for metric " + std::string(*metric) + "; use " + std::string(needed)});
  }
}

void OneTargetValue(const RuleInput& in) {
  if (in.data.contains("amount") && in.data.contains("count")) {
    in.out.push_back({"/data/count", "give either amount or count, not both"});
  }
}

void ReasonForUnhappyEnd(const RuleInput& in) {
  RequiredWhen(in, "reason", "to", "cancelled");
  RequiredWhen(in, "reason", "to", "returned");
}

struct Rule {
  std::string_view type;
  std::function<void(const RuleInput&)> check;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      {"account.registered",
       [](const RuleInput& in) { NotSelf(in, "parent", "an account cannot be its own parent"); }},
      {"account.profile_updated",
       [](const RuleInput& in) { NotSelf(in, "parent", "an account cannot be its own parent"); }},
      {"account.deactivated",
       [](const RuleInput& in) {
         RequiredWhen(in, "merged_into", "reason", "merged");
         NotSelf(in, "merged_into", "an account cannot be merged into itself");
       }},
      {"opportunity.stage_changed", [](const RuleInput& in) { Differ(in, "from", "to"); }},
      {"opportunity.lost",
       [](const RuleInput& in) { RequiredWhen(in, "competitor", "reason", "competitor"); }},
      {"product.discontinued",
       [](const RuleInput& in) { NotSelf(in, "replacement", "a product cannot replace itself"); }},
      {"contract.signed",
       [](const RuleInput& in) {
         NotBefore(in, "start_date", "end_date");
         LinesInOneCurrency(in);
       }},
      {"contract.amended", LinesInOneCurrency},
      {"order.placed", LinesInOneCurrency},
      {"order.status_changed",
       [](const RuleInput& in) {
         Differ(in, "from", "to");
         ReasonForUnhappyEnd(in);
       }},
      {"invoice.issued",
       [](const RuleInput& in) {
         NotBefore(in, "issue_date", "due_date");
         SameCurrency(in, {"amount", "tax"});
       }},
      {"target.set", TargetValueMatchesMetric},
      {"target.revised", OneTargetValue},
      {"forecast.submitted",
       [](const RuleInput& in) {
         SameCurrency(in, {"commit", "best_case", "pipeline"});
         AtLeast(in, "commit", "best_case");
       }},
      {"forecast.revised",
       [](const RuleInput& in) {
         SameCurrency(in, {"commit", "best_case", "pipeline"});
         AtLeast(in, "commit", "best_case");
       }},
  };
  return rules;
}

}  // namespace

void CheckCrossFieldRules(const EventTypeSpec& spec, const boost::json::object& data,
                          std::string_view subject, std::vector<Violation>& out) {
  RuleInput in{data, subject, out};
  for (const Rule& rule : Rules()) {
    if (rule.type == spec.type) rule.check(in);
  }
}

}  // namespace schemas::internal
