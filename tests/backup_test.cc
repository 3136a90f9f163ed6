// Backups, restores and point-in-time copies against the real ledgerd and ledgerctl:
// a backup taken online under load restores into a ledger that verifies and whose
// caught-up views equal a replay of its log; restores refuse existing data and verify
// catches a flipped byte; a copy replayed to a time T and served read-only answers as
// the live server did at T and refuses writes.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "ingest/sealing.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace json = boost::json;

// The position of an event in the log and its leaf hash.
using Position = std::pair<uint32_t, uint64_t>;

// Every event of the ledgerd on `port`, by position, with its leaf hash.
std::map<Position, std::string> LogOf(uint16_t port) {
  std::map<Position, std::string> out;
  const uint32_t partitions = Partitions(port);
  for (uint32_t p = 0; p < partitions; ++p) {
    for (const FeedLine& line : ReadFeed(port, p)) {
      out[{p, line.event.at("ledgerseq").to_number<uint64_t>()}] = LeafHashHex(line.event);
    }
  }
  return out;
}

// POST /v1/admin/backups as `role`; the 201's body (empty and a failure otherwise).
json::object TakeBackup(uint16_t port, const std::string& role = "admin") {
  Reply r = Request(port, http::verb::post, "/v1/admin/backups", "", {.role = role});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.Json() : json::object{};
}

// The entry of database `name` in a backup set's "dbs".
json::object DbOf(const json::object& set, const std::string& name) {
  if (const auto* dbs = set.if_contains("dbs")) {
    for (const auto& db : dbs->as_array())
      if (db.as_object().at("name") == name.c_str()) return db.as_object();
  }
  ADD_FAILURE() << "no database " << name << " in " << json::serialize(set);
  return {};
}

using Clock = std::chrono::steady_clock;

// One acknowledged event and when its request was sent.
struct Acked {
  Appended event;
  Clock::time_point sent;
};

// Appends account registrations from another thread until stopped, recording each
// acknowledged event with the moment its request was sent.
class Load {
 public:
  explicit Load(uint16_t port) : port_(port), thread_([this] { Run(); }) {}
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // How many events were acknowledged so far.
  size_t acked() const {
    std::lock_guard lock(mu_);
    return acked_.size();
  }
  // Waits (bounded) until `count` more events than now were acknowledged.
  void WaitMore(size_t count) const {
    const size_t target = acked() + count;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_until(lock, deadline, [&] { return acked_.size() >= target; }))
        << "the load stalled at " << acked_.size() << " events";
  }
  std::vector<Acked> events() const {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  void Run() {
    for (int n = 0; !stop_; ++n) {
      const Clock::time_point sent = Clock::now();
      Reply r = Post(port_, RegisterAccount("LOAD-" + std::to_string(n)));
      if (r.status != 201) {
        ADD_FAILURE() << "append under load: " << r.status << " " << r.body;
        return;
      }
      std::lock_guard lock(mu_);
      for (Appended& a : AppendedEvents(r)) acked_.push_back({std::move(a), sent});
      cv_.notify_all();
    }
  }

  const uint16_t port_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Acked> acked_;
  std::thread thread_;
};

TEST(Backup, AnOnlineBackupUnderLoadRestoresIntoALedgerThatVerifiesAndReplaysTheSame) {
  TempDir dir;
  const fs::path data = dir / "data", backups = dir / "backups", restored = dir / "restored";
  Ledgerd ledgerd(data, {"--backup-dir", backups.string()});
  ASSERT_TRUE(ledgerd.serving());
  for (int n = 0; n < 40; ++n)
    AppendOne(ledgerd.port(), RegisterAccount("ACC-" + std::to_string(n)));
  // Who may take and list backups: the one matrix (ingest/authz.cc).
  EXPECT_EQ(
      Request(ledgerd.port(), http::verb::post, "/v1/admin/backups", "", {.role = "compliance"})
          .status,
      403);
  EXPECT_EQ(
      Request(ledgerd.port(), http::verb::get, "/v1/admin/backups", "", {.role = "rep"}).status,
      403);

  Load load(ledgerd.port());
  load.WaitMore(20);
  const size_t before = load.acked();  // acknowledged before the backup was asked for
  const json::object first = TakeBackup(ledgerd.port());
  const Clock::time_point answered = Clock::now();  // appends sent later are not in it
  load.WaitMore(20);
  const json::object second = TakeBackup(ledgerd.port(), "ops");
  load.Stop();
  const std::vector<Acked> acked = load.events();
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());

  // Incremental: the second backup of the log shares the files the first one copied.
  const json::object log1 = DbOf(first, "log"), log2 = DbOf(second, "log");
  std::printf("log backups: first %s, second %s\n", json::serialize(log1).c_str(),
              json::serialize(log2).c_str());
  EXPECT_LT(log2.at("new_bytes").to_number<uint64_t>(), log2.at("bytes").to_number<uint64_t>());
  Reply listed =
      Request(ledgerd.port(), http::verb::get, "/v1/admin/backups", "", {.role = "compliance"});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.Json().at("backups").as_array().size(), 2u);
  ProcessResult verified = Ledgerctl({"backup", "verify", "--backup-dir", backups.string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("set 2: ok"), std::string::npos) << verified.out;
  // ledgerctl asks the server for one the same way, with a token that may.
  ProcessResult by_cli =
      Ledgerctl({"backup", "create", "--url", ledgerd.url(), "--token", ledgerd.token("ops")});
  EXPECT_EQ(by_cli.exit_code, 0) << by_cli.err;
  EXPECT_EQ(ParseObject(by_cli.out, "backup create").at("id").to_number<int>(), 3);
  ProcessResult denied = Ledgerctl(
      {"backup", "create", "--url", ledgerd.url(), "--token", ledgerd.token("compliance")});
  EXPECT_EQ(denied.exit_code, 2);
  EXPECT_NE(denied.err.find("answered 403"), std::string::npos) << denied.err;
  EXPECT_EQ(ledgerd.Stop().exit_code, 0);

  ProcessResult restore =
      Ledgerctl({"backup", "restore", "--backup-dir", backups.string(), "--id",
                 std::to_string(first.at("id").to_number<int>()), "--data", restored.string()});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  std::map<Position, std::string> log;
  std::string live_digest;
  {
    Ledgerd again(restored);
    ASSERT_TRUE(again.serving());
    WaitCaughtUp(again.port());
    log = LogOf(again.port());
    live_digest = ViewsDigestOf(restored);
    EXPECT_EQ(again.Stop().exit_code, 0);
  }
  // Everything acknowledged before the backup is there, as it was; nothing sent after it.
  size_t later = 0;
  for (size_t i = 0; i < acked.size(); ++i) {
    const Appended& a = acked[i].event;
    const Position at{a.partition, a.ledgerseq};
    if (i < before) {
      ASSERT_TRUE(log.contains(at)) << "acknowledged before the backup, missing: " << a.id;
      EXPECT_EQ(log.at(at), a.hash) << a.id;
    } else if (acked[i].sent > answered) {
      EXPECT_FALSE(log.contains(at)) << "appended after the backup, yet restored: " << a.id;
      ++later;
    } else if (log.contains(at)) {
      EXPECT_EQ(log.at(at), a.hash) << a.id;
    }
  }
  EXPECT_GE(later, 10u);
  EXPECT_EQ(VerifiedEvents(restored), log.size());
  // The views it caught up are those a replay of the same log builds.
  ProcessResult replay = Ledgerctl({"replay", "--data", restored.string()});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.out.find("digest: " + live_digest), std::string::npos)
      << "live: " << live_digest << "\nreplay: " << replay.out;
}

// Flips one bit of `file` at byte `at`.
void FlipByte(const fs::path& file, size_t at) {
  std::string bytes = ReadFile(file);
  ASSERT_LT(at, bytes.size()) << file;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(Backup, RestoreRefusesExistingDataAndVerifyNamesACorruptedFile) {
  TempDir dir;
  const fs::path data = dir / "data", backups = dir / "backups";
  BuildLedger(data, 30);
  {
    // A running ledgerd holds the databases: an offline backup is refused, saying so.
    Ledgerd ledgerd(data);
    ProcessResult refused =
        Ledgerctl({"backup", "create", "--data", data.string(), "--backup-dir", backups.string()});
    EXPECT_EQ(refused.exit_code, 3);
    EXPECT_NE(refused.err.find("a ledgerd is running"), std::string::npos) << refused.err;
    EXPECT_EQ(ledgerd.Stop().exit_code, 0);
  }
  ProcessResult created =
      Ledgerctl({"backup", "create", "--data", data.string(), "--backup-dir", backups.string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(Ledgerctl({"backup", "verify", "--backup-dir", backups.string()}).exit_code, 0);

  ProcessResult over =
      Ledgerctl({"backup", "restore", "--backup-dir", backups.string(), "--data", data.string()});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_NE(over.err.find("is not empty"), std::string::npos) << over.err;

  fs::path sst;
  for (const auto& entry : fs::directory_iterator(backups / "log" / "shared_checksum"))
    if (entry.path().extension() == ".sst") sst = entry.path();
  ASSERT_FALSE(sst.empty());
  FlipByte(sst, 64);
  ProcessResult bad = Ledgerctl({"backup", "verify", "--backup-dir", backups.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("does not verify"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(sst.filename().string()), std::string::npos) << bad.err;
  // A corrupted backup is not restored.
  ProcessResult restore = Ledgerctl({"backup", "restore", "--backup-dir", backups.string(),
                                     "--data", (dir / "restored").string()});
  EXPECT_EQ(restore.exit_code, 1) << restore.err;
  FlipByte(sst, 64);  // repaired; now a copied key file
  FlipByte(backups / "sets" / "000001" / "keys" / "ledger.vkeys", 3);
  bad = Ledgerctl({"backup", "verify", "--backup-dir", backups.string(), "--id", "1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("keys/ledger.vkeys does not match its SHA-256"), std::string::npos)
      << bad.err;
  // A stopped ledger's log is copied with a RocksDB checkpoint; the copy verifies whole.
  ProcessResult copied =
      Ledgerctl({"replay", "--data", data.string(), "--into", (dir / "copy").string()});
  EXPECT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(VerifiedEvents(dir / "copy"), VerifiedEvents(data));
}

// Waits (bounded) until /readyz answers 200; returns its body.
json::object WaitReady(uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    Reply r = Request(port, http::verb::get, "/readyz", "");
    if (r.status == 200) return r.Json();
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "not ready: " << r.body;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

const std::vector<std::string> kPointInTimeReads = {
    "/v1/records/account/ACC-1", "/v1/records/account/ACC-1/history", "/v1/records/account"};

std::map<std::string, std::string> ReadsOf(uint16_t port) {
  std::map<std::string, std::string> out;
  for (const std::string& target : kPointInTimeReads) {
    Reply r = Request(port, http::verb::get, target, "");
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    json::object body = ParseObject(r.body, target);
    // A history entry's verification follows the log's latest checkpoint, not the views.
    if (auto* entries = body.if_contains("entries"))
      for (auto& e : entries->as_array()) e.as_object().erase("verification");
    out[target] = json::serialize(body);
  }
  return out;
}

TEST(Backup, APointInTimeCopyServedReadOnlyAnswersAsTheLedgerDidThen) {
  TempDir dir;
  const fs::path data = dir / "data", copy = dir / "copy";
  std::map<std::string, std::string> then;
  std::string until;
  {
    Ledgerd ledgerd(data);
    for (int n = 1; n <= 5; ++n)
      AppendOne(ledgerd.port(), RegisterAccount("ACC-" + std::to_string(n)));
    until = AppendOne(ledgerd.port(), RenameAccount("ACC-1", "Renamed once", 1)).time;
    WaitCaughtUp(ledgerd.port());
    then = ReadsOf(ledgerd.port());
    // Later changes, each recorded after `until`.
    Appended later = AppendOne(ledgerd.port(), RenameAccount("ACC-1", "Renamed twice", 2));
    EXPECT_GT(later.time, until);
    AppendOne(ledgerd.port(), RegisterAccount("ACC-6"));
    WaitCaughtUp(ledgerd.port());
    EXPECT_NE(ReadsOf(ledgerd.port()), then) << "the later changes must show live";
    // The copy is made beside the serving ledgerd (which holds the log).
    ProcessResult replay =
        Ledgerctl({"replay", "--data", data.string(), "--until", until, "--into", copy.string()});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_EQ(ledgerd.Stop().exit_code, 0);
  }
  EXPECT_FALSE(fs::exists(copy / "keys" / "ledger.key")) << "a copy holds no signing key";
  EXPECT_EQ(Ledgerctl({"replay", "--data", data.string(), "--into", copy.string()}).exit_code, 2)
      << "--into refuses a dir that is not empty";

  Ledgerd readonly(copy, {"--read-only"});
  ASSERT_TRUE(readonly.serving());
  const json::object ready = WaitReady(readonly.port());
  EXPECT_TRUE(ready.contains("read_only") && ready.at("read_only").as_bool())
      << json::serialize(ready);
  EXPECT_EQ(ReadsOf(readonly.port()), then);
  Reply post = Post(readonly.port(), RegisterAccount("ACC-7"));
  EXPECT_EQ(post.status, 405) << post.body;
  EXPECT_EQ(post.content_type, "application/problem+json");
  EXPECT_NE(post.body.find("read-only"), std::string::npos) << post.body;
  EXPECT_EQ(Request(readonly.port(), http::verb::get, "/v1/records/account/ACC-7", "").status, 404);
  EXPECT_EQ(readonly.Stop().exit_code, 0);
  EXPECT_GT(VerifiedEvents(copy), 0u);
}

}  // namespace
}  // namespace ledger_test

namespace ledger_test {
namespace {

// The ids `ledgerctl backup list --json` prints, oldest first.
std::vector<int> SetIds(const fs::path& backups) {
  ProcessResult listed = Ledgerctl({"backup", "list", "--backup-dir", backups.string(), "--json"});
  std::vector<int> ids;
  if (listed.exit_code != 0) return ids;  // no set yet
  for (const std::string& line : CompleteLines(listed.out))
    ids.push_back(ParseObject(line, "a listed set").at("id").to_number<int>());
  return ids;
}

TEST(Backup, ScheduledBackupsKeepTheNewestSetsAndTheSubjectKeysApart) {
  TempDir dir;
  const fs::path data = dir / "data", backups = dir / "backups", keys = dir / "subject-keys";
  Ledgerd ledgerd(data,
                  {"--backup-dir", backups.string(), "--backup-every-s", "1", "--backup-keep", "2",
                   "--subject-keys-backup-dir", keys.string(), "--subject-keys-keep", "1"});
  ASSERT_TRUE(ledgerd.serving());
  AppendOne(ledgerd.port(), RegisterAccount("ACC-1"));
  // Bounded: the schedule takes one a second; wait for the third.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<int> ids;
  while ((ids = SetIds(backups)).empty() || ids.back() < 3) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no third scheduled backup";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ledgerd.Stop().exit_code, 0);
  ids = SetIds(backups);
  ASSERT_EQ(ids.size(), 2u) << "--backup-keep 2";
  EXPECT_EQ(ids[0] + 1, ids[1]);
  EXPECT_EQ(Ledgerctl({"backup", "verify", "--backup-dir", backups.string()}).exit_code, 0);
  // The subject keys are in their own directory, never in a set, keeping one backup.
  ProcessResult subject =
      Ledgerctl({"backup", "list", "--subject-keys", "--backup-dir", keys.string()});
  ASSERT_EQ(subject.exit_code, 0) << subject.err;
  EXPECT_EQ(CompleteLines(subject.out).size(), 1u) << subject.out;
  EXPECT_FALSE(fs::exists(backups / "subject-keys"));
  ProcessResult restored = Ledgerctl({"backup", "restore", "--subject-keys", "--backup-dir",
                                      keys.string(), "--data", (dir / "restored").string()});
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_TRUE(fs::exists(dir / "restored" / "subject-keys" / "CURRENT"));
}

// Restores the newest subject-key backup of `keys` into `into` and says whether it
// holds the key of `subject`.
bool BackedUpKeyOf(const fs::path& keys, const fs::path& into, const fs::path& data,
                   const std::string& subject) {
  ProcessResult restored = Ledgerctl({"backup", "restore", "--subject-keys", "--backup-dir",
                                      keys.string(), "--data", into.string()});
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  auto master = ingest::ReadMasterKey(MasterKeyFile(data));
  EXPECT_TRUE(master.ok()) << master.status().ToString();
  if (!master.ok()) return false;
  auto opened = ingest::SubjectKeys::Open(into / "subject-keys", *master);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return false;
  auto key = (*opened)->Get(subject);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() && key->has_value();
}

TEST(Backup, AnErasedKeyLeavesTheSubjectKeyBackupsOnceKeepNewerOnesWereTaken) {
  TempDir dir;
  const fs::path data = dir / "data", keys = dir / "subject-keys";
  Ledgerd ledgerd(data, {"--backup-dir", (dir / "backups").string(), "--subject-keys-backup-dir",
                         keys.string(), "--subject-keys-keep", "1"});
  ASSERT_TRUE(ledgerd.serving());
  AppendOne(ledgerd.port(), RegisterAccount("ACC-1"));
  AppendOne(ledgerd.port(), R"({"type":"contact.registered","subject":"contact/CON-1","data":)"
                            R"({"name":"王建国","account":"ACC-1","emails":["wang@example.cn"]}})");
  EXPECT_TRUE(TakeBackup(ledgerd.port()).contains("subject_keys"));
  Reply erased = Request(ledgerd.port(), http::verb::post, "/v1/subjects/CON-1/erase",
                         R"({"reason":"PIPL request 2026-0042"})", {.role = "admin"});
  ASSERT_EQ(erased.status, 200) << erased.body;
  // Until newer backups replace it, the old one still holds the erased person's key...
  EXPECT_TRUE(BackedUpKeyOf(keys, dir / "before", data, "contact/CON-1"));
  // ...and once --subject-keys-keep newer ones were taken, no backup does.
  TakeBackup(ledgerd.port());
  EXPECT_FALSE(BackedUpKeyOf(keys, dir / "after", data, "contact/CON-1"));
  ProcessResult listed =
      Ledgerctl({"backup", "list", "--subject-keys", "--backup-dir", keys.string()});
  EXPECT_EQ(CompleteLines(listed.out).size(), 1u) << listed.out;
  EXPECT_EQ(ledgerd.Stop().exit_code, 0);
}

}  // namespace
}  // namespace ledger_test
