// ledgerctl archive and verify-archive against a real ledgerd's data dir: the story's
// closed records leave the hot views (410 on their record, gone from lists) while their
// history and the archive view answer; the log pruned below the cut replays from the
// bundle to the same views digest; a reopened record returns to the hot views; a
// damaged bundle is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

constexpr std::string_view kBefore = "2100-01-01";  // everything recorded so far
const std::string kClosedTicket = "ticket/TKT-5001";
const std::string kWonDeal = "opportunity/OPP-2025-0042";
const std::string kReopenedDeal = "opportunity/OPP-2025-0051";  // reopened: stays hot

std::string Field(const ProcessResult& r, std::string_view name) {
  for (const std::string& line : CompleteLines(r.out))
    if (line.starts_with(std::string(name) + ": ")) return line.substr(name.size() + 2);
  return "";
}

std::vector<std::string> Listed(uint16_t port, const std::string& kind) {
  std::vector<std::string> out;
  auto body = Get(port, "/v1/records/" + kind);
  for (const auto& r : body["records"].as_array())
    out.push_back(std::string(r.as_object().at("subject").as_string()));
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Every analytics report of the ledger (the window bounded, so the answers do not
// depend on when they are asked).
std::string AnalyticsAnswers(uint16_t port) {
  std::string out;
  for (const char* report : {"pipeline?", "funnel?", "win-loss?", "activities?", "products?",
                             "customers?", "service?", "targets?period=2025-Q2&"}) {
    const std::string target = "/v1/analytics/" + std::string(report) + "to=2026-01-01";
    Reply reply = Request(port, http::verb::get, target, "", RequestOptions{.role = "manager"});
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    out += reply.body + "\n";
  }
  return out;
}

// A story ledger, stopped, archived before kBefore with --prune; returns the bundle.
// `analytics`: the analytics answers before the archive.
fs::path ArchivedStory(const fs::path& data, ProcessResult* archive = nullptr,
                       std::string* analytics = nullptr) {
  {
    Ledgerd server(data);
    EXPECT_TRUE(server.serving());
    AppendStory(server.port());
    WaitCaughtUp(server.port());
    if (analytics != nullptr) *analytics = AnalyticsAnswers(server.port());
    EXPECT_TRUE(Contains(Listed(server.port(), "ticket"), kClosedTicket));
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  const fs::path bundle = data / "archives" / "story.bundle";
  ProcessResult r = Ledgerctl({"archive", "--data", data.string(), "--before", std::string(kBefore),
                               "--out", bundle.string(), "--prune"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (archive != nullptr) *archive = r;
  return bundle;
}

TEST(Archive, ClosedRecordsLeaveTheHotViewsButTheirHistoryAndArchiveViewAnswer) {
  TempDir dir;
  const fs::path data = dir / "data";
  ProcessResult archived;
  std::string analytics;
  const fs::path bundle = ArchivedStory(data, &archived, &analytics);
  EXPECT_NE(Field(archived, "records"), "0") << archived.out;
  EXPECT_NE(Field(archived, "pruned"), "") << archived.out;

  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  WaitCaughtUp(server.port());
  ProcessResult busy = Ledgerctl({"archive", "--data", data.string(), "--before", "2100-01-02"});
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_NE(busy.err.find("needs ledgerd stopped"), std::string::npos) << busy.err;
  for (const std::string& subject : {kClosedTicket, kWonDeal}) {
    Reply gone = Request(server.port(), http::verb::get, "/v1/records/" + subject, "");
    EXPECT_EQ(gone.status, 410) << gone.body;
    EXPECT_NE(gone.body.find("/v1/records/" + subject + "/archive"), std::string::npos);
    Reply pack =
        Request(server.port(), http::verb::get, "/v1/records/" + subject + "/auditpack", "");
    EXPECT_EQ(pack.status, 410) << pack.body;  // the bundle is the proof now
    auto sealed = Get(server.port(), "/v1/records/" + subject + "/archive");
    EXPECT_EQ(sealed["archived"], true);
    auto history = Get(server.port(), "/v1/records/" + subject + "/history");
    EXPECT_FALSE(history["entries"].as_array().empty());
    // Pruned events are reported as archived, not as failures.
    for (const auto& e : history["entries"].as_array()) {
      const auto& status = e.as_object().at("verification").as_object().at("status");
      EXPECT_TRUE(status == "archived" || status == "verified") << subject << ": " << e;
    }
  }
  EXPECT_FALSE(Contains(Listed(server.port(), "ticket"), kClosedTicket));
  EXPECT_FALSE(Contains(Listed(server.port(), "opportunity"), kWonDeal));
  EXPECT_TRUE(Contains(Listed(server.port(), "opportunity"), kReopenedDeal));
  // Archived records still count in analytics: they are facts, not hot records.
  EXPECT_EQ(AnalyticsAnswers(server.port()), analytics);
  Get(server.port(), "/v1/records/" + kReopenedDeal);
  Get(server.port(), "/v1/records/" + kReopenedDeal + "/archive", 404);

  // A later event brings the record back to the hot views.
  AppendOne(server.port(), R"({"type":"ticket.reopened","subject":")" + kClosedTicket +
                               R"(","data":{"reason":"failed again"}})");
  WaitCaughtUp(server.port());
  Get(server.port(), "/v1/records/" + kClosedTicket);
  EXPECT_TRUE(Contains(Listed(server.port(), "ticket"), kClosedTicket));
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST(Archive, APrunedLogReplaysFromItsBundleToTheSameViews) {
  TempDir dir;
  const fs::path data = dir / "data";
  std::string analytics;
  const fs::path bundle = ArchivedStory(data, nullptr, &analytics);
  const std::string live = ViewsDigestOf(data);
  // The log alone no longer verifies from ledgerseq 0: its prefix lives in the bundle.
  ProcessResult verify = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_NE(verify.exit_code, 0);

  ProcessResult replay = Ledgerctl({"replay", "--data", data.string()});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Field(replay, "digest"), live);
  EXPECT_NE(Field(replay, "archives"), "") << replay.out;
  // The bundle outside the data dir, named with --archive, serves as well.
  const fs::path moved = dir / "story.bundle";
  fs::rename(bundle, moved);
  ProcessResult without = Ledgerctl({"replay", "--data", data.string()});
  EXPECT_NE(without.exit_code, 0);
  ProcessResult with = Ledgerctl({"replay", "--data", data.string(), "--archive", moved.string()});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(Field(with, "digest"), live);
  // Rebuilt from the bundle and the pruned log, analytics answer as before the archive.
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  WaitCaughtUp(server.port());
  EXPECT_EQ(AnalyticsAnswers(server.port()), analytics);
}

TEST(Archive, VerifyArchiveChecksABundleOfflineAndNamesTheDamage) {
  TempDir dir;
  const fs::path data = dir / "data";
  const fs::path bundle = ArchivedStory(data);
  const std::string vkeys = (data / "keys" / "ledger.vkeys").string();
  ProcessResult ok = Ledgerctl({"verify-archive", bundle.string(), "--vkeys", vkeys});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Field(ok, "ledger"), "sales-ledger");

  std::string bytes = ReadFile(bundle);
  bytes[bytes.size() / 2] ^= 0x20;
  const fs::path damaged = dir / "damaged.bundle";
  WriteFile(damaged, bytes);
  ProcessResult bad = Ledgerctl({"verify-archive", damaged.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bundle"), std::string::npos) << bad.err;
  // A registered bundle that does not verify stops replay, naming the file.
  fs::copy_file(damaged, data / "archives" / "zz.bundle");
  ProcessResult replay = Ledgerctl({"replay", "--data", data.string()});
  EXPECT_EQ(replay.exit_code, 1);
  EXPECT_NE(replay.err.find("zz.bundle"), std::string::npos) << replay.err;
}

}  // namespace
}  // namespace ledger_test
