#include "ledger/embedded_log.h"

#include <gtest/gtest.h>

#include <thread>

#include "ledger/partition.h"
#include "ledger/test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

SignedRecord Rec(uint32_t p, uint64_t seq, std::string event) {
  SignedRecord r;
  r.partition = p;
  r.ledgerseq = seq;
  r.event = std::move(event);
  return r;
}

TEST(EmbeddedLog, AppendsReadsAndPersistsEnds) {
  TempDir dir;
  {
    auto log = EmbeddedLog::Open(dir.path(), {.partitions = 2});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<SignedRecord> batch = {Rec(0, 0, "a"), Rec(1, 0, "b"), Rec(0, 1, "c")};
    std::vector<StateWrite> state = {{StateTable::kStreams, "s", "head"},
                                     {StateTable::kIds, "i", "entry"}};
    ASSERT_TRUE((*log)->Append(batch, state).ok());
    EXPECT_EQ((*log)->End(0), 2u);
    EXPECT_EQ((*log)->End(1), 1u);
  }
  auto log = EmbeddedLog::Open(dir.path(), {.partitions = 2});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->End(0), 2u);
  auto records = ReadRecords(**log, 0, 0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].event, "c");
  EXPECT_EQ((*records)[1].ledgerseq, 1u);
  EXPECT_EQ(*(*log)->GetState(StateTable::kStreams, "s").value(), "head");
  EXPECT_FALSE((*log)->GetState(StateTable::kIds, "missing").value().has_value());
}

TEST(EmbeddedLog, RefusesGapsAndAnotherPartitionCount) {
  TempDir dir;
  {
    auto log = EmbeddedLog::Open(dir.path(), {.partitions = 2});
    ASSERT_TRUE(log.ok());
    std::vector<SignedRecord> gap = {Rec(0, 1, "x")};
    EXPECT_EQ((*log)->Append(gap, {}).code(), Code::kInternal);
    EXPECT_EQ((*log)->End(0), 0u);
  }
  auto other = EmbeddedLog::Open(dir.path(), {.partitions = 4});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("has 2 partitions"), std::string::npos);
  auto own = EmbeddedLog::Open(dir.path(), {});  // no count given: the log's own
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ((*own)->partitions(), 2u);
}

TEST(EmbeddedLog, NewLogWithoutACountGetsTheDefault) {
  TempDir dir;
  auto log = EmbeddedLog::Open(dir.path(), {});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->partitions(), kPartitionsDefault);
}

TEST(EmbeddedLog, FollowerWakesOnAppend) {
  TempDir dir;
  auto log = EmbeddedLog::Open(dir.path(), {.partitions = 1});
  ASSERT_TRUE(log.ok());
  std::thread appender([&] {
    std::vector<SignedRecord> one = {Rec(0, 0, "x")};
    ASSERT_TRUE((*log)->Append(one, {}).ok());
  });
  EXPECT_TRUE((*log)->WaitBeyond(0, 0, std::chrono::seconds(30)));
  appender.join();
  EXPECT_FALSE((*log)->WaitBeyond(0, 1, std::chrono::milliseconds(1)));
}

TEST(EmbeddedLog, ReadOnlyOpenSeesTheLog) {
  TempDir dir;
  auto log = EmbeddedLog::Open(dir.path(), {.partitions = 3});
  ASSERT_TRUE(log.ok());
  std::vector<SignedRecord> one = {Rec(2, 0, "x")};
  ASSERT_TRUE((*log)->Append(one, {}).ok());
  auto ro = EmbeddedLog::Open(dir.path(), {.read_only = true});  // while the writer has it open
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_EQ((*ro)->partitions(), 3u);
  EXPECT_EQ((*ro)->End(2), 1u);
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

TEST(ParsePositionsTest, GivesTheNextLedgerseqPerPartitionAndRefusesMalformedItems) {
  auto next = ParsePositions("0:4,2:0,0:9", 3);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, (std::vector<uint64_t>{10, 0, 1}));
  for (const char* bad : {"", "1:0,", ",1:0", "3:1", "1", ":1", "1:", "1:x", "-1:2", "1:2:3",
                          "1:18446744073709551615"}) {
    auto r = ParsePositions(bad, 3);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace ledger
