// SameReport: compares a reference report with the engine's answer, naming the JSON
// pointer of the first difference.
#include <algorithm>
#include <cmath>

#include "tests/analytics_reference.h"

namespace analytics_ref {

namespace json = boost::json;

namespace {

std::string Escape(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

bool Ignored(const std::string& pointer, std::string_view key,
             const std::vector<std::string>& ignored) {
  for (const std::string& rule : ignored) {
    if (rule.empty()) continue;
    if (rule[0] != '/' && rule == key) return true;
    if (rule[0] == '/' && pointer.rfind(rule, 0) == 0) return true;
  }
  return false;
}

bool SameNumber(const json::value& a, const json::value& b) {
  if (!a.is_double() && !b.is_double()) {
    if (a.is_uint64() || b.is_uint64()) return a.to_number<double>() == b.to_number<double>();
    return a.to_number<int64_t>() == b.to_number<int64_t>();
  }
  const double x = a.to_number<double>(), y = b.to_number<double>();
  return x == y || std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

// The pointer of the first difference, or nullopt when equal.
std::optional<std::string> FirstDifference(const json::value& expected, const json::value& actual,
                                           const std::string& pointer,
                                           const std::vector<std::string>& ignored);

std::optional<std::string> ObjectDifference(const json::object& expected,
                                            const json::object& actual, const std::string& pointer,
                                            const std::vector<std::string>& ignored) {
  for (const auto& member : expected) {
    const std::string at = pointer + "/" + Escape(member.key());
    if (Ignored(at, member.key(), ignored)) continue;
    const json::value* other = actual.if_contains(member.key());
    if (!other) return at;
    if (auto diff = FirstDifference(member.value(), *other, at, ignored)) return diff;
  }
  for (const auto& member : actual) {
    const std::string at = pointer + "/" + Escape(member.key());
    if (!Ignored(at, member.key(), ignored) && !expected.contains(member.key())) return at;
  }
  return std::nullopt;
}

std::optional<std::string> FirstDifference(const json::value& expected, const json::value& actual,
                                           const std::string& pointer,
                                           const std::vector<std::string>& ignored) {
  if (expected.is_number() && actual.is_number()) {
    if (SameNumber(expected, actual)) return std::nullopt;
    return pointer;
  }
  if (expected.kind() != actual.kind()) return pointer;
  if (expected.is_object()) {
    return ObjectDifference(expected.as_object(), actual.as_object(), pointer, ignored);
  }
  if (expected.is_array()) {
    const json::array& a = expected.as_array();
    const json::array& b = actual.as_array();
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (auto diff = FirstDifference(a[i], b[i], pointer + "/" + std::to_string(i), ignored)) {
        return diff;
      }
    }
    if (a.size() != b.size()) return pointer + "/" + std::to_string(std::min(a.size(), b.size()));
    return std::nullopt;
  }
  if (expected == actual) return std::nullopt;
  return pointer;
}

std::string ValueAt(const json::value& root, const std::string& pointer) {
  boost::system::error_code ec;
  const json::value* found = root.find_pointer(pointer, ec);
  return found ? json::serialize(*found) : std::string("(absent)");
}

}  // namespace

::testing::AssertionResult SameReport(const json::value& expected, const json::value& actual,
                                      const std::vector<std::string>& ignored) {
  std::optional<std::string> diff = FirstDifference(expected, actual, "", ignored);
  if (!diff) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "reports differ at \"" << *diff << "\": expected " << ValueAt(expected, *diff)
         << ", actual " << ValueAt(actual, *diff);
}

}  // namespace analytics_ref
