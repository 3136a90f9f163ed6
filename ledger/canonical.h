// RFC 8785 JSON Canonicalization Scheme (JCS).
//
// Objects are written with members sorted by the UTF-16 code units of their names,
// no insignificant white space, strings escaped as ECMAScript's JSON.stringify does,
// and numbers in ECMAScript's shortest round-trip form. Strings must be valid UTF-8
// (Boost.JSON's parser guarantees that for parsed input).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace ledger {

// Appends the canonical form of `value` to `out`.
void AppendCanonical(const boost::json::value& value, std::string& out);
void AppendCanonical(const boost::json::object& object, std::string& out);

inline std::string Canonical(const boost::json::value& value) {
  std::string out;
  AppendCanonical(value, out);
  return out;
}

// JCS string form of a JSON string (with the quotes).
void AppendCanonicalString(std::string_view utf8, std::string& out);

// ECMAScript Number::toString ("1e+21", "0.000001", "-0" -> "0"; non-finite -> "null").
std::string CanonicalNumber(double value);

// Whether a < b comparing the UTF-16 code units of two UTF-8 strings (RFC 8785 §3.2.3).
bool Utf16Less(std::string_view a, std::string_view b);

}  // namespace ledger
