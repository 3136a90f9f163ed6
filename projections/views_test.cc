#include "projections/views.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "projections/test_util.h"

namespace projections {
namespace {

using testing::ProjectionTest;
using testing::TestModels;
namespace fs = std::filesystem;

class ViewsTest : public ProjectionTest {
 protected:
  void SetUp() override {
    ProjectionTest::SetUp();
    store_.reset();  // the fixture's own views are not used here
    root_ = dir_.path() / "views-root";
  }
  void TearDown() override {
    live_.reset();
    ProjectionTest::TearDown();
  }

  void OpenLive() {
    auto live = LiveViews::Open(root_, *log_, keys_, TestModels(),
                                {.runner = {.follow_wait_ms = std::chrono::milliseconds(20)},
                                 .poll = std::chrono::milliseconds(10)});
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    live_ = std::move(*live);
  }
  // Replays into a build directory and publishes it, as `ledgerctl replay` does.
  std::string ReplayAndPublish(ReplayOptions options = {}) {
    auto build = CreateBuildDir(root_);
    EXPECT_TRUE(build.ok()) << build.status().ToString();
    auto report = Replay(*build, *log_, keys_, TestModels(), options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    auto name = PublishGeneration(root_, *build);
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    return name.ok() ? *name : "";
  }
  // Waits (bounded) until the served generation is `name`.
  void WaitServing(const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (live_->Current()->name != name) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "never swapped to " << name;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void WaitGone(const fs::path& dir) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (fs::exists(dir)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << dir << " was never removed";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::string Digest(const Generation& g) {
    ledger::Status s = g.runner->WaitUntilCaughtUp(std::chrono::seconds(60));
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto digest = g.store->Digest();
    EXPECT_TRUE(digest.ok());
    return digest.ok() ? *digest : "";
  }
  void AppendSome(int n) {
    for (int i = 0; i < n; ++i) {
      Append("opportunity/OPP-" + std::to_string(i % 7), R"({"n":)" + std::to_string(i) + "}");
    }
  }

  fs::path root_;
  std::unique_ptr<LiveViews> live_;
};

TEST_F(ViewsTest, ANewDirectoryGetsTheFirstGenerationAndFollowsTheLog) {
  OpenLive();
  EXPECT_EQ(*ReadActive(root_), "gen-000001");
  AppendSome(10);
  auto current = live_->Current();
  EXPECT_EQ(current->name, "gen-000001");
  Digest(*current);
  EXPECT_EQ(current->reader->GetRecord("opportunity/OPP-2")->version, 2u);
}

TEST_F(ViewsTest, APublishedReplayIsSwappedInAfterCatchingUpAndTheOldOneRemoved) {
  OpenLive();
  AppendSome(20);
  auto old = live_->Current();
  const std::string live_digest = Digest(*old);
  const std::string name = ReplayAndPublish();
  EXPECT_EQ(name, "gen-000002");
  WaitServing(name);
  EXPECT_EQ(live_->swaps(), 1u);
  // A request that held the old generation still reads it, and it is not deleted under it.
  EXPECT_EQ(old->reader->GetRecord("opportunity/OPP-1")->version, 3u);
  EXPECT_TRUE(fs::exists(root_ / "gen-000001"));
  EXPECT_EQ(Digest(*live_->Current()), live_digest);
  old.reset();
  WaitGone(root_ / "gen-000001");
  // The new generation keeps following the log.
  AppendSome(3);
  EXPECT_EQ(Digest(*live_->Current()).size(), 64u);
  EXPECT_EQ(live_->Current()->reader->GetRecord("opportunity/OPP-1")->version, 4u);
}

TEST_F(ViewsTest, APinnedGenerationStaysAtItsPinUntilAnUnpinnedOneReplacesIt) {
  OpenLive();
  AppendSome(12);
  std::vector<uint64_t> stop_at;
  for (uint32_t p = 0; p < log_->partitions(); ++p) stop_at.push_back(log_->End(p));
  const std::string at_pin = Digest(*live_->Current());
  AppendSome(5);
  WaitServing(ReplayAndPublish({.stop_at = stop_at}));
  auto pinned = live_->Current();
  ASSERT_TRUE(pinned->pin.has_value());
  EXPECT_EQ(pinned->pin->stop_at, stop_at);
  EXPECT_EQ(pinned->store->Digest().value(), at_pin);  // the pin itself is not digested
  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    EXPECT_EQ(pinned->runner->Applied(p), stop_at[p]);
  }
  // Read-your-writes beyond the pin is refused at once rather than waiting it out.
  ledger::Appended later = Append("opportunity/OPP-1", R"({"late":true})");
  std::vector<uint64_t> want(log_->partitions(), 0);
  want[later.partition] = later.ledgerseq + 1;
  ledger::Status s = pinned->runner->WaitUntilPositions(want, std::chrono::seconds(60));
  EXPECT_EQ(s.code(), ledger::Code::kUnavailable);
  EXPECT_NE(s.message().find("pinned"), std::string::npos) << s.ToString();
  // An unpinned replay follows the log again.
  WaitServing(ReplayAndPublish());
  EXPECT_FALSE(live_->Current()->pin.has_value());
  EXPECT_TRUE(live_->Current()->runner->WaitUntilPositions(want, std::chrono::seconds(60)).ok());
}

TEST_F(ViewsTest, AGenerationThatCannotServeIsRefusedAndTheOldOneKept) {
  OpenLive();
  AppendSome(5);
  // Views built for another partition count.
  auto build = CreateBuildDir(root_);
  ASSERT_TRUE(build.ok());
  ASSERT_TRUE(ViewStore::Open(*build, log_->partitions() + 1).ok());
  auto name = PublishGeneration(root_, *build);
  ASSERT_TRUE(name.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (live_->swap_failures() == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(live_->Current()->name, "gen-000001");
  AppendSome(2);
  Digest(*live_->Current());  // still following
  // A good replay published later is taken.
  WaitServing(ReplayAndPublish());
}

TEST_F(ViewsTest, SingleDatabaseViewsAreMovedIntoTheFirstGeneration) {
  AppendSome(8);
  auto report = Replay(root_, *log_, keys_, TestModels());  // the layout before generations
  ASSERT_TRUE(report.ok());
  OpenLive();
  EXPECT_EQ(live_->Current()->name, "gen-000001");
  EXPECT_EQ(live_->Current()->store->Digest().value(), report->digest);
}

TEST_F(ViewsTest, StartingRemovesGenerationsOtherThanTheActiveOne) {
  AppendSome(3);
  fs::create_directories(root_);
  const std::string first = ReplayAndPublish();
  const std::string second = ReplayAndPublish();
  EXPECT_EQ(second, "gen-000002");
  EXPECT_TRUE(fs::exists(root_ / first));
  ASSERT_TRUE(CreateBuildDir(root_).ok());  // a build of this (live) process is kept
  OpenLive();
  EXPECT_EQ(live_->Current()->name, second);
  EXPECT_FALSE(fs::exists(root_ / first));
}

TEST_F(ViewsTest, AnActiveFileNamingNoGenerationIsAnError) {
  fs::create_directories(root_);
  std::ofstream(root_ / "ACTIVE") << "../elsewhere\n";
  auto live = LiveViews::Open(root_, *log_, keys_, TestModels());
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.status().code(), ledger::Code::kCorruption);
}

TEST(PinTest, EncodesAndDecodes) {
  Pin pin{.until = 1'790'000'000'123'456, .stop_at = {3, 0, 7}};
  auto back = DecodePin(EncodePin(pin));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, pin);
  EXPECT_EQ(EncodePin(Pin{}), "{}");
  EXPECT_FALSE(DecodePin(R"({"stop_at":[-1]})").ok());
  EXPECT_FALSE(DecodePin(R"({"until":"yesterday"})").ok());
  EXPECT_FALSE(DecodePin(R"({"colour":1})").ok());
}

}  // namespace
}  // namespace projections
