// Folds schemas/examples/lifecycle.ndjson through the decider, as the writer would on
// an empty ledger, and checks that the story uses every event type.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "schemas/catalog.h"
#include "schemas/sales.h"
#include "schemas/test_context.h"

namespace schemas {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string LifecyclePath() { return std::string(SCHEMAS_DIR) + "/examples/lifecycle.ndjson"; }

TEST(LifecycleTest, EveryLineIsAValidCommandAndTheStoryFoldsInOrder) {
  std::vector<std::string> lines = ReadLines(LifecyclePath());
  ASSERT_GE(lines.size(), Catalog().size()) << LifecyclePath();
  SalesDecider decider;
  testing::MemoryContext ctx;
  for (size_t i = 0; i < lines.size(); ++i) {
    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(lines[i], ec);
    ASSERT_FALSE(ec) << "line " << i + 1 << ": " << ec.message();
    ledger::Result<ledger::Command> command = ledger::ParseCommand(json);
    ASSERT_TRUE(command.ok()) << "line " << i + 1 << ": " << command.status().ToString();
    EXPECT_FALSE(command->occurredat.empty()) << "line " << i + 1;
    EXPECT_FALSE(command->id.empty()) << "line " << i + 1;
    ledger::Status status = ctx.Append(decider, *command);
    ASSERT_TRUE(status.ok()) << "line " << i + 1 << " (" << command->type << " " << command->subject
                             << "): " << status.ToString();
  }
}

TEST(LifecycleTest, UsesEveryEventTypeOfTheCatalogue) {
  std::set<std::string> used;
  for (const std::string& line : ReadLines(LifecyclePath())) {
    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(line, ec);
    ASSERT_FALSE(ec);
    used.insert(std::string(json.at("type").as_string()));
  }
  for (const EventTypeSpec& spec : Catalog()) {
    EXPECT_TRUE(used.contains(spec.type)) << spec.type << " is not in the story";
  }
}

TEST(LifecycleTest, IdsAreUniqueAndTimesAreInOrder) {
  std::set<std::string> ids;
  std::string previous;
  for (const std::string& line : ReadLines(LifecyclePath())) {
    ledger::Command command = testing::CommandFromJson(line);
    EXPECT_TRUE(ids.insert(command.id).second) << command.id;
    // Every time in the story carries +08:00, so text order is time order.
    EXPECT_LE(previous, command.occurredat) << command.id;
    previous = command.occurredat;
  }
}

TEST(LifecycleTest, UsesChineseAndEnglishAndBothCurrencies) {
  std::string all;
  for (const std::string& line : ReadLines(LifecyclePath())) all += line;
  EXPECT_NE(all.find("上海恒锐精密机械有限公司"), std::string::npos);
  EXPECT_NE(all.find("Pacific Coast Tooling"), std::string::npos);
  EXPECT_NE(all.find("\"currency\":\"CNY\""), std::string::npos);
  EXPECT_NE(all.find("\"currency\":\"USD\""), std::string::npos);
}

}  // namespace
}  // namespace schemas
