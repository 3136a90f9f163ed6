// The real ledgerd process on a free loopback port: the example story over HTTP, domain
// errors, a graceful SIGTERM while clients are still appending, restart, then
// ledgerctl verify over what it wrote.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "tests/fixtures.h"

namespace ledger_test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// A started ledgerd; its port is read from the line it prints when it serves.
class Ledgerd {
 public:
  explicit Ledgerd(const fs::path& data)
      : child_({LedgerdPath(), "--data", data.string(), "--listen", "127.0.0.1:0"},
               data.parent_path() / "ledgerd.err") {
    auto line = child_.ReadLine();
    EXPECT_TRUE(line.has_value()) << "ledgerd printed nothing; see "
                                  << (data.parent_path() / "ledgerd.err");
    if (!line) return;
    size_t colon = line->find("127.0.0.1:");
    EXPECT_NE(colon, std::string::npos) << *line;
    port_ = static_cast<uint16_t>(std::stoul(line->substr(colon + 10)));
  }
  uint16_t port() const { return port_; }
  // SIGTERM, then the exit code.
  ProcessResult Stop() {
    child_.Signal(SIGTERM);
    ProcessResult result;
    child_.Finish(result);
    return result;
  }

 private:
  Child child_;
  uint16_t port_ = 0;
};

struct Reply {
  int status = 0;  // 0: the connection failed
  std::string body;
};

Reply Request(uint16_t port, http::verb verb, const std::string& target, const std::string& body) {
  try {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "localhost");
    req.set(http::field::content_type, "application/json");
    req.set("Ledger-Actor", "user:li.wei");
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(s, buffer, res);
    return {static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception&) {
    return {};
  }
}

Reply Post(uint16_t port, const std::string& body) {
  return Request(port, http::verb::post, "/v1/events", body);
}

std::vector<std::string> Lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Runs ledgerctl verify and returns the "events: N" it reports (0 on failure).
uint64_t VerifiedEvents(const fs::path& data) {
  ProcessResult r = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t at = r.out.find("\nevents: ");
  EXPECT_NE(at, std::string::npos) << r.out;
  return at == std::string::npos ? 0 : std::stoull(r.out.substr(at + 9));
}

TEST(Ledgerd, ServesTheStoryRefusesBadEventsAndStopsCleanly) {
  TempDir dir;
  const fs::path data = dir / "data";
  {
    Ledgerd server(data);
    ASSERT_NE(server.port(), 0);
    for (const std::string& line : Lines(SourceFile("schemas/examples/lifecycle.ndjson"))) {
      Reply r = Post(server.port(), line);
      ASSERT_EQ(r.status, 201) << line << "\n" << r.body;
    }
    // The domain's rules through HTTP: each is refused and nothing is appended.
    EXPECT_EQ(
        Post(server.port(), R"({"type":"opportunity.stage_changed","subject":"opportunity/NO-SUCH",
      "data":{"from":"proposal","to":"negotiation"}})")
            .status,
        404);
    Reply bad =
        Post(server.port(),
             R"({"type":"account.registered","subject":"account/ACC-X","data":{"name":7}})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("/events/0/data/name"), std::string::npos) << bad.body;
    // The signed feed, as any HTTP client captures it, verifies offline.
    std::string feed;
    for (int p = 0; p < 4; ++p) {
      Reply page =
          Request(server.port(), http::verb::get, "/v1/events?partition=" + std::to_string(p), "");
      ASSERT_EQ(page.status, 200) << page.body;
      feed += page.body;
    }
    WriteFile(dir / "feed.ndjson", feed);
    ProcessResult verified = Ledgerctl({"verify", "--ndjson", (dir / "feed.ndjson").string(),
                                        "--vkeys", (data / "keys" / "ledger.vkeys").string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.err;
    ProcessResult stopped = server.Stop();
    EXPECT_EQ(stopped.exit_code, 0);
  }
  const uint64_t story = Lines(SourceFile("schemas/examples/lifecycle.ndjson")).size();
  EXPECT_EQ(VerifiedEvents(data), story);

  // Restarted on the same data: retries are replays, new events continue the chains.
  Ledgerd again(data);
  Reply replay = Post(again.port(), Lines(SourceFile("schemas/examples/lifecycle.ndjson")).front());
  EXPECT_EQ(replay.status, 201);
  EXPECT_NE(replay.body.find("\"replayed\":true"), std::string::npos) << replay.body;
  EXPECT_EQ(
      Post(
          again.port(),
          R"({"type":"account.registered","subject":"account/ACC-NEW","data":{"name":"新客户 New Co","owner":"li.wei"}})")
          .status,
      201)
      << "see schemas/README.md for account.registered's required fields";
  EXPECT_EQ(again.Stop().exit_code, 0);
  EXPECT_EQ(VerifiedEvents(data), story + 1);
}

TEST(Ledgerd, SigtermWhileClientsAppendLosesNoAcknowledgedEvent) {
  TempDir dir;
  const fs::path data = dir / "data";
  Ledgerd server(data);
  ASSERT_NE(server.port(), 0);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_count{0};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::string> unexpected;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string id = "acc-" + std::to_string(t) + "-" + std::to_string(i);
        Reply r = Post(server.port(), R"({"type":"account.registered","subject":"account/)" + id +
                                          R"(","id":")" + id + R"(","data":{"name":"客户 )" + id +
                                          R"(","owner":"li.wei"}})");
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.insert(id);
          ++acknowledged_count;
        } else if (r.status == 0) {
          return;                      // the server is gone
        } else if (r.status != 503) {  // 503: the writer is shutting down
          std::lock_guard lock(mu);
          unexpected.push_back(std::to_string(r.status) + " " + r.body);
          return;
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acknowledged_count < 40 && unexpected.empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ProcessResult stopped = server.Stop();
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(unexpected.empty()) << unexpected.front();
  ASSERT_GE(acknowledged.size(), 40u) << "the clients were not acknowledged in time";
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  // Every acknowledged id is in the verified log.
  EXPECT_GE(VerifiedEvents(data), acknowledged.size());
  ProcessResult feed = Ledgerctl({"feed", "--data", data.string()});
  ASSERT_EQ(feed.exit_code, 0);
  for (const std::string& id : acknowledged) {
    EXPECT_NE(feed.out.find("\"id\":\"" + id + "\""), std::string::npos)
        << id << " was acknowledged but is missing";
  }
}

boost::json::object Get(uint16_t port, const std::string& target, int expected_status = 200) {
  Reply r = Request(port, http::verb::get, target, "");
  EXPECT_EQ(r.status, expected_status) << target << "\n" << r.body;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

// Waits (bounded) until /readyz reports every partition fully projected (lag 0);
// "ready" alone allows a bounded lag.
void WaitCaughtUp(uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    Reply r = Request(port, http::verb::get, "/readyz", "");
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    bool caught_up = !ec && v.is_object() && v.as_object().contains("partitions");
    if (caught_up) {
      for (const auto& p : v.as_object().at("partitions").as_array()) {
        caught_up = caught_up && p.at("lag").as_int64() == 0 && !p.as_object().contains("error");
      }
    }
    if (caught_up) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the read models did not catch up: " << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(Ledgerd, ReadModelsAnswerAndAreRebuiltFromTheLog) {
  TempDir dir;
  const fs::path data = dir / "data";
  auto check = [](uint16_t port) {
    WaitCaughtUp(port);
    auto opp = Get(port, "/v1/records/opportunity/OPP-2025-0042");
    EXPECT_EQ(opp["version"].as_int64(), 7);
    EXPECT_EQ(opp["state"].at("stage").as_string(), "closed_won");
    auto history = Get(port, "/v1/records/opportunity/OPP-2025-0042/history?limit=5");
    EXPECT_EQ(history["entries"].as_array().size(), 5u);
    EXPECT_EQ(history["next"].as_int64(), 5);
    EXPECT_EQ(history["entries"].as_array()[0].at("type").as_string(), "opportunity.opened");
    // As of business time before the deal was won, it was still open.
    auto before =
        Get(port, "/v1/records/opportunity/OPP-2025-0042?asof_business=2025-03-07T00:00:00Z");
    EXPECT_NE(before["state"].at("stage").as_string(), "closed_won");
    auto won = Get(port, "/v1/records/opportunity?stage=closed_won");
    ASSERT_FALSE(won["records"].as_array().empty());
    for (const auto& r : won["records"].as_array())
      EXPECT_EQ(r.at("state").at("stage").as_string(), "closed_won");
    Get(port, "/v1/records/opportunity/NO-SUCH", 404);
    Get(port, "/v1/records/opportunity?colour=red", 400);
  };
  {
    Ledgerd server(data);
    for (const std::string& line : Lines(SourceFile("schemas/examples/lifecycle.ndjson"))) {
      ASSERT_EQ(Post(server.port(), line).status, 201);
    }
    check(server.port());
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  {
    Ledgerd resumed(data);  // the views resume from their stored positions
    check(resumed.port());
    EXPECT_EQ(resumed.Stop().exit_code, 0);
  }
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data);  // disposable: rebuilt from the log
  check(rebuilt.port());
  EXPECT_EQ(rebuilt.Stop().exit_code, 0);
}

}  // namespace
}  // namespace ledger_test
