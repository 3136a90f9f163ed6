#include "projections/replay.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "projections/test_util.h"

namespace projections {
namespace {

using testing::ProjectionTest;
using testing::TestModels;

class ReplayTest : public ProjectionTest {
 protected:
  void AppendSome(int n, int salt) {
    for (int i = 0; i < n; ++i) {
      std::string owner = (i + salt) % 3 ? "li" : "wang";
      Append("opportunity/OPP-" + std::to_string((i * 7 + salt) % 11),
             R"({"owner":")" + owner + R"(","n":)" + std::to_string(i) + "}");
      if (i % 5 == 0)
        Append("account/ACC-" + std::to_string(i % 3), R"({"to":"active"})", "account.stage");
    }
  }
  std::string LiveDigest() {
    CatchUp();
    auto digest = store_->Digest();
    LEDGER_ASSERT(digest.ok());
    return *digest;
  }
};

TEST_F(ReplayTest, ReplayGivesTheSameViewsAsLiveProjection) {
  StartRunner();
  AppendSome(40, 1);
  std::string live = LiveDigest();
  auto report = Replay(dir_.path() / "rebuilt", *log_, keys_, TestModels());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->digest, live);
  uint64_t events = 0;
  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    EXPECT_EQ(report->positions[p], log_->End(p));
    events += log_->End(p);
  }
  EXPECT_EQ(report->events, events);

  // Replaying over the live directory itself (after closing it) gives them again.
  runner_.reset();
  store_.reset();
  auto again = Replay(dir_.path() / "views", *log_, keys_, TestModels(),
                      {.runner = {.limits = {.chunk_events_max = 3}, .threads_max = 1}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, live);
}

TEST_F(ReplayTest, ReplayUntilGivesTheViewsAsTheyWereThen) {
  StartRunner();
  AppendSome(30, 2);
  std::string then = LiveDigest();
  ledger::Appended last_then = Append("lead/L-1", R"({"owner":"li"})");
  std::string then_with_lead = LiveDigest();
  auto lead_then = Reader().GetRecord("lead/L-1");
  AppendSome(30, 3);
  Append("lead/L-1", R"({"owner":"wang"})");
  std::string now = LiveDigest();
  runner_.reset();
  store_.reset();

  const ledger::Micros until = *ledger::ParseRfc3339(last_then.time);
  auto report = Replay(dir_.path() / "views", *log_, keys_, TestModels(), {.until = until});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->digest, then_with_lead);
  EXPECT_NE(report->digest, then);
  auto before = Replay(dir_.path() / "views", *log_, keys_, TestModels(), {.until = until - 1});
  EXPECT_EQ(before->digest, then);

  // Live projection resumes from a replayed-until views and reaches the same end.
  report = Replay(dir_.path() / "views", *log_, keys_, TestModels(), {.until = until});
  OpenViews();
  EXPECT_EQ(Reader().GetRecord("lead/L-1")->state, lead_then->state);
  StartRunner();
  EXPECT_EQ(LiveDigest(), now);
  EXPECT_EQ(Reader().GetRecord("lead/L-1")->version, 2u);
}

TEST_F(ReplayTest, ReplayOfATamperedLogFails) {
  AppendSome(10, 4);
  ledger::Appended a = Append("lead/L-1", R"({"n":1})");
  Append("lead/L-1", R"({"n":2})");
  std::string key = ledger::EncodeLogKey(a.partition, a.ledgerseq), value;
  ASSERT_TRUE(log_->db()->Get(rocksdb::ReadOptions(), log_->events_cf(), key, &value).ok());
  // The event's data, not its signature: the signature checked is the one of the
  // partition's last event, whose leaf hash commits to this one through the chain, and
  // the error still names the event that was changed.
  value[value.find(R"("n":1)") + 4] = '7';
  ASSERT_TRUE(log_->db()->Put(rocksdb::WriteOptions(), log_->events_cf(), key, value).ok());
  store_.reset();
  auto report = Replay(dir_.path() / "views", *log_, keys_, TestModels());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ledger::Code::kCorruption);
  EXPECT_NE(report.status().message().find("ledgerseq " + std::to_string(a.ledgerseq) +
                                           ": the signature does not verify"),
            std::string::npos)
      << report.status().ToString();
}

}  // namespace
}  // namespace projections
