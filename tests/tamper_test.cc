// Tampering with a stopped ledger's RocksDB log, or with a captured feed, must be caught
// by `ledgerctl verify`, which must name the partition and ledgerseq (or the feed line)
// where the chain breaks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "ledger/event.h"
#include "tests/fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;

constexpr int kAccounts = 40;  // about ten events in each of the four partitions

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_ / "data";
    acks_ = BuildLedger(data_, kAccounts);
    ASSERT_EQ(acks_.size(), static_cast<size_t>(kAccounts));
    std::map<uint32_t, uint64_t> counts;
    for (const Ack& a : acks_) ++counts[a.partition];
    // The fullest partition, so that a middle event has neighbours on both sides.
    for (const auto& [p, n] : counts) {
      if (n > events_) partition_ = p, events_ = n;
    }
    ASSERT_GE(events_, 5u);
    seq_ = events_ / 2;
  }

  ProcessResult Verify(bool signatures = true) {
    std::vector<std::string> args{"verify", "--data", data_};
    if (!signatures) args.push_back("--no-signatures");
    return Ledgerctl(args);
  }

  // Expects verify to fail at exactly (partition, ledgerseq) with a reason containing `why`.
  void ExpectFailure(bool signatures, uint32_t partition, uint64_t ledgerseq,
                     const std::string& why) {
    SCOPED_TRACE(signatures ? "with signatures" : "--no-signatures");
    ProcessResult r = Verify(signatures);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    auto failure = ParseVerifyFailure(r.err);
    ASSERT_TRUE(failure) << "no FAILED line in: " << r.err;
    EXPECT_EQ(failure->partition, partition) << r.err;
    EXPECT_EQ(failure->ledgerseq, ledgerseq) << r.err;
    EXPECT_THAT(failure->reason, HasSubstr(why));
    EXPECT_EQ(r.out.find("verify: OK"), std::string::npos);
  }

  TempDir tmp_;
  fs::path data_;
  std::vector<Ack> acks_;
  uint32_t partition_ = 0;
  uint64_t events_ = 0;
  uint64_t seq_ = 0;  // a middle event of partition_
};

TEST_F(TamperTest, UntouchedLedgerVerifies) {
  EXPECT_EQ(Verify(true).exit_code, 0);
  EXPECT_EQ(Verify(false).exit_code, 0);
}

// A byte of the data changes, the event is still canonical JSON: only the hash and the
// signature tell. Without signatures it is caught at the next event's ledgerprev.
TEST_F(TamperTest, FlippedByteInEventData) {
  {
    RawLog raw(data_);
    ledger::SignedRecord r = raw.Get(partition_, seq_);
    const size_t at = r.event.find("\"name\":\"Account ");
    ASSERT_NE(at, std::string::npos) << r.event;
    r.event[at + 8] ^= 0x01;  // "Account" -> "@ccount"
    ASSERT_TRUE(ledger::ParseEvent(r.event).ok()) << "the tampered event should still parse";
    raw.Put(r);
  }
  ExpectFailure(true, partition_, seq_, "signature does not verify");
  ExpectFailure(false, partition_, seq_ + 1, "ledgerprev does not match");
}

// A flipped byte that breaks the JSON is caught at the event itself either way.
TEST_F(TamperTest, FlippedByteBreakingTheEvent) {
  {
    RawLog raw(data_);
    ledger::SignedRecord r = raw.Get(partition_, seq_);
    r.event[0] ^= 0x20;  // '{' -> '['
    raw.Put(r);
  }
  ExpectFailure(true, partition_, seq_, "");
  ExpectFailure(false, partition_, seq_, "");
}

// A changed ledgerseq attribute: still canonical, but it claims another place.
TEST_F(TamperTest, FlippedByteInLedgerseq) {
  {
    RawLog raw(data_);
    ledger::SignedRecord r = raw.Get(partition_, seq_);
    const std::string attr = "\"ledgerseq\":" + std::to_string(seq_) + ",";
    const size_t at = r.event.find(attr);
    ASSERT_NE(at, std::string::npos) << r.event;
    r.event.replace(at, attr.size(), "\"ledgerseq\":" + std::to_string(seq_ + 100) + ",");
    raw.Put(r);
  }
  ExpectFailure(true, partition_, seq_, "moved or reordered");
  ExpectFailure(false, partition_, seq_, "moved or reordered");
}

TEST_F(TamperTest, DeletedEvent) {
  {
    RawLog raw(data_);
    raw.Delete(partition_, seq_);
  }
  // Reported where the gap is found, at the next stored record, naming the missing one.
  const std::string why = "ledgerseq " + std::to_string(seq_) + " is missing";
  ExpectFailure(true, partition_, seq_ + 1, why);
  ExpectFailure(false, partition_, seq_ + 1, why);
}

TEST_F(TamperTest, SwappedConsecutiveEvents) {
  {
    RawLog raw(data_);
    const std::string a = raw.GetValue(partition_, seq_), b = raw.GetValue(partition_, seq_ + 1);
    raw.PutValue(partition_, seq_, b);
    raw.PutValue(partition_, seq_ + 1, a);
  }
  ExpectFailure(true, partition_, seq_, "moved or reordered");
  ExpectFailure(false, partition_, seq_, "moved or reordered");
}

TEST_F(TamperTest, SignatureOfAnotherEvent) {
  {
    RawLog raw(data_);
    ledger::SignedRecord r = raw.Get(partition_, seq_);
    r.signature = raw.Get(partition_, seq_ - 1).signature;
    raw.Put(r);
  }
  ExpectFailure(true, partition_, seq_, "signature does not verify");
  // The hash chains alone cannot see a signature: --no-signatures says so by passing.
  ProcessResult chains_only = Verify(false);
  EXPECT_EQ(chains_only.exit_code, 0) << chains_only.err;
}

TEST_F(TamperTest, TruncatedValue) {
  {
    RawLog raw(data_);
    const std::string value = raw.GetValue(partition_, seq_);
    raw.PutValue(partition_, seq_, value.substr(0, value.size() / 2));
  }
  ExpectFailure(true, partition_, seq_, "corrupt");
  ExpectFailure(false, partition_, seq_, "corrupt");
}

TEST_F(TamperTest, EmptyValue) {
  {
    RawLog raw(data_);
    raw.PutValue(partition_, seq_, "");
  }
  ExpectFailure(true, partition_, seq_, "corrupt");
}

class FeedTamperTest : public TamperTest {
 protected:
  void SetUp() override {
    TamperTest::SetUp();
    ProcessResult feed = Ledgerctl({"feed", "--data", data_});
    ASSERT_EQ(feed.exit_code, 0) << feed.err;
    lines_ = CompleteLines(feed.out);
    ASSERT_EQ(lines_.size(), static_cast<size_t>(kAccounts));
    // The feed is partition by partition: find the line of (partition_, seq_).
    for (size_t i = 0; i < lines_.size(); ++i) {
      auto r = ledger::ParseFeedLine(lines_[i]);
      ASSERT_TRUE(r.ok());
      if (r->partition == partition_ && r->ledgerseq == seq_) line_ = i + 1;
    }
    ASSERT_GT(line_, 0u);
  }

  ProcessResult VerifyFeed(bool signatures) {
    std::string text;
    for (const std::string& l : lines_) text += l + "\n";
    WriteFile(tmp_ / "feed.ndjson", text);
    std::vector<std::string> args{"verify", "--ndjson", tmp_ / "feed.ndjson", "--vkeys",
                                  data_ / "keys" / "ledger.vkeys"};
    if (!signatures) args.push_back("--no-signatures");
    return Ledgerctl(args);
  }

  void ExpectFeedFailure(bool signatures, size_t line, const std::string& why) {
    SCOPED_TRACE(signatures ? "with signatures" : "--no-signatures");
    ProcessResult r = VerifyFeed(signatures);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("verify: FAILED at " + (tmp_ / "feed.ndjson").string() + ":" +
                                 std::to_string(line) + ": "));
    EXPECT_THAT(r.err, HasSubstr(why));
  }

  std::vector<std::string> lines_;
  size_t line_ = 0;  // 1-based line of (partition_, seq_)
};

TEST_F(FeedTamperTest, UntouchedFeedVerifies) {
  EXPECT_EQ(VerifyFeed(true).exit_code, 0);
  EXPECT_EQ(VerifyFeed(false).exit_code, 0);
}

TEST_F(FeedTamperTest, ChangedLine) {
  const size_t at = lines_[line_ - 1].find("\"name\":\"Account ");
  ASSERT_NE(at, std::string::npos);
  lines_[line_ - 1][at + 8] = 'X';
  ExpectFeedFailure(true, line_, "signature does not verify");
  // The partition's next event is on the next line (the feed keeps partitions together).
  ExpectFeedFailure(false, line_ + 1, "ledgerprev does not match");
}

TEST_F(FeedTamperTest, DroppedLine) {
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(line_ - 1));
  ExpectFeedFailure(false, line_, "ledgerseq " + std::to_string(seq_) + " is missing");
}

TEST_F(FeedTamperTest, BrokenJsonLine) {
  lines_[line_ - 1].resize(lines_[line_ - 1].size() / 2);
  ExpectFeedFailure(true, line_, "");
  ExpectFeedFailure(false, line_, "");
}

TEST_F(FeedTamperTest, WrongPartitionCount) {
  ProcessResult r = Ledgerctl({"feed", "--data", data_});
  WriteFile(tmp_ / "feed.ndjson", r.out);
  ProcessResult verify = Ledgerctl({"verify", "--ndjson", tmp_ / "feed.ndjson", "--vkeys",
                                    data_ / "keys" / "ledger.vkeys", "--partitions", "8"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_THAT(verify.err, HasSubstr("belongs in partition"));
}

}  // namespace
}  // namespace ledger_test
