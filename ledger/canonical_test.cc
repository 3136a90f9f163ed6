#include "ledger/canonical.h"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>

namespace ledger {
namespace {

// RFC 8785 §3.2.2's example. Boost.JSON 1.81's parser rounds 333333333.33333329 to
// the neighbouring double, so that one number is set exactly (bits 0x41b3de4355555555);
// the ledger's events carry integers only, so its own bytes never meet this.
TEST(Canonical, Rfc8785Example) {
  const char* input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  boost::json::value v = boost::json::parse(input);
  v.as_object()["numbers"].as_array()[0] = std::bit_cast<double>(uint64_t{0x41b3de4355555555});
  EXPECT_EQ(Canonical(v),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: member names sort by UTF-16 code units, so U+1F600 (a surrogate
// pair, 0xD83D...) sorts before U+FB33.
TEST(Canonical, SortsByUtf16CodeUnits) {
  const char* input =
      R"({"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh",
    "1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"})";
  std::string out = Canonical(boost::json::parse(input));
  std::vector<std::string> order = {
      "\\r", "1", "\xC2\x80", "\xC3\xB6", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xAC\xB3"};
  size_t pos = 0;
  for (const std::string& key : order) {
    size_t at = out.find("\"" + key + "\"", pos);
    ASSERT_NE(at, std::string::npos) << key;
    pos = at;
  }
}

// RFC 8785 Appendix B: IEEE 754 doubles and their ECMAScript form.
TEST(Canonical, Rfc8785NumberVectors) {
  const std::pair<uint64_t, const char*> vectors[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, expected] : vectors) {
    EXPECT_EQ(CanonicalNumber(std::bit_cast<double>(bits)), expected) << std::hex << bits;
  }
  EXPECT_EQ(CanonicalNumber(std::numeric_limits<double>::infinity()), "null");
}

TEST(Canonical, IntegersAndNesting) {
  boost::json::value v = boost::json::parse(R"({"b":[1,-2,{"z":0,"a":9007199254740991}],"a":{}})");
  EXPECT_EQ(Canonical(v), R"({"a":{},"b":[1,-2,{"a":9007199254740991,"z":0}]})");
}

TEST(Canonical, EscapesControlCharactersOnly) {
  std::string out;
  AppendCanonicalString(std::string("a\x01\x1f\x7f\xE4\xB8\xAD\"\\\b\t\n\f\r", 14), out);
  EXPECT_EQ(out, "\"a\\u0001\\u001f\x7f\xE4\xB8\xAD\\\"\\\\\\b\\t\\n\\f\\r\"");
}

TEST(Canonical, Utf16LessAgreesWithByteOrderOutsideSurrogates) {
  EXPECT_TRUE(Utf16Less("a", "b"));
  EXPECT_TRUE(Utf16Less("\xF0\x9F\x98\x80", "\xEF\xAC\xB3"));  // U+1F600 < U+FB33 in UTF-16
  EXPECT_FALSE(Utf16Less("\xEF\xAC\xB3", "\xF0\x9F\x98\x80"));
  EXPECT_TRUE(Utf16Less("\xE4\xB8\xAD", "\xE6\x96\x87"));  // 中 < 文
}

}  // namespace
}  // namespace ledger
