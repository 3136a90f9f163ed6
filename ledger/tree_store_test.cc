// The writer's stored Merkle trees and checkpoints on the embedded log: the stored tree
// is RFC 9162's tree of the partition's leaves, checkpoints are signed as the policy says
// and verify, a log without trees gets them, and altered nodes fail verification.
#include "ledger/tree_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <thread>

#include "ledger/embedded_log.h"
#include "ledger/test_util.h"
#include "ledger/writer.h"

namespace ledger {
namespace {

using testing::MakeCommand;
using testing::TempDir;
using testing::TestKey;

constexpr uint32_t kPartitions = 3;

class TreeStoreTest : public ::testing::Test {
 protected:
  void Open(WriterOptions options = {}) {
    writer_.reset();
    log_.reset();
    auto log = EmbeddedLog::Open(dir_.path() / "log", {.partitions = kPartitions});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    auto writer = Writer::Open(*log_, key_, decider_, clock_, std::move(options));
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(writer).value();
    ring_.Add(key_.public_key());
  }

  // `n` events, one per append, over a few subjects (so every partition gets some).
  void AppendOneByOne(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = writer_->Append(
          {MakeCommand("account.touched", "account/A-" + std::to_string(i % 11))}, "user:a");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  // The tree of a partition built in memory from its records' leaf hashes.
  MemoryMerkle TreeFromRecords(uint32_t p) {
    MemoryMerkle tree;
    auto records = ReadRecords(*log_, p, 0, log_->End(p));
    EXPECT_TRUE(records.ok());
    for (const SignedRecord& r : *records) tree.Append(r.leaf_hash());
    return tree;
  }

  // Opens and parses a checkpoint note, checking its signature and origin.
  Checkpoint Open(const StoredCheckpoint& stored, uint32_t p) {
    auto checkpoint = OpenCheckpoint(stored.note, ring_);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
    EXPECT_EQ(checkpoint->origin, "sales-ledger/" + std::to_string(p));
    EXPECT_EQ(checkpoint->size, stored.size);
    return checkpoint.ok() ? *checkpoint : Checkpoint{};
  }

  std::map<std::string, std::string> MerkleColumn() {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(
        log_->db()->NewIterator(rocksdb::ReadOptions(), log_->state_cf(StateTable::kMerkle)));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out[it->key().ToString()] = it->value().ToString();
    return out;
  }

  TempDir dir_;
  SigningKey key_ = TestKey();
  Keyring ring_;
  PermissiveDecider decider_;
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<EmbeddedLog> log_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(TreeStoreTest, TheStoredTreeIsTheRfcTreeOfThePartitionsLeaves) {
  Open();
  AppendOneByOne(40);
  for (int i = 0; i < 5; ++i) {  // and batches that span partitions
    std::vector<Command> batch;
    for (int j = 0; j < 9; ++j)
      batch.push_back(MakeCommand("account.touched", "account/B-" + std::to_string(i * 9 + j)));
    ASSERT_TRUE(writer_->Append(std::move(batch), "user:a").ok());
  }
  for (uint32_t p = 0; p < kPartitions; ++p) {
    const uint64_t n = log_->End(p);
    ASSERT_GT(n, 5u);
    MemoryMerkle expected = TreeFromRecords(p);
    LogMerkleNodes stored(*log_, p);
    for (uint64_t size = 1; size <= n; ++size) {
      ASSERT_EQ(*RootHash(stored, size), *RootHash(expected, size)) << p << " " << size;
      for (uint64_t i = 0; i < size; ++i)
        ASSERT_EQ(*InclusionProof(stored, i, size), *InclusionProof(expected, i, size));
      ASSERT_EQ(*ConsistencyProof(stored, size, n), *ConsistencyProof(expected, size, n));
    }
    EXPECT_EQ(RootHash(stored, n + 1).status().code(), Code::kNotFound);
  }
}

TEST_F(TreeStoreTest, CheckpointsAreSignedEveryNEventsAndAtCloseAndVerify) {
  Open({.checkpoint_events = 5, .checkpoint_interval = std::chrono::hours(1)});
  AppendOneByOne(60);
  std::vector<uint64_t> ends(kPartitions);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    ends[p] = log_->End(p);
    // One append per event: a checkpoint as each 5th event since the last was appended.
    auto latest = FindCheckpoint(*log_, p);
    ASSERT_TRUE(latest.ok() && latest->has_value());
    EXPECT_EQ((*latest)->size, ends[p] / 5 * 5) << p;
    for (uint64_t size = 5; size <= ends[p]; size += 5) {
      auto at = FindCheckpoint(*log_, p, size);
      ASSERT_TRUE(at.ok() && at->has_value());
      EXPECT_EQ((*at)->size, size);
      EXPECT_EQ(Open(**at, p).root, *RootHash(TreeFromRecords(p), size));
    }
    auto before_first = FindCheckpoint(*log_, p, 4);
    ASSERT_TRUE(before_first.ok());
    EXPECT_FALSE(before_first->has_value());
  }
  // Closing covers every event.
  writer_->Close();
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto latest = FindCheckpoint(*log_, p);
    ASSERT_TRUE(latest.ok() && latest->has_value());
    ASSERT_EQ((*latest)->size, ends[p]);
    const Checkpoint c = Open(**latest, p);
    // Every event's inclusion proof from the stored nodes verifies against it.
    auto records = ReadRecords(*log_, p, 0, ends[p]);
    ASSERT_TRUE(records.ok());
    for (const SignedRecord& r : *records) {
      auto proof = InclusionProof(LogMerkleNodes(*log_, p), r.ledgerseq, c.size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyInclusion(r.ledgerseq, c.size, r.leaf_hash(), *proof, c.root));
    }
  }
}

TEST_F(TreeStoreTest, NoEventWaitsLongerThanTheIntervalForACheckpoint) {
  Open({.checkpoint_events = 1'000'000, .checkpoint_interval = std::chrono::milliseconds(20)});
  auto r = writer_->Append(
      {MakeCommand("account.touched", "account/X"), MakeCommand("account.touched", "account/X")},
      "user:a");
  ASSERT_TRUE(r.ok());
  const uint32_t p = r->front().partition;
  // Nothing else is appended: the interval alone must bring the checkpoint.
  std::optional<StoredCheckpoint> found;
  for (int i = 0; i < 500 && !found; ++i) {
    auto c = FindCheckpoint(*log_, p);
    ASSERT_TRUE(c.ok());
    if (*c && (*c)->size == 2) found = **c;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(found) << "no checkpoint of size 2 within 5 s";
  EXPECT_EQ(Open(*found, p).root, *RootHash(TreeFromRecords(p), 2));
}

TEST_F(TreeStoreTest, CheckpointNowCoversEverythingStoredAndIsDeterministic) {
  Open({.checkpoint_events = 1'000'000, .checkpoint_interval = std::chrono::hours(1)});
  AppendOneByOne(12);
  auto none = FindCheckpoint(*log_, 1);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto now = writer_->CheckpointNow(1);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_EQ(now->size, log_->End(1));
  EXPECT_EQ(Open(*now, 1).root, *RootHash(TreeFromRecords(1), now->size));
  EXPECT_EQ(writer_->CheckpointNow(1)->note, now->note);  // same tree, same bytes
  EXPECT_EQ((*FindCheckpoint(*log_, 1))->note, now->note);
  EXPECT_EQ(writer_->CheckpointNow(kPartitions).status().code(), Code::kNotFound);
}

TEST_F(TreeStoreTest, ALogWithoutTreesGetsThemWhenTheWriterOpens) {
  Open();
  AppendOneByOne(50);
  writer_.reset();
  const auto before = MerkleColumn();
  ASSERT_FALSE(before.empty());
  // As a log written before the ledger kept trees: no nodes at all.
  for (const auto& [key, value] : before)
    ASSERT_TRUE(log_->db()->Delete({}, log_->state_cf(StateTable::kMerkle), key).ok());
  ASSERT_TRUE(MerkleColumn().empty());
  Open();
  EXPECT_EQ(MerkleColumn(), before);
  AppendOneByOne(5);  // and it goes on from there
  for (uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(*RootHash(LogMerkleNodes(*log_, p), log_->End(p)),
              *RootHash(TreeFromRecords(p), log_->End(p)));
  }
}

TEST_F(TreeStoreTest, AnAlteredNodeFailsTheProofsThatUseIt) {
  Open({.checkpoint_events = 1'000'000, .checkpoint_interval = std::chrono::hours(1)});
  AppendOneByOne(80);
  uint32_t p = 0;
  for (uint32_t q = 1; q < kPartitions; ++q)
    if (log_->End(q) > log_->End(p)) p = q;
  const uint64_t n = log_->End(p);
  ASSERT_GE(n, 16u);
  auto checkpoint = writer_->CheckpointNow(p);
  ASSERT_TRUE(checkpoint.ok());
  const Checkpoint c = Open(*checkpoint, p);
  const MemoryMerkle truth = TreeFromRecords(p);
  const Hash leaf5 = *truth.Node(0, 5);
  const Hash root8 = *RootHash(truth, 8);
  auto verifies = [&] {
    LogMerkleNodes stored(*log_, p);
    auto inclusion = InclusionProof(stored, 5, c.size);
    auto consistency = ConsistencyProof(stored, 8, c.size);
    return inclusion.ok() && consistency.ok() &&
           VerifyInclusion(5, c.size, leaf5, *inclusion, c.root) &&
           VerifyConsistency(8, c.size, root8, c.root, *consistency);
  };
  ASSERT_TRUE(verifies());
  // Leaf 4 (leaf 5's sibling), the node over leaves 0..3, and the node over 8..15.
  for (auto [level, index] : {std::pair{0u, 4ull}, {2u, 0ull}, {3u, 1ull}}) {
    const std::string key = MerkleStateKey(p, level, index);
    std::string value;
    ASSERT_TRUE(log_->db()->Get({}, log_->state_cf(StateTable::kMerkle), key, &value).ok());
    std::string altered = value;
    altered[3] ^= 0x01;
    ASSERT_TRUE(log_->db()->Put({}, log_->state_cf(StateTable::kMerkle), key, altered).ok());
    EXPECT_FALSE(verifies()) << level << "/" << index;
    ASSERT_TRUE(log_->db()->Put({}, log_->state_cf(StateTable::kMerkle), key, value).ok());
    EXPECT_TRUE(verifies());
  }
}

}  // namespace
}  // namespace ledger
