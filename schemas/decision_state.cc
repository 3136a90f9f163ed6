#include "schemas/decision_state.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "ledger/status.h"

namespace schemas::internal {

RecordState RecordState::Decode(std::string_view bytes) {
  RecordState state;
  // Our own states are far smaller; anything else is not ours and is ignored.
  if (bytes.empty() || bytes.size() > ledger::kDecisionStateBytesMax) return state;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(bytes, ec);
  if (!ec && value.is_object() && value.get_object().size() <= kStateKeysMax) {
    state.fields_ = std::move(value.get_object());
  }
  return state;
}

std::string RecordState::Encode() const { return boost::json::serialize(fields_); }

std::string_view RecordState::Str(std::string_view key) const {
  const boost::json::value* v = fields_.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

int64_t RecordState::Int(std::string_view key) const {
  const boost::json::value* v = fields_.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

bool RecordState::Bool(std::string_view key) const {
  const boost::json::value* v = fields_.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

void RecordState::Set(std::string_view key, std::string_view value) {
  LEDGER_ASSERT(fields_.contains(key) || fields_.size() < kStateKeysMax);
  fields_[key] = value.substr(0, kStateValueBytesMax);
}

void RecordState::Set(std::string_view key, int64_t value) {
  LEDGER_ASSERT(fields_.contains(key) || fields_.size() < kStateKeysMax);
  fields_[key] = value;
}

void RecordState::SetBool(std::string_view key, bool value) {
  LEDGER_ASSERT(fields_.contains(key) || fields_.size() < kStateKeysMax);
  fields_[key] = value;
}

RecordState LoadState(ledger::DecisionContext& ctx, std::string_view subject) {
  return RecordState::Decode(ctx.State(subject));
}

void StoreState(ledger::DecisionContext& ctx, std::string_view subject, const RecordState& state) {
  std::string bytes = state.Encode();
  // Bounded by kStateKeysMax keys of short names and values of kStateValueBytesMax.
  LEDGER_ASSERT(bytes.size() <= ledger::kDecisionStateBytesMax);
  ctx.PutState(subject, std::move(bytes));
}

}  // namespace schemas::internal
