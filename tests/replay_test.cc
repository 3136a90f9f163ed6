// ledgerctl replay and views-digest against the real ledgerd: a replay built beside a
// serving ledgerd is swapped in and answers every query exactly as live projection
// did; a pinned replay serves the views as they were; deleting the views and
// restarting reproduces the same answers; a tampered log swaps nothing in.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

// The queries whose answers must not depend on how the views were built.
const std::vector<std::string> kQueries = {
    "/v1/records/opportunity/OPP-2025-0042",
    "/v1/records/opportunity/OPP-2025-0042/history",
    "/v1/records/opportunity/OPP-2025-0042/history?after_version=2&limit=3",
    "/v1/records/opportunity/OPP-2025-0042?asof_business=2025-03-20T00:00:00Z",
    "/v1/records/account/ACC-1001",
    "/v1/records/account/ACC-1001/related",
    "/v1/records/opportunity?stage=closed_won",
    "/v1/records/opportunity?owner=u:zhang.wei&limit=1",
    "/v1/records/contact?account=ACC-1001",
    "/v1/records/invoice",
    "/v1/records/ticket?status=closed",
    "/v1/records/product/PRD-MES-STD/history",
};

// The answers of the views. A history entry's `verification` is left out: it checks the
// entry against the log and its latest checkpoint when read, so it moves on as the writer
// signs checkpoints, whatever the views are.
std::map<std::string, std::string> Answers(uint16_t port) {
  std::map<std::string, std::string> answers;
  for (const std::string& q : kQueries) {
    Reply r = Request(port, http::verb::get, q, "");
    EXPECT_EQ(r.status, 200) << q << "\n" << r.body;
    boost::json::object body = ParseObject(r.body, q);
    if (auto* entries = body.if_contains("entries")) {
      for (auto& e : entries->as_array()) {
        EXPECT_NE(e.as_object().at("verification").as_object().at("status"), "failed") << q;
        e.as_object().erase("verification");
      }
    }
    answers[q] = boost::json::serialize(body);
  }
  return answers;
}

struct Digest {
  std::string generation;
  std::string positions;
  std::string digest;
  std::string pinned;
};

// Parses `ledgerctl views-digest` or `ledgerctl replay` output ("name: value" lines).
Digest ParseDigest(const ProcessResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Digest d;
  for (const std::string& line : CompleteLines(r.out)) {
    auto value = [&](std::string_view key) { return line.substr(key.size()); };
    if (line.starts_with("generation: ")) d.generation = value("generation: ");
    if (line.starts_with("active: ")) d.generation = value("active: ").substr(0, 10);
    if (line.starts_with("positions: ")) d.positions = value("positions: ");
    if (line.starts_with("digest: ")) d.digest = value("digest: ");
    if (line.starts_with("pinned: ")) d.pinned = value("pinned: ");
  }
  EXPECT_EQ(d.digest.size(), 64u) << r.out;
  return d;
}

Digest ViewsDigest(const fs::path& data) {
  return ParseDigest(Ledgerctl({"views-digest", "--data", data.string()}));
}

// Waits (bounded) until /readyz names `generation`; returns its body.
boost::json::object WaitServing(uint16_t port, const std::string& generation) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    Reply r = Request(port, http::verb::get, "/readyz", "");
    boost::json::object o = ParseObject(r.body, "/readyz");
    if (o.contains("generation") && o.at("generation").as_string() == generation) return o;
    EXPECT_LT(std::chrono::steady_clock::now(), deadline)
        << "ledgerd never served " << generation << ": " << r.body;
    if (std::chrono::steady_clock::now() >= deadline) return o;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(Replay, ASwappedInReplayAnswersEveryQueryAsLiveProjectionDid) {
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  AppendStory(server.port());
  WaitCaughtUp(server.port());
  const auto live = Answers(server.port());
  const Digest live_digest = ViewsDigest(data);  // read-only, beside the running server
  EXPECT_EQ(live_digest.generation, "gen-000001");

  const Digest replayed = ParseDigest(Ledgerctl({"replay", "--data", data.string()}));
  EXPECT_EQ(replayed.generation, "gen-000002");
  EXPECT_EQ(replayed.digest, live_digest.digest);
  EXPECT_EQ(replayed.positions, live_digest.positions);
  WaitServing(server.port(), "gen-000002");
  EXPECT_EQ(Answers(server.port()), live);
  EXPECT_EQ(ViewsDigest(data).digest, live_digest.digest);
  // The replaced generation is deleted once no request reads it (at the watcher's next
  // look, within a poll).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (fs::exists(data / "views" / "gen-000001")) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "gen-000001 was never deleted";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // The new generation follows the log: a new write is readable with ?after=.
  Appended a = AppendOne(server.port(), RegisterAccount("ACC-AFTER", "after-replay"));
  Get(server.port(), "/v1/records/account/ACC-AFTER?after=" + std::to_string(a.partition) + ":" +
                         std::to_string(a.ledgerseq));
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST(Replay, APinnedReplayServesTheViewsAsTheyWereUntilUnpinned) {
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  Appended first = AppendOne(server.port(), RegisterAccount("ACC-PIN", "pin-1", "rep.alice"));
  Appended renamed = AppendOne(server.port(), RenameAccount("ACC-PIN", "Renamed Ltd", 1, "pin-2"));
  ASSERT_EQ(renamed.partition, first.partition);
  WaitCaughtUp(server.port());
  const std::string subject_url = "/v1/records/account/ACC-PIN";
  EXPECT_EQ(Get(server.port(), subject_url)["version"].as_int64(), 2);

  // Pin the views just after the registration.
  const std::string until = std::to_string(first.partition) + ":" + std::to_string(first.ledgerseq);
  const Digest pinned =
      ParseDigest(Ledgerctl({"replay", "--data", data.string(), "--until-seq", until}));
  EXPECT_NE(pinned.pinned.find("stop_at"), std::string::npos) << pinned.pinned;
  boost::json::object ready = WaitServing(server.port(), pinned.generation);
  EXPECT_EQ(ready["ready"].as_bool(), false);
  EXPECT_TRUE(ready.contains("pinned"));
  EXPECT_EQ(Request(server.port(), http::verb::get, "/readyz", "").status, 503);
  auto record = Get(server.port(), subject_url);
  EXPECT_EQ(record["version"].as_int64(), 1);
  EXPECT_NE(record["state"].at("name").as_string(), "Renamed Ltd");
  // Reading one's own later write cannot be satisfied by pinned views: 503 at once.
  Reply beyond = Request(server.port(), http::verb::get,
                         subject_url + "?after=" + std::to_string(renamed.partition) + ":" +
                             std::to_string(renamed.ledgerseq),
                         "");
  EXPECT_EQ(beyond.status, 503) << beyond.body;
  EXPECT_NE(beyond.body.find("pinned"), std::string::npos) << beyond.body;
  EXPECT_EQ(beyond.Header("Retry-After"), "1");
  // Writes still go on; a replay without limits un-pins and shows them.
  AppendOne(server.port(), RenameAccount("ACC-PIN", "Third Name", 2, "pin-3"));
  const Digest unpinned = ParseDigest(Ledgerctl({"replay", "--data", data.string()}));
  EXPECT_TRUE(unpinned.pinned.empty());
  WaitServing(server.port(), unpinned.generation);
  WaitCaughtUp(server.port());
  EXPECT_EQ(Get(server.port(), subject_url)["version"].as_int64(), 3);
  EXPECT_EQ(server.Stop().exit_code, 0);

  // Bad limits are refused without touching the served views.
  ProcessResult bad = Ledgerctl({"replay", "--data", data.string(), "--until-seq", "0:999999"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("no ledgerseq 999999"), std::string::npos) << bad.err;
  bad = Ledgerctl({"replay", "--data", data.string(), "--until", "last tuesday"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(ViewsDigest(data).generation, unpinned.generation);
}

TEST(Replay, DeletingTheViewsAndRestartingReproducesEveryAnswer) {
  TempDir dir;
  const fs::path data = dir / "data";
  std::map<std::string, std::string> live;
  Digest before;
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    AppendStory(server.port());
    WaitCaughtUp(server.port());
    live = Answers(server.port());
    ASSERT_EQ(server.Stop().exit_code, 0);
    before = ViewsDigest(data);
  }
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data);
  ASSERT_TRUE(rebuilt.serving());
  WaitCaughtUp(rebuilt.port());
  EXPECT_EQ(Answers(rebuilt.port()), live);
  EXPECT_EQ(rebuilt.Stop().exit_code, 0);
  const Digest after = ViewsDigest(data);
  EXPECT_EQ(after.digest, before.digest);
  EXPECT_EQ(after.positions, before.positions);
}

TEST(Replay, AReplayOfATamperedLogFailsAndSwapsNothingIn) {
  TempDir dir;
  const fs::path data = dir / "data";
  std::vector<Ack> acks = BuildLedger(data, 12);
  ASSERT_EQ(Ledgerctl({"replay", "--data", data.string()}).exit_code, 0);
  const Digest good = ViewsDigest(data);
  // The last event of a partition: replay checks signatures through each chunk's last
  // event (projections/README.md), and a partition's last is the last of its chunk.
  Ack last = acks[5];
  for (const Ack& a : acks) {
    if (a.partition == last.partition && a.ledgerseq > last.ledgerseq) last = a;
  }
  {
    RawLog raw(data);
    ledger::SignedRecord r = raw.Get(last.partition, last.ledgerseq);
    r.signature[3] ^= 0x01;
    raw.Put(r);
  }
  ProcessResult r = Ledgerctl({"replay", "--data", data.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nothing was swapped in"), std::string::npos) << r.err;
  EXPECT_NE(
      r.err.find("ledgerseq " + std::to_string(last.ledgerseq) + ": the signature does not verify"),
      std::string::npos)
      << r.err;
  const Digest still = ViewsDigest(data);
  EXPECT_EQ(still.generation, good.generation);
  EXPECT_EQ(still.digest, good.digest);
  for (const auto& entry : fs::directory_iterator(data / "views")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("build-")) << entry.path();
  }
}

}  // namespace
}  // namespace ledger_test
