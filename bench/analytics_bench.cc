// What an analytics request costs (analytics/reports.h): each report folded over the
// facts of the demo data set (`ledgerctl seed`), against the floors every report pays,
// measured in the same run: decoding the facts from their stored form, and grouping
// them into the book. docs/BENCHMARKS.md reports the ratios.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <map>

#include "analytics/book.h"
#include "analytics/params.h"
#include "analytics/reports.h"
#include "ledger/time.h"
#include "schemas/facts.h"
#include "seed/seed.h"

namespace analytics {
namespace {

// The facts a ledger holding the seed's events for `accounts` accounts keeps, recorded
// one millisecond apart.
std::vector<projections::Fact> SeedFacts(int accounts) {
  std::vector<projections::Fact> facts;
  std::map<std::string, uint64_t> versions;
  ledger::Micros recorded = *ledger::ParseRfc3339("2027-01-01T00:00:00Z");
  for (const std::string& line : seed::GenerateCommands({.seed = 1, .accounts = accounts})) {
    const boost::json::object command = boost::json::parse(line).as_object();
    ledger::Event e;
    e.type = command.at("type").as_string();
    e.subject = command.at("subject").as_string();
    e.id = command.at("id").as_string();
    e.occurredat = command.at("occurredat").as_string();
    e.schemaversion = 1;
    e.data = command.at("data").as_object();
    e.streamversion = ++versions[e.subject];
    recorded += 1000;
    auto data = schemas::AnalyticsFactOf(e);
    if (!data) continue;
    facts.push_back({e.type, e.subject, e.id, ledger::FormatRfc3339(recorded), e.occurredat,
                     e.streamversion, std::move(*data)});
  }
  return facts;
}

const std::vector<projections::Fact>& Facts(int accounts) {
  static std::map<int, std::vector<projections::Fact>> cache;
  auto it = cache.find(accounts);
  if (it == cache.end()) it = cache.emplace(accounts, SeedFacts(accounts)).first;
  return it->second;
}

void Report(benchmark::State& state, const char* report, const char* query_period) {
  const auto& facts = Facts(static_cast<int>(state.range(0)));
  std::map<std::string, std::string> query = {{"to", "2026-07-01"}};
  if (query_period != nullptr) query["period"] = query_period;
  auto params = ParseParams(report, query, "CNY", 0);
  if (!params.ok()) return state.SkipWithError(params.status().ToString().c_str());
  for (auto _ : state) {
    state.PauseTiming();  // a request owns its facts: the copy is not part of the cost
    std::vector<projections::Fact> owned = facts;
    state.ResumeTiming();
    auto answer = Compute(std::move(owned), *params);
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * facts.size()));
}

// The floor: the facts as a request gets them (decoded from their stored form).
void BM_DecodeFacts(benchmark::State& state) {
  const auto& facts = Facts(static_cast<int>(state.range(0)));
  std::vector<std::string> stored;
  for (const auto& f : facts) stored.push_back(projections::EncodeFact(f));
  for (auto _ : state) {
    for (const std::string& value : stored)
      benchmark::DoNotOptimize(projections::DecodeFact(value));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * facts.size()));
}

// ... and grouped per record, retractions applied: what every report starts from.
void BM_BuildBook(benchmark::State& state) {
  const auto& facts = Facts(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<projections::Fact> owned = facts;
    state.ResumeTiming();
    benchmark::DoNotOptimize(Book::Build(std::move(owned)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * facts.size()));
}

// 200 accounts: ~19,300 facts; 1,000: ~99,500 (contacts' events are not facts).
constexpr int kAccounts[] = {200, 1000};

BENCHMARK(BM_DecodeFacts)->Arg(kAccounts[0])->Arg(kAccounts[1])->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildBook)->Arg(kAccounts[0])->Arg(kAccounts[1])->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, pipeline, "pipeline", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, funnel, "funnel", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, win_loss, "win-loss", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, activities, "activities", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, targets, "targets", "2026-Q1")
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, products, "products", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, customers, "customers", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Report, service, "service", nullptr)
    ->Arg(kAccounts[0])
    ->Arg(kAccounts[1])
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace analytics
