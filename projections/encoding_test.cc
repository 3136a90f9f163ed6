#include "projections/encoding.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace projections {
namespace {

namespace json = boost::json;

RecordState SampleRecord() {
  RecordState r;
  r.kind = "opportunity";
  r.id = "OPP-42";
  r.version = 7;
  r.last_hash = std::string(64, 'a');
  r.created = "2026-03-02T09:30:00.000000Z";
  r.updated = "2026-03-03T09:30:00.000000Z";
  r.updated_occurredat = "2026-03-03T17:30:00+08:00";
  r.partition = 3;
  r.ledgerseq = 1234;
  r.state =
      json::parse(R"({"stage":"won","amount":{"amount":1250000,"currency":"CNY"}})").as_object();
  r.indexed = {"user:li.wei", "won", "", "account/ACC-1"};
  return r;
}

HistoryEntry SampleEntry() {
  HistoryEntry e;
  e.version = 2;
  e.type = "opportunity.stage_changed";
  e.event_id = "id-1";
  e.actor = "user:li.wei";
  e.time = "2026-03-02T09:30:00.000000Z";
  e.occurredat = "2026-03-02T17:00:00+08:00";
  e.ledgerseq = 17;
  e.partition = 1;
  e.hash = std::string(64, 'b');
  e.correlationid = "deal-desk";
  e.data = json::parse(R"({"to":"won"})").as_object();
  e.changes = {{"/stage", json::value("proposal"), json::value("won")},
               {"/lost_reason", json::value(nullptr), std::nullopt},
               {"/terms", std::nullopt, json::parse(R"({"net":30})")}};
  e.state = json::parse(R"({"stage":"won","terms":{"net":30}})").as_object();
  return e;
}

TEST(EncodingTest, ValuesRoundTrip) {
  Position p{42, {}};
  p.last[0] = 7;
  EXPECT_EQ(*DecodePosition(EncodePosition(p)), p);
  RecordState r = SampleRecord();
  EXPECT_EQ(*DecodeRecord(EncodeRecord(r)), r);
  EXPECT_EQ(r.subject(), "opportunity/OPP-42");
  HistoryEntry e = SampleEntry();
  EXPECT_EQ(*DecodeHistory(EncodeHistory(e)), e);
}

TEST(EncodingTest, EncodingIsIndependentOfMemberOrder) {
  RecordState a = SampleRecord(), b = SampleRecord();
  b.state =
      json::parse(R"({"amount":{"currency":"CNY","amount":1250000},"stage":"won"})").as_object();
  EXPECT_EQ(EncodeRecord(a), EncodeRecord(b));
}

TEST(EncodingTest, CorruptValuesAreErrors) {
  const std::string good = EncodeRecord(SampleRecord());
  std::string wrong_version = good;
  wrong_version[4] = 9;  // after the 1-byte endianness tag, the u32 version
  std::string bad_json = EncodeRecord(SampleRecord());
  bad_json[bad_json.find("{\"amount\"")] = '[';
  std::string huge_length = good;
  huge_length[5 + 3] = '\x7f';  // the first string's length
  const std::pair<std::string, std::string> cases[] = {
      {"empty", ""},
      {"truncated", good.substr(0, good.size() - 3)},
      {"trailing bytes", good + "x"},
      {"unknown version", wrong_version},
      {"state is not JSON", bad_json},
      {"string longer than the value", huge_length},
  };
  for (const auto& [name, value] : cases) {
    auto r = DecodeRecord(value);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), ledger::Code::kCorruption) << name;
  }
  EXPECT_FALSE(DecodePosition(good).ok());
  EXPECT_FALSE(DecodeHistory(good).ok());
}

TEST(EncodingTest, HistoryKeysSortByVersionWithinASubject) {
  EXPECT_LT(HistoryKey("a/1", 2), HistoryKey("a/1", 10));
  EXPECT_LT(HistoryKey("a/1", 255), HistoryKey("a/1", 256));
  EXPECT_TRUE(HistoryKey("a/1", 5).starts_with(HistoryPrefix("a/1")));
  EXPECT_FALSE(HistoryKey("a/10", 5).starts_with(HistoryPrefix("a/1")));
  EXPECT_FALSE(AsOfKey("a/1", "2026", 5).starts_with(HistoryPrefix("a/1")));
  EXPECT_EQ(VersionOfKey(HistoryKey("a/1", 77)), 77u);
  EXPECT_EQ(VersionOfKey(AsOfKey("a/1", "2026-03-02T09:30:00.000000Z", 9)), 9u);
  EXPECT_EQ(VersionOfKey("short"), std::nullopt);
}

TEST(EncodingTest, IndexKeysEscapeSlashes) {
  RecordState r = SampleRecord();
  std::vector<std::string> keys = IndexKeys(r);
  ASSERT_EQ(keys.size(), 4u);  // no status
  EXPECT_EQ(keys[0], "account/account%2FACC-1/opportunity/opportunity/OPP-42");
  EXPECT_EQ(keys[1], "owner/user:li.wei/opportunity/opportunity/OPP-42");
  EXPECT_EQ(keys[2], "stage/opportunity/won/opportunity/OPP-42");
  EXPECT_EQ(keys[3], "updated/opportunity/2026-03-03T09:30:00.000000Z/opportunity/OPP-42");
  EXPECT_EQ(EscapeKeyPart("50%/x"), "50%25%2Fx");
}

TEST(EncodingTest, TimesInKeysAreNormalizedToSortAsText) {
  EXPECT_EQ(SortableTime("2026-03-02T17:00:00.5+08:00"), "2026-03-02T09:00:00.500000Z");
  EXPECT_EQ(SortableTime("2026-03-02T09:30:00.000000Z"), "2026-03-02T09:30:00.000000Z");
  EXPECT_LT(AsOfKey("a/1", "2026-03-02T17:00:00+08:00", 1),
            AsOfKey("a/1", "2026-03-02T10:00:00Z", 1));
}

}  // namespace
}  // namespace projections
