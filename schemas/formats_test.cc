#include "schemas/formats.h"

#include <gtest/gtest.h>

#include <string>

namespace schemas {
namespace {

struct Case {
  std::string text;
  bool valid;
};

void ExpectAll(bool (*predicate)(std::string_view), const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(predicate(c.text), c.valid) << '"' << c.text << '"';
}

TEST(FormatsTest, RecordIds) {
  ExpectAll(IsRecordId, {{"ACC-1", true},
                         {"a", true},
                         {"OPP-2025.0042_b:x", true},
                         {std::string(64, 'x'), true},
                         {std::string(65, 'x'), false},
                         {"", false},
                         {"-ACC", false},
                         {".x", false},
                         {"ACC 1", false},
                         {"ACC/1", false},
                         {"客户-1", false}});
}

TEST(FormatsTest, Dates) {
  ExpectAll(IsDate, {{"2025-03-14", true},
                     {"2024-02-29", true},
                     {"2000-02-29", true},
                     {"1900-02-29", false},
                     {"2025-02-29", false},
                     {"2025-04-31", false},
                     {"2025-13-01", false},
                     {"2025-00-10", false},
                     {"2025-01-00", false},
                     {"2025-1-01", false},
                     {"2025/01/01", false},
                     {"2025-01-01T00:00:00Z", false},
                     {"", false}});
}

TEST(FormatsTest, DateTimes) {
  ExpectAll(IsDateTime, {{"2025-03-14T09:30:00Z", true},
                         {"2025-03-14T09:30:00+08:00", true},
                         {"2025-03-14T09:30:00.123456789-05:30", true},
                         {"2025-03-14t09:30:00z", true},
                         {"2016-12-31T23:59:60Z", true},
                         {"2025-03-14T09:30:00", false},
                         {"2025-03-14 09:30:00Z", false},
                         {"2025-03-14T24:00:00Z", false},
                         {"2025-03-14T09:60:00Z", false},
                         {"2025-03-14T09:30:00.Z", false},
                         {"2025-03-14T09:30:00.1234567890Z", false},
                         {"2025-03-14T09:30:00+8:00", false},
                         {"2025-03-14T09:30:00+24:00", false},
                         {"2025-02-30T09:30:00Z", false},
                         {"2025-03-14T09:30Z", false}});
}

TEST(FormatsTest, Periods) {
  ExpectAll(IsPeriod, {{"2025", true},
                       {"2025-H1", true},
                       {"2025-H2", true},
                       {"2025-Q1", true},
                       {"2025-Q4", true},
                       {"2025-07", true},
                       {"2025-12", true},
                       {"2025-H3", false},
                       {"2025-Q5", false},
                       {"2025-Q0", false},
                       {"2025-13", false},
                       {"2025-00", false},
                       {"25-Q1", false},
                       {"2025Q1", false},
                       {"2025-q1", false}});
}

TEST(FormatsTest, Emails) {
  ExpectAll(IsEmail, {{"wang.jianguo@hengrui.example.cn", true},
                      {"a+tag@example.com", true},
                      {"用户@例子.中国", true},  // RFC 6531 internationalized address
                      {"user@例子.中国", true},
                      {"no-at.example.com", false},
                      {"two@@example.com", false},
                      {"a@b@example.com", false},
                      {"@example.com", false},
                      {"user@", false},
                      {"user@localhost", false},
                      {"user@-bad.com", false},
                      {"user@bad-.com", false},
                      {"user@a..com", false},
                      {"us er@example.com", false},
                      {".user@example.com", false},
                      {std::string(65, 'a') + "@example.com", false}});
}

TEST(FormatsTest, Phones) {
  ExpectAll(IsPhone, {{"+86 21 5957 8800", true},
                      {"+1 (714) 555-0142", true},
                      {"021-59578800", true},
                      {"110", true},
                      {"12", false},
                      {"+86+21", false},
                      {"call me", false},
                      {"+86 21 5957 8800 ext 1", false},
                      {"", false},
                      {"123456789012345678901", false}});
}

TEST(FormatsTest, Urls) {
  ExpectAll(IsUrl, {{"https://www.example.com", true},
                    {"http://example.com:8080/a?b=c#d", true},
                    {"https://user@example.com/", true},
                    {"ftp://example.com", false},
                    {"www.example.com", false},
                    {"https://", false},
                    {"https:///path", false},
                    {"https://exa mple.com", false}});
}

TEST(FormatsTest, Utf8CodePointsCountsAndRejectsMalformedText) {
  EXPECT_EQ(Utf8CodePoints(""), 0u);
  EXPECT_EQ(Utf8CodePoints("abc"), 3u);
  EXPECT_EQ(Utf8CodePoints("上海恒锐"), 4u);
  EXPECT_EQ(Utf8CodePoints("€😀"), 2u);
  EXPECT_EQ(Utf8CodePoints("\xc3"), std::nullopt);              // truncated
  EXPECT_EQ(Utf8CodePoints("\xc0\xaf"), std::nullopt);          // overlong "/"
  EXPECT_EQ(Utf8CodePoints("\xed\xa0\x80"), std::nullopt);      // surrogate
  EXPECT_EQ(Utf8CodePoints("\xf4\x90\x80\x80"), std::nullopt);  // above U+10FFFF
  EXPECT_EQ(Utf8CodePoints("\x80"), std::nullopt);              // lone continuation
}

TEST(FormatsTest, ControlCharacters) {
  EXPECT_FALSE(HasControlCharacters("plain text 中文", false));
  EXPECT_TRUE(HasControlCharacters("line\nbreak", false));
  EXPECT_FALSE(HasControlCharacters("line\nbreak\tand tab\r\n", true));
  EXPECT_TRUE(HasControlCharacters(std::string("nul\0", 4), true));
  EXPECT_TRUE(HasControlCharacters("del\x7f", true));
}

TEST(FormatsTest, PointerTokensEscapeTildeAndSlash) {
  EXPECT_EQ(PointerToken("name"), "name");
  EXPECT_EQ(PointerToken("a/b~c"), "a~1b~0c");
  EXPECT_EQ(PointerToken("~1"), "~01");
}

TEST(FormatsTest, QuoteForMessageCutsLongTextAndHidesControls) {
  EXPECT_EQ(QuoteForMessage("ok"), "\"ok\"");
  EXPECT_EQ(QuoteForMessage(std::string(50, 'x')), "\"" + std::string(40, 'x') + "...\"");
  std::string forty_one;
  for (int i = 0; i < 41; ++i) forty_one += "中";
  EXPECT_EQ(QuoteForMessage(forty_one), "\"" + forty_one.substr(0, 40 * 3) + "...\"");
  EXPECT_EQ(QuoteForMessage("a\nb"), "\"a?b\"");
  EXPECT_EQ(QuoteForMessage("\xff"), "(text that is not valid UTF-8)");
}

}  // namespace
}  // namespace schemas
