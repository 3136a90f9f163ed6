// ledgerctl export: an analytics report of a running ledgerd as CSV (its main table), or
// as the JSON answer, for spreadsheets and BI tools.
#include <boost/url.hpp>
#include <fstream>
#include <iostream>

#include "analytics/params.h"
#include "ops/ledgerctl_common.h"
#include "ops/ledgerctl_tls.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kCommand = "export";
// The report parameters passed through as given; ledgerd checks them.
constexpr const char* kPassed[] = {"from", "to", "asof", "currency", "period", "by", "top"};

std::string Route(const po::variables_map& vm, const std::string& report, bool json) {
  boost::urls::url url;
  url.set_path("/v1/analytics/" + report);
  for (const char* name : kPassed) {
    if (vm.count(name)) url.params().append({name, vm[name].as<std::string>()});
  }
  url.params().append({"format", json ? "json" : "csv"});
  return std::string(url.buffer());
}

}  // namespace

int RunExport(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("url", po::value<std::string>()->required(),
      "the ledgerd: http://HOST[:PORT][/PREFIX] or https://...");
  AddCaCertOption(add);
  AddTokenOption(add);
  add("report", po::value<std::string>()->required(),
      "pipeline, funnel, win-loss, activities, targets, products, customers or service");
  add("from", po::value<std::string>(), "start of the business window (YYYY-MM-DD or RFC 3339)");
  add("to", po::value<std::string>(), "end of the business window (exclusive)");
  add("asof", po::value<std::string>(), "only events recorded at or before this RFC 3339 time");
  add("currency", po::value<std::string>(), "reporting currency (ISO 4217)");
  add("period", po::value<std::string>(),
      "month|quarter|half|year; for targets the target period, e.g. 2025-Q2");
  add("by", po::value<std::string>(), "grouping of win-loss or service");
  add("top", po::value<std::string>(), "rows of a ranking (products, customers)");
  add("json", po::bool_switch(), "write the whole JSON answer instead of the CSV table");
  add("out", po::value<std::string>(), "the file to write (default: standard output)");
  Parsed parsed =
      Parse(kCommand,
            "export --url URL [--token T] --report NAME [--from D] [--to D] "
            "[--asof T] [--currency C] [--period P] [--by B] [--top N] [--json] "
            "[--out FILE]",
            "Fetches GET /v1/analytics/NAME (docs/API.md, \"Analytics\") and writes its\n"
            "main table as CSV, or the JSON answer with --json.",
            options, args);
  if (parsed.done) return parsed.exit;
  const std::string report = parsed.vm["report"].as<std::string>();
  if (!analytics::IsReport(report)) {
    return Fail(kCommand, "--report: no report \"" + report + "\"; see docs/API.md, \"Analytics\"",
                kExitUsage);
  }
  std::string error;
  auto endpoint = ParseUrl(parsed.vm["url"].as<std::string>(), error);
  if (!endpoint) return Fail(kCommand, error, kExitUsage);
  endpoint->token = TokenOf(parsed.vm);
  UseCaCert(parsed.vm, *endpoint);
  auto reply = HttpGet(*endpoint, Route(parsed.vm, report, parsed.vm["json"].as<bool>()));
  if (!reply.ok()) return Fail(kCommand, reply.status());
  if (reply->status != 200) {
    return Fail(
        kCommand,
        "the server answered " + std::to_string(reply->status) + ": " + ProblemDetail(*reply),
        reply->status == 400 ? kExitUsage : kExitFailure);
  }
  if (!parsed.vm.count("out")) {
    std::cout << reply->body;
    return std::cout.flush() ? 0 : kExitFailure;
  }
  const std::string out = parsed.vm["out"].as<std::string>();
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  if (!(file << reply->body) || !file.flush())
    return Fail(kCommand, "cannot write " + out, kExitFailure);
  return 0;
}

}  // namespace ledgerctl
