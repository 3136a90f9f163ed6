// String formats used by the sales schemas: record ids, calendar dates, RFC 3339
// timestamps, reporting periods, e-mail addresses, phone numbers, URLs, UTF-8 text and
// RFC 6901 JSON pointer tokens.
//
// Pure functions on bytes; no allocation except where a string is returned. Safe to
// call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/json_pointer.h"

namespace schemas {

// A record id, the part of a subject after "<kind>/": [A-Za-z0-9][A-Za-z0-9._:-]{0,63}.
inline constexpr size_t kRecordIdBytesMax = 64;
bool IsRecordId(std::string_view text);

// A calendar date "YYYY-MM-DD" (RFC 3339 full-date) naming a day that exists.
bool IsDate(std::string_view text);

// An RFC 3339 date-time: "2025-03-14T09:30:00Z", "2025-03-14T09:30:00.125+08:00".
// Seconds 60 is accepted (leap second); fractions of 1 to 9 digits.
bool IsDateTime(std::string_view text);

// A reporting period: "2025" (year), "2025-H1" (half), "2025-Q3" (quarter),
// "2025-07" (month).
bool IsPeriod(std::string_view text);

// A practical e-mail address check (not the full RFC 5322 grammar): one "@", a local
// part of 1 to 64 bytes without spaces or controls, a domain of dot-separated labels.
inline constexpr size_t kEmailBytesMax = 254;
bool IsEmail(std::string_view text);

// A phone number as people write it: an optional leading "+", then digits, spaces,
// "-", ".", "(" and ")"; 3 to 20 digits in all. "+86 21 6888 1234".
inline constexpr size_t kPhoneBytesMax = 32;
bool IsPhone(std::string_view text);

// An absolute http or https URL with a host and no whitespace or controls.
inline constexpr size_t kUrlBytesMax = 2048;
bool IsUrl(std::string_view text);

// The number of Unicode code points in `text`, or nullopt when it is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::optional<size_t> Utf8CodePoints(std::string_view text);

// Whether `text` holds a C0 control character or DEL. With `allow_line_breaks`, tab,
// line feed and carriage return are allowed (multi-line notes).
bool HasControlCharacters(std::string_view text, bool allow_line_breaks);

// One JSON pointer reference token for an object key: "~" -> "~0", "/" -> "~1".
using ledger::PointerToken;

// `text` in double quotes for an error message, cut to 40 code points with "..." so
// that a huge input never makes a huge message.
std::string QuoteForMessage(std::string_view text);

}  // namespace schemas
