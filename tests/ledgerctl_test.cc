// ledgerctl end to end: append, verify, feed, keys, and how it reports bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "ledger/keys.h"
#include "tests/fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (const std::string& line : CompleteLines(text)) n += line.empty() ? 0 : 1;
  return n;
}

uint64_t SummaryValue(const std::string& out, const std::string& name) {
  const std::string key = "\n" + name + ": ";
  const size_t at = ("\n" + out).find(key);
  EXPECT_NE(at, std::string::npos) << name << " is not in the summary:\n" << out;
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(out.substr(at + key.size() - 1));
}

TEST(LedgerctlTest, LifecycleAppendsVerifiesAndItsFeedVerifies) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const fs::path lifecycle = SourceFile("schemas/examples/lifecycle.ndjson");
  const size_t commands = CountLines(ReadFile(lifecycle));
  ASSERT_GT(commands, 20u);

  ProcessResult append = Ledgerctl({"append", "--data", data, "--file", lifecycle});
  ASSERT_EQ(append.exit_code, 0) << append.err;
  std::vector<Ack> acks = ParseAcks(append.out);
  ASSERT_EQ(acks.size(), commands);
  for (size_t i = 0; i < acks.size(); ++i) {
    EXPECT_EQ(acks[i].line, i + 1);
    EXPECT_FALSE(acks[i].replayed);
    EXPECT_EQ(acks[i].hash.size(), 64u);
  }
  EXPECT_EQ(fs::status(data / "keys" / "ledger.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  ProcessResult verify = Ledgerctl({"verify", "--data", data});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("verify: OK"));
  EXPECT_EQ(SummaryValue(verify.out, "events"), commands);
  EXPECT_EQ(SummaryValue(verify.out, "signatures checked"), commands);
  EXPECT_EQ(SummaryValue(verify.out, "partitions"), 4u);
  // Each partition's line gives its event count and the last ack's hash as its head.
  std::map<uint32_t, Ack> last;
  for (const Ack& a : acks) last[a.partition] = a;
  for (const auto& [p, a] : last) {
    EXPECT_THAT(verify.out, HasSubstr("partition " + std::to_string(p) + ": " +
                                      std::to_string(a.ledgerseq + 1) + " events, head " + a.hash));
  }

  ProcessResult feed = Ledgerctl({"feed", "--data", data});
  ASSERT_EQ(feed.exit_code, 0) << feed.err;
  EXPECT_EQ(CountLines(feed.out), commands);
  WriteFile(tmp / "feed.ndjson", feed.out);
  ProcessResult feed_verify = Ledgerctl(
      {"verify", "--ndjson", tmp / "feed.ndjson", "--vkeys", data / "keys" / "ledger.vkeys"});
  ASSERT_EQ(feed_verify.exit_code, 0) << feed_verify.err;
  EXPECT_EQ(SummaryValue(feed_verify.out, "events"), commands);
  EXPECT_EQ(SummaryValue(feed_verify.out, "signatures checked"), commands);
}

TEST(LedgerctlTest, ReappendingReplaysTheOriginalResults) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const fs::path lifecycle = SourceFile("schemas/examples/lifecycle.ndjson");
  ProcessResult first = Ledgerctl({"append", "--data", data, "--file", lifecycle});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ProcessResult second = Ledgerctl({"append", "--data", data, "--file", lifecycle, "--batch", "7"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::vector<Ack> a = ParseAcks(first.out), b = ParseAcks(second.out);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(b[i].replayed) << "line " << b[i].line;
    EXPECT_EQ(b[i].id, a[i].id);
    EXPECT_EQ(b[i].partition, a[i].partition);
    EXPECT_EQ(b[i].ledgerseq, a[i].ledgerseq);
    EXPECT_EQ(b[i].streamversion, a[i].streamversion);
    EXPECT_EQ(b[i].hash, a[i].hash);
  }
  ProcessResult verify = Ledgerctl({"verify", "--data", data});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(SummaryValue(verify.out, "events"), a.size());
}

TEST(LedgerctlTest, FeedSelectsAPartitionFromASeq) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  std::vector<Ack> acks = BuildLedger(data, 24);
  std::map<uint32_t, uint64_t> per_partition;
  for (const Ack& a : acks) ++per_partition[a.partition];
  const auto [p, count] = *per_partition.rbegin();
  ASSERT_GE(count, 2u);
  ProcessResult feed =
      Ledgerctl({"feed", "--data", data, "--partition", std::to_string(p), "--from", "1"});
  ASSERT_EQ(feed.exit_code, 0) << feed.err;
  std::vector<std::string> lines = CompleteLines(feed.out);
  ASSERT_EQ(lines.size(), count - 1);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto record = ledger::ParseFeedLine(lines[i]);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->partition, p);
    EXPECT_EQ(record->ledgerseq, i + 1);
  }
  ProcessResult bad = Ledgerctl({"feed", "--data", data, "--partition", "4"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--partition 4"));
}

TEST(LedgerctlTest, KeysGenerateAndShow) {
  TempDir tmp;
  const fs::path key_file = tmp / "other.key";
  ProcessResult gen = Ledgerctl({"keys", "generate", "--out", key_file, "--name", "backup-ledger"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string vkey = gen.out.substr(0, gen.out.find('\n'));
  auto parsed = ledger::ParseVerifierKey(vkey);
  ASSERT_TRUE(parsed.ok()) << vkey;
  EXPECT_EQ(parsed->name, "backup-ledger");
  EXPECT_EQ(fs::status(key_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto key = ledger::LoadKeyFile(key_file);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->public_key().VerifierKey(), vkey);

  ProcessResult again = Ledgerctl({"keys", "generate", "--out", key_file});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
  EXPECT_EQ(Ledgerctl({"keys", "generate", "--out", tmp / "x.key", "--name", "bad name"}).exit_code,
            2);

  const fs::path data = tmp / "data";
  BuildLedger(data, 1);
  auto ring = ledger::LoadVerifierKeys(data / "keys" / "ledger.vkeys");
  ASSERT_TRUE(ring.ok());
  ASSERT_EQ(ring->keys().size(), 1u);
  const ledger::PublicKey& pk = ring->keys()[0];
  ProcessResult show = Ledgerctl({"keys", "show", "--data", data});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "kid=" + pk.KidHex() + " name=sales-ledger public=" +
                          ledger::Base64(std::span<const uint8_t>(pk.key)) +
                          " vkey=" + pk.VerifierKey() + "\n");
  EXPECT_EQ(Ledgerctl({"keys", "show", "--data", tmp / "nothing"}).exit_code, 2);
}

TEST(LedgerctlTest, ALedgerSignedByAnotherKeyFailsVerification) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  std::vector<Ack> acks = BuildLedger(data, 6);
  ProcessResult gen = Ledgerctl({"keys", "generate", "--out", tmp / "b.key"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  WriteFile(tmp / "b.vkeys", gen.out);

  uint32_t first_partition = UINT32_MAX;
  for (const Ack& a : acks) first_partition = std::min(first_partition, a.partition);
  ProcessResult verify = Ledgerctl({"verify", "--data", data, "--vkeys", tmp / "b.vkeys"});
  EXPECT_EQ(verify.exit_code, 1) << verify.out;
  auto failure = ParseVerifyFailure(verify.err);
  ASSERT_TRUE(failure) << verify.err;
  EXPECT_EQ(failure->partition, first_partition);
  EXPECT_EQ(failure->ledgerseq, 0u);
  EXPECT_THAT(failure->reason, HasSubstr("not trusted"));

  ProcessResult feed = Ledgerctl({"feed", "--data", data});
  ASSERT_EQ(feed.exit_code, 0);
  WriteFile(tmp / "feed.ndjson", feed.out);
  ProcessResult feed_verify =
      Ledgerctl({"verify", "--ndjson", tmp / "feed.ndjson", "--vkeys", tmp / "b.vkeys"});
  EXPECT_EQ(feed_verify.exit_code, 1);
  EXPECT_THAT(feed_verify.err,
              HasSubstr("verify: FAILED at " + (tmp / "feed.ndjson").string() + ":1: "));
  EXPECT_THAT(feed_verify.err, HasSubstr("not trusted"));
}

TEST(LedgerctlTest, BadLinesNameFileLineAndEveryViolation) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const fs::path input = tmp / "bad.ndjson";
  WriteFile(
      input,
      AccountRegistrations(1, 1) + "{not json\n" +
          R"({"type":"account.registered","subject":"account/ACC-2","data":{},"colour":"red"})" +
          "\n" +
          R"({"type":"account.registered","subject":"account/ACC-3","data":{"name":"","owner":"x y"}})" +
          "\n");
  ProcessResult r = Ledgerctl({"append", "--data", data, "--file", input});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  const std::string f = input.string();
  EXPECT_THAT(r.err, HasSubstr(f + ":2: invalid argument: not JSON"));
  EXPECT_THAT(r.err, HasSubstr(f + ":3: invalid argument: /colour: "));
  // Line 4 parses as a command; the decider's shape check names both fields.
  ProcessResult alone = Ledgerctl({"append", "--data", data, "--file", input, "--batch", "1"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_EQ(ParseAcks(alone.out).size(), 1u);  // line 1, its own batch, is appended
  WriteFile(tmp / "line4.ndjson", "\n\n\n" + CompleteLines(ReadFile(input))[3] + "\n");
  ProcessResult shape = Ledgerctl({"append", "--data", data, "--file", tmp / "line4.ndjson"});
  EXPECT_EQ(shape.exit_code, 2);
  const std::string f4 = (tmp / "line4.ndjson").string();
  EXPECT_THAT(shape.err, HasSubstr(f4 + ":4: invalid argument: /data/name: "));
  EXPECT_THAT(shape.err, HasSubstr(f4 + ":4: invalid argument: /data/owner: "));

  ProcessResult verify = Ledgerctl({"verify", "--data", data});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(SummaryValue(verify.out, "events"), 1u);
}

TEST(LedgerctlTest, RejectionsNameTheLineAndTheCode) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  BuildLedger(data, 2);
  const fs::path input = tmp / "rejected.ndjson";
  // Line 1 is fine; line 2 expects the wrong version; line 3 renames an unknown account.
  WriteFile(
      input,
      AccountRename(1) +
          R"({"type":"account.profile_updated","subject":"account/ACC-2","expectedversion":5,"data":{"name":"X"}})" +
          "\n" + AccountRename(404));
  ProcessResult conflict = Ledgerctl({"append", "--data", data, "--file", input, "--batch", "1"});
  EXPECT_EQ(conflict.exit_code, 2);
  ASSERT_EQ(ParseAcks(conflict.out).size(), 1u);
  EXPECT_THAT(conflict.err, HasSubstr(input.string() + ":2: conflict: /expectedversion: "));
  EXPECT_EQ(conflict.err.find(":3:"), std::string::npos) << "the import goes on after a rejection";

  WriteFile(
      tmp / "missing.ndjson",
      R"({"type":"account.owner_assigned","subject":"account/ACC-404","data":{"owner":"rep.bob"}})"
      "\n");
  ProcessResult missing = Ledgerctl({"append", "--data", data, "--file", tmp / "missing.ndjson"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr((tmp / "missing.ndjson").string() + ":1: not found: "));

  ProcessResult verify = Ledgerctl({"verify", "--data", data});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(SummaryValue(verify.out, "events"), 3u);
}

TEST(LedgerctlTest, UsageErrorsAndHelp) {
  TempDir tmp;
  ProcessResult none = Ledgerctl({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(Ledgerctl({"frobnicate"}).exit_code, 2);
  ProcessResult help = Ledgerctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"verify", "keys", "append", "feed"})
    EXPECT_THAT(help.out, HasSubstr(command));

  const std::map<std::vector<std::string>, std::vector<std::string>> options = {
      {{"verify"},
       {"--data", "--ndjson", "--vkeys", "--partitions", "--no-signatures", "--threads"}},
      {{"keys", "generate"}, {"--out", "--name"}},
      {{"keys", "show"}, {"--data", "--vkeys"}},
      {{"append"}, {"--data", "--file", "--actor", "--batch", "--concurrency", "--partitions"}},
      {{"feed"}, {"--data", "--partition", "--from"}},
  };
  for (const auto& [command, names] : options) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    ProcessResult r = Ledgerctl(args);
    EXPECT_EQ(r.exit_code, 0) << command[0];
    for (const std::string& name : names) EXPECT_THAT(r.out, HasSubstr(name)) << command[0];
  }

  ProcessResult missing = Ledgerctl({"append", "--data", tmp / "d"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--file"));
  EXPECT_EQ(Ledgerctl({"verify", "--data", tmp / "d", "--bogus"}).exit_code, 2);
  EXPECT_EQ(Ledgerctl({"verify", "--data", tmp / "nowhere"}).exit_code, 2);
  EXPECT_EQ(Ledgerctl({"verify", "--ndjson", tmp / "f"}).exit_code, 2);  // needs --vkeys
  EXPECT_EQ(Ledgerctl({"append", "--data", tmp / "d", "--file", tmp / "absent.ndjson"}).exit_code,
            2);
  EXPECT_EQ(Ledgerctl({"append", "--data", tmp / "d", "--file", "-", "--batch", "0"}).exit_code, 2);
  EXPECT_EQ(
      Ledgerctl({"append", "--data", tmp / "d", "--file", "-", "--concurrency", "65"}).exit_code,
      2);
  EXPECT_FALSE(fs::exists(tmp / "d")) << "usage errors must not create a data dir";
}

}  // namespace
}  // namespace ledger_test
