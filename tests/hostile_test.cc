// Hostile input against the real ledgerd: malformed HTTP, truncated bodies, invalid
// UTF-8, huge numbers, deep nesting, huge headers, path traversal in record ids, slow
// clients (slowloris) and oversized requests. Each gets a clear answer (or a closed
// connection), nothing is appended, and the server keeps serving everyone else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <thread>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

// Sends raw bytes on a new connection (from another thread, so that a server that
// answers before reading everything is heard) and reads until the server closes the
// connection or `wait` passes; returns what was read ("" when nothing).
std::string Raw(uint16_t port, const std::string& bytes,
                std::chrono::milliseconds wait = std::chrono::seconds(10)) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  std::thread writer([&] {
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(bytes), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  });
  std::string out;
  std::array<char, 4096> buf{};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{socket.native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(socket.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  ::shutdown(socket.native_handle(), SHUT_RDWR);  // unblocks a writer the server stopped reading
  writer.join();
  return out;
}

std::string StatusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

std::string PostBytes(const std::string& token, const std::string& body,
                      const std::string& length = "") {
  return "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " +
         (length.empty() ? std::to_string(body.size()) : length) + "\r\nConnection: close\r\n\r\n" +
         body;
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Ledgerd>(
        tmp_ / "data",
        std::vector<std::string>{"--read-timeout-s", "2", "--body-bytes-max", "1048576"});
    ASSERT_TRUE(server_->serving());
    port_ = server_->port();
    AppendOne(port_, RegisterAccount("ACC-1", "", "u:li.wei"));
    events_ = TotalEvents(port_);
  }
  // Nothing was appended and the server still answers reads and appends.
  void ExpectUnharmed() {
    EXPECT_EQ(TotalEvents(port_), events_) << "a hostile request appended something";
    EXPECT_EQ(Request(port_, http::verb::get, "/healthz", "").status, 200);
    EXPECT_EQ(Get(port_, "/v1/records/account/ACC-1")["id"], json::value("ACC-1"));
  }
  std::string Rep() const { return server_->token("rep"); }

  TempDir tmp_;
  std::unique_ptr<Ledgerd> server_;
  uint16_t port_ = 0;
  uint64_t events_ = 0;
};

TEST_F(Hostile, MalformedHttpIsRefusedAndTheConnectionClosed) {
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n"),
        std::string("POST /v1/events HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string("POST /v1/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n"),
        std::string("\x00\x01\x02\xff\xfe", 5), std::string(100000, 'A')}) {
    const std::string answer = Raw(port_, garbage);
    if (!answer.empty()) {
      EXPECT_THAT(StatusLine(answer), ::testing::AnyOf(HasSubstr(" 400 "), HasSubstr(" 431 ")))
          << answer;
    }
  }
  ExpectUnharmed();
}

TEST_F(Hostile, TruncatedBodiesAppendNothing) {
  const std::string body = RegisterAccount("ACC-TRUNC");
  // The client promises more than it sends, then closes: no request, no append.
  const std::string cut =
      Raw(port_, PostBytes(Rep(), body.substr(0, 20), std::to_string(body.size())));
  if (!cut.empty()) {
    EXPECT_THAT(StatusLine(cut), HasSubstr(" 400 ")) << cut;
  }
  // ... or stays silent: dropped after the read timeout (2 s here).
  const auto start = std::chrono::steady_clock::now();
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port_});
  asio::write(socket, asio::buffer(PostBytes(Rep(), body.substr(0, 20), "1000")));
  boost::system::error_code ec;
  std::array<char, 256> buf{};
  socket.read_some(asio::buffer(buf), ec);  // blocks until the server drops us
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ExpectUnharmed();
}

TEST_F(Hostile, BadJsonGetsAProblemNamingWhy) {
  struct Case {
    std::string body;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"{\"type\":\"account.registered\",\"subject\":\"account/"
       "ACC-2\",\"data\":{\"name\":\"\xff\xfe"
       "bad\",\"owner\":\"u:li.wei\"}}",
       "not valid JSON"},
      {R"({"type":"account.registered","subject":"account/ACC-3","data":{"name":"x","owner":"u:li.wei","size":1e999999}})",
       "floating-point"},
      {R"({"type":"account.registered","subject":"account/ACC-4","data":{"name":"x","owner":"u:li.wei","employees":123456789012345678901234567890}})",
       "invalid"},
      {std::string(100000, '[') + std::string(100000, ']'), "not valid JSON"},
      {std::string(20, '{'), "not valid JSON"},
      {R"({"type":"account.registered","subject":"account/ACC-5","data":{"name":")" +
           std::string(5000, 'x') + R"(","owner":"u:li.wei"}})",
       "/data/name"},
      {R"({"events":[)" +
           [] {
             std::string items;
             for (int i = 0; i < 1001; ++i)
               items += (i ? "," : "") + RegisterAccount("ACC-B" + std::to_string(i));
             return items;
           }() +
           "]}",
       "at most 1000 events"},
  };
  for (const Case& c : cases) {
    Reply r = Post(port_, c.body);
    EXPECT_EQ(r.status, 400) << c.body.substr(0, 200) << "\n" << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_THAT(r.body, HasSubstr(c.says)) << c.body.substr(0, 200);
  }
  ExpectUnharmed();
}

TEST_F(Hostile, HugeHeadersAndBodiesAreRefused) {
  // A 10 MB header: 431, connection closed, nothing else read.
  const std::string huge =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(10 * 1024 * 1024, 'h') +
      "\r\n\r\n";
  EXPECT_THAT(StatusLine(Raw(port_, huge)), HasSubstr(" 431 "));
  // A body over --body-bytes-max (1 MiB here): 413.
  const std::string body =
      R"({"type":"account.registered","subject":"account/ACC-BIG","data":{"name":")" +
      std::string(2 * 1024 * 1024, 'b') + R"("}})";
  EXPECT_THAT(StatusLine(Raw(port_, PostBytes(Rep(), body))), HasSubstr(" 413 "));
  // A declared length far beyond it is refused before any body is read.
  EXPECT_THAT(StatusLine(Raw(port_, PostBytes(Rep(), "", "99999999999999999999"))),
              ::testing::AnyOf(HasSubstr(" 413 "), HasSubstr(" 400 ")));
  ExpectUnharmed();
}

TEST_F(Hostile, PathTraversalInIdsNeverLeavesTheRoutes) {
  for (const std::string& target :
       {std::string("/v1/records/account/..%2F..%2F..%2Fetc%2Fpasswd"),
        std::string("/v1/records/account/../../../etc/passwd"),
        std::string("/v1/records/..%2Fkeys/ledger.key"), std::string("/v1/records/account/%00"),
        std::string("/v1/records/account/ACC-1%2F..%2F..%2Fkeys"),
        std::string("/v1/checkpoints/..%2F..%2Fkeys"), std::string("/../../etc/passwd"),
        std::string("/v1/records/account/") + std::string(5000, 'A')}) {
    Reply r = Request(port_, http::verb::get, target, "");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
    EXPECT_EQ(r.body.find("PRIVATE+KEY"), std::string::npos);
  }
  Reply erase = Request(port_, http::verb::post, "/v1/subjects/..%2F..%2Fkeys/erase",
                        R"({"reason":"x"})", {.role = "admin"});
  EXPECT_EQ(erase.status, 404) << erase.body;
  EXPECT_TRUE(fs::exists(tmp_ / "data" / "keys"));
  ExpectUnharmed();
}

TEST_F(Hostile, SlowClientsAreDroppedAndOthersAreServedMeanwhile) {
  // 40 slowloris connections, each sending a byte of its header every 200 ms.
  asio::io_context io;
  std::vector<tcp::socket> slow;
  for (int i = 0; i < 40; ++i) {
    slow.emplace_back(io);
    slow.back().connect({asio::ip::make_address("127.0.0.1"), port_});
  }
  const std::string header = "GET /v1/keys HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  const auto start = std::chrono::steady_clock::now();
  size_t dropped = 0;
  for (size_t i = 0;
       dropped < slow.size() && std::chrono::steady_clock::now() - start < std::chrono::seconds(15);
       ++i) {
    dropped = 0;
    for (tcp::socket& s : slow) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(&header[i % header.size()], 1), ec);
      if (ec) ++dropped;
    }
    // Meanwhile everyone else is answered.
    if (i % 5 == 0) {
      EXPECT_EQ(Request(port_, http::verb::get, "/healthz", "").status, 200);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(dropped, slow.size()) << "slow clients still connected after 15 s";
  ExpectUnharmed();
}

}  // namespace
}  // namespace ledger_test
