// The real ledgerd under concurrent clients: writers racing for one record's next
// version, a followed feed receiving events as they are appended, and kill -9 in the
// middle of appends followed by a restart on the same data. Every wait is bounded by a
// deadline; nothing asserts on speed.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// kWriters clients, each round all sending an update of one record with the same
// expectedversion (a barrier lines them up): exactly one wins each round, the others
// are told the winner's version, and the record's history is the winners, in order.
TEST(LedgerdLoad, WritersRacingForOneVersionGetExactlyOneWinnerEach) {
  constexpr int kWriters = 8;
  constexpr int kRounds = 25;
  TempDir dir;
  Ledgerd server(dir / "data");
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  ASSERT_EQ(AppendOne(port, RegisterAccount("ACC-HOT", "hot-created")).streamversion, 1u);

  struct Outcome {
    int status = 0;
    std::string id;
    uint64_t streamversion = 0;   // of a 201
    uint64_t currentversion = 0;  // of a 409
    std::string body;
  };
  std::vector<std::vector<Outcome>> outcomes(kRounds, std::vector<Outcome>(kWriters));
  std::barrier round_start(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int r = 0; r < kRounds; ++r) {
        round_start.arrive_and_wait();  // everyone has finished round r - 1
        Outcome& o = outcomes[r][w];
        o.id = "hot-" + std::to_string(r) + "-" + std::to_string(w);
        Reply reply =
            Post(port, RenameAccount("ACC-HOT",
                                     "round " + std::to_string(r) + " writer " + std::to_string(w),
                                     r + 1, o.id));
        o.status = reply.status;
        o.body = reply.body;
        json::error_code ec;
        json::value body = json::parse(reply.body, ec);
        if (ec || !body.is_object()) continue;
        if (reply.status == 201) {
          o.streamversion =
              body.at("events").as_array()[0].at("streamversion").to_number<uint64_t>();
        } else if (const json::value* v = body.as_object().if_contains("currentversion")) {
          o.currentversion = v->to_number<uint64_t>();
        }
      }
    });
  }
  for (auto& t : writers) t.join();

  std::vector<std::string> winners{"hot-created"};
  for (int r = 0; r < kRounds; ++r) {
    SCOPED_TRACE("round " + std::to_string(r));
    int won = 0;
    for (const Outcome& o : outcomes[r]) {
      if (o.status == 201) {
        ++won;
        winners.push_back(o.id);
        EXPECT_EQ(o.streamversion, static_cast<uint64_t>(r + 2)) << o.body;
      } else {
        EXPECT_EQ(o.status, 409) << o.body;
        EXPECT_EQ(o.currentversion, static_cast<uint64_t>(r + 2)) << o.body;
      }
    }
    EXPECT_EQ(won, 1);
  }

  WaitCaughtUp(port);
  json::object record = Get(port, "/v1/records/account/ACC-HOT");
  EXPECT_EQ(record["version"].to_number<uint64_t>(), winners.size());
  json::object history = Get(port, "/v1/records/account/ACC-HOT/history");
  const json::array& entries = history["entries"].as_array();
  ASSERT_EQ(entries.size(), winners.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].at("version").to_number<uint64_t>(), i + 1);
    EXPECT_EQ(entries[i].at("id").as_string(), winners[i]);
  }
  EXPECT_EQ(server.Stop().exit_code, 0);
  EXPECT_EQ(VerifiedEvents(dir / "data"), winners.size());
}

// A client of GET /v1/events?follow=true: reads the chunked response as it arrives.
class Follower {
 public:
  Follower(uint16_t port, const std::string& target) : stream_(io_) {
    parser_.body_limit(boost::none);
    parser_.on_chunk_body(on_chunk_);
    stream_.expires_after(kRequestTimeout);
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, "Bearer " + TokenFor(port, http::verb::get, target));
    http::write(stream_, req);
    http::read_header(stream_, buffer_, parser_);
  }
  const http::response<http::empty_body>& header() { return parser_.get(); }

  // Reads until `count` complete lines have arrived in all, or the deadline passes
  // (then fails the test); returns every complete line so far.
  std::vector<std::string> WaitForLines(size_t count, SteadyClock::time_point deadline) {
    while (CompleteLines(received_).size() < count && !parser_.is_done()) {
      if (SteadyClock::now() >= deadline) break;
      stream_.expires_at(deadline);
      beast::error_code ec;
      http::read_some(stream_, buffer_, parser_, ec);
      if (ec) {
        ADD_FAILURE() << "the followed feed ended: " << ec.message();
        break;
      }
    }
    std::vector<std::string> lines = CompleteLines(received_);
    EXPECT_GE(lines.size(), count) << "lines that arrived:\n" << received_;
    return lines;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::empty_body> parser_;
  std::string received_;
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_chunk_ =
      [this](uint64_t, beast::string_view body, beast::error_code&) {
        received_.append(body.data(), body.size());
        return body.size();
      };
};

TEST(LedgerdLoad, AFollowedFeedDeliversEachNewEventOfItsPartition) {
  constexpr size_t kLiveEvents = 6;
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const Appended first = AppendOne(port, RegisterAccount("ACC-F-0"));
  const uint32_t p = first.partition;

  Follower follower(port, "/v1/events?partition=" + std::to_string(p) + "&follow=true");
  ASSERT_EQ(follower.header().result(), http::status::ok);
  EXPECT_EQ(follower.header()[http::field::content_type], "application/x-ndjson");
  EXPECT_TRUE(follower.header().chunked());
  // First what the partition holds already...
  std::vector<Appended> expected{first};
  follower.WaitForLines(1, SteadyClock::now() + std::chrono::seconds(20));
  // ...then each event appended to it, as it is appended: other subjects land in other
  // partitions (and must not show up here).
  for (int n = 1; expected.size() < 1 + kLiveEvents && n < 500; ++n) {
    const Appended a = AppendOne(port, RegisterAccount("ACC-F-" + std::to_string(n)));
    if (a.partition != p) continue;
    expected.push_back(a);
    follower.WaitForLines(expected.size(), SteadyClock::now() + std::chrono::seconds(20));
  }
  ASSERT_EQ(expected.size(), 1 + kLiveEvents) << "too few subjects landed in partition " << p;
  std::vector<std::string> lines =
      follower.WaitForLines(expected.size(), SteadyClock::now() + std::chrono::seconds(20));
  ASSERT_EQ(lines.size(), expected.size());

  const ledger::PublicKey key = ServedKey(port);
  std::string captured;
  for (size_t i = 0; i < lines.size(); ++i) {
    json::object line = ParseObject(lines[i], "a followed feed line");
    ASSERT_TRUE(line.contains("event") && line.contains("kid") && line.contains("sig")) << lines[i];
    FeedLine f{line["event"].as_object(), std::string(line["kid"].as_string()),
               std::string(line["sig"].as_string())};
    EXPECT_EQ(f.event["partition"].to_number<uint64_t>(), p);
    EXPECT_EQ(f.event["ledgerseq"].to_number<uint64_t>(), expected[i].ledgerseq);
    EXPECT_EQ(f.event["ledgerseq"].to_number<uint64_t>(), i) << "in ledgerseq order, no gaps";
    EXPECT_EQ(f.event["id"].as_string(), expected[i].id);
    EXPECT_EQ(LeafHashHex(f.event), expected[i].hash);
    EXPECT_EQ(f.event["ledgerprev"].as_string(), i == 0 ? "" : expected[i - 1].hash);
    EXPECT_TRUE(SignatureVerifies(f, key)) << lines[i];
    captured += lines[i] + "\n";
  }
  WriteFile(dir / "followed.ndjson", captured);
  ProcessResult verified = Ledgerctl({"verify", "--ndjson", (dir / "followed.ndjson").string(),
                                      "--vkeys", (data / "keys" / "ledger.vkeys").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// At most follow_clients_max (64) feeds are followed at once; the next is refused with
// a 503, a follower that closes its connection frees its place, and SIGTERM stops the
// server with all of them open.
TEST(LedgerdLoad, FollowedFeedsAreLimitedAndAClosedOneFreesItsPlace) {
  constexpr size_t kFollowClientsMax = 64;  // docs/API.md
  TempDir dir;
  Ledgerd server(dir / "data");
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const std::string target = "/v1/events?partition=0&follow=true";
  std::vector<std::unique_ptr<Follower>> followers;
  for (size_t i = 0; i < kFollowClientsMax; ++i) {
    followers.push_back(std::make_unique<Follower>(port, target));
    ASSERT_EQ(followers.back()->header().result(), http::status::ok) << i;
  }
  Reply refused = Request(port, http::verb::get, target, "");
  ProblemPointers(refused, 503);

  followers.erase(followers.begin());  // closes its connection
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  for (;;) {
    auto next = std::make_unique<Follower>(port, target);
    if (next->header().result() == http::status::ok) break;
    ASSERT_EQ(next->header().result(), http::status::service_unavailable);
    ASSERT_LT(SteadyClock::now(), deadline) << "the closed follower's place was not freed";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Plain requests are not followers and are served all along.
  EXPECT_EQ(AppendOne(port, RegisterAccount("ACC-AFTER")).streamversion, 1u);
  // Open feeds do not hold up a graceful stop.
  EXPECT_EQ(server.Stop().exit_code, 0);
}

// The ids of a request's accounts, and the request: one event, or a batch.
struct Sent {
  std::vector<std::string> ids;
  std::string body;
};
Sent Registrations(int client, int request, int events) {
  Sent sent;
  std::string batch;
  for (int e = 0; e < events; ++e) {
    sent.ids.push_back("K-" + std::to_string(client) + "-" + std::to_string(request) + "-" +
                       std::to_string(e));
    batch += (e ? "," : "") + RegisterAccount(sent.ids.back(), sent.ids.back());
  }
  sent.body = events == 1 ? batch : "{\"events\":[" + batch + "]}";
  return sent;
}

// Clients append single events and batches while ledgerd is SIGKILLed; after a restart
// on the same data every acknowledged event is in the log (once), the log verifies, an
// unanswered batch is in it whole or not at all, its retry is replayed or appended
// fresh (never twice), and the read models have every acknowledged record.
TEST(LedgerdLoad, KillDuringAppendsLosesNoAcknowledgedEvent) {
  constexpr int kClients = 4;
  constexpr size_t kAcknowledgedBeforeKill = 300;
  TempDir dir;
  const fs::path data = dir / "data";
  std::optional<Ledgerd> server(std::in_place, data);
  ASSERT_TRUE(server->serving());
  const uint16_t port = server->port();

  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<Sent> unanswered;
  std::vector<std::string> unexpected;
  std::atomic<size_t> acknowledged_count{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0;; ++i) {
        const Sent sent = Registrations(c, i, c % 2 == 0 ? 1 : 5);
        Reply r = Post(port, sent.body);
        std::lock_guard lock(mu);
        if (r.status == 201 && r.body.find("\"replayed\":true") == std::string::npos) {
          acknowledged.insert(sent.ids.begin(), sent.ids.end());
          acknowledged_count += sent.ids.size();
        } else if (r.status == 0) {
          unanswered.push_back(sent);  // killed before answering: maybe appended, maybe not
          return;
        } else {
          unexpected.push_back(std::to_string(r.status) + " " + r.body);
          return;
        }
      }
    });
  }
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  while (acknowledged_count < kAcknowledgedBeforeKill && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  server->Kill();
  for (auto& t : clients) t.join();
  ASSERT_TRUE(unexpected.empty()) << unexpected.front();
  ASSERT_GE(acknowledged.size(), kAcknowledgedBeforeKill)
      << "the clients were not answered in time";

  // The log as the killed process left it: it verifies, and holds every acknowledged
  // event exactly once, each unanswered request whole or not at all, and nothing that
  // no client sent.
  EXPECT_GE(VerifiedEvents(data), acknowledged.size());
  ProcessResult feed = Ledgerctl({"feed", "--data", data.string()});
  ASSERT_EQ(feed.exit_code, 0) << feed.err;
  std::map<std::string, int> in_log;
  for (const std::string& line : CompleteLines(feed.out)) {
    json::object l = ParseObject(line, "a ledgerctl feed line");
    ++in_log[std::string(l["event"].at("id").as_string())];
  }
  std::set<std::string> sent_ids = acknowledged;
  for (const Sent& s : unanswered) {
    sent_ids.insert(s.ids.begin(), s.ids.end());
    size_t present = 0;
    for (const std::string& id : s.ids) present += in_log.contains(id);
    EXPECT_TRUE(present == 0 || present == s.ids.size())
        << present << " of the " << s.ids.size() << " events of an unanswered batch are in the log";
  }
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(in_log.contains(id)) << id << " was acknowledged but is not in the log";
  }
  for (const auto& [id, count] : in_log) {
    EXPECT_EQ(count, 1) << id;
    EXPECT_TRUE(sent_ids.contains(id)) << id << " was never sent";
  }

  server.emplace(data);  // restarted on the same data
  ASSERT_TRUE(server->serving());
  const uint16_t again = server->port();
  for (const Sent& s : unanswered) {
    std::vector<Appended> retried = AppendedEvents(Post(again, s.body));
    ASSERT_EQ(retried.size(), s.ids.size());
    for (size_t e = 0; e < retried.size(); ++e) {
      EXPECT_EQ(retried[e].id, s.ids[e]);
      EXPECT_EQ(retried[e].replayed, in_log.contains(s.ids[e])) << s.ids[e];
    }
    acknowledged.insert(s.ids.begin(), s.ids.end());
  }
  WaitCaughtUp(again);
  for (const std::string& id : acknowledged) {
    json::object record = Get(again, "/v1/records/account/" + id);
    EXPECT_EQ(record["version"], json::value(1)) << id;
  }
  EXPECT_EQ(server->Stop().exit_code, 0);
  EXPECT_EQ(VerifiedEvents(data), acknowledged.size());
}

}  // namespace
}  // namespace ledger_test
