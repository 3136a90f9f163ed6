#include "ledger/record.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

SignedRecord Sample() {
  SignedRecord r;
  r.partition = 3;
  r.ledgerseq = 1'000'000;
  r.event = R"({"a":"事件"})";
  for (size_t i = 0; i < r.signature.size(); ++i) r.signature[i] = static_cast<uint8_t>(i);
  r.kid = 0xc74f20a3;
  return r;
}

TEST(Record, KeysSortInLogOrder) {
  EXPECT_LT(EncodeLogKey(0, 255), EncodeLogKey(0, 256));
  EXPECT_LT(EncodeLogKey(0, UINT64_MAX), EncodeLogKey(1, 0));
  uint32_t p;
  uint64_t s;
  ASSERT_TRUE(DecodeLogKey(EncodeLogKey(7, 0x0102030405060708), p, s));
  EXPECT_EQ(p, 7u);
  EXPECT_EQ(s, 0x0102030405060708u);
  EXPECT_FALSE(DecodeLogKey("short", p, s));
}

TEST(Record, ValueRoundTrip) {
  SignedRecord r = Sample();
  auto back = DecodeRecordValue(EncodeRecordValue(r), 3, 1'000'000);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->event, r.event);
  EXPECT_EQ(back->signature, r.signature);
  EXPECT_EQ(back->kid, r.kid);
}

// The decoder's table of corrupt inputs: each gives kCorruption, none crashes or
// allocates what a corrupt length claims.
TEST(Record, CorruptValuesAreRejected) {
  std::string good = EncodeRecordValue(Sample());
  std::string bad_version = good;
  bad_version[1] = 9;  // after cereal's one-byte endianness tag
  std::string huge_length = good;
  huge_length[5] = huge_length[6] = huge_length[7] = huge_length[8] = '\xff';
  const std::pair<std::string, std::string> cases[] = {
      {"", "corrupt"},
      {good.substr(0, 5), "corrupt"},
      {good.substr(0, good.size() - 1), "corrupt"},
      {good + "x", "trailing"},
      {bad_version, "version"},
      {huge_length, "over the limit"},
  };
  for (const auto& [value, expected] : cases) {
    auto r = DecodeRecordValue(value, 0, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kCorruption);
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
  }
}

TEST(Record, FeedLineRejectsBadSignatureEncodings) {
  EXPECT_FALSE(ParseFeedLine("{}").ok());
  EXPECT_FALSE(ParseFeedLine("not json").ok());
  EXPECT_FALSE(ParseFeedLine(R"({"event":{},"sig":"AA==","kid":"00000000"})").ok());
}

}  // namespace
}  // namespace ledger
