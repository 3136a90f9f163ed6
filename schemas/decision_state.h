// Internal to the schemas library: the decider's compact per-subject state, kept by
// the writer beside each stream head (ledger::DecisionContext). Encoded as a small
// JSON object, e.g. {"stage":"proposal","account":"ACC-1001","owner":"u:li.na"}.
//
// Values are short by construction (statuses, record ids of at most 64 bytes,
// integers), and string values are capped at kStateValueBytesMax, so an encoded state
// stays far below ledger::kDecisionStateBytesMax.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/decider.h"

namespace schemas::internal {

inline constexpr size_t kStateValueBytesMax = 64;
inline constexpr size_t kStateKeysMax = 16;

class RecordState {
 public:
  // "" (no state yet) and undecodable bytes both give an empty state: Apply must never
  // fail, and every reader treats a missing key as its default.
  static RecordState Decode(std::string_view bytes);
  std::string Encode() const;

  bool empty() const { return fields_.empty(); }
  std::string_view Str(std::string_view key) const;  // "" when absent
  int64_t Int(std::string_view key) const;           // 0 when absent
  bool Bool(std::string_view key) const;             // false when absent

  void Set(std::string_view key, std::string_view value);
  void Set(std::string_view key, int64_t value);
  void SetBool(std::string_view key, bool value);

 private:
  boost::json::object fields_;
};

RecordState LoadState(ledger::DecisionContext& ctx, std::string_view subject);
void StoreState(ledger::DecisionContext& ctx, std::string_view subject, const RecordState& state);

}  // namespace schemas::internal
