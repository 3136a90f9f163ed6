// The analytics routes of the OpenAPI document: GET /v1/analytics/{report}, one path per
// report (docs/API.md, "Analytics", defines every member of the answers).
#include <string>

#include "schemas/openapi_internal.h"

namespace schemas::openapi {
namespace {

namespace json = boost::json;

struct Report {
  std::string_view name, id, summary, description;
};

constexpr Report kReports[] = {
    {"pipeline", "getPipeline", "Open deals at `to`",
     "Every opportunity open at `to`, by stage and by owner: count, amount and "
     "probability-weighted amount, converted at `to`."},
    {"funnel", "getFunnel", "Stage conversion and time in stage",
     "For each open stage, the deals entering it in the window and how many went further; "
     "average and median days of the stays that ended in the window."},
    {"win-loss", "getWinLoss", "Win rate, won amount, cycle length and loss reasons",
     "Deals whose close is in the window, grouped by owner, source, product category or "
     "period (`by`)."},
    {"activities", "getActivities", "Activities by rep, period, channel and outcome",
     "Activities that happened in the window, and the touches before each won or lost deal."},
    {"targets", "getTargets", "Targets and forecasts against actuals",
     "The targets and forecasts of `period` (required) with the actual revenue, deals, "
     "bookings, new accounts, activities or meetings of the rep or the team's members."},
    {"products", "getProducts", "Revenue, quantity and orders by product, category and period",
     "Order lines of the orders placed in the window (cancelled orders left out)."},
    {"customers", "getCustomers", "Lifetime value, RFM scores, open tickets, satisfaction",
     "Every account registered before `to`, ranked by lifetime value."},
    {"service", "getService", "Tickets opened and resolved, response and resolution times",
     "By product or handler (`by`): tickets opened and resolved in the window, hours to the "
     "first action and to resolution, satisfaction."},
};

json::object Param(std::string_view name, std::string_view description, json::object schema,
                   bool required = false) {
  json::object p{{"name", name}, {"in", "query"}};
  if (required) p["required"] = true;
  p["description"] = description;
  p["schema"] = std::move(schema);
  return p;
}

json::object When() {
  return {{"type", "string"},
          {"description", "YYYY-MM-DD (T00:00:00Z that day) or an RFC 3339 date-time"}};
}

json::array Parameters(std::string_view report) {
  json::array params = {
      Param("from", "Start of the business window (inclusive)", When()),
      Param("to", "End of the business window (exclusive); snapshots are taken at it", When()),
      Param("asof", "Only events recorded at or before this time count",
            {{"type", "string"}, {"format", "date-time"}}),
      Param("currency", "Reporting currency (default: ledgerd --reporting-currency)",
            {{"type", "string"}, {"pattern", "^[A-Z]{3}$"}}),
      Param("format", "json, or csv for the main table", {{"enum", {"json", "csv"}}}),
      Param("after", "Wait until the views include these positions (P:SEQ,...)",
            {{"type", "string"}})};
  if (report == "targets") {
    params.push_back(Param("period", "The target period", RefTo("Period"), true));
  } else {
    params.push_back(
        Param("period", "Grouping of period columns",
              {{"enum", {"month", "quarter", "half", "year"}}, {"default", "quarter"}}));
  }
  if (report == "win-loss") {
    params.push_back(
        Param("by", "Grouping",
              {{"enum", {"owner", "source", "category", "period"}}, {"default", "owner"}}));
  }
  if (report == "service") {
    params.push_back(
        Param("by", "Grouping", {{"enum", {"product", "handler"}}, {"default", "product"}}));
  }
  if (report == "products" || report == "customers") {
    params.push_back(Param("top", "Rows of the ranking",
                           {{"type", "integer"}, {"minimum", 1}, {"maximum", 100000}}));
  }
  return params;
}

json::object Operation(const Report& r) {
  json::object answer{{"type", "object"},
                      {"description", "The report; docs/API.md defines every member"},
                      {"required", {"report", "currency"}},
                      {"properties",
                       {{"report", {{"const", r.name}}},
                        {"currency", {{"type", "string"}}},
                        {"unconverted", {{"type", "array"}}}}}};
  json::object content{{"application/json", {{"schema", std::move(answer)}}},
                       {"text/csv", {{"schema", {{"type", "string"}}}}}};
  json::object ok{{"description", "The report (JSON, or its main table as CSV)"},
                  {"content", std::move(content)}};
  json::object bad{{"$ref", "#/components/responses/BadRequest"},
                   {"description", "Every bad parameter"}};
  return {{"operationId", r.id},
          {"tags", {"analytics"}},
          {"summary", r.summary},
          {"description", r.description},
          {"parameters", Parameters(r.name)},
          {"responses", {{"200", std::move(ok)}, {"400", std::move(bad)}}}};
}

}  // namespace

json::object AnalyticsPaths() {
  json::object paths;
  for (const Report& r : kReports) {
    paths["/v1/analytics/" + std::string(r.name)] = {{"get", Operation(r)}};
  }
  return paths;
}

}  // namespace schemas::openapi
