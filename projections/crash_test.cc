// Kill -9 of a projecting process: the views it leaves behind resume exactly, with no
// event applied twice or skipped. The test runs projections_crash_child (crash_child.cc)
// as a child process and kills it at random moments.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "projections/replay.h"
#include "projections/test_util.h"

extern char** environ;

namespace projections {
namespace {

constexpr const char* kCrashDirEnv = "LEDGER_PROJECTIONS_CRASH_DIR";  // read by the child

class CrashTest : public testing::ProjectionTest {
 protected:
  pid_t SpawnChild() {
    std::string exe = PROJECTIONS_CRASH_CHILD;
    char* argv[] = {exe.data(), nullptr};
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    env_strings.push_back(std::string(kCrashDirEnv) + "=" + dir_.path().string());
    std::vector<char*> env;
    for (std::string& s : env_strings) env.push_back(s.data());
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv, env.data());
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
  }
};

TEST_F(CrashTest, KilledProjectionResumesExactly) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  constexpr int kSubjects = 40, kBatches = 12, kBatchEvents = 1000;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<ledger::Command> batch;
    for (int i = 0; i < kBatchEvents; ++i) {
      batch.push_back(ledger::testing::MakeCommand(
          "deal.updated", "deal/D-" + std::to_string(rng() % kSubjects),
          R"({"n":)" + std::to_string(b * kBatchEvents + i) + "}"));
    }
    ASSERT_TRUE(writer_->Append(std::move(batch), "user:crash").ok());
  }
  writer_.reset();
  store_.reset();  // the child owns the views while it runs
  // Kill the child at random moments until it got through (at most 12 times).
  uint64_t applied = 0;
  for (int kill_round = 0; kill_round < 12 && applied < kBatches * kBatchEvents; ++kill_round) {
    pid_t pid = SpawnChild();
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 150));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the child ended before it was killed";
    OpenViews();
    applied = 0;
    for (uint32_t p = 0; p < log_->partitions(); ++p) applied += store_->GetPosition(p)->next_seq;
    store_.reset();
    std::printf("killed the projection at %llu of %d events\n",
                static_cast<unsigned long long>(applied), kBatches * kBatchEvents);
  }
  OpenViews();
  StartRunner();
  CatchUp();
  ViewReader reader = Reader();
  uint64_t total = 0;
  for (int s = 0; s < kSubjects; ++s) {
    const std::string subject = "deal/D-" + std::to_string(s);
    auto page = reader.History(subject, 0, kHistoryLimitMax);
    if (!page.ok()) continue;
    for (size_t v = 0; v < page->entries.size(); ++v) {
      ASSERT_EQ(page->entries[v].version, v + 1) << subject;
    }
    EXPECT_EQ(reader.GetRecord(subject)->version, page->entries.size());
    total += page->entries.size();
  }
  EXPECT_EQ(total, uint64_t{kBatches * kBatchEvents});
  auto replayed = Replay(dir_.path() / "replayed", *log_, keys_, testing::TestModels());
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->digest, *store_->Digest());
}

}  // namespace
}  // namespace projections
