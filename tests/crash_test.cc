// Crash recovery with a real process: `ledgerctl append` is killed with SIGKILL at a
// random moment while batches are in flight, several times over one data dir. After
// each kill every acknowledged command must be in the log exactly as acknowledged, the
// log must verify, and the next append must continue the chains. Each round re-runs the
// same file: ids make the retries idempotent (replayed, never duplicated).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <random>

#include "ledger/event.h"
#include "ledger/event_log.h"
#include "tests/fixtures.h"

namespace ledger_test {
namespace {

constexpr int kRegistrations = 2400;
constexpr int kRounds = 5;  // the last one runs to the end

// 2400 registrations, and after every 4th a rename of an account registered two lines
// earlier (expectedversion 1): 3000 commands, some depending on earlier lines.
std::string CrashInput(size_t& commands) {
  std::string out;
  commands = 0;
  for (int n = 1; n <= kRegistrations; ++n) {
    out += AccountRegistrations(n, 1);
    ++commands;
    if (n % 4 == 0) {
      out += AccountRename(n - 2);
      ++commands;
    }
  }
  return out;
}

uint64_t Seed() {
  if (const char* env = std::getenv("LEDGER_TEST_SEED")) return std::stoull(env);
  return std::random_device{}();
}

// What was acknowledged for one command (by id), in any round.
struct Known {
  uint32_t partition;
  uint64_t ledgerseq;
  uint64_t streamversion;
  std::string hash;
};

class CrashTest : public ::testing::Test {
 protected:
  // Records the acks of one round, checking them against earlier rounds'.
  void Record(const std::vector<Ack>& acks) {
    for (const Ack& a : acks) {
      auto [it, fresh] =
          known_.try_emplace(a.id, Known{a.partition, a.ledgerseq, a.streamversion, a.hash});
      if (!fresh) {
        EXPECT_TRUE(a.replayed) << "id " << a.id
                                << " was acknowledged before, so a retry must be replayed";
        EXPECT_EQ(it->second.partition, a.partition) << a.id;
        EXPECT_EQ(it->second.ledgerseq, a.ledgerseq) << a.id;
        EXPECT_EQ(it->second.hash, a.hash) << a.id;
      }
      acked_lines_ = std::max(acked_lines_, a.line);
    }
  }

  // Every acknowledged id is in the log where and as it was acknowledged.
  void ExpectAcknowledgedInLog() {
    auto log = ledger::EmbeddedLog::Open(data_ / "log", {.read_only = true});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (const auto& [id, k] : known_) {
      auto records = ledger::ReadRecords(**log, k.partition, k.ledgerseq, 1);
      ASSERT_TRUE(records.ok()) << records.status().ToString();
      ASSERT_EQ(records->size(), 1u)
          << id << " is not in the log at " << k.partition << "/" << k.ledgerseq;
      const ledger::SignedRecord& r = records->front();
      EXPECT_EQ(ledger::Hex(r.leaf_hash()), k.hash) << id;
      auto event = ledger::ParseEvent(r.event);
      ASSERT_TRUE(event.ok());
      EXPECT_EQ(event->id, id);
      EXPECT_EQ(event->streamversion, k.streamversion) << id;
    }
  }

  uint64_t VerifiedEvents() {
    ProcessResult verify = Ledgerctl({"verify", "--data", data_});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    const size_t at = verify.out.find("\nevents: ");
    EXPECT_NE(at, std::string::npos) << verify.out;
    return at == std::string::npos ? 0 : std::stoull(verify.out.substr(at + 9));
  }

  std::vector<std::string> AppendArgs() const {
    return {LedgerctlPath(),
            "append",
            "--data",
            data_,
            "--file",
            input_,
            "--concurrency",
            "8",
            "--batch",
            "16",
            "--master-key-file",
            MasterKeyFile(data_)};
  }

  TempDir tmp_;
  fs::path data_ = tmp_ / "data";
  fs::path input_ = tmp_ / "input.ndjson";
  std::map<std::string, Known> known_;
  uint64_t acked_lines_ = 0;  // acks are printed in file order: lines 1..acked_lines_ are in
};

TEST_F(CrashTest, KilledAppendsLoseNothingAcknowledgedAndRetriesAreIdempotent) {
  const uint64_t seed = Seed();
  std::cout << "crash test seed: " << seed << " (set LEDGER_TEST_SEED to repeat)" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  size_t commands = 0;
  WriteFile(input_, CrashInput(commands));

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool last = round == kRounds - 1;
    // Kill after the ack of a random line at most a quarter of the remaining file
    // ahead, so that the child is always mid-import (far more lines remain than a pipe
    // holds) when it dies.
    const uint64_t remaining = commands - acked_lines_;
    const uint64_t kill_after =
        last ? commands : acked_lines_ + 1 + rng() % std::max<uint64_t>(1, remaining / 4);
    Child child(AppendArgs(), tmp_ / ("append-" + std::to_string(round) + ".err"));
    std::vector<std::string> lines;
    for (uint64_t line_acked = 0; line_acked < kill_after;) {
      std::optional<std::string> line = child.ReadLine();
      if (!line) break;
      std::optional<Ack> ack = ParseAck(*line);
      ASSERT_TRUE(ack) << *line;
      line_acked = ack->line;
      lines.push_back(std::move(*line));
    }
    if (!last) child.Kill();
    ProcessResult ended;
    for (std::string& line : child.Finish(ended)) lines.push_back(std::move(line));
    const std::string err = ReadFile(tmp_ / ("append-" + std::to_string(round) + ".err"));
    if (last) {
      ASSERT_EQ(ended.exit_code, 0) << err;
    } else {
      ASSERT_EQ(ended.signal, SIGKILL) << "the child ended before it was killed: " << err;
    }
    std::vector<Ack> acks;
    for (const std::string& line : lines) {
      if (auto a = ParseAck(line)) acks.push_back(std::move(*a));
    }
    ASSERT_GE(acks.size(), kill_after) << err;
    for (size_t i = 0; i < acks.size(); ++i)
      ASSERT_EQ(acks[i].line, i + 1) << "acks come in file order";
    Record(acks);
    ExpectAcknowledgedInLog();
    const uint64_t events = VerifiedEvents();
    EXPECT_GE(events, known_.size());
    std::cout << "round " << round << ": " << acks.size() << " acks, " << known_.size()
              << " ids known, " << events << " events in the log" << (last ? "" : " after SIGKILL")
              << std::endl;
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(known_.size(), commands);
  EXPECT_EQ(VerifiedEvents(), commands) << "every command exactly once";

  // One more run over the finished import: everything replayed, nothing added.
  ProcessResult again = RunProcess(AppendArgs());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::vector<Ack> acks = ParseAcks(again.out);
  ASSERT_EQ(acks.size(), commands);
  for (const Ack& a : acks) ASSERT_TRUE(a.replayed) << a.id;
  Record(acks);
  // And new commands continue the chains after all those crashes.
  WriteFile(tmp_ / "more.ndjson",
            AccountRegistrations(kRegistrations + 1, 50) + AccountRename(kRegistrations + 1));
  ProcessResult more = Ledgerctl({"append", "--data", data_, "--file", tmp_ / "more.ndjson"});
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(VerifiedEvents(), commands + 51);
}

}  // namespace
}  // namespace ledger_test
