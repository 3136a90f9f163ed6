// Shared by the fuzz targets: property checks that abort with a message (so libFuzzer
// keeps the input as a crash), and comparisons of what the decoders return.
#pragma once

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* cond,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n  %s\n", file, line, cond, detail.c_str());
  std::abort();
}

}  // namespace fuzz

// Checks a property of the code under test. `detail` (a std::string) is built only when
// the property fails.
#define FUZZ_CHECK(cond, detail)                                    \
  do {                                                              \
    if (!(cond)) [[unlikely]] {                                     \
      ::fuzz::Fail(__FILE__, __LINE__, #cond, std::string(detail)); \
    }                                                               \
  } while (0)

namespace fuzz {

// RFC 6901 syntax: "" or "/"-separated tokens in which "~" is always "~0" or "~1".
inline bool IsJsonPointer(std::string_view pointer) {
  if (!pointer.empty() && pointer.front() != '/') return false;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] != '~') continue;
    if (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
  }
  return true;
}

// Whether `pointer` names a place in `doc`: a value it holds, or a member or element
// missing from an object or array it holds ("is required" points there).
inline bool PointsInto(const boost::json::value& doc, std::string_view pointer) {
  boost::system::error_code ec;
  if (doc.find_pointer(pointer, ec) != nullptr) return true;
  const size_t slash = pointer.rfind('/');
  if (slash == std::string_view::npos) return false;
  const boost::json::value* parent = doc.find_pointer(pointer.substr(0, slash), ec);
  return parent != nullptr && (parent->is_object() || parent->is_array());
}

inline std::string Describe(const std::vector<ledger::Violation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "[" + v.pointer + ": " + v.reason + "] ";
  return out;
}

// JSON equality in which a double equals only the same bits: Boost.JSON 1.81 reads
// 0e400 as NaN, which operator== finds unequal to itself.
inline bool SameJson(const boost::json::object& a, const boost::json::object& b);

inline bool SameJson(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  if (a.is_array() && b.is_array()) {
    const boost::json::array &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameJson(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) return SameJson(a.get_object(), b.get_object());
  return a == b;
}

inline bool SameJson(const boost::json::object& a, const boost::json::object& b) {
  if (a.size() != b.size()) return false;
  for (const auto& kv : a) {
    const boost::json::value* other = b.if_contains(kv.key());
    if (other == nullptr || !SameJson(kv.value(), *other)) return false;
  }
  return true;
}

// Every attribute of two events, compared one by one (Canonical() omits empty optional
// attributes, so equal canonical bytes would not prove equal events).
inline bool SameEvent(const ledger::Event& a, const ledger::Event& b) {
  return a.id == b.id && a.source == b.source && a.type == b.type && a.subject == b.subject &&
         a.time == b.time && SameJson(a.data, b.data) && a.schemaversion == b.schemaversion &&
         a.occurredat == b.occurredat && a.actor == b.actor && a.streamversion == b.streamversion &&
         a.streamprev == b.streamprev && a.partition == b.partition && a.ledgerseq == b.ledgerseq &&
         a.ledgerprev == b.ledgerprev && a.correlationid == b.correlationid &&
         a.causationid == b.causationid;
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz
