#include "projections/models.h"

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include "ledger/test_util.h"
#include "projections/test_util.h"
#include "projections/view_store.h"

namespace projections {
namespace {

namespace json = boost::json;

class ModelApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ViewStore::Open(dir_.path() / "views", 4);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  ledger::Event MakeEvent(uint64_t version, const ledger::Hash& prev, std::string data) {
    ledger::Event e;
    e.id = "id-" + std::to_string(version);
    e.type = "deal.updated";
    e.subject = "deal/D-1";
    e.time = e.occurredat = "2026-03-02T09:30:00.000000Z";
    e.data = json::parse(data).as_object();
    e.streamversion = version;
    e.streamprev = version == 1 ? "" : ledger::Hex(prev);
    return e;
  }

  ledger::testing::TempDir dir_;
  std::unique_ptr<ViewStore> store_;
  Models models_ = testing::TestModels();
};

TEST_F(ModelApplierTest, LaterEventsOfABatchSeeTheEarlierOnes) {
  ModelApplier applier(*store_, models_);
  rocksdb::WriteBatch batch;
  ledger::Hash h1{}, h2{};
  h1[0] = 1;
  h2[0] = 2;
  ASSERT_TRUE(applier.Apply(MakeEvent(1, {}, R"({"owner":"li"})"), h1, batch).ok());
  ASSERT_TRUE(applier.Apply(MakeEvent(2, h1, R"({"owner":"wang"})"), h2, batch).ok());
  ASSERT_TRUE(store_->Write(batch).ok());
  auto record = store_->GetRecord("deal/D-1");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->version, 2u);
  EXPECT_EQ((*record)->indexed.owner, "wang");
  EXPECT_EQ((*record)->last_hash, ledger::Hex(h2));
}

TEST_F(ModelApplierTest, AStreamChainBreakAddsNothing) {
  ModelApplier applier(*store_, models_);
  rocksdb::WriteBatch batch;
  ledger::Hash h1{}, other{};
  h1[0] = 1;
  other[0] = 9;
  ASSERT_TRUE(applier.Apply(MakeEvent(1, {}, "{}"), h1, batch).ok());
  const size_t count = batch.Count();
  ledger::Status gap = applier.Apply(MakeEvent(3, h1, "{}"), other, batch);
  EXPECT_EQ(gap.code(), ledger::Code::kCorruption);
  EXPECT_NE(gap.message().find("stream chain broken"), std::string::npos);
  ledger::Status wrong_prev = applier.Apply(MakeEvent(2, other, "{}"), other, batch);
  EXPECT_EQ(wrong_prev.code(), ledger::Code::kCorruption);
  EXPECT_EQ(batch.Count(), count);
}

struct OtherIndexFields {
  std::string_view owner, stage, status, account;
};

TEST(IndexExtractorFromTest, AdaptsAnyStructWithTheFourFields) {
  IndexExtractor extract = IndexExtractorFrom([](std::string_view kind, const json::object&) {
    return OtherIndexFields{"li", kind, "open", ""};
  });
  EXPECT_EQ(extract("deal", {}), (IndexFields{"li", "deal", "open", ""}));
}

}  // namespace
}  // namespace projections
