// ISO code lists the schemas validate against: ISO 4217 currencies (with their minor
// units) and ISO 3166-1 alpha-2 country codes.
//
// Static, immutable tables; safe to read from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace schemas {

// One ISO 4217 currency. `minor_digits` is the number of decimal places of the minor
// unit (CNY 2, JPY 0, KWD 3, CLF 4), or kNoMinorUnit for funds, metals and special
// codes ("N.A." in the standard), which cannot hold money amounts.
struct Currency {
  std::string_view code;  // "CNY"
  int numeric;            // 156
  int minor_digits;       // 2
};
inline constexpr int kNoMinorUnit = -1;

// ISO 4217 List One (active codes) as amended through 2025, sorted by code.
std::span<const Currency> Currencies();

// The active currency with this exact (upper-case) code, or nullptr.
const Currency* FindCurrency(std::string_view code);

// An amount of minor units for people: FormatMoney(123456, "CNY") == "1234.56 CNY",
// FormatMoney(5000, "JPY") == "5000 JPY". Unknown codes print minor units as they are.
std::string FormatMoney(int64_t minor_units, std::string_view code);

// Whether `code` is an assigned ISO 3166-1 alpha-2 country code ("CN", "US").
bool IsCountryCode(std::string_view code);

}  // namespace schemas
