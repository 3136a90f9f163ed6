// The parts of ledger-pg-bench that need no server: the envelope's canonical bytes (hand
// assembled, so checked against the ledger's RFC 8785 encoder), the hash chain, COPY
// text escaping, partitions, wrapping and the options' parsing. The SQL paths are
// checked against a real PostgreSQL by `ledger-pg-bench verify` and `ingest --check`.
#include "bench/pg_peer.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <boost/json.hpp>

#include "ledger/canonical.h"

namespace pgpeer {
namespace {

namespace json = boost::json;

EventRow SampleRow() {
  EventRow row;
  row.partition = 3;
  row.seq = 41;
  row.subject = "opportunity/OPP-\"1\"\t王";
  row.type = "opportunity.stage_changed";
  row.recorded = "2026-11-23T17:30:00.123456Z";
  row.occurred = "2026-01-02T10:00:00+08:00";
  row.actor = std::string(kActor);
  row.data = ledger::Canonical(json::parse(R"({"stage":"won","amount":{"amount":5,"cur":"CNY"}})"));
  return row;
}

TEST(PgPeer, EnvelopeIsTheRfc8785FormOfItsObject) {
  const EventRow row = SampleRow();
  json::object o;
  o["type"] = row.type;
  o["time"] = row.recorded;
  o["subject"] = row.subject;
  o["seq"] = row.seq;
  o["partition"] = row.partition;
  o["occurredat"] = row.occurred;
  o["data"] = json::parse(row.data);
  o["actor"] = row.actor;
  std::string assembled;
  AppendEventCanonical(row, assembled);
  EXPECT_EQ(assembled, ledger::Canonical(o));
}

TEST(PgPeer, HashChainsOnThePreviousHash) {
  EventRow row = SampleRow();
  std::string scratch, canonical;
  AppendEventCanonical(row, canonical);
  Hash expected;
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(),
         expected.data());
  EXPECT_EQ(ChainHash(row, scratch), expected);  // a first event: no prev_hash

  row.has_prev = true;
  row.prev_hash = expected;
  const std::string chained = std::string(expected.begin(), expected.end()) + canonical;
  SHA256(reinterpret_cast<const unsigned char*>(chained.data()), chained.size(), expected.data());
  EXPECT_EQ(ChainHash(row, scratch), expected);
}

TEST(PgPeer, CopyTextRoundTrips) {
  for (const std::string text :
       {"", "plain", "tab\there", "new\nline\r", "back\\slash\\", "\\N", "恒锐 \"x\" \\t"}) {
    std::string escaped, back;
    AppendCopyText(text, escaped);
    EXPECT_EQ(escaped.find('\t'), std::string::npos) << text;
    EXPECT_EQ(escaped.find('\n'), std::string::npos) << text;
    ASSERT_TRUE(UnescapeCopyText(escaped, back)) << text;
    EXPECT_EQ(back, text);
  }
  std::string out;
  EXPECT_FALSE(UnescapeCopyText("ends in \\", out));
  EXPECT_FALSE(UnescapeCopyText("octal \\101", out));
}

TEST(PgPeer, PartitionsAreFnv1aModFour) {
  EXPECT_EQ(PartitionOf(""), 2166136261u % kPartitions);
  EXPECT_EQ(PartitionOf("a"), 0xe40c292cu % kPartitions);
  EXPECT_EQ(KindOf("opportunity/OPP-1"), "opportunity");
}

TEST(PgPeer, WrappedPassesGetTheirOwnSubjects) {
  std::vector<Command> commands(2);
  commands[0] = {.type = "a.b", .subject = "account/A", .data_canonical = "{}", .owner = "u:x"};
  commands[1] = {.type = "a.c",
                 .subject = "account/B",
                 .occurredat = "2026-01-01T00:00:00Z",
                 .data_canonical = "{}"};
  const std::string now = "2026-11-23T00:00:00.000000Z";
  EXPECT_EQ(MakeRow(commands, 0, now).subject, "account/A");
  EXPECT_EQ(MakeRow(commands, 0, now).occurred, now);
  EXPECT_EQ(MakeRow(commands, 0, now).owner, "u:x");
  EXPECT_EQ(MakeRow(commands, 1, now).occurred, "2026-01-01T00:00:00Z");
  EXPECT_EQ(MakeRow(commands, 3, now).subject, "account/B~1");
  EXPECT_EQ(MakeRow(commands, 4, now).partition, PartitionOf("account/A~2"));
}

TEST(PgPeer, LatencyQuantilesStayWithinABucket) {
  LatencyHistogram h;
  for (uint64_t us = 1; us <= 10000; ++us) h.Record(us);
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.max_us(), 10000u);
  EXPECT_NEAR(static_cast<double>(h.QuantileUs(0.5)), 5000, 5000 / 64.0);
  EXPECT_NEAR(static_cast<double>(h.QuantileUs(0.99)), 9900, 9900 / 64.0);
  EXPECT_EQ(h.QuantileUs(1.0), 10000u);
}

TEST(PgPeer, DurationsParse) {
  EXPECT_EQ(ParseDuration("10s"), std::chrono::milliseconds(10000));
  EXPECT_EQ(ParseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(ParseDuration("2m"), std::chrono::milliseconds(120000));
  EXPECT_EQ(ParseDuration("3"), std::chrono::milliseconds(3000));
  EXPECT_FALSE(ParseDuration("0s"));
  EXPECT_FALSE(ParseDuration("10h"));
  EXPECT_FALSE(ParseDuration("s"));
}

}  // namespace
}  // namespace pgpeer
