// ledgerctl seed end to end: the generated data set loads into an empty ledger through
// ledgerctl append with nothing refused, and the ledger verifies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;

constexpr int kAccounts = 25;

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (const std::string& line : CompleteLines(text)) n += line.empty() ? 0 : 1;
  return n;
}

TEST(SeedLoadTest, EveryGeneratedCommandIsAppendedAndTheLedgerVerifies) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const fs::path file = tmp / "seed.ndjson";
  ProcessResult seed = Ledgerctl(
      {"seed", "--accounts", std::to_string(kAccounts), "--seed", "42", "--out", file.string()});
  ASSERT_EQ(seed.exit_code, 0) << seed.err;
  EXPECT_THAT(seed.err, HasSubstr("ledgerctl seed: "));
  EXPECT_THAT(seed.err, HasSubstr("opportunity "));
  const size_t commands = CountLines(ReadFile(file));
  ASSERT_GT(commands, 100u * kAccounts / 2);

  ProcessResult append = Ledgerctl({"append", "--data", data.string(), "--file", file.string(),
                                    "--batch", "1000", "--concurrency", "4"});
  ASSERT_EQ(append.exit_code, 0) << append.err;
  std::vector<Ack> acks = ParseAcks(append.out);
  ASSERT_EQ(acks.size(), commands);
  for (size_t i = 0; i < acks.size(); ++i) {
    EXPECT_EQ(acks[i].line, i + 1);
    EXPECT_FALSE(acks[i].replayed) << acks[i].id;
  }

  ProcessResult verify = Ledgerctl({"verify", "--data", data.string()});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("verify: OK"));
  EXPECT_THAT(verify.out, HasSubstr("signatures checked: " + std::to_string(commands)));
}

TEST(SeedLoadTest, StdoutIsTheDefaultAndTheSameSeedGivesTheSameBytes) {
  ProcessResult a = Ledgerctl({"seed", "--accounts", "3", "--seed", "9"});
  ProcessResult b = Ledgerctl({"seed", "--accounts", "3", "--seed", "9"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_GT(CountLines(a.out), 50u);
  EXPECT_EQ(a.out, b.out);
}

TEST(SeedLoadTest, BadFlagsGiveAClearMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"seed"}, "accounts"},
      {{"seed", "--accounts", "0"}, "--accounts must be 1.."},
      {{"seed", "--accounts", "many"}, "accounts"},
      {{"seed", "--accounts", "5", "--start", "2025-02-30"}, "--start must be a real date"},
      {{"seed", "--accounts", "5", "--months", "0"}, "--months must be"},
      {{"seed", "--accounts", "5", "--colour", "red"}, "colour"},
  };
  for (const Case& c : cases) {
    ProcessResult result = Ledgerctl(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.message << ": " << result.err;
    EXPECT_THAT(result.err, HasSubstr(c.message));
    EXPECT_THAT(result.err, HasSubstr("ledgerctl seed: "));
    EXPECT_TRUE(result.out.empty());
  }
}

}  // namespace
}  // namespace ledger_test
