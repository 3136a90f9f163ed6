// Rounding and conversion (money.cc), and the periods of params.cc.
#include "analytics/money.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "analytics/params.h"

namespace analytics {
namespace {

TEST(RoundHalfEvenTest, TiesGoToTheEvenNeighbour) {
  EXPECT_EQ(RoundHalfEven(5, 2), 2);    // 2.5
  EXPECT_EQ(RoundHalfEven(7, 2), 4);    // 3.5
  EXPECT_EQ(RoundHalfEven(-5, 2), -2);  // -2.5
  EXPECT_EQ(RoundHalfEven(-7, 2), -4);
  EXPECT_EQ(RoundHalfEven(10, 3), 3);
  EXPECT_EQ(RoundHalfEven(11, 3), 4);
  EXPECT_EQ(RoundHalfEven(-11, 3), -4);
  // 128-bit intermediate: 9e15 * 7e8 does not fit 64 bits.
  __int128 big = static_cast<__int128>(9'000'000'000'000'000) * 700'000'000;
  EXPECT_EQ(RoundHalfEven(big, 100'000'000), 63'000'000'000'000'000);
}

projections::Fact Rate(std::string id, int64_t base, std::string base_ccy, int64_t quote,
                       std::string quote_ccy, std::string effective, std::string recorded) {
  projections::Fact f;
  f.type = "fx.rate_published";
  f.subject = "fx/" + id;
  f.event_id = id;
  f.time = std::move(recorded);
  f.streamversion = 1;
  f.data = {{"base", {{"amount", base}, {"currency", base_ccy}}},
            {"quote", {{"amount", quote}, {"currency", quote_ccy}}},
            {"effective_at", effective}};
  return f;
}

Micros At(const char* text) { return *ledger::ParseRfc3339(text); }

TEST(ConverterTest, UsesTheRateInForceAtTheFactsTime) {
  std::vector<projections::Fact> facts = {
      Rate("R1", 100, "USD", 720, "CNY", "2025-05-01T00:00:00Z", "2026-01-01T00:00:00Z"),
      Rate("R2", 100, "USD", 710, "CNY", "2025-06-01T00:00:00Z", "2026-01-01T00:00:01Z"),
      // An inverse rate, later in force than R2.
      Rate("R3", 800, "CNY", 100, "EUR", "2025-07-01T00:00:00Z", "2026-01-01T00:00:02Z")};
  auto book = Book::Build(facts);
  ASSERT_TRUE(book.ok());
  Converter cny(*book, "CNY");
  EXPECT_EQ(cny.Convert({1001, "USD"}, At("2025-05-15T00:00:00Z")), 7207);  // 7207.2
  EXPECT_EQ(cny.Convert({1001, "USD"}, At("2025-06-01T00:00:00Z")), 7107);  // 7107.1
  EXPECT_EQ(cny.Convert({50, "EUR"}, At("2025-07-02T00:00:00Z")), 400);     // inverse
  EXPECT_EQ(cny.Convert({5, "CNY"}, At("2020-01-01T00:00:00Z")), 5);
  EXPECT_FALSE(cny.Convert({100, "USD"}, At("2025-04-30T23:59:59Z")));  // no rate yet
  EXPECT_FALSE(cny.Convert({7, "JPY"}, kTimeMax));
  EXPECT_EQ(
      boost::json::serialize(cny.Unconverted()),
      R"([{"currency":"JPY","amount":7,"facts":1},{"currency":"USD","amount":100,"facts":1}])");
  Converter usd(*book, "USD");
  EXPECT_EQ(usd.Convert({7207, "CNY"}, At("2025-05-15T00:00:00Z")), 1001);  // 1000.97
}

TEST(PeriodsTest, LabelsAndEnds) {
  EXPECT_EQ(PeriodOf("2025-03-31", Grain::kQuarter), "2025-Q1");
  EXPECT_EQ(PeriodOf("2025-04-01", Grain::kQuarter), "2025-Q2");
  EXPECT_EQ(PeriodOf("2025-07-01", Grain::kHalf), "2025-H2");
  EXPECT_EQ(PeriodOf("2025-12-09", Grain::kMonth), "2025-12");
  EXPECT_EQ(PeriodOf("2025-12-09", Grain::kYear), "2025");
  EXPECT_EQ(PeriodEnd("2025-Q2"), At("2025-06-30T23:59:59.999999Z"));
  EXPECT_EQ(PeriodEnd("2025-12"), At("2025-12-31T23:59:59.999999Z"));
  EXPECT_EQ(PeriodEnd("2025-H1"), At("2025-06-30T23:59:59.999999Z"));
  EXPECT_FALSE(GrainOfPeriod("2025-Q5"));
  EXPECT_FALSE(GrainOfPeriod("2025-13"));
}

TEST(ParamsTest, ListsEveryViolation) {
  auto p = ParseParams("win-loss",
                       {{"from", "2025-07-01"},
                        {"to", "2025-04-01"},
                        {"currency", "XXQ"},
                        {"by", "colour"},
                        {"period", "week"},
                        {"format", "xml"}},
                       "CNY", 0);
  ASSERT_FALSE(p.ok());
  std::set<std::string> pointers;
  for (const auto& v : p.status().violations()) pointers.insert(v.pointer);
  EXPECT_EQ(pointers, (std::set<std::string>{"/query/from", "/query/currency", "/query/by",
                                             "/query/period", "/query/format"}));
  auto targets = ParseParams("targets", {}, "CNY", 0);
  ASSERT_FALSE(targets.ok());
  EXPECT_EQ(targets.status().violations().at(0).pointer, "/query/period");
}

}  // namespace
}  // namespace analytics
