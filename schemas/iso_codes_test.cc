#include "schemas/iso_codes.h"

#include <gtest/gtest.h>

namespace schemas {
namespace {

TEST(IsoCodesTest, CurrenciesHaveTheirMinorUnits) {
  struct Case {
    const char* code;
    int numeric;
    int minor_digits;
  };
  for (const Case& c :
       {Case{"CNY", 156, 2}, Case{"USD", 840, 2}, Case{"EUR", 978, 2}, Case{"JPY", 392, 0},
        Case{"KRW", 410, 0}, Case{"KWD", 414, 3}, Case{"BHD", 48, 3}, Case{"CLF", 990, 4},
        Case{"UYW", 927, 4}, Case{"XAU", 959, kNoMinorUnit}, Case{"XXX", 999, kNoMinorUnit}}) {
    const Currency* currency = FindCurrency(c.code);
    ASSERT_NE(currency, nullptr) << c.code;
    EXPECT_EQ(currency->numeric, c.numeric) << c.code;
    EXPECT_EQ(currency->minor_digits, c.minor_digits) << c.code;
  }
}

TEST(IsoCodesTest, WithdrawnAndMalformedCodesAreUnknown) {
  for (const char* code : {"HRK", "CUC", "SLL", "ZWL", "DEM", "cny", "CN", "CNYY", "", "RMB"}) {
    EXPECT_EQ(FindCurrency(code), nullptr) << code;
  }
}

TEST(IsoCodesTest, CurrencyListIsSortedAndUnique) {
  auto currencies = Currencies();
  ASSERT_GT(currencies.size(), 150u);
  for (size_t i = 1; i < currencies.size(); ++i) {
    EXPECT_LT(currencies[i - 1].code, currencies[i].code);
  }
  for (const Currency& c : currencies) EXPECT_EQ(FindCurrency(c.code), &c);
}

TEST(IsoCodesTest, FormatMoneyUsesTheMinorUnit) {
  EXPECT_EQ(FormatMoney(123456, "CNY"), "1234.56 CNY");
  EXPECT_EQ(FormatMoney(5, "USD"), "0.05 USD");
  EXPECT_EQ(FormatMoney(-1999, "USD"), "-19.99 USD");
  EXPECT_EQ(FormatMoney(5000, "JPY"), "5000 JPY");
  EXPECT_EQ(FormatMoney(1, "KWD"), "0.001 KWD");
  EXPECT_EQ(FormatMoney(0, "CNY"), "0.00 CNY");
  EXPECT_EQ(FormatMoney(INT64_MIN, "JPY"), "-9223372036854775808 JPY");
}

TEST(IsoCodesTest, CountryCodes) {
  for (const char* code : {"CN", "US", "DE", "HK", "TW", "VN", "AQ"}) {
    EXPECT_TRUE(IsCountryCode(code)) << code;
  }
  for (const char* code : {"cn", "XX", "UK", "CHN", "", "C"}) {
    EXPECT_FALSE(IsCountryCode(code)) << code;
  }
}

}  // namespace
}  // namespace schemas
