// ledgerctl bench against a real ledgerd: every event it reports acknowledged is in the
// log (ledgerctl verify counts them), its JSON report is complete and consistent, every
// workload is valid for the domain, and a bad --url or an absent server is reported
// clearly. --get reads what a file lists and counts every non-2xx answer; --emit writes
// exactly what a live run sends. Nothing here asserts on speed (docs/BENCHMARKS.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <set>

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

// The report a --json run printed; an empty object (and a test failure) when it is none.
json::object Report(const ProcessResult& r) {
  json::error_code ec;
  const json::value parsed = json::parse(r.out, ec);
  EXPECT_TRUE(!ec && parsed.is_object()) << r.out;
  return !ec && parsed.is_object() ? parsed.as_object() : json::object();
}

// Whether `text` holds a code point of the CJK Unified Ideographs block (U+4E00..U+9FFF),
// whose UTF-8 encoding is E4 B8 80 .. E9 BF BF.
bool HasCjk(std::string_view text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (lead >= 0xE5 && lead <= 0xE9) return true;
    if (lead == 0xE4 && next >= 0xB8) return true;
  }
  return false;
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

// The mix's deals (account, contact, activities, opportunity through its stages, product,
// contract, order, invoice, payment, ticket) refer only to records appended before them,
// and the activities are valid too; a warmup is appended but not counted.
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

// Reads of records the mix created, their history, a list, a past state, a proof and a
// report: every answer is 2xx, and --events counts requests (the warmup's not among them).
TEST(LedgerctlBench, GetReadsEveryPathOfTheFile) {
  TempDir dir;
  Ledgerd server(dir / "data");
  ASSERT_TRUE(server.serving());
  ProcessResult load =
      Ledgerctl({"bench", "--token", server.token("rep"), "--url", server.url(), "--mix",
                 "--events", "200", "--clients", "1", "--batch", "20", "--run-id", "g1"});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const Reply appended = Post(server.port(), R"({"events":[{"type":"account.registered",)"
                                             R"("subject":"account/ACC-proof","data":{)"
                                             R"("name":"证明 Proof","owner":"u:li.wei"}}]})");
  ASSERT_EQ(appended.status, 201) << appended.body;
  const int64_t partition =
      appended.Json().at("events").as_array().at(0).as_object().at("partition").as_int64();
  WaitCaughtUp(server.port());

  const fs::path paths = dir / "paths.txt";
  WriteFile(paths,
            "/v1/records/account/ACC-g1-0-0\n"
            "/v1/records/opportunity/OPP-g1-0-1/history?limit=100\n"
            "/v1/records/opportunity?owner=u:zhang.wei&limit=50\n"
            "/v1/records/account/ACC-g1-0-2?asof=2099-01-01T00:00:00Z\n"
            "/v1/records/ticket/TKT-g1-0-3\n"
            "/v1/proofs/inclusion?partition=" +
                std::to_string(partition) +
                "&seq=0&size=1\r\n"
                "/v1/analytics/pipeline\n");
  ProcessResult r =
      Ledgerctl({"bench", "--get", paths.string(), "--token", server.token("compliance"), "--url",
                 server.url(), "--events", "91", "--warmup", "7", "--clients", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("answered 2xx         91"));
  const json::object report = Report(r);
  ASSERT_TRUE(report.contains("mode")) << r.out;
  EXPECT_EQ(report.at("mode"), "get");
  EXPECT_EQ(Number(report, "paths"), 7);
  EXPECT_EQ(Number(report, "requests"), 91);
  EXPECT_EQ(Number(report, "events_acked"), 91);
  EXPECT_EQ(Number(report, "errors_total"), 0);
  EXPECT_GT(Number(report, "requests_per_s"), 0);
  EXPECT_GT(Number(report, "latency_ms_p50"), 0);
  EXPECT_LE(Number(report, "latency_ms_p999"), Number(report, "latency_ms_max"));
  // Every answer has a body; a record is a few hundred bytes at least.
  EXPECT_GT(Number(report, "response_bytes_total"), 91 * 100);
  EXPECT_NEAR(Number(report, "response_bytes_mean"), Number(report, "response_bytes_total") / 91,
              0.1);
  EXPECT_EQ(server.Stop().exit_code, 0);
}

// A record that does not exist is a 404 for every request for it: errors, exit 1.
TEST(LedgerctlBench, GetCountsEveryAnswerButTwoHundredsAsAnError) {
  TempDir dir;
  Ledgerd server(dir / "data");
  ASSERT_TRUE(server.serving());
  const fs::path paths = dir / "paths.txt";
  WriteFile(paths, "/v1/keys\n/v1/records/account/ACC-missing\n");
  ProcessResult r =
      Ledgerctl({"bench", "--get", paths.string(), "--token", server.token("compliance"), "--url",
                 server.url(), "--events", "10", "--clients", "1", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("404: GET /v1/records/account/ACC-missing"));
  const json::object report = Report(r);
  EXPECT_EQ(Number(report, "requests"), 10);
  EXPECT_EQ(Number(report, "events_acked"), 5);
  EXPECT_EQ(Number(report, "errors_total"), 5);
  ASSERT_TRUE(report.contains("errors")) << r.out;
  EXPECT_EQ(json::serialize(report.at("errors")), R"({"404":5})");
  EXPECT_EQ(server.Stop().exit_code, 0);
}

// The file is checked before anything is sent: no server is needed to reject it.
TEST(LedgerctlBench, ABadGetFileIsAUsageErrorNamingTheLine) {
  TempDir dir;
  const fs::path paths = dir / "paths.txt";
  WriteFile(paths, "/v1/keys\nv1/records/account/ACC-1\n");
  ProcessResult relative = Ledgerctl({"bench", "--get", paths.string(), "--events", "1"});
  EXPECT_EQ(relative.exit_code, 2);
  EXPECT_THAT(relative.err, HasSubstr(paths.string() + ":2: a request path must start with"));

  WriteFile(paths, "/v1/keys\n\n");
  ProcessResult blank = Ledgerctl({"bench", "--get", paths.string(), "--events", "1"});
  EXPECT_EQ(blank.exit_code, 2);
  EXPECT_THAT(blank.err, HasSubstr(paths.string() + ":2: an empty line"));

  WriteFile(paths, "/v1/records/account/ACC 1\n");
  ProcessResult space = Ledgerctl({"bench", "--get", paths.string(), "--events", "1"});
  EXPECT_EQ(space.exit_code, 2);
  EXPECT_THAT(space.err, HasSubstr(paths.string() + ":1: a space"));

  WriteFile(paths, "");
  ProcessResult empty = Ledgerctl({"bench", "--get", paths.string(), "--events", "1"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr(paths.string() + " is empty"));

  ProcessResult absent = Ledgerctl({"bench", "--get", (dir / "none.txt").string()});
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_THAT(absent.err, HasSubstr("cannot read"));

  ProcessResult mixed = Ledgerctl({"bench", "--get", paths.string(), "--mix"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, HasSubstr("--get sends no commands"));
}

// The mix is the life of deals across the domain, in both languages, at realistic sizes.
TEST(LedgerctlBench, EmitWritesTheMixAsNdjson) {
  TempDir dir;
  const fs::path file = dir / "mix.ndjson";
  ProcessResult r =
      Ledgerctl({"bench", "--emit", file.string(), "--mix", "--events", "200", "--run-id", "e1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = CompleteLines(ReadFile(file));
  ASSERT_EQ(lines.size(), 200u);
  std::set<std::string> types, ids;
  size_t bytes = 0, bytes_max = 0, with_cjk = 0;
  for (const std::string& line : lines) {
    json::error_code ec;
    const json::value command = json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    ASSERT_TRUE(command.is_object()) << line;
    const json::object& o = command.as_object();
    ASSERT_TRUE(o.contains("type") && o.contains("subject") && o.contains("data")) << line;
    types.insert(std::string(o.at("type").as_string()));
    ids.insert(std::string(o.at("id").as_string()));
    EXPECT_THAT(std::string(o.at("id").as_string()), HasSubstr("e1")) << line;
    bytes += line.size();
    bytes_max = std::max(bytes_max, line.size());
    with_cjk += HasCjk(line);
  }
  EXPECT_GE(types.size(), 15u);
  EXPECT_EQ(ids.size(), lines.size());
  EXPECT_GE(with_cjk, lines.size() * 9 / 10);
  EXPECT_GE(bytes / lines.size(), 350u);
  EXPECT_LE(bytes_max, 1500u);

  ProcessResult out = Ledgerctl({"bench", "--emit", "-", "--kind", "activity", "--events", "3"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(CompleteLines(out.out).size(), 3u);
  ProcessResult many = Ledgerctl({"bench", "--emit", "-", "--clients", "4"});
  EXPECT_EQ(many.exit_code, 2);
  EXPECT_THAT(many.err, HasSubstr("--clients 1"));
}

// What --emit writes is accepted, and a live run with the same --run-id sends the very same
// commands: the ledger answers each of them as a replay.
TEST(LedgerctlBench, EmittedCommandsAreAcceptedAndAreWhatALiveRunSends) {
  TempDir dir;
  const fs::path file = dir / "mix.ndjson";
  ProcessResult emit = Ledgerctl({"bench", "--emit", file.string(), "--mix", "--warmup", "20",
                                  "--events", "150", "--run-id", "e2"});
  ASSERT_EQ(emit.exit_code, 0) << emit.err;
  const std::vector<std::string> lines = CompleteLines(ReadFile(file));
  ASSERT_EQ(lines.size(), 170u);
  size_t measured_bytes = 0;
  for (size_t i = 20; i < lines.size(); ++i) measured_bytes += lines[i].size();

  const fs::path data = dir / "data";
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    for (size_t first = 0; first < lines.size(); first += 40) {
      std::string body = R"({"events":[)";
      for (size_t i = first; i < std::min(lines.size(), first + 40); ++i)
        body += (i == first ? "" : ",") + lines[i];
      body += "]}";
      const Reply reply = Post(server.port(), body);
      ASSERT_EQ(reply.status, 201) << reply.body;
    }
    ProcessResult live = Ledgerctl({"bench", "--token", server.token("rep"), "--url", server.url(),
                                    "--mix", "--warmup", "20", "--events", "150", "--clients", "1",
                                    "--batch", "9", "--run-id", "e2", "--json"});
    ASSERT_EQ(live.exit_code, 0) << live.err;
    const json::object report = Report(live);
    EXPECT_EQ(Number(report, "events_acked"), 150);
    EXPECT_EQ(Number(report, "events_replayed"), 150);
    EXPECT_EQ(Number(report, "commands_sent"), 150);
    EXPECT_EQ(Number(report, "command_bytes_total"), static_cast<double>(measured_bytes));
    EXPECT_NEAR(Number(report, "command_bytes_mean"), measured_bytes / 150.0, 0.1);
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  EXPECT_EQ(VerifiedEvents(data), 170u);
}

}  // namespace
}  // namespace ledger_test
