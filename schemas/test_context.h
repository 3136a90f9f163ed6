// Test-only helpers for schemas/*_test.cc: an in-memory DecisionContext that plays
// the writer's part (stream versions and decision state per subject), a small world
// to append commands to, commands from JSON text, and commands generated from the
// catalogue. Not part of the library.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "ledger/decider.h"
#include "ledger/event.h"
#include "ledger/status.h"
#include "schemas/catalog.h"
#include "schemas/sales.h"

namespace schemas::testing {

class MemoryContext final : public ledger::DecisionContext {
 public:
  uint64_t StreamVersion(std::string_view subject) override {
    auto it = versions_.find(subject);
    return it == versions_.end() ? 0 : it->second;
  }
  std::string State(std::string_view subject) override {
    auto it = states_.find(subject);
    return it == states_.end() ? std::string() : it->second;
  }
  void PutState(std::string_view subject, std::string state) override {
    ++puts_;
    state_bytes_max_ = std::max(state_bytes_max_, state.size());
    states_[std::string(subject)] = std::move(state);
  }

  // What the writer does with one command: Validate, Check, then record the event
  // (version + 1) and Apply it. Returns the first failure.
  ledger::Status Append(const ledger::Decider& decider, const ledger::Command& command) {
    std::vector<ledger::Violation> violations = decider.Validate(command);
    if (!violations.empty()) return ledger::Status::Invalid("invalid", std::move(violations));
    ledger::Status status = decider.Check(command, *this);
    if (!status.ok()) return status;
    ledger::Event event;
    event.type = command.type;
    event.subject = command.subject;
    event.data = command.data;
    event.schemaversion = command.schemaversion;
    event.occurredat = command.occurredat;
    event.streamversion = ++versions_[command.subject];
    decider.Apply(event, *this);
    return ledger::Status::Ok();
  }

  int puts() const { return puts_; }
  size_t state_bytes_max() const { return state_bytes_max_; }
  // Pretends that `subject` has `version` events (and no decision state).
  void SetVersion(std::string_view subject, uint64_t version) {
    versions_[std::string(subject)] = version;
  }

 private:
  std::map<std::string, uint64_t, std::less<>> versions_;
  std::map<std::string, std::string, std::less<>> states_;
  int puts_ = 0;
  size_t state_bytes_max_ = 0;
};

// A command from a JSON object text, through ledger::ParseCommand. Aborts the test
// binary on text that does not parse: test data is code.
inline ledger::Command CommandFromJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(text, ec);
  LEDGER_ASSERT(!ec);
  ledger::Result<ledger::Command> command = ledger::ParseCommand(json);
  LEDGER_ASSERT(command.ok());
  return std::move(command).value();
}

// A command of `type` on `subject` with `data` given as JSON object text.
inline ledger::Command MakeCommand(std::string_view type, std::string_view subject,
                                   std::string_view data) {
  ledger::Command command;
  command.type = type;
  command.subject = subject;
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(data, ec);
  LEDGER_ASSERT(!ec && json.is_object());
  command.data = std::move(json.get_object());
  return command;
}

// A ledger of one decider and one context: Append records, Check only asks.
class SalesWorld {
 public:
  ledger::Status Append(std::string_view type, std::string_view subject, std::string_view data) {
    return ctx_.Append(decider_, MakeCommand(type, subject, data));
  }
  // Appends and fails the test if the command is refused: the "given" of a test.
  void Given(std::string_view type, std::string_view subject, std::string_view data) {
    ledger::Status status = Append(type, subject, data);
    ASSERT_TRUE(status.ok()) << type << " " << subject << ": " << status.ToString();
  }
  // The decider's verdict on a well-formed command, which must leave the context as
  // it was.
  ledger::Status Check(std::string_view type, std::string_view subject, std::string_view data) {
    ledger::Command command = MakeCommand(type, subject, data);
    std::vector<ledger::Violation> violations = decider_.Validate(command);
    EXPECT_TRUE(violations.empty())
        << type << ": " << violations.front().pointer << " " << violations.front().reason;
    int puts = ctx_.puts();
    ledger::Status status = decider_.Check(command, ctx_);
    EXPECT_EQ(ctx_.puts(), puts) << "Check wrote decision state";
    return status;
  }
  MemoryContext& ctx() { return ctx_; }
  const SalesDecider& decider() const { return decider_; }

 private:
  SalesDecider decider_;
  MemoryContext ctx_;
};

// Asserts that `status` has `code` and a violation at `pointer` whose reason contains
// `reason_part`.
inline void ExpectRejected(const ledger::Status& status, ledger::Code code,
                           std::string_view pointer, std::string_view reason_part) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  bool found = false;
  for (const ledger::Violation& v : status.violations()) {
    found = found || (v.pointer == pointer && v.reason.find(reason_part) != std::string::npos);
  }
  EXPECT_TRUE(found) << "no violation at " << pointer << " with \"" << reason_part << "\" in "
                     << status.ToString();
}

// --- Commands generated from the catalogue ---

inline boost::json::value Example(const FieldSpec& field, bool all_fields);

inline boost::json::object ExampleObject(const std::vector<FieldSpec>& fields, bool all_fields) {
  boost::json::object object;
  for (const FieldSpec& field : fields) {
    if (field.required || all_fields) object[field.name] = Example(field, all_fields);
  }
  return object;
}

inline boost::json::value Example(const FieldSpec& field, bool all_fields) {
  switch (field.type) {
    case FieldType::kText:
      return "Example 示例";
    case FieldType::kId:
      return "ID-1";
    case FieldType::kEnum:
      return boost::json::value(field.values.front());
    case FieldType::kInteger:
      return std::clamp<int64_t>(1, field.min, field.max);
    case FieldType::kBoolean:
      return true;
    case FieldType::kMoney:
      return boost::json::object{{"amount", std::max<int64_t>(field.min, 100)},
                                 {"currency", "CNY"}};
    case FieldType::kDate:
      return "2025-03-14";
    case FieldType::kDateTime:
      return "2025-03-14T09:30:00+08:00";
    case FieldType::kPeriod:
      return "2025-Q2";
    case FieldType::kEmail:
      return "li.na@example.cn";
    case FieldType::kPhone:
      return "+86 21 5957 8800";
    case FieldType::kUrl:
      return "https://example.cn";
    case FieldType::kCountry:
      return "CN";
    case FieldType::kReference:
      return "REF-1";
    case FieldType::kArray:
      return boost::json::array{Example(field.items.front(), all_fields)};
    case FieldType::kObject:
      return ExampleObject(field.fields, all_fields);
  }
  return nullptr;
}

// A valid command of `spec`'s type on subject "<kind>/EX-1", with required fields only
// or with every field. References name "REF-1".
inline ledger::Command ExampleCommand(const EventTypeSpec& spec, bool all_fields) {
  ledger::Command command;
  command.type = spec.type;
  command.subject = spec.kind + "/EX-1";
  command.data = ExampleObject(spec.fields, all_fields);
  boost::json::object& data = command.data;
  if (!all_fields && !spec.at_least_one_of.empty()) {
    const std::string& name = spec.at_least_one_of.front();
    for (const FieldSpec& field : spec.fields) {
      if (field.name == name) data[name] = Example(field, false);
    }
  }
  // Cross-field rules the generic values cannot know.
  if (spec.type == "opportunity.stage_changed") data["to"] = "qualification";
  if (spec.type == "order.status_changed") data["to"] = "awaiting_payment";
  if (spec.type == "target.set") {
    data.erase("count");
    data["amount"] = boost::json::object{{"amount", 100}, {"currency", "CNY"}};
  }
  if (spec.type == "target.revised" && all_fields) data.erase("count");
  return command;
}

}  // namespace schemas::testing
