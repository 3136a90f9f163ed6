#include "ledger/verify.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

// A one-partition ledger of 20 events over 3 subjects, then raw edits to its RocksDB.
class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EmbeddedLog::Open(dir_.path(), {.partitions = 1});
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    PermissiveDecider decider;
    auto writer = Writer::Open(*log_, key_, decider, SystemClock::Instance(), {});
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE((*writer)
                      ->Append({MakeCommand("a.b", "account/ACC-" + std::to_string(i % 3),
                                            R"({"i":)" + std::to_string(i) + "}")},
                               "user:a")
                      .ok());
    }
    ring_.Add(key_.public_key());
  }
  std::string Get(uint64_t seq) {
    std::string v;
    EXPECT_TRUE(log_->db()->Get({}, log_->events_cf(), EncodeLogKey(0, seq), &v).ok());
    return v;
  }
  void Put(uint64_t seq, const std::string& v) {
    ASSERT_TRUE(log_->db()->Put({}, log_->events_cf(), EncodeLogKey(0, seq), v).ok());
  }
  SignedRecord Decoded(uint64_t seq) { return DecodeRecordValue(Get(seq), 0, seq).value(); }
  VerifyFailure Failure(bool signatures = true) {
    auto report = VerifyLog(*log_, ring_, {.signatures = signatures, .chunk_records = 7});
    EXPECT_TRUE(report.ok());
    EXPECT_FALSE(report->ok()) << "tampering went unnoticed";
    return report->failure.value_or(VerifyFailure{99, 99, "none"});
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  std::unique_ptr<EmbeddedLog> log_;
  Keyring ring_;
};

TEST_F(VerifyTest, IntactLedgerVerifies) {
  auto report = VerifyLog(*log_, ring_, {.chunk_records = 7});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->failure->reason;
  EXPECT_EQ(report->events, 20u);
  EXPECT_EQ(report->subjects, 3u);
  EXPECT_EQ(report->signatures_checked, 20u);
}

TEST_F(VerifyTest, FlippedByteIsCaughtAtThatEvent) {
  SignedRecord r = Decoded(9);
  r.event[r.event.find("\"i\":9") + 4] = '8';
  Put(9, EncodeRecordValue(r));
  VerifyFailure f = Failure();
  EXPECT_EQ(f.ledgerseq, 9u);
  EXPECT_NE(f.reason.find("signature"), std::string::npos);
  // Chains only: the next event's link no longer matches.
  f = Failure(false);
  EXPECT_EQ(f.ledgerseq, 10u);
  EXPECT_NE(f.reason.find("ledgerprev"), std::string::npos);
}

TEST_F(VerifyTest, DroppedEventIsCaughtAsAGap) {
  ASSERT_TRUE(log_->db()->Delete({}, log_->events_cf(), EncodeLogKey(0, 5)).ok());
  VerifyFailure f = Failure(false);
  EXPECT_EQ(f.ledgerseq, 6u);
  EXPECT_NE(f.reason.find("ledgerseq 5 is missing"), std::string::npos) << f.reason;
}

TEST_F(VerifyTest, ReorderedEventsAreCaught) {
  std::string a = Get(12), b = Get(13);
  Put(12, b);
  Put(13, a);
  VerifyFailure f = Failure(false);
  EXPECT_EQ(f.ledgerseq, 12u);
  EXPECT_NE(f.reason.find("reordered"), std::string::npos) << f.reason;
}

TEST_F(VerifyTest, SwappedSignatureIsCaught) {
  SignedRecord r = Decoded(3);
  r.signature = Decoded(4).signature;
  Put(3, EncodeRecordValue(r));
  VerifyFailure f = Failure();
  EXPECT_EQ(f.ledgerseq, 3u);
  EXPECT_NE(f.reason.find("signature"), std::string::npos);
}

TEST_F(VerifyTest, TruncatedValueIsCaught) {
  Put(17, Get(17).substr(0, 30));
  VerifyFailure f = Failure(false);
  EXPECT_EQ(f.ledgerseq, 17u);
  EXPECT_NE(f.reason.find("corrupt"), std::string::npos);
}

TEST_F(VerifyTest, UntrustedKeyIsCaught) {
  Keyring other;
  other.Add(SigningKey::Generate("other").value().public_key());
  auto report = VerifyLog(*log_, other, {});
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->failure->ledgerseq, 0u);
  EXPECT_NE(report->failure->reason.find("not trusted"), std::string::npos);
}

TEST_F(VerifyTest, ResignedForgeryWithAnotherKeyIsCaught) {
  // An attacker who rewrites an event and re-signs it with their own key (same key
  // name) still fails: the key ID differs and is not trusted.
  SigningKey forger = SigningKey::Generate("sales-ledger").value();
  SignedRecord r = Decoded(19);
  r.event[r.event.find("\"i\":19") + 4] = '7';
  r.signature = forger.Sign(r.leaf_hash());
  r.kid = forger.public_key().id;
  Put(19, EncodeRecordValue(r));
  EXPECT_EQ(Failure().ledgerseq, 19u);
}

}  // namespace
}  // namespace ledger
