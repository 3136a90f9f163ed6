// A seeded random test of the projections against a simple in-memory model: random
// appends across subjects, random stops and restarts of the runner (and of the views
// database and the writer), random replays (to the end or to a recorded time), all
// compared with what folding each subject's events in memory gives.
//
// The seed is printed; LEDGER_TEST_SEED=<n> replays a run.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "projections/replay.h"
#include "projections/test_util.h"

namespace projections {
namespace {

namespace json = boost::json;
using ledger::Micros;
using testing::TestFold;

struct ModelEvent {
  std::string type;
  json::object data;
  Micros time = 0;
  Micros occurred = 0;
};

// What the views should say, computed the simplest way.
class Model {
 public:
  void Add(const std::string& subject, ModelEvent e) { streams_[subject].push_back(std::move(e)); }
  const std::map<std::string, std::vector<ModelEvent>>& streams() const { return streams_; }

  // The fold of the subject's events that `keep`, in stream order, and how many.
  template <class Keep>
  std::pair<json::object, uint64_t> Fold(const std::string& subject, Keep keep) const {
    json::object state;
    uint64_t n = 0;
    auto it = streams_.find(subject);
    if (it == streams_.end()) return {state, 0};
    for (const ModelEvent& e : it->second) {
      if (!keep(e)) continue;
      ledger::Event event;
      event.subject = subject;
      event.type = e.type;
      event.data = e.data;
      TestFold(state, event);
      ++n;
    }
    return {state, n};
  }

 private:
  std::map<std::string, std::vector<ModelEvent>> streams_;
};

uint64_t TestSeed() {
  if (const char* env = std::getenv("LEDGER_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}() * 0x100000001ull ^ std::random_device{}();
}

class RandomTest : public testing::ProjectionTest {
 protected:
  const std::vector<std::string> kSubjects = {
      "opportunity/OPP-1", "opportunity/OPP-2", "opportunity/OPP-3", "opportunity/OPP-4",
      "account/ACC-1",     "account/ACC-2",     "lead/L-1",          "lead/L-2",
      "lead/L-3",          "ticket/T-1"};
  const std::vector<std::string> kOwners = {"li", "wang", "zhao"};
  const std::vector<std::string> kStages = {"proposal", "negotiation", "won", "lost"};

  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[rng_() % v.size()];
  }

  ledger::Command RandomCommand(const std::string& subject) {
    const std::string kind = subject.substr(0, subject.find('/'));
    json::object data;
    std::string type = kind + ".updated";
    if (rng_() % 5 == 0) {
      type = kind + ".stage";
      data["to"] = Pick(kStages);
    } else {
      if (rng_() % 2) data["owner"] = rng_() % 6 ? json::value(Pick(kOwners)) : json::value();
      if (rng_() % 3 == 0) data["stage"] = Pick(kStages);
      if (rng_() % 3 == 0) data["status"] = rng_() % 2 ? "open" : "closed";
      if (rng_() % 4 == 0) data["account"] = "ACC-" + std::to_string(rng_() % 3);
      if (rng_() % 2) data["n"] = static_cast<int64_t>(rng_() % 1000);
      if (rng_() % 3 == 0) data["nested"] = json::object{{"x", static_cast<int64_t>(rng_() % 3)}};
    }
    ledger::Command c;
    c.type = type;
    c.subject = subject;
    c.data = std::move(data);
    // Business time: up to two days either side of the recorded time.
    const Micros skew = static_cast<Micros>(rng_() % 345'600) * 1'000'000 - 172'800'000'000;
    c.occurredat = ledger::FormatRfc3339(clock_.NowMicros() + skew);
    return c;
  }

  void AppendBatch() {
    clock_.Advance(static_cast<Micros>(1 + rng_() % 3) * 1'000'000);
    std::vector<ledger::Command> batch;
    for (size_t i = 0, n = 1 + rng_() % 4; i < n; ++i)
      batch.push_back(RandomCommand(Pick(kSubjects)));
    auto appended = writer_->Append(batch, "user:random");
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    for (size_t i = 0; i < batch.size(); ++i) {
      model_.Add(batch[i].subject,
                 {batch[i].type, batch[i].data, *ledger::ParseRfc3339((*appended)[i].time),
                  *ledger::ParseRfc3339(batch[i].occurredat)});
      times_.push_back(*ledger::ParseRfc3339((*appended)[i].time));
    }
  }

  RunnerOptions RandomRunnerOptions() {
    return {.limits = {.chunk_events_max = 1 + rng_() % 8},
            .threads_max = static_cast<unsigned>(1 + rng_() % 4)};
  }

  // The views against the model of every event recorded at or before `until`.
  void CheckRecords(Micros until) {
    ViewReader reader = Reader();
    for (const std::string& s : kSubjects) {
      auto [state, n] = model_.Fold(s, [&](const ModelEvent& e) { return e.time <= until; });
      auto record = reader.GetRecord(s);
      if (n == 0) {
        EXPECT_EQ(record.status().code(), ledger::Code::kNotFound) << s;
        continue;
      }
      ASSERT_TRUE(record.ok()) << s << ": " << record.status().ToString();
      EXPECT_EQ(record->version, n) << s;
      EXPECT_EQ(record->state, state) << s;
    }
  }

  void CheckHistoryAndAsOf() {
    ViewReader reader = Reader();
    for (const auto& [subject, events] : model_.streams()) {
      auto page = reader.History(subject, 0, kHistoryLimitMax);
      ASSERT_TRUE(page.ok());
      ASSERT_EQ(page->entries.size(), events.size()) << subject;
      json::object state;
      for (size_t v = 0; v < events.size(); ++v) {
        std::tie(state, std::ignore) = model_.Fold(
            subject, [&, i = size_t{0}](const ModelEvent&) mutable { return i++ <= v; });
        EXPECT_EQ(page->entries[v].version, v + 1) << subject;
        EXPECT_EQ(page->entries[v].state, state) << subject << " v" << v + 1;
      }
      const Micros t = Pick(times_) + (rng_() % 2 ? 0 : -1);
      auto [at_state, at_n] =
          model_.Fold(subject, [&](const ModelEvent& e) { return e.time <= t; });
      auto at = reader.StateAsOf(subject, t);
      EXPECT_EQ(at.ok(), at_n > 0) << subject;
      if (at.ok()) {
        EXPECT_EQ(at->state, at_state) << subject;
      }
      const Micros b = events[rng_() % events.size()].occurred;
      auto [b_state, b_n] =
          model_.Fold(subject, [&](const ModelEvent& e) { return e.occurred <= b; });
      auto business = reader.StateAsOfBusiness(subject, b);
      ASSERT_TRUE(business.ok()) << subject;
      EXPECT_EQ(business->state, b_state) << subject;
      EXPECT_EQ(business->events, b_n) << subject;
    }
  }

  void CheckLists() {
    ViewReader reader = Reader();
    for (const std::string kind : {"opportunity", "account", "lead", "ticket"}) {
      for (const std::string& owner : kOwners) {
        std::vector<std::string> expected, got;
        for (const auto& [subject, events] : model_.streams()) {
          if (!subject.starts_with(kind + "/")) continue;
          auto state = model_.Fold(subject, [](const ModelEvent&) { return true; }).first;
          const json::value* o = state.if_contains("owner");
          if (o && o->is_string() && o->get_string() == owner) expected.push_back(subject);
        }
        std::string cursor;
        do {
          auto page = reader.List(kind, {.owner = owner}, 1 + rng_() % 3, cursor);
          ASSERT_TRUE(page.ok()) << page.status().ToString();
          for (const RecordState& r : page->records) got.push_back(r.subject());
          cursor = page->cursor;
        } while (!cursor.empty());
        EXPECT_EQ(got, expected) << kind << " owner " << owner;
      }
    }
  }

  void ReplayAtRandom() {
    runner_.reset();
    store_.reset();
    std::optional<Micros> until;
    if (!times_.empty() && rng_() % 2) until = Pick(times_);
    auto report = Replay(dir_.path() / "views", *log_, keys_, testing::TestModels(),
                         {.until = until, .runner = RandomRunnerOptions()});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    OpenViews();
    CheckRecords(until.value_or(INT64_MAX));
    StartRunner(RandomRunnerOptions());
  }

  std::mt19937_64 rng_;
  Model model_;
  std::vector<Micros> times_;
};

TEST_F(RandomTest, ProjectionsMatchASimpleModel) {
  const uint64_t seed = TestSeed();
  std::printf("projections random test: LEDGER_TEST_SEED=%llu\n",
              static_cast<unsigned long long>(seed));
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("LEDGER_TEST_SEED=" + std::to_string(seed));
  rng_.seed(seed);
  StartRunner(RandomRunnerOptions());
  for (int step = 0; step < 250 && !HasFatalFailure(); ++step) {
    const unsigned op = rng_() % 100;
    if (op < 62) {
      AppendBatch();
    } else if (op < 74) {  // stop the runner wherever it is; maybe reopen the views too
      runner_.reset();
      if (rng_() % 2) {
        store_.reset();
        OpenViews();
      }
      StartRunner(RandomRunnerOptions());
    } else if (op < 80) {
      writer_.reset();
      OpenWriter();
    } else if (op < 85) {
      ReplayAtRandom();
    } else {
      CatchUp();
      CheckRecords(INT64_MAX);
    }
  }
  CatchUp();
  CheckRecords(INT64_MAX);
  CheckHistoryAndAsOf();
  CheckLists();
  auto live = store_->Digest();
  auto replayed = Replay(dir_.path() / "replayed", *log_, keys_, testing::TestModels());
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(replayed->digest, *live);
}

}  // namespace
}  // namespace projections
