// Random numbers, calendar arithmetic and the story clock of the generator.
#include <algorithm>
#include <cstdio>

#include "seed/seed_internal.h"

namespace seed::internal {

int64_t Rng::Uniform(int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
  if (range == 0) return static_cast<int64_t>(engine_());  // the whole 64-bit range
  // Lemire's multiply-shift: the same on every platform, bias below 2^-40 here.
  const unsigned __int128 product = static_cast<unsigned __int128>(engine_()) * range;
  return lo + static_cast<int64_t>(product >> 64);
}

size_t Rng::Weighted(const std::vector<int>& weights) {
  int total = 0;
  for (int w : weights) total += w;
  int64_t roll = Uniform(0, total - 1);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (roll < weights[i]) return i;
    roll -= weights[i];
  }
  return weights.size() - 1;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int64_t DaysFromCivil(int year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

namespace {

struct Civil {
  int year, month, day, hour, minute;
};

Civil CivilOf(int64_t minutes) {
  const int64_t local = minutes + kLocalOffsetMinutes;
  int64_t days =
      local >= 0 ? local / kMinutesPerDay : (local - kMinutesPerDay + 1) / kMinutesPerDay;
  const int64_t in_day = local - days * kMinutesPerDay;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2));
  return {year, month, day, static_cast<int>(in_day / 60), static_cast<int>(in_day % 60)};
}

int64_t LocalToMinutes(int year, int month, int day) {
  return DaysFromCivil(year, month, day) * kMinutesPerDay - kLocalOffsetMinutes;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

bool ParseStartDate(std::string_view text, int64_t& minutes) {
  int year = 0, month = 0, day = 0;
  char tail = 0;
  const std::string copy(text);
  if (copy.size() != 10 || copy[4] != '-' || copy[7] != '-' ||
      std::sscanf(copy.c_str(), "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3) {
    return false;
  }
  if (year < 1971 || year > 9000 || month < 1 || month > 12) return false;
  if (day < 1 || day > DaysInMonth(year, month)) return false;
  minutes = LocalToMinutes(year, month, day);
  return true;
}

std::string FormatDateTime(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:00+08:00", c.year, c.month, c.day,
                c.hour, c.minute);
  return text;
}

std::string FormatDate(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", c.year, c.month, c.day);
  return text;
}

std::string Compact(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02d%02d", c.year, c.month, c.day);
  return text;
}

int YearOf(int64_t minutes) { return CivilOf(minutes).year; }
int MonthOf(int64_t minutes) { return CivilOf(minutes).month; }

int64_t AddMonths(int64_t minutes, int months) {
  const Civil c = CivilOf(minutes);
  const int total = c.year * 12 + (c.month - 1) + months;
  const int year = total / 12, month = total % 12 + 1;
  const int day = std::min(c.day, DaysInMonth(year, month));
  return LocalToMinutes(year, month, day) + c.hour * kMinutesPerHour + c.minute;
}

int64_t LocalMidnight(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  return LocalToMinutes(c.year, c.month, c.day);
}

int64_t MonthStart(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  return LocalToMinutes(c.year, c.month, 1);
}

std::string Quarter(int64_t minutes) {
  const Civil c = CivilOf(minutes);
  return std::to_string(c.year) + "-Q" + std::to_string((c.month - 1) / 3 + 1);
}

std::string Sequenced(std::string_view prefix, int year, int n, int width) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%0*d", width, n);
  std::string id(prefix);
  if (year > 0) id += "-" + std::to_string(year);
  return id + "-" + digits;
}

void Story::NextWorkTime(Rng& rng, int days_min, int days_max) {
  int64_t day = LocalMidnight(now_) + rng.Uniform(days_min, days_max) * kMinutesPerDay;
  // 1970-01-01 was a Thursday: local day number + 3 mod 7 gives Monday = 0.
  auto weekday = [](int64_t midnight) {
    return ((midnight + kLocalOffsetMinutes) / kMinutesPerDay + 3) % 7;
  };
  while (weekday(day) >= 5) day += kMinutesPerDay;
  const int64_t at = day + rng.Uniform(9 * kMinutesPerHour, 17 * kMinutesPerHour + 59);
  now_ = at > now_ ? at : now_ + 1;
}

bool Story::Emit(std::string type, std::string subject, boost::json::object data) {
  if (!alive()) return false;
  out_.push_back({now_, std::move(type), std::move(subject), std::move(data)});
  return true;
}

boost::json::object Money(int64_t minor, std::string_view currency) {
  return {{"amount", minor}, {"currency", currency}};
}

}  // namespace seed::internal
