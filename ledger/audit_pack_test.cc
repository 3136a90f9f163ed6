// Audit packs: a record with 1,000 events packs and verifies with nothing but the file,
// and any altered byte, dropped, reordered or foreign event, or untrusted key is caught.
#include "ledger/audit_pack.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "ledger/canonical.h"
#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

class AuditPackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = 2});
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    auto writer = Writer::Open(*log_, key_, decider_, clock_, {});
    ASSERT_TRUE(writer.ok());
    writer_ = std::move(writer).value();
    keys_.Add(key_.public_key());
  }

  // Appends `n` events to `subject` (interleaved with other subjects' events), returning
  // their ledgerseqs; partition_ is the subject's partition.
  std::vector<uint64_t> Append(const std::string& subject, int n) {
    std::vector<uint64_t> seqs;
    for (int i = 0; i < n; i += 100) {
      std::vector<Command> batch;
      for (int j = i; j < std::min(n, i + 100); ++j) {
        batch.push_back(MakeCommand("opportunity.noted", subject,
                                    R"({"note":"第)" + std::to_string(j) + R"( call"})"));
        batch.push_back(MakeCommand("account.touched", "account/N-" + std::to_string(j % 7)));
      }
      auto r = writer_->Append(std::move(batch), "user:rep");
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      for (size_t k = 0; k < r->size(); k += 2) seqs.push_back((*r)[k].ledgerseq);
      partition_ = r->front().partition;
    }
    return seqs;
  }

  std::string Pack(const std::string& subject, std::span<const uint64_t> seqs) {
    auto checkpoint = writer_->CheckpointNow(partition_);
    EXPECT_TRUE(checkpoint.ok());
    auto pack = BuildAuditPack(*log_, keys_, subject, partition_, seqs, *checkpoint);
    EXPECT_TRUE(pack.ok()) << pack.status().ToString();
    return pack.ok() ? *pack : "";
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  Keyring keys_;
  PermissiveDecider decider_;
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<EmbeddedLog> log_;
  std::unique_ptr<Writer> writer_;
  uint32_t partition_ = 0;
};

TEST_F(AuditPackTest, AThousandEventRecordVerifiesFromTheFileAlone) {
  const auto seqs = Append("opportunity/OPP-1", 1000);
  const std::string pack = Pack("opportunity/OPP-1", seqs);
  writer_.reset();
  log_.reset();  // nothing but the bytes from here on
  auto verified = VerifyAuditPack(pack);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->subject, "opportunity/OPP-1");
  ASSERT_EQ(verified->events.size(), 1000u);
  EXPECT_EQ(verified->events[999].streamversion, 1000u);
  EXPECT_EQ(verified->events[7].data.at("note").as_string(), "第7 call");
  EXPECT_EQ(verified->checkpoint.origin, "sales-ledger/" + std::to_string(partition_));
  EXPECT_GE(verified->checkpoint.size, 2000u / 2);
  ASSERT_EQ(verified->keys.size(), 1u);
  EXPECT_EQ(verified->keys[0].VerifierKey(), key_.public_key().VerifierKey());
  EXPECT_TRUE(VerifyAuditPack(pack, &keys_).ok());  // pinned to the ledger's key

  // Any altered byte is caught: the first and last bytes (the checkpoint, format, keys,
  // subject) and a sample over the events between.
  std::vector<size_t> positions;
  for (size_t i = 0; i < 120; ++i) positions.push_back(i);
  for (size_t i = pack.size() - 120; i < pack.size(); ++i) positions.push_back(i);
  std::mt19937_64 rng(1000);
  for (int i = 0; i < 300; ++i) positions.push_back(rng() % pack.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    const uint8_t flip = i % 2 == 0 ? 0x01 : 0x20;
    std::string altered = pack;
    altered[positions[i]] = static_cast<char>(altered[positions[i]] ^ flip);
    EXPECT_FALSE(VerifyAuditPack(altered).ok())
        << "byte " << positions[i] << " ^ " << int(flip) << " went unnoticed";
  }
}

TEST_F(AuditPackTest, DroppedReorderedForeignOrUnprovenEventsAreCaught) {
  Append("opportunity/OPP-3", 3);
  const auto seqs = Append("opportunity/OPP-2", 12);
  const std::string pack = Pack("opportunity/OPP-2", seqs);
  ASSERT_TRUE(VerifyAuditPack(pack).ok());

  // Rebuilds the pack after `edit`, canonically, so only the edit is wrong.
  auto edited = [&](auto edit) {
    boost::json::value v = boost::json::parse(pack);
    edit(v.as_object());
    std::string out;
    AppendCanonical(v, out);
    return out + "\n";
  };
  auto reason = [](const std::string& bytes) {
    auto r = VerifyAuditPack(bytes);
    return r.ok() ? std::string("verified") : r.status().message();
  };
  EXPECT_NE(reason(edited([](auto& o) {
              o["events"].as_array().erase(o["events"].as_array().begin() + 5);
            })).find("does not continue the stream"),
            std::string::npos);
  EXPECT_NE(reason(edited([](auto& o) {
              auto& e = o["events"].as_array();
              std::swap(e[3], e[4]);
            })).find("does not continue the stream"),
            std::string::npos);
  EXPECT_NE(reason(edited([](auto& o) { o["subject"] = "opportunity/OPP-3"; })).find("is of"),
            std::string::npos);
  EXPECT_NE(reason(edited([](auto& o) {
              o["events"].as_array()[2].as_object()["inclusion_path"].as_array().pop_back();
            })).find("inclusion proof"),
            std::string::npos);
  EXPECT_NE(reason(edited([](auto& o) {
              o["keys"].as_array().push_back(
                  boost::json::string(TestKey("other").public_key().VerifierKey()));
            })).find("signs nothing"),
            std::string::npos);
  EXPECT_NE(reason(edited([](auto& o) {
              auto& e = o["events"].as_array();
              std::swap(e[2].as_object()["sig"], e[3].as_object()["sig"]);
            })).find("signature does not verify"),
            std::string::npos);
  // Pretty-printed or re-encoded: not the canonical bytes any more.
  EXPECT_NE(reason(" " + pack).find("canonical"), std::string::npos);
  // Pinned to another key: refused though consistent.
  Keyring stranger;
  stranger.Add(TestKey("stranger").public_key());
  EXPECT_FALSE(VerifyAuditPack(pack, &stranger).ok());
  // A checkpoint that does not cover the last event cannot be packed.
  auto small = FindCheckpoint(*log_, partition_, seqs.back());
  StoredCheckpoint early{seqs.back(), ""};
  if (small.ok() && *small) early = **small;
  EXPECT_FALSE(BuildAuditPack(*log_, keys_, "opportunity/OPP-2", partition_, seqs, early).ok());
}

}  // namespace
}  // namespace ledger
