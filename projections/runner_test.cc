#include "projections/runner.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <functional>
#include <map>

#include "ledger/partition.h"
#include "projections/test_util.h"

namespace projections {
namespace {

using testing::ProjectionTest;

class RunnerTest : public ProjectionTest {
 protected:
  // Every version of every subject's history, to check none is missing or doubled.
  std::map<std::string, std::vector<uint64_t>> HistoryVersions(
      const std::vector<std::string>& subjects) {
    std::map<std::string, std::vector<uint64_t>> out;
    ViewReader reader = Reader();
    for (const std::string& s : subjects) {
      auto page = reader.History(s, 0, kHistoryLimitMax);
      LEDGER_ASSERT(page.ok());
      for (const HistoryEntry& e : page->entries) out[s].push_back(e.version);
    }
    return out;
  }

  // Rewrites the stored record at (partition, seq).
  void Tamper(uint32_t partition, uint64_t seq, const std::function<void(std::string&)>& edit) {
    std::string key = ledger::EncodeLogKey(partition, seq), value;
    ASSERT_TRUE(log_->db()->Get(rocksdb::ReadOptions(), log_->events_cf(), key, &value).ok());
    edit(value);
    ASSERT_TRUE(log_->db()->Put(rocksdb::WriteOptions(), log_->events_cf(), key, value).ok());
  }

  // Stops the runner and the writer and puts an empty log where the old one was; the
  // views stay, so they now belong to another log.
  void ReplaceLogWithAnEmptyOne() {
    runner_.reset();
    writer_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_.path() / "log");
    OpenLog();
  }
};

std::vector<uint64_t> Range1(uint64_t n) {
  std::vector<uint64_t> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = i + 1;
  return v;
}

TEST_F(RunnerTest, CatchesUpThenFollowsTheTail) {
  for (int i = 0; i < 12; ++i) {
    Append("account/ACC-" + std::to_string(i % 3), R"({"n":)" + std::to_string(i) + "}");
  }
  StartRunner();
  CatchUp();
  auto record = Reader().GetRecord("account/ACC-0");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->version, 4u);
  EXPECT_EQ(record->state.at("n").as_int64(), 9);

  ledger::Appended late = Append("account/ACC-9", R"({"n":100})");
  ASSERT_TRUE(
      runner_->WaitUntilApplied(late.partition, late.ledgerseq, std::chrono::seconds(10)).ok());
  EXPECT_EQ(Reader().GetRecord("account/ACC-9")->version, 1u);
  for (int i = 0; i < 20; ++i) Append("account/ACC-1", R"({"m":1})");
  CatchUp();
  for (const PartitionProgress& p : runner_->Progress()) {
    EXPECT_EQ(p.lag, 0u);
    EXPECT_EQ(p.applied, log_->End(p.partition));
    EXPECT_FALSE(p.failed);
  }
  EXPECT_EQ(Reader().GetRecord("account/ACC-1")->version, 24u);
}

TEST_F(RunnerTest, SmallChunksGiveTheSameViews) {
  for (int i = 0; i < 30; ++i) Append("deal/D-" + std::to_string(i % 4), R"({"i":1})");
  StartRunner({.limits = {.chunk_events_max = 1}, .threads_max = 1});
  CatchUp();
  std::string small = *store_->Digest();
  runner_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_.path() / "views");
  OpenViews();
  StartRunner();
  CatchUp();
  EXPECT_EQ(*store_->Digest(), small);
}

TEST_F(RunnerTest, RestartResumesWithoutDuplicatesOrGaps) {
  std::vector<std::string> subjects = {"lead/L-1", "lead/L-2", "lead/L-3", "lead/L-4"};
  for (int i = 0; i < 8; ++i) Append(subjects[i % 4], R"({"a":1})");
  StartRunner();
  CatchUp();
  for (int round = 0; round < 3; ++round) {
    runner_.reset();
    store_.reset();
    for (int i = 0; i < 8; ++i) Append(subjects[i % 4], R"({"b":)" + std::to_string(i) + "}");
    OpenViews();
    StartRunner();
    for (int i = 0; i < 4; ++i) Append(subjects[i], R"({"c":1})");
    CatchUp();
  }
  auto versions = HistoryVersions(subjects);
  for (const std::string& s : subjects) EXPECT_EQ(versions[s], Range1(11)) << s;
  uint64_t applied = 0;
  for (uint32_t p = 0; p < log_->partitions(); ++p) applied += runner_->Applied(p);
  EXPECT_EQ(applied, 44u);
}

TEST_F(RunnerTest, StartTwiceIsAnErrorAndStopIsIdempotent) {
  StartRunner();
  EXPECT_EQ(runner_->Start().code(), ledger::Code::kInternal);
  runner_->Stop();
  runner_->Stop();
  EXPECT_EQ(runner_->WaitUntilCaughtUp(std::chrono::milliseconds(10)).code(),
            ledger::Code::kOk);  // nothing to wait for
  Append("a/1", "{}");
  EXPECT_EQ(runner_->WaitUntilCaughtUp(std::chrono::milliseconds(10)).code(),
            ledger::Code::kUnavailable);
}

struct TamperCase {
  const char* name;
  std::function<void(std::string&)> edit;
  const char* reason;
};

TEST_F(RunnerTest, ATamperedRecordStopsItsPartitionNamingIt) {
  const TamperCase cases[] = {
      {"changed event byte", [](std::string& v) { v[v.find("\"n\":5") + 4] = '6'; },
       "signature does not verify"},
      {"truncated value", [](std::string& v) { v.resize(20); }, "corrupt"},
      {"unknown key id", [](std::string& v) { v[v.size() - 1] ^= 1; }, "untrusted key id"},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    TearDown();
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
    OpenLog();
    OpenWriter();
    OpenViews();
    ledger::Appended target{};
    for (int i = 0; i < 10; ++i) {
      ledger::Appended a = Append("order/O-1", R"({"n":)" + std::to_string(i) + "}");
      if (i == 5) target = a;
      Append("order/O-" + std::to_string(i + 2), "{}");
    }
    Tamper(target.partition, target.ledgerseq, c.edit);
    StartRunner();
    ledger::Status s = runner_->WaitUntilCaughtUp(std::chrono::seconds(10));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), ledger::Code::kCorruption);
    EXPECT_NE(s.message().find("partition " + std::to_string(target.partition) + " ledgerseq " +
                               std::to_string(target.ledgerseq)),
              std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << s.ToString();
    EXPECT_EQ(runner_->Applied(target.partition), target.ledgerseq);  // the ones before it
    EXPECT_EQ(Reader().GetRecord("order/O-1")->version, 5u);
    auto progress = runner_->Progress();
    EXPECT_TRUE(progress[target.partition].failed);
    EXPECT_GT(progress[target.partition].lag, 0u);
    for (const PartitionProgress& p : progress) {
      if (p.partition != target.partition) {
        EXPECT_EQ(p.lag, 0u) << p.partition;
      }
    }
  }
}

// Signatures are checked through each chunk's last event: its leaf hash commits, through
// the ledgerprev chain, to every event before it. A bad signature there stops the
// partition at that event; a bad signature on an event inside the chunk, its bytes
// intact, cannot change what the views hold (ledgerctl verify reports it: tamper_test).
TEST_F(RunnerTest, SignaturesAreCheckedThroughTheChunksLastEvent) {
  auto flip_signature = [](std::string& v) { v[v.size() - 10] ^= 1; };
  std::vector<ledger::Appended> appended;  // one stream: one partition, one chunk
  for (int i = 0; i < 6; ++i) {
    appended.push_back(Append("order/O-1", R"({"n":)" + std::to_string(i) + "}"));
  }
  const ledger::Appended middle = appended[2], last = appended.back();

  Tamper(middle.partition, middle.ledgerseq, flip_signature);
  StartRunner();
  ASSERT_TRUE(runner_->WaitUntilCaughtUp(std::chrono::seconds(10)).ok());
  EXPECT_EQ(Reader().GetRecord("order/O-1")->version, 6u);
  runner_.reset();

  // The same views rebuilt with the last signature bad: the partition stops there,
  // after the five events before it, and says which signature failed.
  store_.reset();
  std::filesystem::remove_all(dir_.path() / "views");
  Tamper(middle.partition, middle.ledgerseq, flip_signature);  // flipped back
  Tamper(last.partition, last.ledgerseq, flip_signature);
  OpenViews();
  StartRunner();
  ledger::Status s = runner_->WaitUntilCaughtUp(std::chrono::seconds(10));
  ASSERT_EQ(s.code(), ledger::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("partition " + std::to_string(last.partition) + " ledgerseq " +
                             std::to_string(last.ledgerseq) + ": the signature does not verify"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(runner_->Applied(last.partition), last.ledgerseq);
  EXPECT_EQ(Reader().GetRecord("order/O-1")->version, 5u);
}

TEST_F(RunnerTest, AGapInTheLogStopsThePartition) {
  ledger::Appended first = Append("order/O-1", "{}");
  Append("order/O-1", "{}");
  Append("order/O-1", "{}");
  ASSERT_TRUE(log_->db()
                  ->Delete(rocksdb::WriteOptions(), log_->events_cf(),
                           ledger::EncodeLogKey(first.partition, first.ledgerseq + 1))
                  .ok());
  StartRunner();
  ledger::Status s = runner_->WaitUntilCaughtUp(std::chrono::seconds(10));
  EXPECT_EQ(s.code(), ledger::Code::kCorruption);
  EXPECT_NE(s.message().find("ledgerseq " + std::to_string(first.ledgerseq + 1)), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("gap"), std::string::npos) << s.ToString();
  EXPECT_EQ(runner_->Applied(first.partition), first.ledgerseq + 1);
}

TEST_F(RunnerTest, ViewsBuiltFromAnotherLogAreRefused) {
  Append("account/ACC-1", R"({"n":1})");
  Append("account/ACC-1", R"({"n":2})");
  StartRunner();
  CatchUp();
  ReplaceLogWithAnEmptyOne();
  OpenWriter();
  Append("account/ACC-1", R"({"n":3})");  // same position, different event
  Append("account/ACC-1", R"({"n":4})");
  runner_ = std::make_unique<Runner>(*store_, *log_, keys_, testing::TestModels());
  ledger::Status s = runner_->Start();
  EXPECT_EQ(s.code(), ledger::Code::kCorruption);
  EXPECT_NE(s.message().find("another log"), std::string::npos) << s.ToString();

  Append("account/ACC-1", R"({"n":5})");  // the views are now behind, still another log
  EXPECT_EQ(runner_->Start().code(), ledger::Code::kCorruption);
}

TEST_F(RunnerTest, ViewsAheadOfTheLogAreRefused) {
  Append("account/ACC-1", "{}");
  Append("account/ACC-1", "{}");
  StartRunner();
  CatchUp();
  ReplaceLogWithAnEmptyOne();
  runner_ = std::make_unique<Runner>(*store_, *log_, keys_, testing::TestModels());
  ledger::Status s = runner_->Start();
  EXPECT_EQ(s.code(), ledger::Code::kCorruption);
  EXPECT_NE(s.message().find("log ends at 0"), std::string::npos) << s.ToString();
}

TEST_F(RunnerTest, AViewsDirOfAnotherPartitionCountIsRefused) {
  store_.reset();
  auto other = ViewStore::Open(dir_.path() / "views", 8);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), ledger::Code::kInvalidArgument);
}

TEST_F(RunnerTest, AFoldThatThrowsStopsThePartition) {
  ledger::Appended a = Append("account/ACC-1", R"({"n":1})", "account.stage");  // no "to"
  StartRunner();
  ledger::Status s = runner_->WaitUntilCaughtUp(std::chrono::seconds(10));
  EXPECT_EQ(s.code(), ledger::Code::kInternal);
  EXPECT_NE(s.message().find("ledgerseq " + std::to_string(a.ledgerseq)), std::string::npos);
}

}  // namespace
}  // namespace projections
