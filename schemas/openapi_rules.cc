// The cross-field rules of validator_rules.cc in the OpenAPI document: those JSON
// Schema can state (a field required when another has some value, two enum fields
// that must differ, amount or count) become `allOf` entries; those it cannot (a field
// compared with the subject, dates or amounts compared, one currency across fields)
// are listed in English under `x-server-rules`. openapi_check.py checks both kinds
// against the C++ validator, so a rule changed on one side only fails a test.
#include <boost/json/array.hpp>
#include <string_view>

#include "schemas/catalog.h"
#include "schemas/openapi_internal.h"

namespace schemas::openapi {
namespace json = boost::json;
namespace {

// When `key` is one of `values`, `needed` must be present.
json::object RequiredWhen(std::string_view needed, std::string_view key, json::array values) {
  json::object when{{"properties", {{key, {{"enum", std::move(values)}}}}}, {"required", {key}}};
  return {{"if", std::move(when)}, {"then", {{"required", {needed}}}}};
}

// `to` must differ from `from`; both are enums of the same values.
json::object Differ(const EventTypeSpec& spec, std::string_view from, std::string_view to) {
  json::array same;
  for (const FieldSpec& field : spec.fields) {
    if (field.name != to) continue;
    for (const std::string& value : field.values) {
      same.push_back(
          json::object{{"properties", {{from, {{"const", value}}}, {to, {{"const", value}}}}},
                       {"required", {from, to}}});
    }
  }
  return {{"not", {{"anyOf", std::move(same)}}}};
}

// target.set: money metrics take `amount`, the others `count`.
json::object TargetValueMatchesMetric() {
  json::object money_metric{
      {"properties", {{"metric", {{"enum", {"revenue", "bookings", "gross_margin"}}}}}},
      {"required", {"metric"}}};
  return {{"if", std::move(money_metric)},
          {"then", {{"required", {"amount"}}, {"not", {{"required", {"count"}}}}}},
          {"else", {{"required", {"count"}}, {"not", {{"required", {"amount"}}}}}}};
}

constexpr std::string_view kOneCurrencyLines =
    "every line's unit_price is in the currency of the first line";

}  // namespace

void AddCrossFieldRules(const EventTypeSpec& spec, json::object& schema) {
  json::array all_of;
  json::array server;
  const std::string& type = spec.type;
  if (type == "account.registered" || type == "account.profile_updated") {
    server.emplace_back("parent is not the account's own id (the subject's)");
  } else if (type == "account.deactivated") {
    all_of.push_back(RequiredWhen("merged_into", "reason", {"merged"}));
    server.emplace_back("merged_into is not the account's own id (the subject's)");
  } else if (type == "opportunity.stage_changed") {
    all_of.push_back(Differ(spec, "from", "to"));
  } else if (type == "opportunity.lost") {
    all_of.push_back(RequiredWhen("competitor", "reason", {"competitor"}));
  } else if (type == "product.discontinued") {
    server.emplace_back("replacement is not the product's own id (the subject's)");
  } else if (type == "contract.signed") {
    server.emplace_back("end_date is not before start_date");
    server.emplace_back(kOneCurrencyLines);
  } else if (type == "contract.amended" || type == "order.placed") {
    server.emplace_back(kOneCurrencyLines);
  } else if (type == "order.status_changed") {
    all_of.push_back(Differ(spec, "from", "to"));
    all_of.push_back(RequiredWhen("reason", "to", {"cancelled", "returned"}));
  } else if (type == "invoice.issued") {
    server.emplace_back("due_date is not before issue_date");
    server.emplace_back("tax is in the currency of amount");
  } else if (type == "target.set") {
    all_of.push_back(TargetValueMatchesMetric());
  } else if (type == "target.revised") {
    all_of.push_back(json::object{{"not", {{"required", {"amount", "count"}}}}});
  } else if (type == "forecast.submitted" || type == "forecast.revised") {
    server.emplace_back("commit, best_case and pipeline are in one currency");
    server.emplace_back("best_case is at least commit (when both are given)");
  }
  if (!all_of.empty()) schema["allOf"] = std::move(all_of);
  if (!server.empty()) schema["x-server-rules"] = std::move(server);
}

}  // namespace schemas::openapi
