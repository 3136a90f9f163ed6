// Helpers for the projections tests: a trivial fold and index extractor, and a fixture
// with a real embedded log, writer, views database and runner in a temp dir.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "ledger/decider.h"
#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/writer.h"
#include "projections/queries.h"
#include "projections/runner.h"

namespace projections::testing {

// The test domain: an event's data is merged into the state (objects recursively, a
// null member removes the field), except "<kind>.stage", whose data {"to": s} sets
// "stage".
inline void MergeInto(boost::json::object& state, const boost::json::object& data) {
  for (const auto& kv : data) {
    if (kv.value().is_null()) {
      state.erase(kv.key());
    } else if (kv.value().is_object() && state.contains(kv.key()) &&
               state.at(kv.key()).is_object()) {
      MergeInto(state.at(kv.key()).as_object(), kv.value().as_object());
    } else {
      state[kv.key()] = kv.value();
    }
  }
}

inline void TestFold(boost::json::object& state, const ledger::Event& e) {
  if (e.type == std::string(e.kind()) + ".stage") {
    state["stage"] = e.data.at("to");
  } else {
    MergeInto(state, e.data);
  }
}

inline IndexFields TestIndexFields(std::string_view, const boost::json::object& state) {
  auto field = [&](const char* name) {
    const boost::json::value* v = state.if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  return {field("owner"), field("stage"), field("status"), field("account")};
}

// Facts of every event but those of kind "secret", without their "note".
inline std::optional<boost::json::object> TestFact(const ledger::Event& e) {
  if (e.kind() == "secret") return std::nullopt;
  boost::json::object data = e.data;
  data.erase("note");
  return data;
}

inline Models TestModels() { return {TestFold, TestIndexFields, TestFact}; }

inline constexpr ledger::Micros kStartMicros = 1'790'000'000'000'000;

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_.Add(key_.public_key());
    OpenLog();
    OpenWriter();
    OpenViews();
  }
  void TearDown() override {
    runner_.reset();
    writer_.reset();
    store_.reset();
    log_.reset();
  }

  void OpenLog(uint32_t partitions = 4) {
    auto log = ledger::EmbeddedLog::Open(dir_.path() / "log", {.partitions = partitions});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
  }
  void OpenWriter() {
    auto writer = ledger::Writer::Open(*log_, key_, decider_, clock_, {.signer_threads = 1});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(*writer);
  }
  void OpenViews(const std::string& name = "views") {
    auto store = ViewStore::Open(dir_.path() / name, log_->partitions());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void StartRunner(RunnerOptions options = {}) {
    options.follow_wait_ms = std::chrono::milliseconds(20);
    runner_ = std::make_unique<Runner>(*store_, *log_, keys_, TestModels(), options);
    ledger::Status s = runner_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void CatchUp() {
    ledger::Status s = runner_->WaitUntilCaughtUp(std::chrono::seconds(60));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Appends one event (recorded one second after the previous one).
  ledger::Appended Append(const std::string& subject, const std::string& data_json,
                          const std::string& type = "", const std::string& occurredat = "") {
    clock_.Advance(1'000'000);
    ledger::Command c = ledger::testing::MakeCommand(
        type.empty() ? subject.substr(0, subject.find('/')) + ".updated" : type, subject,
        data_json);
    c.occurredat = occurredat;
    auto r = writer_->Append({c}, "user:test");
    LEDGER_ASSERT(r.ok());
    return r->front();
  }

  ViewReader Reader() const { return ViewReader(*store_, TestFold); }

  ledger::testing::TempDir dir_;
  ledger::SigningKey key_ = ledger::testing::TestKey();
  ledger::Keyring keys_;
  ledger::PermissiveDecider decider_;
  ledger::ManualClock clock_{kStartMicros};
  std::unique_ptr<ledger::EmbeddedLog> log_;
  std::unique_ptr<ledger::Writer> writer_;
  std::unique_ptr<ViewStore> store_;
  std::unique_ptr<Runner> runner_;
};

}  // namespace projections::testing
