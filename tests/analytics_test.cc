// GET /v1/analytics/* against the real ledgerd, every answer checked against the
// independent reference fold (tests/analytics_reference.h) over the commands the test
// appended: at each batch boundary (asof) and now, for several windows and currencies.
// AnalyticsReferenceTest.* checks the reference itself on the lifecycle story.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "ledger/time.h"
#include "seed/seed.h"
#include "tests/analytics_data.h"
#include "tests/analytics_reference.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace json = boost::json;
using analytics_ref::RefFact;
using analytics_ref::RefParams;
using analytics_ref::SameReport;

const std::vector<std::string> kReports = {"pipeline", "funnel",   "win-loss",  "activities",
                                           "targets",  "products", "customers", "service"};

std::vector<RefFact> StoryFacts() {
  std::vector<std::string> lines = Lines(SourceFile("schemas/examples/lifecycle.ndjson"));
  return analytics_ref::FactsFromNdjson(lines, 0);
}

RefParams Params(std::optional<std::string> from, std::optional<std::string> to,
                 const std::string& currency = "CNY") {
  RefParams params;
  params.from = std::move(from);
  params.to = std::move(to);
  params.currency = currency;
  params.request_time_us = ledger::SystemClock::Instance().NowMicros();
  return params;
}

const json::object& Row(const json::object& report, const std::string& list, const std::string& key,
                        const std::string& value) {
  static const json::object kNone;
  for (const json::value& row : report.at(list).as_array()) {
    if (row.at(key).as_string() == value) return row.as_object();
  }
  ADD_FAILURE() << "no row " << key << "=" << value << " in " << list;
  return kNone;
}

TEST(AnalyticsReferenceTest, DividesHalfToEven) {
  EXPECT_EQ(analytics_ref::DivideHalfEven(5, 2), 2);
  EXPECT_EQ(analytics_ref::DivideHalfEven(7, 2), 4);
  EXPECT_EQ(analytics_ref::DivideHalfEven(-5, 2), -2);
  EXPECT_EQ(analytics_ref::DivideHalfEven(10, 4), 2);  // 2.5
  EXPECT_EQ(analytics_ref::DivideHalfEven(11, 4), 3);  // 2.75
  const __int128 big = static_cast<__int128>(INT64_MAX) * 1000;
  EXPECT_EQ(analytics_ref::DivideHalfEven(big, 1000), INT64_MAX);
}

TEST(AnalyticsReferenceTest, PipelineOfTheStoryConvertsAtTheLatestRate) {
  const json::object report = analytics_ref::Pipeline(StoryFacts(), Params({}, {}));
  // OPP-2025-0042 is won; OPP-2025-0051 was reopened into needs_analysis: 12,000,000 USD
  // at 7.1903 (the June rate) = 86,283,600 CNY, 40 % weighted.
  EXPECT_EQ(report.at("total").at("count"), 1);
  const json::object& stage = Row(report, "stages", "stage", "needs_analysis");
  EXPECT_EQ(stage.at("amount").at("amount"), 86283600);
  EXPECT_EQ(stage.at("weighted").at("amount"), 34513440);
  EXPECT_EQ(report.at("owners").at(0).at("owner"), "u:emily.ross");
  // At the end of April the deal was still lost, and in USD nothing converts.
  const json::object april = analytics_ref::Pipeline(StoryFacts(), Params({}, "2025-05-01", "USD"));
  EXPECT_EQ(april.at("total").at("count"), 0);
}

TEST(AnalyticsReferenceTest, ConversionRoundsHalfToEven) {
  std::vector<RefFact> facts = StoryFacts();
  // A rate where 5 USD cents is 2.5 CNY fen, and 7 cents 3.5 fen.
  RefFact rate = facts.back();
  rate.type = "fx.rate_published";
  rate.subject = "fx/FX-TEST";
  rate.occurredat = "2030-01-01T00:00:00Z";
  rate.data = json::parse(R"({"base":{"amount":2,"currency":"USD"},"quote":{"amount":1,
      "currency":"CNY"},"effective_at":"2030-01-01T00:00:00Z"})")
                  .as_object();
  rate.recorded_index = 1000;
  facts.push_back(rate);
  RefFact deal = *std::find_if(facts.begin(), facts.end(),
                               [](const RefFact& f) { return f.id == "lifecycle-022"; });
  deal.subject = "opportunity/OPP-TEST";
  deal.data["amount"] = json::object{{"amount", 5}, {"currency", "USD"}};
  deal.data["probability"] = 100;
  facts.push_back(deal);
  deal.subject = "opportunity/OPP-TEST-2";
  deal.data["amount"] = json::object{{"amount", 7}, {"currency", "USD"}};
  facts.push_back(deal);
  const json::object report = analytics_ref::Pipeline(facts, Params({}, {}));
  // 5/2 = 2.5 -> 2 and 7/2 = 3.5 -> 4, plus OPP-0051 at 12,000,000 / 2 = 6,000,000.
  EXPECT_EQ(Row(report, "stages", "stage", "qualification").at("amount").at("amount"), 6);
  EXPECT_EQ(Row(report, "stages", "stage", "needs_analysis").at("amount").at("amount"), 6000000);
}

TEST(AnalyticsReferenceTest, WinLossOfTheStoryDeals) {
  RefParams params = Params({}, "2025-05-01");
  json::object report = analytics_ref::WinLoss(StoryFacts(), params);
  const json::object& emily = Row(report, "groups", "key", "u:emily.ross");
  EXPECT_EQ(emily.at("lost"), 1);
  EXPECT_EQ(emily.at("win_rate").as_double(), 0.0);
  // Lost 2025-04-15T22:00+08:00, opened 2025-03-07T08:00+08:00: 39 days 14 hours.
  EXPECT_DOUBLE_EQ(emily.at("avg_cycle_days").as_double(), 39 + 14 / 24.0);
  EXPECT_EQ(emily.at("loss_reasons").at(0).at("reason"), "competitor");
  const json::object& zhang = Row(report, "groups", "key", "u:zhang.wei");
  EXPECT_EQ(zhang.at("won_amount").at("amount"), 92700000);
  EXPECT_DOUBLE_EQ(zhang.at("avg_cycle_days").as_double(), 53 + 1 / 24.0);
  EXPECT_EQ(report.at("total").at("won"), 1);
  // Unbounded, OPP-0051 is reopened: no longer closed.
  report = analytics_ref::WinLoss(StoryFacts(), Params({}, {}));
  EXPECT_EQ(report.at("total").at("lost"), 0);
  EXPECT_EQ(report.at("groups").as_array().size(), 1u);
}

TEST(AnalyticsReferenceTest, FunnelStepsOfTheStory) {
  const json::object report = analytics_ref::Funnel(StoryFacts(), Params({}, {}));
  const json::object& qualification = Row(report, "steps", "stage", "qualification");
  EXPECT_EQ(qualification.at("entered"), 2);
  EXPECT_EQ(qualification.at("advanced"), 2);
  const json::object& needs = Row(report, "steps", "stage", "needs_analysis");
  EXPECT_EQ(needs.at("entered"), 2);
  EXPECT_EQ(needs.at("advanced"), 1);
  EXPECT_DOUBLE_EQ(needs.at("rate").as_double(), 0.5);
  // OPP-0042 stayed in prospecting from 03-06 10:00 to 03-14 17:00.
  const json::object& prospecting = Row(report, "stage_days", "stage", "prospecting");
  EXPECT_EQ(prospecting.at("stays"), 1);
  EXPECT_DOUBLE_EQ(prospecting.at("median_days").as_double(), 8 + 7 / 24.0);
}

TEST(AnalyticsReferenceTest, TargetsOfTheStoryFollowRetractions) {
  RefParams params = Params({}, {});
  params.period = "2025-Q2";
  json::object report = analytics_ref::Targets(StoryFacts(), params);
  const json::array& targets = report.at("targets").as_array();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].at("value").at("amount"), 350000000);
  EXPECT_EQ(targets[0].at("actual").at("amount"), 92700000);
  EXPECT_DOUBLE_EQ(targets[0].at("attainment").as_double(), 92700000.0 / 350000000.0);
  EXPECT_EQ(targets[1].at("actual"), 1);  // deals won by zhang.wei
  EXPECT_EQ(report.at("forecasts").at(0).at("commit_attainment"), nullptr);  // commit 0
  EXPECT_DOUBLE_EQ(report.at("forecasts").at(1).at("commit_attainment").as_double(), 1.0);
  std::vector<RefFact> facts = StoryFacts();
  RefFact retraction = facts.back();
  retraction.type = "event.retracted";
  retraction.subject = "target/TGT-2025-Q2-EAST";
  retraction.data = {{"event", "lifecycle-029"}, {"reason", "typo"}};
  facts.push_back(retraction);
  report = analytics_ref::Targets(analytics_ref::DropRetracted(facts), params);
  EXPECT_EQ(report.at("targets").at(0).at("value").at("amount"), 300000000);
}

TEST(AnalyticsReferenceTest, ProductsAndCustomersOfTheStory) {
  const json::object products = analytics_ref::Products(StoryFacts(), Params({}, {}));
  // ORD-2025-0001 (77,700,000 CNY) and ORD-2025-0002 (370,000 USD at 7.2145); the
  // cancelled ORD-2025-0003 is left out.
  const json::object& licence = Row(products, "products", "product", "PRD-MES-STD");
  EXPECT_EQ(licence.at("revenue").at("amount"), 45600000);
  EXPECT_EQ(Row(products, "products", "product", "PRD-GW-V2").at("revenue").at("amount"), 2669365);
  const json::object customers = analytics_ref::Customers(StoryFacts(), Params({}, {}));
  const json::object& hengrui = Row(customers, "customers", "account", "ACC-1001");
  EXPECT_EQ(hengrui.at("lifetime_value").at("amount"), 26340300 + 61460700);
  EXPECT_EQ(hengrui.at("avg_satisfaction").as_double(), 5.0);
  EXPECT_EQ(customers.at("customers").at(0).at("account"), "ACC-1001");
  const json::object service = analytics_ref::Service(StoryFacts(), Params({}, {}));
  const json::object& mes = Row(service, "groups", "key", "PRD-MES-STD");
  EXPECT_EQ(mes.at("resolved"), 2);
  EXPECT_DOUBLE_EQ(mes.at("first_action_hours").at("avg").as_double(), 1.25);
}

TEST(AnalyticsReferenceTest, SameReportNamesTheFirstDifference) {
  const json::value a = json::parse(R"({"asof":"x","rows":[{"n":1,"r":0.5}]})");
  const json::value b = json::parse(R"({"asof":"y","rows":[{"n":1.0,"r":0.5000000000001}]})");
  EXPECT_TRUE(SameReport(a, b));
  const json::value c = json::parse(R"({"asof":"x","rows":[{"n":2,"r":0.5}]})");
  const ::testing::AssertionResult result = SameReport(a, c);
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("/rows/0/n"), std::string::npos);
}

// The reference over the whole generated data set, every report and window: it runs,
// its totals add up, and the currency without a rate is reported unconverted.
TEST(AnalyticsReferenceTest, FoldsTheGeneratedDataSetConsistently) {
  std::vector<std::string> lines = Lines(SourceFile("schemas/examples/lifecycle.ndjson"));
  for (std::string& line : analytics_data::GenerateCommands()) lines.push_back(std::move(line));
  const std::vector<RefFact> facts =
      analytics_ref::DropRetracted(analytics_ref::FactsFromNdjson(lines, 0));
  for (const std::string currency : {"CNY", "USD"}) {
    for (const std::string& report : kReports) {
      RefParams params = Params("2025-01-01", "2026-01-01", currency);
      if (report == "targets") params.period = "2025-Q3";
      const json::object answer = analytics_ref::Report(report, facts, params);
      EXPECT_FALSE(answer.empty()) << report;
      // ANALYTICS_REF_DUMP=1 prints the reference's reports, for reconciling with the engine.
      if (std::getenv("ANALYTICS_REF_DUMP")) std::printf("%s\n", json::serialize(answer).c_str());
    }
    const json::object pipeline =
        analytics_ref::Pipeline(facts, Params({}, "2025-06-01", currency));
    int64_t count = 0;
    for (const json::value& stage : pipeline.at("stages").as_array())
      count += stage.at("count").as_int64();
    EXPECT_EQ(pipeline.at("total").at("count").as_int64(), count);
    EXPECT_GT(count, 3);
    EXPECT_EQ(pipeline.at("unconverted").at(0).at("currency"), currency == "CNY" ? "GBP" : "EUR");
    const json::object wins = analytics_ref::WinLoss(facts, Params({}, {}, currency));
    int64_t won = 0;
    for (const json::value& group : wins.at("groups").as_array()) won += group.at("won").as_int64();
    EXPECT_EQ(wins.at("total").at("won").as_int64(), won);
    EXPECT_GT(won, 10);
  }
  std::vector<RefFact> without_retractions = analytics_ref::FactsFromNdjson(lines, 0);
  EXPECT_EQ(without_retractions.size() - facts.size(), 12u);  // 6 retractions and 6 retracted
}

// --- against the server -------------------------------------------------------------

std::string Encode(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '+' ? std::string("%2B") : std::string(1, c);
  return out;
}

struct Batch {
  std::vector<RefFact> facts;  // what was appended, in order
  std::string asof;            // recorded-time instant after it was acknowledged
};

// Posts generated commands in chunks of 200; fails the test on any refusal.
void PostCommands(uint16_t port, const std::vector<std::string>& lines) {
  for (size_t first = 0; first < lines.size(); first += 200) {
    std::string body = "{\"events\":[";
    for (size_t i = first; i < std::min(lines.size(), first + 200); ++i) {
      body += (i == first ? "" : ",") + lines[i];
    }
    const Reply reply = Post(port, body + "]}");
    ASSERT_EQ(reply.status, 201) << "chunk at " << first << ": " << reply.body;
  }
}

std::string Now() { return ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros()); }

std::vector<Batch> AppendDataSet(uint16_t port) {
  std::vector<Batch> batches(3);
  const std::vector<std::string> story = Lines(SourceFile("schemas/examples/lifecycle.ndjson"));
  for (const std::string& line : story) {
    const Reply reply = PostStoryLine(port, line);
    EXPECT_LT(reply.status, 300) << line << ": " << reply.body;
  }
  batches[0].facts = analytics_ref::FactsFromNdjson(story, 0);
  const std::vector<std::string> generated = analytics_data::GenerateCommands();
  const size_t half = generated.size() / 2;
  const std::vector<std::vector<std::string>> parts = {
      {generated.begin(), generated.begin() + half}, {generated.begin() + half, generated.end()}};
  int64_t index = static_cast<int64_t>(story.size());
  for (size_t b = 0; b < 3; ++b) {
    if (b > 0) {
      PostCommands(port, parts[b - 1]);
      batches[b].facts = analytics_ref::FactsFromNdjson(parts[b - 1], index);
      index += static_cast<int64_t>(parts[b - 1].size());
    }
    batches[b].asof = Now();
    // Only so that the next batch's recorded times differ from this asof.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return batches;
}

std::vector<RefFact> VisibleAt(const std::vector<Batch>& batches, size_t last) {
  std::vector<RefFact> facts;
  for (size_t b = 0; b <= last; ++b)
    facts.insert(facts.end(), batches[b].facts.begin(), batches[b].facts.end());
  return analytics_ref::DropRetracted(facts);
}

struct WindowCase {
  std::optional<std::string> from, to;
};

std::string Query(const RefParams& params, const std::string& report) {
  std::string query = "?currency=" + params.currency;
  if (params.from) query += "&from=" + Encode(*params.from);
  if (params.to) query += "&to=" + Encode(*params.to);
  if (params.asof) query += "&asof=" + Encode(*params.asof);
  if (report == "targets" || params.period != "quarter") query += "&period=" + params.period;
  if (!params.by.empty()) query += "&by=" + params.by;
  return query;
}

void CheckReport(uint16_t port, const std::string& report, const std::vector<RefFact>& facts,
                 const RefParams& params) {
  const std::string target = "/v1/analytics/" + report + Query(params, report);
  const Reply reply = Request(port, http::verb::get, target, "", RequestOptions{.role = "manager"});
  ASSERT_EQ(reply.status, 200) << target << ": " << reply.body;
  std::vector<std::string> ignored = {"asof"};
  if (report == "customers" && !params.to && !params.asof) ignored.push_back("recency_days");
  EXPECT_TRUE(
      SameReport(analytics_ref::Report(report, facts, params), json::parse(reply.body), ignored))
      << target;
}

class AnalyticsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    server_ = new Ledgerd(*tmp_ / "data");
    ASSERT_TRUE(server_->serving());
    batches_ = new std::vector<Batch>(AppendDataSet(server_->port()));
    WaitCaughtUp(server_->port());
  }
  static void TearDownTestSuite() {
    delete batches_;
    delete server_;
    delete tmp_;
  }
  static uint16_t port() { return server_->port(); }

  static TempDir* tmp_;
  static Ledgerd* server_;
  static std::vector<Batch>* batches_;
};
TempDir* AnalyticsServerTest::tmp_ = nullptr;
Ledgerd* AnalyticsServerTest::server_ = nullptr;
std::vector<Batch>* AnalyticsServerTest::batches_ = nullptr;

TEST_F(AnalyticsServerTest, TheWholeDataSetWasAppended) {
  size_t commands = 0;
  for (const Batch& batch : *batches_) commands += batch.facts.size();
  EXPECT_EQ(TotalEvents(port()), commands);
  EXPECT_GT(commands, 500u);
  const json::object deal = Get(port(), "/v1/records/opportunity/OPP-G-103");
  EXPECT_EQ(deal.at("state").at("stage"), "closed_won");  // lost, reopened, won
  std::printf("data set: %zu commands in 3 batches (%zu, %zu, %zu)\n", commands,
              (*batches_)[0].facts.size(), (*batches_)[1].facts.size(),
              (*batches_)[2].facts.size());
}

TEST_F(AnalyticsServerTest, EveryReportMatchesTheReference) {
  const std::vector<WindowCase> windows = {
      {{}, {}},
      {"2025-04-01", "2025-07-01"},
      {"2025-01-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00"}};
  for (size_t asof = 0; asof <= 3; ++asof) {
    const std::vector<RefFact> facts = VisibleAt(*batches_, std::min<size_t>(asof, 2));
    for (const WindowCase& window : windows) {
      for (const std::string currency : {"CNY", "USD"}) {
        for (const std::string& report : kReports) {
          RefParams params = Params(window.from, window.to, currency);
          if (asof < 3) params.asof = (*batches_)[asof].asof;
          if (report == "targets") params.period = asof % 2 ? "2025-Q2" : "2025-Q3";
          CheckReport(port(), report, facts, params);
          if (HasFatalFailure()) return;  // one refused request says enough
        }
      }
    }
  }
}

TEST_F(AnalyticsServerTest, GroupingsAndRankingsMatchTheReference) {
  const std::vector<RefFact> facts = VisibleAt(*batches_, 2);
  for (const std::string by : {"owner", "source", "category", "period"}) {
    RefParams params = Params({}, {});
    params.by = by;
    params.period = "month";
    CheckReport(port(), "win-loss", facts, params);
  }
  for (const std::string by : {"product", "handler"}) {
    RefParams params = Params("2025-01-01", "2026-01-01", "USD");
    params.by = by;
    CheckReport(port(), "service", facts, params);
  }
  for (const std::string report : {"products", "customers"}) {
    RefParams params = Params({}, "2025-10-01");
    params.top = 5;
    const std::string target = "/v1/analytics/" + report + Query(params, report) + "&top=5";
    const Reply reply =
        Request(port(), http::verb::get, target, "", RequestOptions{.role = "compliance"});
    ASSERT_EQ(reply.status, 200) << target << ": " << reply.body;
    EXPECT_TRUE(SameReport(analytics_ref::Report(report, facts, params), json::parse(reply.body)))
        << target;
  }
}

TEST_F(AnalyticsServerTest, BadParametersAreProblemsListingEveryViolation) {
  auto get = [&](const std::string& target, const std::string& role = "manager") {
    return Request(port(), http::verb::get, target, "", RequestOptions{.role = role});
  };
  EXPECT_EQ(get("/v1/analytics/forecast-accuracy").status, 404);
  EXPECT_EQ(ProblemPointers(get("/v1/analytics/pipeline?currency=XYZ"), 400),
            (std::multiset<std::string>{"/query/currency"}));
  EXPECT_EQ(ProblemPointers(get("/v1/analytics/funnel?from=2025-07-01&to=2025-04-01"), 400).size(),
            1u);
  EXPECT_EQ(ProblemPointers(get("/v1/analytics/products?colour=red&currency=X&period=week"), 400),
            (std::multiset<std::string>{"/query/colour", "/query/currency", "/query/period"}));
  EXPECT_EQ(ProblemPointers(get("/v1/analytics/targets"), 400),
            (std::multiset<std::string>{"/query/period"}));
  EXPECT_EQ(get("/v1/analytics/pipeline", "rep").status, 403);
  EXPECT_EQ(get("/v1/analytics/pipeline", "consumer").status, 403);
}

std::vector<std::string> CsvCells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      cells.back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      cells.emplace_back();
    else if (c != '\r')
      cells.back() += c;
  }
  return cells;
}

// The columns of a flattened row: nested objects become a.b.
void Flatten(const json::object& row, const std::string& prefix,
             std::vector<std::pair<std::string, json::value>>& columns) {
  for (const auto& member : row) {
    const std::string name = prefix + std::string(member.key());
    if (member.value().is_object())
      Flatten(member.value().as_object(), name + ".", columns);
    else
      columns.emplace_back(name, member.value());
  }
}

TEST_F(AnalyticsServerTest, CsvIsTheMainTable) {
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"pipeline", "stages"}, {"customers", "customers"}, {"win-loss", "groups"}};
  for (const auto& [report, table] : tables) {
    const std::string target = "/v1/analytics/" + report;
    const Reply csv = Request(port(), http::verb::get, target + "?format=csv", "",
                              RequestOptions{.role = "manager"});
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_NE(csv.content_type.find("text/csv"), std::string::npos);
    const json::object answer = Get(port(), target);
    ASSERT_FALSE(answer.at(table).as_array().empty());
    std::vector<std::pair<std::string, json::value>> columns;
    Flatten(answer.at(table).at(0).as_object(), "", columns);
    const std::vector<std::string> lines = CompleteLines(csv.body);
    ASSERT_GE(lines.size(), 2u);
    const std::vector<std::string> header = CsvCells(lines[0]), first = CsvCells(lines[1]);
    ASSERT_EQ(header.size(), columns.size()) << lines[0];
    for (size_t i = 0; i < columns.size(); ++i) {
      EXPECT_EQ(header[i], columns[i].first);
      const json::value& value = columns[i].second;
      if (value.is_string())
        EXPECT_EQ(first[i], value.as_string());
      else if (value.is_null())
        EXPECT_EQ(first[i], "");
      else if (value.is_number())
        EXPECT_TRUE(SameReport(value, json::value(std::stod(first[i]))));
      else
        EXPECT_EQ(first[i], json::serialize(value));
    }
  }
}

// The same comparison over the demo data set (`ledgerctl seed`): eleven reps in four
// teams (one moving between two), two years of deals, orders and tickets in CNY, USD and
// EUR with rates published twice a month.
class AnalyticsSeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    server_ = new Ledgerd(*tmp_ / "data");
    ASSERT_TRUE(server_->serving());
    const std::vector<std::string> lines =
        seed::GenerateCommands({.seed = 7, .accounts = 40, .start_date = "2025-01-01"});
    const size_t half = lines.size() / 2;
    const std::vector<std::string> first(lines.begin(), lines.begin() + half);
    const std::vector<std::string> second(lines.begin() + half, lines.end());
    batches_ = new std::vector<Batch>(2);
    PostCommands(server_->port(), first);
    (*batches_)[0].facts = analytics_ref::FactsFromNdjson(first, 0);
    (*batches_)[0].asof = Now();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    PostCommands(server_->port(), second);
    (*batches_)[1].facts = analytics_ref::FactsFromNdjson(second, static_cast<int64_t>(half));
    WaitCaughtUp(server_->port());
  }
  static void TearDownTestSuite() {
    delete batches_;
    delete server_;
    delete tmp_;
  }

  static TempDir* tmp_;
  static Ledgerd* server_;
  static std::vector<Batch>* batches_;
};
TempDir* AnalyticsSeedTest::tmp_ = nullptr;
Ledgerd* AnalyticsSeedTest::server_ = nullptr;
std::vector<Batch>* AnalyticsSeedTest::batches_ = nullptr;

TEST_F(AnalyticsSeedTest, EveryReportOfTheDemoDataMatchesTheReference) {
  size_t commands = (*batches_)[0].facts.size() + (*batches_)[1].facts.size();
  ASSERT_EQ(TotalEvents(server_->port()), commands);
  const std::vector<WindowCase> windows = {
      {{}, {}}, {"2025-04-01", "2025-07-01"}, {"2026-01-01", "2027-01-01"}};
  for (size_t asof = 0; asof <= 1; ++asof) {
    const std::vector<RefFact> facts = VisibleAt(*batches_, asof);
    for (const WindowCase& window : windows) {
      for (const std::string currency : {"CNY", "USD", "EUR"}) {
        for (const std::string& report : kReports) {
          RefParams params = Params(window.from, window.to, currency);
          if (asof == 0) params.asof = (*batches_)[0].asof;
          if (report == "targets") params.period = asof ? "2025-Q4" : "2026-Q2";
          CheckReport(server_->port(), report, facts, params);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
  const std::vector<RefFact> all = VisibleAt(*batches_, 1);
  for (const std::string by : {"owner", "source", "category", "period"}) {
    RefParams params = Params(std::nullopt, std::nullopt, "CNY");
    params.by = by;
    CheckReport(server_->port(), "win-loss", all, params);
  }
  for (const std::string by : {"product", "handler"}) {
    RefParams params = Params("2025-07-01", "2026-07-01", "USD");
    params.by = by;
    CheckReport(server_->port(), "service", all, params);
  }
}

}  // namespace
}  // namespace ledger_test
