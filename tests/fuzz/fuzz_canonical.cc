// Fuzzes ledger/canonical.h, the RFC 8785 (JCS) serializer every hash in the ledger is
// taken over. The input is parsed as JSON (Boost.JSON's defaults, as ParseEvent); its
// first 8 bytes are also read as an IEEE double for CanonicalNumber.
//
// Properties:
//  - canonical bytes parse, to the same JSON value (numbers as ECMAScript would read
//    them), and are a fixed point: canonicalizing them again gives the same bytes. The
//    canonical bytes are read back with Boost.JSON and then every double is replaced by
//    strtod of its text: Boost.JSON 1.81 does not round every double correctly (it reads
//    -9.500000000000001e-29 two ulps off, 0e400 as NaN) and has no option to;
//  - object members come out strictly ordered by UTF-16 code units, checked against a
//    separate UTF-16 comparison written here;
//  - CanonicalNumber gives ECMAScript's layout with the fewest significant digits that
//    read back as the same double.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ledger/canonical.h"
#include "tests/fuzz/fuzz_util.h"

namespace {
namespace json = boost::json;

// UTF-16 code units of valid UTF-8, decoded the plain way.
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? b : b & (0xFF >> (n + 1));
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = cp << 6 | (s[i + k] & 0x3F);
    i += n;
    if (cp < 0x10000) {
      out.push_back(static_cast<char16_t>(cp));
    } else {
      out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    }
  }
  return out;
}

// The value ECMAScript's JSON.parse would give a number: a double.
double AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// Whether `back` (parsed from canonical bytes) is what `original` means.
bool SameMeaning(const json::value& original, const json::value& back) {
  if (original.is_number()) {
    const double d = AsDouble(original);
    if (!std::isfinite(d)) return back.is_null();
    return back.is_number() && AsDouble(back) == d;
  }
  if (original.kind() != back.kind()) return false;
  if (original.is_array()) {
    const json::array& a = original.get_array();
    const json::array& b = back.get_array();
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameMeaning(a[i], b[i])) return false;
    }
    return true;
  }
  if (original.is_object()) {
    const json::object& a = original.get_object();
    const json::object& b = back.get_object();
    if (a.size() != b.size()) return false;
    for (const auto& kv : a) {
      const json::value* other = b.if_contains(kv.key());
      if (other == nullptr || !SameMeaning(kv.value(), *other)) return false;
    }
    return true;
  }
  return original == back;
}

// The tokens of canonical bytes: strings (with their quotes), numbers and single
// structural characters or literals' letters.
std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < text.size();) {
    size_t end = i + 1;
    if (text[i] == '"') {
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      ++end;
    } else if (text[i] == '-' || (text[i] >= '0' && text[i] <= '9')) {
      while (end < text.size() && std::strchr("0123456789.eE+-", text[end]) != nullptr) ++end;
    }
    end = std::min(end, text.size());
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

bool IsNumberToken(std::string_view token) {
  return token.front() == '-' || (token.front() >= '0' && token.front() <= '9');
}

// Replaces every double of `v` by strtod of its text, the numbers of `tokens` in
// document order (canonical bytes keep their members in order when parsed).
void ReadDoublesExactly(json::value& v, const std::vector<std::string_view>& tokens, size_t& next) {
  if (v.is_number()) {
    while (next < tokens.size() && !IsNumberToken(tokens[next])) ++next;
    FUZZ_CHECK(next < tokens.size(), "fewer number tokens than numbers");
    if (v.is_double()) v = std::strtod(std::string(tokens[next]).c_str(), nullptr);
    ++next;
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) ReadDoublesExactly(item, tokens, next);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) ReadDoublesExactly(kv.value(), tokens, next);
  }
}

// Every object of `v` (as parsed from canonical bytes, in their order) is sorted.
void CheckOrder(const json::value& v) {
  if (v.is_array()) {
    for (const auto& item : v.get_array()) CheckOrder(item);
  }
  if (!v.is_object()) return;
  const json::object& o = v.get_object();
  const json::key_value_pair* prev = nullptr;
  for (const auto& kv : o) {
    if (prev != nullptr) {
      const bool less = Utf16(prev->key()) < Utf16(kv.key());
      FUZZ_CHECK(less, "members out of UTF-16 order: " + std::string(prev->key()) + " then " +
                           std::string(kv.key()));
      FUZZ_CHECK(
          ledger::Utf16Less(prev->key(), kv.key()) && !ledger::Utf16Less(kv.key(), prev->key()),
          "Utf16Less disagrees: " + std::string(prev->key()) + " < " + std::string(kv.key()));
    }
    prev = &kv;
    CheckOrder(kv.value());
  }
}

// Significant digits of a canonical number ("-1.25e-7" -> 3).
int SignificantDigits(std::string_view text) {
  std::string digits;
  for (char c : text.substr(0, text.find('e'))) {
    if (c >= '0' && c <= '9') digits += c;
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

void CheckNumber(double d) {
  const std::string text = ledger::CanonicalNumber(d);
  if (!std::isfinite(d) || d == 0) {
    FUZZ_CHECK(text == (d == 0 ? "0" : "null"), text);
    return;
  }
  const double back = std::strtod(text.c_str(), nullptr);
  FUZZ_CHECK(back == d, text + " does not read back as the same double");
  // ECMAScript's layout: plain digits from 1e-6 up to below 1e21, exponent otherwise.
  const double magnitude = std::fabs(d);
  const bool exponent = text.find('e') != std::string::npos;
  FUZZ_CHECK(exponent == (magnitude >= 1e21 || magnitude < 1e-6), text);
  if (exponent) {
    const std::string_view mantissa = std::string_view(text).substr(0, text.find('e'));
    FUZZ_CHECK(text[text.find('e') + 1] == '+' || text[text.find('e') + 1] == '-', text);
    FUZZ_CHECK(mantissa.find('.') == std::string::npos || mantissa.back() != '0', text);
  } else if (text.find('.') != std::string::npos) {
    FUZZ_CHECK(text.back() != '0', text);
  }
  // The fewest digits: no more than the shortest correctly rounded printf form.
  char buf[40];
  int shortest = 17;
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p - 1, d);
    if (std::strtod(buf, nullptr) == d) {
      shortest = p;
      break;
    }
  }
  FUZZ_CHECK(SignificantDigits(text) <= shortest,
             text + " has more digits than " + std::to_string(shortest));
}

void CheckNumbers(const json::value& v) {
  if (v.is_double()) CheckNumber(v.get_double());
  if (v.is_array()) {
    for (const auto& item : v.get_array()) CheckNumbers(item);
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) CheckNumbers(kv.value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= sizeof(double)) {
    double d;
    std::memcpy(&d, data, sizeof d);
    CheckNumber(d);
  }
  boost::system::error_code ec;
  const json::value v = json::parse(fuzz::AsText(data, size), ec);
  if (ec) return 0;
  CheckNumbers(v);
  const std::string canonical = ledger::Canonical(v);
  json::value back = json::parse(canonical, ec);
  FUZZ_CHECK(!ec, "canonical bytes do not parse (" + ec.message() + "): " + canonical);
  size_t next = 0;
  ReadDoublesExactly(back, Tokens(canonical), next);
  FUZZ_CHECK(SameMeaning(v, back), "canonical bytes mean something else: " + canonical);
  FUZZ_CHECK(ledger::Canonical(back) == canonical,
             "canonical bytes are not a fixed point: " + canonical);
  CheckOrder(back);
  return 0;
}
