// ledgerctl bench against a real ledgerd: every event it reports acknowledged is in the
// log (ledgerctl verify counts them), its JSON report is complete and consistent, every
// workload is valid for the domain, and a bad --url or an absent server is reported
// clearly. Nothing here asserts on speed (docs/BENCHMARKS.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fstream>

#include "ledger/event.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

double Number(const json::object& report, std::string_view key) {
  const json::value* v = report.if_contains(key);
  EXPECT_TRUE(v && v->is_number()) << key << " missing in " << json::serialize(report);
  return v && v->is_number() ? v->to_number<double>() : -1;
}

TEST(LedgerctlBench, EveryAcknowledgedEventIsInTheLog) {
  TempDir dir;
  const fs::path data = dir / "data";
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    ProcessResult r = Ledgerctl({"bench", "--token", server.token("rep"), "--url", server.url(),
                                 "--events", "2000", "--clients", "4", "--batch", "50", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, HasSubstr("events acknowledged  2000"));

    json::error_code ec;
    const json::value parsed = json::parse(r.out, ec);
    ASSERT_FALSE(ec) << r.out;
    ASSERT_TRUE(parsed.is_object()) << r.out;
    const json::object& report = parsed.as_object();
    EXPECT_EQ(Number(report, "events_acked"), 2000);
    EXPECT_EQ(Number(report, "events_replayed"), 0);
    EXPECT_EQ(Number(report, "requests"), 40);
    EXPECT_EQ(Number(report, "errors_total"), 0);
    EXPECT_EQ(Number(report, "clients"), 4);
    EXPECT_EQ(Number(report, "batch"), 50);
    EXPECT_GT(Number(report, "elapsed_s"), 0);
    EXPECT_GT(Number(report, "events_per_s"), 0);
    EXPECT_GT(Number(report, "requests_per_s"), 0);
    const double p50 = Number(report, "latency_ms_p50");
    const double p90 = Number(report, "latency_ms_p90");
    const double p99 = Number(report, "latency_ms_p99");
    const double p999 = Number(report, "latency_ms_p999");
    const double max = Number(report, "latency_ms_max");
    EXPECT_GT(p50, 0);
    EXPECT_LE(p50, p90);
    EXPECT_LE(p90, p99);
    EXPECT_LE(p99, p999);
    EXPECT_LE(p999, max);
    ASSERT_TRUE(report.contains("errors")) << r.out;
    EXPECT_TRUE(report.at("errors").is_object() && report.at("errors").as_object().empty());
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  EXPECT_EQ(VerifiedEvents(data), 2000u);
}

// The account/contact/opportunity chains refer only to records appended before them, and
// the activities are valid too; a warmup is appended but not counted.
TEST(LedgerctlBench, TheMixAndTheActivitiesAreValidCommands) {
  TempDir dir;
  const fs::path data = dir / "data";
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    ProcessResult mix =
        Ledgerctl({"bench", "--token", server.token("rep"), "--url", server.url(), "--mix",
                   "--events", "300", "--warmup", "30", "--clients", "3", "--batch", "7"});
    ASSERT_EQ(mix.exit_code, 0) << mix.err;
    EXPECT_THAT(mix.out, HasSubstr("events acknowledged  300 (0 replayed)"));
    ProcessResult activities =
        Ledgerctl({"bench", "--token", server.token("rep"), "--url", server.url(), "--kind",
                   "activity", "--events", "200", "--clients", "2", "--batch", "1"});
    ASSERT_EQ(activities.exit_code, 0) << activities.err;
    EXPECT_THAT(activities.out, HasSubstr("events acknowledged  200 (0 replayed)"));
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  EXPECT_EQ(VerifiedEvents(data), 30u + 300u + 200u);
}

// --write-commands needs no server: the commands one connection would send, a line each,
// for other stores' benchmarks (bench/pg_peer.md).
TEST(LedgerctlBench, WriteCommandsWritesTheCommandsItWouldSend) {
  TempDir dir;
  const fs::path file = dir / "commands.ndjson";
  ProcessResult r = Ledgerctl({"bench", "--kind", "activity", "--events", "5", "--run-id", "w1",
                               "--write-commands", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(file);
  std::string line;
  int n = 0;
  for (; std::getline(in, line); ++n) {
    auto command = ledger::ParseCommand(json::parse(line));
    ASSERT_TRUE(command.ok()) << line;
    EXPECT_EQ(command->type, "activity.logged");
    EXPECT_EQ(command->subject, "activity/ACT-w1-0-" + std::to_string(n));
  }
  EXPECT_EQ(n, 5);
}

TEST(LedgerctlBench, ABadUrlIsAUsageErrorAndNoServerCannotConnect) {
  ProcessResult bad = Ledgerctl({"bench", "--url", "ftp://127.0.0.1:8080", "--events", "1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--url must be http://HOST[:PORT][/PREFIX]"));

  // A port that was free a moment ago: nothing listens there.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const unsigned port = probe.local_endpoint().port();
  probe.close();
  ProcessResult absent =
      Ledgerctl({"bench", "--url", "http://127.0.0.1:" + std::to_string(port), "--events", "1"});
  EXPECT_EQ(absent.exit_code, 3) << absent.out;
  EXPECT_THAT(absent.err, HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace ledger_test
