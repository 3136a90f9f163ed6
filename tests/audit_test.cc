// Verifiable audit against the real ledgerd and ledgerctl: checkpoints and proofs served
// over HTTP equal RFC 9162's definitions computed naively over the feed; an audit pack
// verifies with no server and no data dir and names what was altered; the monitor
// accepts growth and catches a rewritten log; an altered event, leaf hash or interior
// node shows in proofs, history and audit packs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "ledger/event.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/rfc9162_reference.h"
#include "ledger/tree_store.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

// Serves checkpoints quickly, so tests need not wait long for one.
const std::vector<std::string> kQuickCheckpoints = {"--checkpoint-interval-ms", "50"};

std::vector<std::string> Args(std::vector<std::string> extra) {
  extra.insert(extra.end(), kQuickCheckpoints.begin(), kQuickCheckpoints.end());
  return extra;
}

ledger::Hash HashOfHex(const std::string& hex) {
  auto h = ledger::HashFromHex(hex);
  EXPECT_TRUE(h) << hex;
  return h.value_or(ledger::Hash{});
}

ledger::Hash HashOfBase64(const json::value& v) {
  auto raw = ledger::FromBase64(v.as_string());
  ledger::Hash h{};
  EXPECT_TRUE(raw && raw->size() == h.size());
  if (raw && raw->size() == h.size()) std::memcpy(h.data(), raw->data(), h.size());
  return h;
}

std::vector<ledger::Hash> HashesOf(const json::value& array) {
  std::vector<ledger::Hash> out;
  for (const json::value& v : array.as_array()) out.push_back(HashOfBase64(v));
  return out;
}

// The leaf hashes of a partition, from the feed.
ledger::testing::Rfc9162 TreeOfFeed(uint16_t port, uint32_t partition) {
  ledger::testing::Rfc9162 tree;
  for (const FeedLine& line : ReadFeed(port, partition))
    tree.Add(HashOfHex(LeafHashHex(line.event)));
  return tree;
}

// Waits (bounded) until partition's latest checkpoint covers `size` leaves; its note.
std::string WaitForCheckpoint(uint16_t port, uint32_t partition, uint64_t size) {
  for (int i = 0; i < 500; ++i) {
    Reply r = Request(port, http::verb::get, "/v1/checkpoints/" + std::to_string(partition), "");
    if (r.status == 200 && r.Header("Ledger-Tree-Size") == std::to_string(size)) return r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no checkpoint of " << size << " leaves in partition " << partition;
  return "";
}

ledger::Checkpoint OpenCheckpoint(const std::string& note, const ledger::Keyring& keys) {
  auto c = ledger::OpenCheckpoint(note, keys);
  EXPECT_TRUE(c.ok()) << c.status().ToString() << "\n" << note;
  return c.ok() ? *c : ledger::Checkpoint{};
}

// A batch of `n` registrations of accounts <prefix>-<i>.
std::string Registrations(const std::string& prefix, int first, int n) {
  std::string body = R"({"events":[)";
  for (int i = first; i < first + n; ++i) {
    if (i > first) body += ",";
    body += RegisterAccount(prefix + "-" + std::to_string(i));
  }
  return body + "]}";
}

// A batch of `n` renames of account/<id>.
std::string Renames(const std::string& id, int first, int n) {
  std::string body = R"({"events":[)";
  for (int i = first; i < first + n; ++i) {
    if (i > first) body += ",";
    body += RenameAccount(id, "名称 name " + std::to_string(i));
  }
  return body + "]}";
}

class AuditTest : public ::testing::Test {
 protected:
  ledger::Keyring Keys(uint16_t port) {
    ledger::Keyring ring;
    ring.Add(ServedKey(port));
    return ring;
  }
  fs::path VKeys() { return data_ / "keys" / "ledger.vkeys"; }

  TempDir tmp_;
  fs::path data_ = tmp_ / "data";
};

TEST_F(AuditTest, CheckpointsAndProofsEqualTheRfcDefinitionsOverTheFeed) {
  Ledgerd server(data_, Args({"--partitions", "2"}));
  ASSERT_TRUE(server.serving());
  for (int i = 0; i < 150; i += 10)
    ASSERT_EQ(Post(server.port(), Registrations("P", i, 10)).status, 201);
  const ledger::Keyring keys = Keys(server.port());
  for (uint32_t p = 0; p < 2; ++p) {
    SCOPED_TRACE("partition " + std::to_string(p));
    const auto tree = TreeOfFeed(server.port(), p);
    const uint64_t n = tree.leaves().size();
    ASSERT_GT(n, 40u);
    const std::string note = WaitForCheckpoint(server.port(), p, n);
    const ledger::Checkpoint c = OpenCheckpoint(note, keys);
    EXPECT_EQ(c.origin, "sales-ledger/" + std::to_string(p));
    EXPECT_EQ(c.size, n);
    EXPECT_EQ(c.root, tree.Root(n));
    for (uint64_t size : {uint64_t{1}, n / 2 + 1, n}) {
      for (uint64_t seq = 0; seq < size; ++seq) {
        json::object proof =
            Get(server.port(), "/v1/proofs/inclusion?partition=" + std::to_string(p) +
                                   "&seq=" + std::to_string(seq) + "&size=" + std::to_string(size));
        ASSERT_EQ(proof["tree_size"].as_int64(), static_cast<int64_t>(size));
        ASSERT_EQ(proof["leaf_index"].as_int64(), static_cast<int64_t>(seq));
        ASSERT_EQ(HashOfBase64(proof["leaf_hash"]), tree.leaves()[seq]);
        ASSERT_EQ(HashesOf(proof["inclusion_path"]), tree.Path(seq, size)) << seq << " of " << size;
      }
    }
    // Without size: into the latest checkpoint, which then verifies with it.
    json::object latest =
        Get(server.port(), "/v1/proofs/inclusion?partition=" + std::to_string(p) + "&seq=7");
    EXPECT_TRUE(ledger::VerifyInclusion(7, c.size, tree.leaves()[7],
                                        HashesOf(latest["inclusion_path"]), c.root));
    for (uint64_t m = 1; m <= n; ++m) {
      json::object proof =
          Get(server.port(), "/v1/proofs/consistency?partition=" + std::to_string(p) +
                                 "&from=" + std::to_string(m) + "&to=" + std::to_string(n));
      ASSERT_EQ(HashesOf(proof["consistency_path"]), tree.Proof(m, n)) << m << "→" << n;
      ASSERT_EQ(proof["tree_size_1"].as_int64(), static_cast<int64_t>(m));
    }
  }
  // Every problem, clearly.
  const uint16_t port = server.port();
  EXPECT_THAT(ProblemPointers(Request(port, http::verb::get,
                                      "/v1/proofs/inclusion?partition=7&seq=x&bogus=1", ""),
                              400),
              ::testing::UnorderedElementsAre("/query/partition", "/query/seq", "/query/bogus"));
  EXPECT_THAT(
      ProblemPointers(
          Request(port, http::verb::get, "/v1/proofs/inclusion?partition=0&seq=5&size=5", ""), 400),
      ::testing::ElementsAre("/query/seq"));
  EXPECT_THAT(
      ProblemPointers(
          Request(port, http::verb::get, "/v1/proofs/consistency?partition=0&from=0", ""), 400),
      ::testing::UnorderedElementsAre("/query/from", "/query/to"));
  ProblemPointers(
      Request(port, http::verb::get, "/v1/proofs/consistency?partition=0&from=1&to=100000", ""),
      404);
  ProblemPointers(Request(port, http::verb::get, "/v1/checkpoints/0?size=999999", ""), 404);
  ProblemPointers(Request(port, http::verb::get, "/v1/checkpoints/2", ""), 400);
  EXPECT_EQ(Request(port, http::verb::post, "/v1/checkpoints/0", "{}").status, 405);
  // A checkpoint kept earlier is still served by its size.
  const std::string note0 = WaitForCheckpoint(port, 0, TreeOfFeed(port, 0).leaves().size());
  const ledger::Checkpoint c0 = OpenCheckpoint(note0, Keys(port));
  Reply again =
      Request(port, http::verb::get, "/v1/checkpoints/0?size=" + std::to_string(c0.size), "");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, note0);
  EXPECT_EQ(again.content_type, "text/plain; charset=utf-8");
}

TEST_F(AuditTest, AnAuditPackVerifiesWithNoServerAndNoDataDirAndNamesWhatWasAltered) {
  std::string pack_file = (tmp_ / "account-ACC-9.auditpack.json").string();
  {
    Ledgerd server(data_, kQuickCheckpoints);
    ASSERT_TRUE(server.serving());
    AppendOne(server.port(), RegisterAccount("ACC-9"));
    for (int i = 0; i < 299; i += 100)
      ASSERT_EQ(Post(server.port(), Renames("ACC-9", i, std::min(100, 299 - i))).status, 201);
    ASSERT_EQ(Post(server.port(), Registrations("OTHER", 0, 20)).status, 201);
    // At once, without waiting for the views: a pack holds every event the log has.
    ProcessResult r =
        Ledgerctl({"auditpack", "--token", server.token("compliance"), "--url", server.url(),
                   "--subject", "account/ACC-9", "--out", pack_file, "--vkeys", VKeys().string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("300 events of account/ACC-9, verified"));
    json::object after = Get(server.port(), "/v1/records/account/ACC-9/history?limit=1000");
    for (const json::value& e : after["entries"].as_array())
      EXPECT_EQ(e.as_object().at("verification").as_object().at("status"), "verified");
    EXPECT_THAT(
        ProblemPointers(
            Request(server.port(), http::verb::get, "/v1/records/account/NOPE/auditpack", ""), 404),
        ::testing::IsEmpty());
    fs::copy_file(VKeys(), tmp_ / "ledger.vkeys");
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  fs::remove_all(data_);  // offline: nothing but the file

  ProcessResult ok = Ledgerctl({"verify-pack", pack_file});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("audit pack of account/ACC-9: 300 events, every one verified"));
  EXPECT_THAT(ok.out, HasSubstr("v300"));
  EXPECT_THAT(ok.out, HasSubstr("name: \"名称 name 298\""));
  ProcessResult pinned =
      Ledgerctl({"verify-pack", pack_file, "--vkeys", (tmp_ / "ledger.vkeys").string()});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.err;

  // One character of one rename changed: caught, and the message names the file.
  std::string bytes = ReadFile(pack_file);
  const size_t at = bytes.find("名称 name 150");
  ASSERT_NE(at, std::string::npos);
  bytes[at + std::string("名称 name 1").size()] = '6';
  const fs::path altered = tmp_ / "altered.json";
  WriteFile(altered, bytes);
  ProcessResult bad = Ledgerctl({"verify-pack", altered.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr(altered.string()));
  EXPECT_THAT(bad.err, HasSubstr("version 152"));
  EXPECT_EQ(bad.out, "");
  // Pinned to a key the pack was not signed with.
  auto stranger = ledger::SigningKey::Generate("sales-ledger");
  WriteFile(tmp_ / "stranger.vkeys", stranger->public_key().VerifierKey() + "\n");
  ProcessResult foreign =
      Ledgerctl({"verify-pack", pack_file, "--vkeys", (tmp_ / "stranger.vkeys").string()});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_THAT(foreign.err, HasSubstr("not one of the trusted keys"));
}

TEST_F(AuditTest, TheMonitorAcceptsGrowthAndCatchesALogRewrittenByTheKeyHolder) {
  const fs::path seen = tmp_ / "seen.checkpoint";
  {
    Ledgerd server(data_, Args({"--partitions", "1"}));
    ASSERT_TRUE(server.serving());
    ASSERT_EQ(Post(server.port(), Registrations("M", 0, 20)).status, 201);
    WriteFile(seen, WaitForCheckpoint(server.port(), 0, 20));
    ASSERT_EQ(Post(server.port(), Registrations("M", 20, 13)).status, 201);
    WaitForCheckpoint(server.port(), 0, 33);
    ProcessResult r =
        Ledgerctl({"monitor", "--token", server.token("compliance"), "--url", server.url(),
                   "--from", seen.string(), "--vkeys", VKeys().string(), "--save"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("sales-ledger/0: consistent, grew from 20 to 33 leaves"));
    EXPECT_EQ(OpenCheckpoint(ReadFile(seen), Keys(server.port())).size, 33u);
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  {
    // Whoever holds the key rewrites the last event, re-signs it, and rebuilds the tree
    // and checkpoints from scratch: everything served is signed and self-consistent.
    RawLog raw(data_);
    ledger::SignedRecord last = raw.Get(0, 32);
    auto event = ledger::ParseEvent(last.event);
    ASSERT_TRUE(event.ok());
    event->data["name"] = "rewritten";
    last.event = event->Canonical();
    auto key = ledger::LoadKeyFile(data_ / "keys" / "ledger.key");
    ASSERT_TRUE(key.ok());
    last.signature = key->Sign(last.leaf_hash());
    raw.Put(last);
    raw.ClearState(ledger::StateTable::kMerkle);
    raw.ClearState(ledger::StateTable::kCheckpoints);
  }
  fs::remove_all(data_ / "views");  // (they notice the rewrite; they are rebuilt from the log)
  Ledgerd server(data_, kQuickCheckpoints);
  ASSERT_TRUE(server.serving());
  const std::string forged = WaitForCheckpoint(server.port(), 0, 33);
  EXPECT_EQ(OpenCheckpoint(forged, Keys(server.port())).size, 33u);  // signed, and well formed
  ProcessResult r = Ledgerctl({"monitor", "--token", server.token("consumer"), "--url",
                               server.url(), "--from", seen.string(), "--vkeys", VKeys().string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("LOG REWRITTEN OR FORKED"));
  EXPECT_EQ(r.out, "");
  // It grows on from the rewrite; the monitor still refuses it.
  ASSERT_EQ(Post(server.port(), Registrations("M", 33, 5)).status, 201);
  WaitForCheckpoint(server.port(), 0, 38);
  r = Ledgerctl({"monitor", "--token", server.token("consumer"), "--url", server.url(), "--from",
                 seen.string(), "--vkeys", VKeys().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("consistency proof fails"));
}

TEST_F(AuditTest, AnAlteredEventLeafHashOrInteriorNodeFailsProofsHistoryPacksAndTheMonitor) {
  const fs::path early = tmp_ / "early.checkpoint";
  {
    Ledgerd server(data_, Args({"--partitions", "1"}));
    ASSERT_TRUE(server.serving());
    AppendOne(server.port(), RegisterAccount("ACC-1"));
    ASSERT_EQ(Post(server.port(), Renames("ACC-1", 0, 2)).status, 201);
    WriteFile(early, WaitForCheckpoint(server.port(), 0, 3));
    ASSERT_EQ(Post(server.port(), Renames("ACC-1", 2, 7)).status, 201);
    ASSERT_EQ(Post(server.port(), Registrations("Z", 0, 22)).status, 201);
    WaitForCheckpoint(server.port(), 0, 32);
    WaitCaughtUp(server.port());
    ASSERT_EQ(Ledgerctl({"monitor", "--token", server.token("compliance"), "--url", server.url(),
                         "--from", early.string(), "--vkeys", VKeys().string()})
                  .exit_code,
              0);
    EXPECT_EQ(
        Request(server.port(), http::verb::get, "/v1/records/account/ACC-1/auditpack", "").status,
        200);
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  {
    RawLog raw(data_);
    auto flip = [&](uint32_t level, uint64_t index) {
      const std::string key = ledger::MerkleStateKey(0, level, index);
      std::string node = raw.GetState(ledger::StateTable::kMerkle, key);
      ASSERT_EQ(node.size(), 32u);
      node[0] ^= 0x40;
      raw.PutState(ledger::StateTable::kMerkle, key, node);
    };
    flip(1, 0);  // the interior node over leaves 0 and 1
    flip(0, 7);  // the leaf hash of ledgerseq 7
    // ACC-1's version 5 (ledgerseq 4): one byte of the stored event, not re-signed.
    ledger::SignedRecord r = raw.Get(0, 4);
    const size_t at = r.event.find("name 3");
    ASSERT_NE(at, std::string::npos);
    r.event[at + 5] = '8';
    raw.Put(r);
  }
  Ledgerd server(data_, kQuickCheckpoints);
  ASSERT_TRUE(server.serving());
  WaitCaughtUp(server.port());
  const ledger::Keyring keys = Keys(server.port());
  const ledger::Checkpoint c = OpenCheckpoint(WaitForCheckpoint(server.port(), 0, 32), keys);
  const auto feed = TreeOfFeed(server.port(), 0);  // the leaves as served now
  auto inclusion_verifies = [&](uint64_t seq) {
    json::object proof =
        Get(server.port(), "/v1/proofs/inclusion?partition=0&seq=" + std::to_string(seq));
    return ledger::VerifyInclusion(seq, c.size, feed.leaves()[seq],
                                   HashesOf(proof["inclusion_path"]), c.root);
  };
  EXPECT_FALSE(inclusion_verifies(2)) << "uses the altered node over leaves 0-1";
  EXPECT_FALSE(inclusion_verifies(6)) << "uses the altered leaf hash 7";
  EXPECT_FALSE(inclusion_verifies(4)) << "the altered event's own leaf";
  EXPECT_TRUE(inclusion_verifies(20)) << "uses none of them";
  // Consistency from the early checkpoint (size 3) goes through the node over 0-1.
  ProcessResult monitor =
      Ledgerctl({"monitor", "--token", server.token("consumer"), "--url", server.url(), "--from",
                 early.string(), "--vkeys", VKeys().string()});
  EXPECT_EQ(monitor.exit_code, 1) << monitor.out << monitor.err;
  EXPECT_THAT(monitor.err, HasSubstr("LOG REWRITTEN OR FORKED"));
  // History names each failure; the untouched entries still verify.
  json::object history = Get(server.port(), "/v1/records/account/ACC-1/history");
  std::map<int64_t, std::string> status, reason;
  for (const json::value& e : history["entries"].as_array()) {
    const json::object& v = e.as_object().at("verification").as_object();
    status[e.as_object().at("version").as_int64()] = std::string(v.at("status").as_string());
    if (v.contains("reason"))
      reason[e.as_object().at("version").as_int64()] = std::string(v.at("reason").as_string());
  }
  ASSERT_EQ(status.size(), 10u);
  EXPECT_EQ(status[3], "failed");  // ledgerseq 2
  EXPECT_THAT(reason[3], HasSubstr("not proven in the signed checkpoint"));
  EXPECT_EQ(status[5], "failed");  // ledgerseq 4
  EXPECT_THAT(reason[5], HasSubstr("is not the one the history shows"));
  EXPECT_EQ(status[7], "failed");  // ledgerseq 6, next to the altered leaf 7
  EXPECT_EQ(status[10], "verified");
  // An audit pack of the record is refused rather than served unverifiable.
  Reply pack = Request(server.port(), http::verb::get, "/v1/records/account/ACC-1/auditpack", "");
  EXPECT_EQ(pack.status, 500);
  EXPECT_THAT(pack.body, HasSubstr("does not verify"));
}

}  // namespace
}  // namespace ledger_test
