#include "ledger/canonical.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <vector>

#include "ledger/status.h"

namespace ledger {
namespace {

// Decodes the next code point of valid UTF-8 at s[i], advancing i.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
  ++i;
  for (int k = 0; k < extra && i < s.size(); ++k, ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  }
  return cp;
}

// Appends the UTF-16 code units of a code point.
void PushUtf16(char32_t cp, std::u16string& out) {
  if (cp < 0x10000) {
    out.push_back(static_cast<char16_t>(cp));
  } else {
    cp -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
  }
}

std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) PushUtf16(NextCodePoint(s, i), out);
  return out;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void AppendInt(int64_t v, std::string& out) {
  // Integers beyond 2^53 are not exactly representable as an IEEE double, which is
  // what JCS (I-JSON) assumes; serialize what ECMAScript would.
  constexpr int64_t kSafe = (int64_t{1} << 53) - 1;
  if (v > kSafe || v < -kSafe) {
    out += CanonicalNumber(static_cast<double>(v));
    return;
  }
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

bool Utf16Less(std::string_view a, std::string_view b) {
  // UTF-8 byte order equals code point order, which equals UTF-16 order except where
  // surrogates (supplementary planes) meet code points U+E000..U+FFFF.
  if (IsAscii(a) || IsAscii(b)) return a < b;
  return ToUtf16(a) < ToUtf16(b);
}

std::string CanonicalNumber(double value) {
  if (!std::isfinite(value)) return "null";  // as ECMAScript's JSON.stringify
  if (value == 0) return "0";                // also -0
  // Shortest round-trip digits and exponent, then ECMAScript's layout rules.
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+'), sci.data() + sci.size(), exp10);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // value = 0.digits * 10^n
  std::string out = negative ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n);
    out += '.';
    out += digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

void AppendCanonicalString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain_from = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + plain_from, s.size() - plain_from);
  out += '"';
}

void AppendCanonical(const boost::json::object& object, std::string& out) {
  std::vector<const boost::json::key_value_pair*> members;
  members.reserve(object.size());
  for (const auto& kv : object) members.push_back(&kv);
  std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
    return Utf16Less(std::string_view(a->key()), std::string_view(b->key()));
  });
  out += '{';
  bool first = true;
  for (const auto* kv : members) {
    if (!first) out += ',';
    first = false;
    AppendCanonicalString(kv->key(), out);
    out += ':';
    AppendCanonical(kv->value(), out);
  }
  out += '}';
}

void AppendCanonical(const boost::json::value& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      break;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64:
      AppendInt(value.get_int64(), out);
      break;
    case boost::json::kind::uint64: {
      uint64_t u = value.get_uint64();
      if (u <= static_cast<uint64_t>(INT64_MAX)) {
        AppendInt(static_cast<int64_t>(u), out);
      } else {
        out += CanonicalNumber(static_cast<double>(u));
      }
      break;
    }
    case boost::json::kind::double_:
      out += CanonicalNumber(value.get_double());
      break;
    case boost::json::kind::string:
      AppendCanonicalString(value.get_string(), out);
      break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendCanonical(item, out);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object:
      AppendCanonical(value.get_object(), out);
      break;
  }
}

}  // namespace ledger
