#include "ingest/analytics_api.h"

#include <algorithm>

#include "analytics/reports.h"
#include "ingest/query.h"

namespace ingest {
namespace {

constexpr std::string_view kPrefix = "/v1/analytics/";

// The parameters a report does not take (Query refused the names no report takes).
void RejectForeign(const Query& q, std::string_view report,
                   std::vector<ledger::Violation>& violations) {
  std::vector<std::string_view> names = analytics::ParameterNames(report);
  names.push_back("after");
  for (const auto& [name, value] : q.values) {
    if (std::find(names.begin(), names.end(), name) == names.end())
      violations.push_back(
          {"/query/" + name, "is not a parameter of the " + std::string(report) + " report"});
  }
}

}  // namespace

std::optional<Response> AnalyticsApi::Handle(const Request& req) const {
  const std::string_view target = TargetOf(req);
  std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with(kPrefix)) return std::nullopt;
  const std::string report(path.substr(kPrefix.size()));
  if (req.method() != http::verb::get) {
    Response res =
        Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                "Method Not Allowed", ledger::Status::Invalid("analytics are read with GET"));
    res.set(http::field::allow, "GET");
    return res;
  }
  if (!analytics::IsReport(report)) {
    return Problem(req.version(), req.keep_alive(), http::status::not_found, "Not Found",
                   ledger::Status::NotFound("no analytics report \"" + report + "\""));
  }
  const std::shared_ptr<const projections::Generation> g = views_.Current();
  Query q(target, {"from", "to", "asof", "currency", "period", "format", "by", "top", "after"});
  RejectForeign(q, report, q.violations);
  const auto after = q.Positions(g->store->partitions());
  auto params = analytics::ParseParams(report, q.values, options_.reporting_currency,
                                       ledger::SystemClock::Instance().NowMicros());
  if (!q.violations.empty() || !params.ok()) {  // every violation, of both checks
    std::vector<ledger::Violation> all = q.violations;
    if (!params.ok()) {
      for (const auto& v : params.status().violations()) all.push_back(v);
    }
    return Fail(req, ledger::Status::Invalid("bad analytics parameters", std::move(all)));
  }
  if (auto s = WaitForPositions(*g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  auto facts = g->reader->Facts(params->asof, options_.facts_max);
  if (!facts.ok()) {
    if (facts.status().code() != ledger::Code::kResourceExhausted) return Fail(req, facts.status());
    return Fail(req, ledger::Status::Unavailable(facts.status().message() +
                                                 "; narrow asof or raise --analytics-facts-max"));
  }
  auto answer = analytics::Compute(std::move(facts).value(), *params);
  if (!answer.ok()) return Fail(req, answer.status());
  if (!params->csv) return JsonResponse(req, http::status::ok, *answer);
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = analytics::ToCsv(report, *answer);
  res.prepare_payload();
  return res;
}

}  // namespace ingest
