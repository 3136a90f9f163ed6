// The generated data set: deterministic, in time order, complete (every event type but
// contact.erased) and accepted by the decider line by line.
#include "seed/seed.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "schemas/catalog.h"
#include "schemas/sales.h"
#include "schemas/test_context.h"

namespace seed {
namespace {

constexpr int kAccountsForFold = 30;
// Enough accounts that the rarest paths (a reactivation, a reopened ticket) occur.
constexpr int kAccountsForCoverage = 60;

SeedOptions Options(uint64_t seed, int accounts) {
  return {.seed = seed, .accounts = accounts, .start_date = "2025-01-01", .months = 24};
}

std::string TypeOf(const std::string& line) {
  boost::json::value json = boost::json::parse(line);
  return std::string(json.at("type").as_string());
}

TEST(SeedTest, SameSeedSameBytesOtherSeedDiffers) {
  const std::vector<std::string> a = GenerateCommands(Options(7, 20));
  const std::vector<std::string> b = GenerateCommands(Options(7, 20));
  const std::vector<std::string> c = GenerateCommands(Options(8, 20));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SeedTest, UsesEveryEventTypeButErasure) {
  std::set<std::string> used;
  for (const std::string& line : GenerateCommands(Options(1, kAccountsForCoverage))) {
    used.insert(TypeOf(line));
  }
  for (const schemas::EventTypeSpec& spec : schemas::Catalog()) {
    if (spec.type == "contact.erased") {
      EXPECT_FALSE(used.contains(spec.type)) << "only the erase route appends it";
    } else {
      EXPECT_TRUE(used.contains(spec.type)) << spec.type << " is not generated";
    }
  }
}

TEST(SeedTest, TimesAreInOrderInsideTheWindowAndIdsUnique) {
  const SeedOptions options = Options(3, kAccountsForFold);
  std::string previous = "2025-01-01T00:00:00+08:00";
  std::set<std::string> ids;
  for (const std::string& line : GenerateCommands(options)) {
    ledger::Command command = schemas::testing::CommandFromJson(line);
    EXPECT_LE(previous, command.occurredat) << line;
    EXPECT_LT(command.occurredat, "2027-01-01T00:00:00+08:00") << line;
    EXPECT_TRUE(ids.insert(command.id).second) << command.id;
    previous = command.occurredat;
  }
}

// Rare paths (a return after a partial refund, a reopened loss) differ by seed: fold a few.
class SeedFoldTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(SeedFoldTest, EveryLineFoldsThroughTheDeciderInOrder) {
  const std::vector<std::string> lines = GenerateCommands(Options(GetParam(), kAccountsForFold));
  ASSERT_GT(lines.size(), 100u * kAccountsForFold / 2);
  schemas::SalesDecider decider;
  schemas::testing::MemoryContext ctx;
  for (size_t i = 0; i < lines.size(); ++i) {
    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(lines[i], ec);
    ASSERT_FALSE(ec) << "line " << i + 1;
    ledger::Result<ledger::Command> command = ledger::ParseCommand(json);
    ASSERT_TRUE(command.ok()) << "line " << i + 1 << ": " << command.status().ToString();
    ledger::Status status = ctx.Append(decider, *command);
    ASSERT_TRUE(status.ok()) << "line " << i + 1 << ": " << lines[i] << "\n" << status.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeedFoldTest, ::testing::Values(1, 11, 12, 13, 14));

TEST(SeedTest, ForeignCurrenciesAndBothLanguagesOccur) {
  std::string all;
  for (const std::string& line : GenerateCommands(Options(5, kAccountsForFold))) all += line;
  for (const char* currency : {"\"CNY\"", "\"USD\"", "\"EUR\""}) {
    EXPECT_NE(all.find(currency), std::string::npos) << currency;
  }
  EXPECT_NE(all.find("有限公司"), std::string::npos);
  EXPECT_NE(all.find(" Inc."), std::string::npos);
  EXPECT_NE(all.find("fx/FX-EUR-CNY-"), std::string::npos);
}

TEST(SeedTest, AThousandAccountsIsFastAndSized) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> lines = GenerateCommands(Options(1, 1000));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("1000 accounts: %zu events in %.3f s\n", lines.size(), seconds);
  EXPECT_LT(seconds, 5.0);
  EXPECT_GT(lines.size(), 100'000u);
  EXPECT_LT(lines.size(), 200'000u + 10'000u);
}

TEST(SeedTest, BadOptionsAreExplained) {
  EXPECT_FALSE(CheckOptions(Options(1, 10)).has_value());
  EXPECT_TRUE(CheckOptions(Options(1, 0)).has_value());
  SeedOptions bad_date = Options(1, 10);
  bad_date.start_date = "2025-02-30";
  ASSERT_TRUE(CheckOptions(bad_date).has_value());
  EXPECT_NE(CheckOptions(bad_date)->find("--start"), std::string::npos);
  SeedOptions bad_months = Options(1, 10);
  bad_months.months = 0;
  EXPECT_TRUE(CheckOptions(bad_months).has_value());
  EXPECT_TRUE(GenerateCommands(bad_months).empty());
}

}  // namespace
}  // namespace seed
