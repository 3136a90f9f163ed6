// Times: RFC 3339 parsing and formatting, and the clock the writer reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledger {

// Microseconds since the Unix epoch, UTC.
using Micros = int64_t;

// Parses an RFC 3339 date-time ("2026-03-01T09:30:00Z", "2026-03-01T17:30:00.5+08:00").
// Seconds must be 00..59 (no leap seconds); at most 9 fractional digits, truncated to
// microseconds. Returns nullopt for anything else.
std::optional<Micros> ParseRfc3339(std::string_view text);

// Parses a full-date "YYYY-MM-DD"; returns days since the epoch.
std::optional<int64_t> ParseDate(std::string_view text);

// "2026-03-01T09:30:00.000000Z": UTC, always six fractional digits, so recorded
// times sort as strings.
std::string FormatRfc3339(Micros micros);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros NowMicros() = 0;
};

class SystemClock final : public Clock {
 public:
  Micros NowMicros() override;
  static SystemClock& Instance();
};

// A clock tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros NowMicros() override { return now_; }
  void Set(Micros now) { now_ = now; }
  void Advance(Micros by) { now_ += by; }

 private:
  Micros now_;
};

}  // namespace ledger
