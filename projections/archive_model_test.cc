// The archive model: sealed closed records leave lists but keep their record and
// history; a later event brings one back; and replaying a pruned log from its bundle,
// then re-applying the bundle, gives the same views as live projection did.
#include "projections/archive_model.h"

#include <gtest/gtest.h>

#include "ledger/archive.h"
#include "ledger/archive_log.h"
#include "projections/replay.h"
#include "projections/test_util.h"

namespace projections {
namespace {

using testing::ProjectionTest;
using testing::TestModels;

class ArchiveModelTest : public ProjectionTest {
 protected:
  void SetUp() override {
    ProjectionTest::SetUp();
    StartRunner();
  }
  std::vector<std::string> Listed(std::string_view kind) {
    auto page = Reader().List(kind, ListFilter{}, 100, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (page.ok())
      for (const RecordState& r : page->records) out.push_back(r.subject());
    return out;
  }
  ledger::ArchivedRecord Sealed(const std::string& subject) {
    auto r = store_->GetRecord(subject);
    LEDGER_ASSERT(r.ok() && r->has_value());
    const RecordState& s = **r;
    return {subject, s.version, s.last_hash, s.partition, s.ledgerseq};
  }
  // Ten deals, the even ones won; then OPP-2 is reopened.
  void Story() {
    for (int i = 0; i < 10; ++i) {
      const std::string subject = "opportunity/OPP-" + std::to_string(i);
      Append(subject, R"({"owner":"li","stage":"open"})");
      if (i % 2 == 0) Append(subject, R"({"to":"won"})", "opportunity.stage");
    }
    CatchUp();
  }
};

TEST_F(ArchiveModelTest, ArchivedRecordsLeaveListsKeepHistoryAndComeBackOnAnEvent) {
  Story();
  std::vector<ledger::ArchivedRecord> sealed;
  for (int i = 0; i < 10; i += 2) sealed.push_back(Sealed("opportunity/OPP-" + std::to_string(i)));
  runner_->Stop();
  auto report = ApplyArchivedRecords(*store_, sealed);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->archived, 5u);
  EXPECT_EQ(Listed("opportunity").size(), 5u);
  auto record = Reader().GetRecord("opportunity/OPP-2");
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->archived);
  auto history = Reader().History("opportunity/OPP-2", 0, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->entries.size(), 2u);
  // Idempotent: nothing changes the second time.
  auto digest = store_->Digest().value();
  EXPECT_EQ(ApplyArchivedRecords(*store_, sealed)->already, 5u);
  EXPECT_EQ(store_->Digest().value(), digest);

  StartRunner();
  Append("opportunity/OPP-2", R"({"to":"open"})", "opportunity.stage");  // reopened
  CatchUp();
  EXPECT_FALSE(Reader().GetRecord("opportunity/OPP-2")->archived);
  EXPECT_EQ(Listed("opportunity").size(), 6u);
  runner_->Stop();
  EXPECT_EQ(ApplyArchivedRecords(*store_, sealed)->changed_since, 1u);  // stays hot
}

TEST_F(ArchiveModelTest, ReplayOfAPrunedLogFromItsBundleGivesTheSameViews) {
  Story();
  const ledger::Micros before = clock_.NowMicros() + 1;
  Story();  // the same deals again, after the cut: later versions
  Append("opportunity/OPP-11", R"({"owner":"li","stage":"open"})");
  Append("opportunity/OPP-11", R"({"to":"won"})", "opportunity.stage");
  CatchUp();
  runner_->Stop();
  ledger::ArchiveRequest request{"sales-ledger", ledger::FormatRfc3339(before), "", {}, {}};
  std::vector<uint64_t> cuts;
  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    cuts.push_back(ledger::CutBefore(*log_, p, before).value());
    request.partitions.push_back({p, 0, cuts.back(), "", writer_->CheckpointNow(p).value()});
  }
  // The bundle's range is the first story; the record sealed is OPP-11 (as the views
  // hold it), so the archive model has something to re-apply after the replay.
  auto bundle = ledger::BuildArchive(*log_, keys_, request);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto verified = ledger::VerifyArchive(*bundle, &keys_);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  const std::vector<ledger::ArchivedRecord> sealed = {Sealed("opportunity/OPP-11")};
  ASSERT_TRUE(ApplyArchivedRecords(*store_, sealed).ok());
  const std::string live = store_->Digest().value();

  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    ASSERT_TRUE(ledger::PruneBelow(*log_, p, cuts[p]).ok());
  }
  // The pruned log alone cannot be replayed; with its bundle it can.
  EXPECT_FALSE(Replay(dir_.path() / "alone", *log_, keys_, TestModels()).ok());
  auto joined = ledger::ArchiveBackedLog::Open(*log_, {std::move(*verified)});
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  auto report = Replay(dir_.path() / "rebuilt", **joined, keys_, TestModels());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto rebuilt = ViewStore::Open(dir_.path() / "rebuilt", log_->partitions()).value();
  ASSERT_TRUE(ApplyArchivedRecords(*rebuilt, sealed).ok());
  EXPECT_EQ(rebuilt->Digest().value(), live);
}

}  // namespace
}  // namespace projections
