#include "schemas/formats.h"

#include <cstdint>

namespace schemas {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Parses exactly `count` digits at `text[pos]`; nullopt if any is not a digit.
std::optional<int> Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// "HH:MM:SS" at the start of `text`.
bool IsPartialTime(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  auto hour = Digits(text, 0, 2);
  auto minute = Digits(text, 3, 2);
  auto second = Digits(text, 6, 2);
  return hour && minute && second && *hour <= 23 && *minute <= 59 && *second <= 60;
}

// "Z", "z", "+HH:MM" or "-HH:MM".
bool IsTimeOffset(std::string_view text) {
  if (text == "Z" || text == "z") return true;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return false;
  auto hour = Digits(text, 1, 2);
  auto minute = Digits(text, 4, 2);
  return hour && minute && *hour <= 23 && *minute <= 59;
}

bool IsDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  bool has_dot = false;
  size_t label_start = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      auto c = static_cast<unsigned char>(domain[i]);
      // ASCII letters, digits and hyphens; bytes >= 0x80 for internationalized names.
      if (!(IsAlnum(domain[i]) || domain[i] == '-' || c >= 0x80)) return false;
      continue;
    }
    size_t length = i - label_start;
    if (length == 0 || length > 63) return false;
    if (domain[label_start] == '-' || domain[i - 1] == '-') return false;
    if (i < domain.size()) has_dot = true;
    label_start = i + 1;
  }
  return has_dot;
}

}  // namespace

bool IsRecordId(std::string_view text) {
  if (text.empty() || text.size() > kRecordIdBytesMax || !IsAlnum(text[0])) return false;
  for (char c : text) {
    if (!(IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
  }
  return true;
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto year = Digits(text, 0, 4);
  auto month = Digits(text, 5, 2);
  auto day = Digits(text, 8, 2);
  if (!year || !month || !day) return false;
  if (*month < 1 || *month > 12) return false;
  return *day >= 1 && *day <= DaysInMonth(*year, *month);
}

bool IsDateTime(std::string_view text) {
  if (text.size() < 20 || !IsDate(text.substr(0, 10))) return false;
  if (text[10] != 'T' && text[10] != 't') return false;
  if (!IsPartialTime(text.substr(11, 8))) return false;
  size_t pos = 19;
  if (text[pos] == '.') {
    size_t digits = 0;
    while (pos + 1 + digits < text.size() && IsDigit(text[pos + 1 + digits])) ++digits;
    if (digits == 0 || digits > 9) return false;
    pos += 1 + digits;
  }
  return IsTimeOffset(text.substr(pos));
}

bool IsPeriod(std::string_view text) {
  if (text.size() < 4 || !Digits(text, 0, 4)) return false;
  if (text.size() == 4) return true;
  if (text.size() != 7 || text[4] != '-') return false;
  if (text[5] == 'H') return text[6] == '1' || text[6] == '2';
  if (text[5] == 'Q') return text[6] >= '1' && text[6] <= '4';
  auto month = Digits(text, 5, 2);
  return month && *month >= 1 && *month <= 12;
}

bool IsEmail(std::string_view text) {
  if (text.size() > kEmailBytesMax) return false;
  size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = text.substr(0, at);
  if (local.empty() || local.size() > 64) return false;
  for (char c : local) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '(' || c == ')' || c == ',' || c == ';' || c == '<' ||
        c == '>' || c == '[' || c == ']' || c == '\\' || c == '"') {
      return false;
    }
  }
  if (local.front() == '.' || local.back() == '.') return false;
  return IsDomain(text.substr(at + 1));
}

bool IsPhone(std::string_view text) {
  if (text.empty() || text.size() > kPhoneBytesMax) return false;
  size_t digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      ++digits;
    } else if (c == '+') {
      if (i != 0) return false;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 3 && digits <= 20;
}

bool IsUrl(std::string_view text) {
  if (text.size() > kUrlBytesMax) return false;
  size_t host_start = 0;
  if (text.starts_with("https://")) {
    host_start = 8;
  } else if (text.starts_with("http://")) {
    host_start = 7;
  } else {
    return false;
  }
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  std::string_view rest = text.substr(host_start);
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return !host.empty();
}

std::optional<size_t> Utf8CodePoints(std::string_view text) {
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      length = 1;
      code = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      code = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + length > text.size()) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return std::nullopt;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10ffff) return std::nullopt;  // overlong, too big
    if (code >= 0xd800 && code <= 0xdfff) return std::nullopt;            // surrogate
    i += length;
    ++count;
  }
  return count;
}

bool HasControlCharacters(std::string_view text, bool allow_line_breaks) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) continue;
    if (allow_line_breaks && (c == '\t' || c == '\n' || c == '\r')) continue;
    return true;
  }
  return false;
}

std::string QuoteForMessage(std::string_view text) {
  static constexpr size_t kCodePointsMax = 40;
  if (!Utf8CodePoints(text)) return "(text that is not valid UTF-8)";
  size_t points = 0;
  size_t end = 0;
  while (end < text.size() && points < kCodePointsMax) {
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) ++end;
    ++points;
  }
  std::string quoted = "\"";
  for (char c : text.substr(0, end)) {
    auto u = static_cast<unsigned char>(c);
    quoted += (u < 0x20 || u == 0x7f) ? '?' : c;  // keep messages on one printable line
  }
  if (end < text.size()) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace schemas
