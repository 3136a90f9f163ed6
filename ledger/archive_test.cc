// Archive bundles: a sealed range verifies from the bytes alone; each kind of damage is
// named; a log pruned below the cut reads whole again through ArchiveBackedLog.
#include "ledger/archive.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "ledger/archive_log.h"
#include "ledger/bundle_file.h"
#include "ledger/canonical.h"
#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;
namespace json = boost::json;

constexpr Micros kStart = 1'790'000'000'000'000;
constexpr Micros kSecond = 1'000'000;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = 2});
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    auto writer = Writer::Open(*log_, key_, decider_, clock_, {});
    ASSERT_TRUE(writer.ok());
    writer_ = std::move(writer).value();
    keys_.Add(key_.public_key());
    // 40 events a second apart over both partitions.
    for (int i = 0; i < 40; ++i) {
      auto r = writer_->Append(
          {MakeCommand("account.touched", "account/A-" + std::to_string(i % 9))}, "user:rep");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      clock_.Advance(kSecond);
    }
  }

  ArchiveRequest Request(Micros before) {
    ArchiveRequest req{"sales-ledger", FormatRfc3339(before), FormatRfc3339(kStart), {}, {}};
    for (uint32_t p = 0; p < log_->partitions(); ++p) {
      auto cut = CutBefore(*log_, p, before);
      EXPECT_TRUE(cut.ok());
      auto cp = writer_->CheckpointNow(p);
      EXPECT_TRUE(cp.ok());
      req.partitions.push_back({p, 0, *cut, "", *cp});
    }
    return req;
  }

  std::string Build(Micros before) {
    auto bundle = BuildArchive(*log_, keys_, Request(before));
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    return bundle.ok() ? *bundle : "";
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  Keyring keys_;
  PermissiveDecider decider_;
  ManualClock clock_{kStart};
  std::unique_ptr<EmbeddedLog> log_;
  std::unique_ptr<Writer> writer_;
};

// Rewrites a bundle: `edit` changes the members (by name), then the manifest's digests
// are made to match again unless `keep_digests`, so deeper checks are reached.
std::string Rewrite(const std::string& bundle,
                    const std::function<void(std::map<std::string, std::string>&)>& edit,
                    bool keep_digests = false) {
  auto members = UnpackBundle(bundle).value();
  std::map<std::string, std::string> by_name;
  std::vector<std::string> order;
  for (auto& m : members) {
    order.push_back(m.name);
    by_name[m.name] = m.bytes;
  }
  edit(by_name);
  if (!keep_digests && by_name.contains("manifest.json")) {
    json::object manifest = json::parse(by_name["manifest.json"]).as_object();
    json::object digests;
    for (const auto& [name, bytes] : by_name)
      if (name != "manifest.json") digests[name] = Hex(Sha256(bytes));
    manifest["members"] = digests;
    by_name["manifest.json"] = Canonical(manifest) + "\n";
  }
  std::vector<BundleMember> out;
  for (const auto& name : order)
    if (by_name.contains(name)) out.push_back({name, by_name[name]});
  for (const auto& [name, bytes] : by_name)
    if (std::find(order.begin(), order.end(), name) == order.end()) out.push_back({name, bytes});
  return PackBundle(out).value();
}

TEST_F(ArchiveTest, CutIsTheFirstEventRecordedAtOrAfterBefore) {
  const Micros before = kStart + 20 * kSecond;
  uint64_t total = 0;
  for (uint32_t p = 0; p < 2; ++p) {
    auto cut = CutBefore(*log_, p, before);
    ASSERT_TRUE(cut.ok());
    auto records = ReadRecords(*log_, p, 0, 100).value();
    for (const SignedRecord& r : records) {
      const Micros t = *ParseRfc3339(ParseEvent(r.event)->time);
      EXPECT_EQ(r.ledgerseq < *cut, t < before);
    }
    total += *cut;
  }
  EXPECT_EQ(total, 20u);
}

TEST_F(ArchiveTest, ABundleVerifiesFromItsBytesAlone) {
  const std::string bundle = Build(kStart + 25 * kSecond);
  writer_.reset();
  log_.reset();
  auto verified = VerifyArchive(bundle);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  uint64_t events = 0;
  for (const ArchivedRange& r : verified->ranges) events += r.records.size();
  EXPECT_EQ(events, 25u);
  EXPECT_EQ(verified->ledger_name, "sales-ledger");
  auto trusted = VerifyArchive(bundle, &keys_);
  EXPECT_TRUE(trusted.ok()) << trusted.status().ToString();
  Keyring other;
  other.Add(TestKey("someone-else").public_key());
  EXPECT_FALSE(VerifyArchive(bundle, &other).ok());
}

// Each corruption, with the words its error must contain.
TEST_F(ArchiveTest, CorruptBundlesNameTheProblem) {
  const std::string good = Build(kStart + 25 * kSecond);
  using Members = std::map<std::string, std::string>;
  auto line_of = [](std::string& ndjson, int n) -> std::pair<size_t, size_t> {
    size_t at = 0;
    for (int i = 0; i < n; ++i) at = ndjson.find('\n', at) + 1;
    return {at, ndjson.find('\n', at) + 1};
  };
  struct Case {
    std::string name;
    std::function<void(Members&)> edit;
    bool keep_digests;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"flipped byte in an event", [](Members& m) { m["partitions/0.ndjson"][40] ^= 1; }, true,
       "member partitions/0.ndjson: its SHA-256 differs"},
      {"flipped byte with the digest fixed",
       [](Members& m) {
         std::string& s = m["partitions/0.ndjson"];
         s[s.find("account.touched")] = 'A';
       },
       false, "partitions/0.ndjson: partition 0 ledgerseq 0: the signature does not verify"},
      {"wrong signature",
       [](Members& m) {
         std::string& s = m["partitions/1.ndjson"];
         const size_t sig = s.find("\"sig\":\"") + 7;
         s[sig] = s[sig] == 'A' ? 'B' : 'A';
       },
       false, "partition 1 ledgerseq 0: the signature does not verify"},
      {"missing member", [](Members& m) { m.erase("partitions/1.checkpoint"); }, true,
       "member partitions/1.checkpoint is missing"},
      {"unlisted member", [](Members& m) { m["extra"] = "x"; }, true, "member extra is not listed"},
      {"broken chain",
       [&](Members& m) {
         std::string& s = m["partitions/0.ndjson"];
         auto [a, b] = line_of(s, 2);
         s.erase(a, b - a);
       },
       false, "partition 0 ledgerseq 2"},
      {"wrong proof",
       [](Members& m) {
         std::string& s = m["manifest.json"];
         const size_t path = s.find("\"inclusion_path\":[\"") + 19;
         s[path] = s[path] == 'A' ? 'B' : 'A';
       },
       false, "the inclusion proof of partition 0"},
      {"bad checkpoint signature",
       [](Members& m) {
         std::string& s = m["partitions/0.checkpoint"];
         const size_t sig = s.rfind(' ') + 10;
         s[sig] = s[sig] == 'A' ? 'B' : 'A';
       },
       false, "member partitions/0.checkpoint"},
      {"wrong counts",
       [](Members& m) {
         std::string& s = m["manifest.json"];
         s.replace(s.find("\"events\":25"), 11, "\"events\":24");
       },
       false, "\"counts\" does not match"},
      {"unknown manifest member", [](Members& m) { m["manifest.json"].insert(1, "\"aaa\":1,"); },
       false, "exactly its documented members"},
      {"manifest not canonical", [](Members& m) { m["manifest.json"].insert(1, " "); }, true,
       "canonical"},
      {"record not archived",
       [](Members& m) {
         std::string& s = m["manifest.json"];
         s.replace(
             s.find("\"records\":[]"), 12,
             R"("records":[{"last_hash":"00","ledgerseq":0,"partition":0,"subject":"account/A-0","version":1}])");
       },
       false, "record account/A-0 does not match"},
  };
  for (const Case& c : cases) {
    auto r = VerifyArchive(Rewrite(good, c.edit, c.keep_digests));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << c.name;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

TEST_F(ArchiveTest, APrunedLogReadsWholeThroughItsArchive) {
  const std::string bundle = Build(kStart + 25 * kSecond);
  auto before_prune0 = ReadRecords(*log_, 0, 0, 100).value();
  auto before_prune1 = ReadRecords(*log_, 1, 0, 100).value();
  auto verified = VerifyArchive(bundle, &keys_);
  ASSERT_TRUE(verified.ok());
  for (const ArchivedRange& r : verified->ranges) {
    auto pruned = PruneBelow(*log_, r.partition, r.end);
    ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
    EXPECT_GT(*pruned, 0u);
    EXPECT_NE(ReadRecords(*log_, r.partition, 0, 1)->front().ledgerseq, 0u);
  }
  auto joined = ArchiveBackedLog::Open(*log_, {std::move(*verified)});
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  auto all0 = ReadRecords(**joined, 0, 0, 100).value();
  auto all1 = ReadRecords(**joined, 1, 0, 100).value();
  ASSERT_EQ(all0.size(), before_prune0.size());
  ASSERT_EQ(all1.size(), before_prune1.size());
  for (size_t i = 0; i < all0.size(); ++i) EXPECT_EQ(all0[i].event, before_prune0[i].event);
  for (size_t i = 0; i < all1.size(); ++i) EXPECT_EQ(all1[i].event, before_prune1[i].event);
}

TEST_F(ArchiveTest, ChainedBundlesJoinAndAGapBetweenThemIsRefused) {
  const std::string early = Build(kStart + 10 * kSecond);
  auto first = VerifyArchive(early, &keys_);
  ASSERT_TRUE(first.ok());
  ArchiveRequest later = Request(kStart + 30 * kSecond);
  for (ArchivePartitionRequest& r : later.partitions) {
    for (const ArchivedRange& a : first->ranges) {
      if (a.partition != r.partition) continue;
      r.first = a.end;  // the second bundle starts where the first ends
      r.first_prev = Hex(a.last_hash);
    }
  }
  auto bundle = BuildArchive(*log_, keys_, later);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto second = VerifyArchive(*bundle, &keys_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const auto whole0 = ReadRecords(*log_, 0, 0, 100).value();
  for (const ArchivedRange& r : second->ranges)
    ASSERT_TRUE(PruneBelow(*log_, r.partition, r.end).ok());
  auto gap = ArchiveBackedLog::Open(*log_, {*second});
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.status().message().find("(a gap)"), std::string::npos) << gap.status().message();
  auto joined = ArchiveBackedLog::Open(*log_, {std::move(*first), std::move(*second)});
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  auto all0 = ReadRecords(**joined, 0, 0, 100).value();
  ASSERT_EQ(all0.size(), whole0.size());
  for (size_t i = 0; i < all0.size(); ++i) EXPECT_EQ(all0[i].event, whole0[i].event);
}

TEST_F(ArchiveTest, AJoinThatDoesNotContinueTheChainIsRefused) {
  const std::string early = Build(kStart + 10 * kSecond);
  // A second ledger with other events at the same places: its archive does not join.
  TempDir other_dir;
  auto other = EmbeddedLog::Open(other_dir.path() / "log", {.partitions = 2}).value();
  ManualClock clock{kStart};
  auto writer = Writer::Open(*other, key_, decider_, clock, {}).value();
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(writer
                    ->Append({MakeCommand("account.touched", "account/A-" + std::to_string(i % 9),
                                          R"({"other":true})")},
                             "user:rep")
                    .ok());
    clock.Advance(kSecond);
  }
  auto verified = VerifyArchive(early, &keys_);
  ASSERT_TRUE(verified.ok());
  auto joined = ArchiveBackedLog::Open(*other, {std::move(*verified)});
  ASSERT_FALSE(joined.ok());
  EXPECT_NE(joined.status().message().find("does not continue the archived chain"),
            std::string::npos)
      << joined.status().message();
}

}  // namespace
}  // namespace ledger
