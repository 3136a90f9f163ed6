#include "ledger/time.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

TEST(Time, ParsesRfc3339Forms) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:01.5Z"), 1'500'000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T08:00:00+08:00"), 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00.123456789Z"),
            ParseRfc3339("2024-02-29T12:00:00.123456Z"));
  EXPECT_EQ(*ParseRfc3339("2026-11-22T10:00:00Z") - *ParseRfc3339("2026-11-22T18:00:00+08:00"), 0);
}

TEST(Time, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T10:00:00", "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:60Z",
        "2026-11-22 10:00:00Z", "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00+0800",
        "2026-11-22T10:00:00Zjunk", "2026-11-22T10:00:00.1234567890Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseDate("2026-02-30").has_value());
  EXPECT_TRUE(ParseDate("2000-02-29").has_value());
}

TEST(Time, FormatsUtcWithMicrosecondsAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  for (Micros t :
       {Micros{1'795'000'000'123'456}, Micros{951'782'400'000'000}, Micros{-86'400'000'001}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  }
  EXPECT_LT(FormatRfc3339(1'000'000), FormatRfc3339(10'000'000));  // sorts as text
}

}  // namespace
}  // namespace ledger
