#include "ledger/writer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/verify.h"

namespace ledger {
namespace {

using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

// A decider with just enough rules to exercise the writer: "counter.bumped" may happen
// at most `limit` times per subject; "test.reject" is always refused; "test.invalid"
// fails shape validation; every event also bumps a tally kept on subject "tally/all".
class CountingDecider final : public Decider {
 public:
  std::vector<Violation> Validate(const Command& c) const override {
    if (c.type == "test.invalid") return {{"/data/x", "is wrong"}, {"/data/y", "is also wrong"}};
    return {};
  }
  Status Check(const Command& c, DecisionContext& ctx) const override {
    if (c.type == "test.reject") return Status::IllegalTransition("no", {{"/type", "is refused"}});
    if (c.type == "counter.bumped" && Count(ctx.State(c.subject)) >= 3) {
      return Status::IllegalTransition("limit reached", {{"/data", "counter is at its limit"}});
    }
    return Status::Ok();
  }
  void Apply(const Event& e, DecisionContext& ctx) const override {
    ctx.PutState(e.subject, std::to_string(Count(ctx.State(e.subject)) + 1));
    ctx.PutState("tally/all", std::to_string(Count(ctx.State("tally/all")) + 1));
  }
  static int Count(const std::string& s) { return s.empty() ? 0 : std::stoi(s); }
};

class WriterTest : public ::testing::Test {
 protected:
  void Open(uint32_t partitions = 4) {
    auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = partitions});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    auto writer = Writer::Open(*log_, key_, decider_, clock_, {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(*writer);
  }
  void Reopen() {
    writer_.reset();
    log_.reset();
    Open();
  }
  uint64_t Total() {
    uint64_t n = 0;
    for (uint32_t p = 0; p < log_->partitions(); ++p) n += log_->End(p);
    return n;
  }
  VerifyReport Verify() {
    Keyring ring;
    ring.Add(key_.public_key());
    auto report = VerifyLog(*log_, ring, {});
    LEDGER_ASSERT(report.ok());
    return *report;
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  CountingDecider decider_;
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<EmbeddedLog> log_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(WriterTest, AppendsLinkedSignedEvents) {
  Open();
  auto r1 = writer_->Append(
      {MakeCommand("account.registered", "account/ACC-1", R"({"name":"甲"})")}, "user:a");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto r2 = writer_->Append({MakeCommand("account.renamed", "account/ACC-1", R"({"name":"乙"})")},
                            "user:b");
  ASSERT_TRUE(r2.ok());
  const Appended& a = r1->front();
  const Appended& b = r2->front();
  EXPECT_EQ(a.streamversion, 1u);
  EXPECT_EQ(b.streamversion, 2u);
  EXPECT_EQ(a.partition, b.partition);
  EXPECT_EQ(b.ledgerseq, a.ledgerseq + 1);
  EXPECT_EQ(a.id.size(), 36u);  // a generated UUIDv7
  EXPECT_EQ(a.id[14], '7');
  auto records = ReadRecords(*log_, b.partition, b.ledgerseq, 1);
  ASSERT_TRUE(records.ok() && records->size() == 1);
  auto event = ParseEvent(records->front().event);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->streamprev, Hex(a.hash));
  EXPECT_EQ(event->ledgerprev, Hex(a.hash));
  EXPECT_EQ(event->actor, "user:b");
  EXPECT_EQ(event->occurredat, event->time);
  EXPECT_EQ(records->front().leaf_hash(), b.hash);
  EXPECT_TRUE(key_.public_key().Verify(b.hash, records->front().signature));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(WriterTest, ExpectedVersionMismatchIsAConflictAndAppendsNothing) {
  Open();
  ASSERT_TRUE(writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a").ok());
  Command stale = MakeCommand("a.b", "account/ACC-1");
  stale.expectedversion = 0;
  auto r = writer_->Append({MakeCommand("a.b", "account/ACC-2"), stale}, "user:a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(r.status().current_version(), 1u);
  ASSERT_EQ(r.status().violations().size(), 1u);
  EXPECT_EQ(r.status().violations()[0].pointer, "/events/1/expectedversion");
  EXPECT_EQ(Total(), 1u);  // the batch's first event was not appended either
  stale.expectedversion = 1;
  EXPECT_TRUE(writer_->Append({stale}, "user:a").ok());
}

TEST_F(WriterTest, RetriedIdReturnsTheOriginalResultEvenAfterRestart) {
  Open();
  Command c = MakeCommand("a.b", "account/ACC-1", R"({"n":1})", "client-key-1");
  auto first = writer_->Append({c}, "user:a");
  ASSERT_TRUE(first.ok());
  auto again = writer_->Append({c}, "user:a");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->front().replayed);
  EXPECT_EQ(again->front().hash, first->front().hash);
  EXPECT_EQ(again->front().ledgerseq, first->front().ledgerseq);
  Reopen();
  auto after = writer_->Append({c}, "user:a");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->front().replayed);
  EXPECT_EQ(after->front().time, first->front().time);
  Command reused = MakeCommand("a.b", "account/ACC-1", R"({"n":2})", "client-key-1");
  auto conflict = writer_->Append({reused}, "user:a");
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  EXPECT_EQ(conflict.status().violations().at(0).pointer, "/events/0/id");
  EXPECT_EQ(Total(), 1u);
}

TEST_F(WriterTest, DuplicateIdInsideOneBatchIsWrittenOnce) {
  Open();
  Command c = MakeCommand("a.b", "account/ACC-1", "{}", "dup");
  auto r = writer_->Append({c, c}, "user:a");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].replayed);
  EXPECT_TRUE((*r)[1].replayed);
  EXPECT_EQ(Total(), 1u);
}

TEST_F(WriterTest, BatchIsAtomicOnRuleAndShapeFailures) {
  Open();
  auto refused = writer_->Append(
      {MakeCommand("a.b", "account/ACC-1"), MakeCommand("test.reject", "account/ACC-2")}, "user:a");
  EXPECT_EQ(refused.status().code(), Code::kIllegalTransition);
  EXPECT_EQ(refused.status().violations().at(0).pointer, "/events/1/type");
  auto invalid =
      writer_->Append({MakeCommand("a.b", "account/ACC-1"), MakeCommand("test.invalid", "x/1"),
                       MakeCommand("test.invalid", "x/2")},
                      "user:a");
  EXPECT_EQ(invalid.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(invalid.status().violations().size(), 4u);  // every violation of every event
  EXPECT_EQ(invalid.status().violations().at(3).pointer, "/events/2/data/y");
  EXPECT_EQ(Total(), 0u);
  EXPECT_TRUE(writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a").ok());
}

TEST_F(WriterTest, DecisionStateIsKeptAcrossBatchesRestartsAndSubjects) {
  Open();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(writer_->Append({MakeCommand("counter.bumped", "counter/C-1")}, "user:a").ok());
  }
  EXPECT_EQ(
      writer_->Append({MakeCommand("counter.bumped", "counter/C-1")}, "user:a").status().code(),
      Code::kIllegalTransition);
  Reopen();
  EXPECT_EQ(
      writer_->Append({MakeCommand("counter.bumped", "counter/C-1")}, "user:a").status().code(),
      Code::kIllegalTransition);
  // Within one batch the rule sees the batch's own earlier events.
  auto r = writer_->Append(
      {MakeCommand("counter.bumped", "counter/C-2"), MakeCommand("counter.bumped", "counter/C-2"),
       MakeCommand("counter.bumped", "counter/C-2"), MakeCommand("counter.bumped", "counter/C-2")},
      "user:a");
  EXPECT_EQ(r.status().code(), Code::kIllegalTransition);
  EXPECT_EQ(r.status().violations().at(0).pointer, "/events/3/data");
  auto tally = log_->GetState(StateTable::kStreams, "tally/all");
  ASSERT_TRUE(tally.ok() && tally->has_value());  // cross-subject state persisted
}

TEST_F(WriterTest, RecordedTimeNeverGoesBackwards) {
  Open();
  auto a = writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a");
  clock_.Advance(-5'000'000);
  auto b = writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LE(a->front().time, b->front().time);
  Reopen();
  clock_.Advance(-5'000'000);
  auto c = writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a");
  ASSERT_TRUE(c.ok());
  EXPECT_LE(b->front().time, c->front().time);
}

TEST_F(WriterTest, ManyThreadsKeepBothChainsIntact) {
  Open();
  constexpr int kThreads = 16, kBatches = 40, kSubjects = 30;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatches; ++i) {
        std::vector<Command> batch;
        for (int k = 0; k < 1 + (i % 3); ++k) {
          batch.push_back(MakeCommand("a.b",
                                      "account/ACC-" + std::to_string((t * 7 + i + k) % kSubjects),
                                      R"({"t":)" + std::to_string(t) + "}"));
        }
        if (!writer_->Append(std::move(batch), "user:t" + std::to_string(t)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const uint64_t expected =
      kThreads * ((kBatches / 3) * 6 + (kBatches % 3 >= 1 ? 1 : 0) + (kBatches % 3 >= 2 ? 2 : 0));
  EXPECT_EQ(Total(), expected);
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.failure->reason;
  EXPECT_EQ(report.events, expected);
  EXPECT_EQ(report.subjects, static_cast<uint64_t>(kSubjects));
}

TEST_F(WriterTest, ClosedWriterRefusesNewWork) {
  Open();
  writer_->Close();
  EXPECT_EQ(writer_->Append({MakeCommand("a.b", "account/ACC-1")}, "user:a").status().code(),
            Code::kUnavailable);
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

Command Retraction(const std::string& subject, const std::string& event, std::string reason = "",
                   std::string id = "") {
  boost::json::object data{{"event", event},
                           {"reason", reason.empty() ? "typed in error" : reason}};
  return MakeCommand(std::string(kRetractionType), subject, boost::json::serialize(data),
                     std::move(id));
}

// A decider that forbids retracting "account.registered" (as a domain forbids undoing a
// creation) and counts events in its state.
class RetractingDecider final : public Decider {
 public:
  std::vector<Violation> Validate(const Command&) const override { return {}; }
  Status Check(const Command&, DecisionContext&) const override { return Status::Ok(); }
  void Apply(const Event& e, DecisionContext& ctx) const override {
    const std::string s = ctx.State(e.subject);
    ctx.PutState(e.subject, std::to_string((s.empty() ? 0 : std::stoi(s)) + 1));
  }
  std::optional<std::string> Unretractable(const Event& target) const override {
    if (target.type == "account.registered") return "a creation stays";
    return std::nullopt;
  }
};

class RetractionTest : public ::testing::Test {
 protected:
  void Open() {
    writer_.reset();
    log_.reset();
    auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = 2});
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    auto writer = Writer::Open(*log_, key_, decider_, clock_, {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(writer).value();
  }
  Status Append(std::vector<Command> batch) {
    return writer_->Append(std::move(batch), "user:a").status();
  }
  std::set<std::string> Pointers(const Status& s) {
    std::set<std::string> out;
    for (const Violation& v : s.violations()) out.insert(v.pointer);
    return out;
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  RetractingDecider decider_;
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<EmbeddedLog> log_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(RetractionTest, AnEventIsRetractedOnceOnItsOwnSubjectAndTheRulesHoldAfterARestart) {
  Open();
  ASSERT_TRUE(Append({MakeCommand("account.registered", "account/A", "{}", "reg-a"),
                      MakeCommand("account.renamed", "account/A", R"({"name":"x"})", "ren-a"),
                      MakeCommand("account.registered", "account/B", "{}", "reg-b")})
                  .ok());
  // Shape: every problem at once, before anything is sequenced.
  Command bad = MakeCommand(std::string(kRetractionType), "account/A", R"({"why":1})");
  Status shape = Append({bad});
  EXPECT_EQ(shape.code(), Code::kInvalidArgument);
  EXPECT_EQ(Pointers(shape), (std::set<std::string>{"/events/0/data/event", "/events/0/data/reason",
                                                    "/events/0/data/why"}));
  // Not an event; another subject's; one the decider keeps.
  EXPECT_EQ(Append({Retraction("account/A", "nope")}).code(), Code::kIllegalTransition);
  Status other = Append({Retraction("account/B", "ren-a")});
  EXPECT_EQ(other.code(), Code::kInvalidArgument);
  EXPECT_EQ(Pointers(other), std::set<std::string>{"/events/0/data/event"});
  Status kept = Append({Retraction("account/A", "reg-a")});
  EXPECT_EQ(kept.code(), Code::kIllegalTransition);
  EXPECT_NE(kept.message().find("a creation stays"), std::string::npos);
  // Retracted once: appended on the subject's stream, leaving decision state alone.
  auto done = writer_->Append({Retraction("account/A", "ren-a", "wrong name", "ret-1")}, "user:a");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->front().streamversion, 3u);
  EXPECT_EQ(Append({Retraction("account/A", "ren-a")}).code(), Code::kIllegalTransition);
  EXPECT_EQ(Append({Retraction("account/A", "ret-1")}).code(), Code::kIllegalTransition);
  // A retry of the retraction itself is idempotent.
  auto retry = writer_->Append({Retraction("account/A", "ren-a", "wrong name", "ret-1")}, "user:a");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->front().replayed);
  // In one batch with the event it retracts.
  ASSERT_TRUE(Append({MakeCommand("account.renamed", "account/B", R"({"name":"y"})", "ren-b"),
                      Retraction("account/B", "ren-b")})
                  .ok());
  // After a restart (state read back from the log) the rules still hold.
  Open();
  EXPECT_EQ(Append({Retraction("account/A", "ren-a")}).code(), Code::kIllegalTransition);
  EXPECT_EQ(Append({Retraction("account/B", "ren-b")}).code(), Code::kIllegalTransition);
  Keyring ring;
  ring.Add(key_.public_key());
  auto report = VerifyLog(*log_, ring, {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->events, 6u);
}

}  // namespace
}  // namespace ledger
