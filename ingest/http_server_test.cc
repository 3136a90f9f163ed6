// The HTTP server and API against a real writer and RocksDB log, over loopback TCP, plain
// and HTTPS (with a self-signed certificate made by the test).
#include "ingest/http_server.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <thread>

#include "ingest/test_certs.h"
#include "ingest/test_https_client.h"
#include "ledger/embedded_log.h"
#include "ledger/partition.h"
#include "ledger/test_util.h"
#include "ledger/verify.h"

namespace ingest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Refuses "test.reject" so that the 422 path can be exercised without the domain.
class TestDecider final : public ledger::Decider {
 public:
  std::vector<ledger::Violation> Validate(const ledger::Command& c) const override {
    if (c.type == "test.invalid") return {{"/data/a", "is wrong"}};
    return {};
  }
  ledger::Status Check(const ledger::Command& c, ledger::DecisionContext&) const override {
    if (c.type == "test.reject")
      return ledger::Status::IllegalTransition("refused", {{"/type", "is refused"}});
    return ledger::Status::Ok();
  }
  void Apply(const ledger::Event&, ledger::DecisionContext&) const override {}
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = ledger::EmbeddedLog::Open(dir_.path(), {.partitions = 2}).value();
    writer_ =
        ledger::Writer::Open(*log_, key_, decider_, ledger::SystemClock::Instance(), {}).value();
    keys_.Add(key_.public_key());
    api_ = std::make_unique<Api>(
        writer_.get(), *log_, keys_,
        ApiLimits{.body_bytes_max = 64 * 1024, .follow_clients_max = 2, .follow_poll_ms = 5});
    api_->OpenForDevelopment();  // these tests are of HTTP; tests/auth_test.cc tests tokens
    server_ = HttpServer::Start(*api_, Options()).value();
  }
  virtual ServerOptions Options() const {
    return {.host = "127.0.0.1", .port = 0, .threads = 2, .read_timeout_s = 2};
  }
  void TearDown() override {
    writer_->Close();
    server_->Stop();
  }

  tcp::socket Connect() {
    tcp::socket s(io_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return s;
  }
  Response Send(tcp::socket& s, http::verb verb, std::string target, std::string body = "",
                std::string type = "application/json") {
    Request req(verb, target, 11);
    req.set(http::field::host, "localhost");
    if (!body.empty()) req.set(http::field::content_type, type);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buffer;
    Response res;
    http::read(s, buffer, res);
    return res;
  }
  Response Send(http::verb verb, std::string target, std::string body = "",
                std::string type = "application/json") {
    tcp::socket s = Connect();
    return Send(s, verb, std::move(target), std::move(body), std::move(type));
  }
  static boost::json::object Body(const Response& r) {
    return boost::json::parse(r.body()).as_object();
  }

  ledger::testing::TempDir dir_;
  ledger::SigningKey key_ = ledger::testing::TestKey();
  TestDecider decider_;
  ledger::Keyring keys_;
  std::unique_ptr<ledger::EmbeddedLog> log_;
  std::unique_ptr<ledger::Writer> writer_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  asio::io_context io_;
};

TEST_F(ServerTest, AppendsOneEventAndABatch) {
  Response one =
      Send(http::verb::post, "/v1/events", R"({"type":"a.b","subject":"account/ACC-1","data":{}})");
  ASSERT_EQ(one.result(), http::status::created) << one.body();
  auto events = Body(one).at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("streamversion").as_int64(), 1);
  EXPECT_EQ(events[0].at("hash").as_string().size(), 64u);

  Response batch =
      Send(http::verb::post, "/v1/events",
           R"({"events":[{"type":"a.b","subject":"account/ACC-1","data":{},"expectedversion":1},
                                      {"type":"a.b","subject":"account/ACC-2","data":{}}]})");
  ASSERT_EQ(batch.result(), http::status::created) << batch.body();
  EXPECT_EQ(Body(batch).at("events").as_array().size(), 2u);
  EXPECT_EQ(log_->End(0) + log_->End(1), 3u);
}

TEST_F(ServerTest, ProblemsListEveryViolationAndAppendNothing) {
  Response bad = Send(
      http::verb::post, "/v1/events",
      R"({"events":[{"type":"a.b","data":{}},{"type":"a.b","subject":"x/1","data":[],"zzz":1}]})");
  ASSERT_EQ(bad.result(), http::status::bad_request);
  EXPECT_EQ(bad[http::field::content_type], "application/problem+json");
  auto violations = Body(bad).at("violations").as_array();
  ASSERT_EQ(violations.size(), 3u) << bad.body();
  EXPECT_EQ(violations[0].at("pointer").as_string(), "/events/0/subject");
  EXPECT_EQ(violations[1].at("pointer").as_string(), "/events/1/zzz");
  EXPECT_EQ(violations[2].at("pointer").as_string(), "/events/1/data");

  EXPECT_EQ(Send(http::verb::post, "/v1/events", "{not json").result(), http::status::bad_request);
  EXPECT_EQ(
      Send(http::verb::post, "/v1/events", R"({"type":"test.invalid","subject":"x/1","data":{}})")
          .result(),
      http::status::bad_request);
  EXPECT_EQ(
      Send(http::verb::post, "/v1/events", R"({"type":"test.reject","subject":"x/1","data":{}})")
          .result(),
      http::status::unprocessable_entity);
  EXPECT_EQ(Send(http::verb::post, "/v1/events", "{}", "text/plain").result(),
            http::status::unsupported_media_type);
  EXPECT_EQ(Send(http::verb::post, "/v1/events", std::string(70 * 1024, ' ')).result(),
            http::status::payload_too_large);
  EXPECT_EQ(Send(http::verb::get, "/v1/nothing").result(), http::status::not_found);
  EXPECT_EQ(Send(http::verb::delete_, "/v1/events").result(), http::status::method_not_allowed);
  EXPECT_EQ(log_->End(0) + log_->End(1), 0u);
}

TEST_F(ServerTest, ConflictCarriesTheCurrentVersion) {
  ASSERT_EQ(
      Send(http::verb::post, "/v1/events", R"({"type":"a.b","subject":"account/ACC-1","data":{}})")
          .result(),
      http::status::created);
  Response r = Send(http::verb::post, "/v1/events",
                    R"({"type":"a.b","subject":"account/ACC-1","data":{},"expectedversion":0})");
  ASSERT_EQ(r.result(), http::status::conflict);
  EXPECT_EQ(Body(r).at("currentversion").as_int64(), 1);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  tcp::socket s = Connect();
  for (int i = 0; i < 20; ++i) {
    Response r =
        Send(s, http::verb::post, "/v1/events",
             R"({"type":"a.b","subject":"account/ACC-)" + std::to_string(i) + R"(","data":{}})");
    ASSERT_EQ(r.result(), http::status::created);
    EXPECT_TRUE(r.keep_alive());
  }
  Response keys = Send(s, http::verb::get, "/v1/keys");
  ASSERT_EQ(keys.result(), http::status::ok);
  EXPECT_EQ(Body(keys).at("keys").as_array()[0].at("kid").as_string(), key_.public_key().KidHex());
}

TEST_F(ServerTest, KeepsServingAfterGarbageAndManyClients) {
  {
    tcp::socket s = Connect();
    asio::write(s, asio::buffer(std::string("\x16\x03\x01 this is not HTTP\r\n\r\n")));
    beast::flat_buffer buffer;
    Response res;
    beast::error_code ec;
    http::read(s, buffer, res, ec);
    EXPECT_EQ(res.result(), http::status::bad_request);
  }
  std::vector<std::thread> clients;
  std::atomic<int> created{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r =
            Send(http::verb::post, "/v1/events",
                 R"({"type":"a.b","subject":"account/T)" + std::to_string(t) + R"(","data":{}})");
        if (r.result() == http::status::created) ++created;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(created.load(), 80);
  EXPECT_EQ(Send(http::verb::get, "/healthz").result(), http::status::ok);
}

// Reads from a followed feed until `signed_lines` events have arrived or 30 s pass.
size_t ReadFollowed(tcp::socket& s, std::string& seen, size_t signed_lines) {
  timeval tv{1, 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto count = [&] {
    size_t n = 0;
    for (size_t at = seen.find("\"sig\":"); at != std::string::npos;
         at = seen.find("\"sig\":", at + 1))
      ++n;
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count() < signed_lines && std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    if (n > 0) seen.append(buf, n);
    if (n == 0) break;
  }
  return count();
}

TEST_F(ServerTest, FeedPagesVerifyWithTheFormatAlone) {
  const std::string subject = "account/ACC-1";
  const uint32_t p = ledger::PartitionOf(subject, 2);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        Send(http::verb::post, "/v1/events",
             R"({"type":"a.b","subject":"account/ACC-1","data":{"i":)" + std::to_string(i) + "}}")
            .result(),
        http::status::created);
  }
  Response page =
      Send(http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&from=0&limit=3");
  ASSERT_EQ(page.result(), http::status::ok) << page.body();
  EXPECT_EQ(page[http::field::content_type], "application/x-ndjson");
  EXPECT_EQ(page["Ledger-Next"], "3");
  Response rest = Send(http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&from=3");
  ledger::ChainVerifier chain(p, 2, keys_);
  size_t lines = 0;
  for (const Response* r : {&page, &rest}) {
    std::istringstream in(r->body());
    for (std::string line; std::getline(in, line); ++lines) {
      auto record = ledger::ParseFeedLine(line);
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      EXPECT_FALSE(chain.Check(*record).has_value());
      EXPECT_TRUE(ledger::SignatureValid(*record, keys_));
    }
  }
  EXPECT_EQ(lines, 5u);
}

TEST_F(ServerTest, FeedQueryProblemsAreAllListed) {
  Response r = Send(http::verb::get, "/v1/events?partition=9&limit=0&follow=maybe&colour=red");
  ASSERT_EQ(r.result(), http::status::bad_request);
  EXPECT_EQ(Body(r).at("violations").as_array().size(), 4u) << r.body();
  EXPECT_EQ(Send(http::verb::get, "/v1/events").result(),
            http::status::bad_request);  // partition is required
}

TEST_F(ServerTest, FollowedFeedStreamsNewEventsAndIsBounded) {
  const uint32_t p = ledger::PartitionOf("account/ACC-F", 2);
  auto append = [&] {
    ASSERT_EQ(Send(http::verb::post, "/v1/events",
                   R"({"type":"a.b","subject":"account/ACC-F","data":{}})")
                  .result(),
              http::status::created);
  };
  append();
  append();
  tcp::socket follower = Connect();
  std::string request = "GET /v1/events?partition=" + std::to_string(p) +
                        "&from=0&follow=true HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(follower, asio::buffer(request));
  std::string seen;
  EXPECT_EQ(ReadFollowed(follower, seen, 2), 2u);
  EXPECT_NE(seen.find("Transfer-Encoding: chunked"), std::string::npos) << seen.substr(0, 200);
  for (int i = 0; i < 3; ++i) append();
  EXPECT_EQ(ReadFollowed(follower, seen, 5), 5u);

  tcp::socket second = Connect();
  asio::write(second, asio::buffer(request));
  std::string second_seen;
  EXPECT_EQ(ReadFollowed(second, second_seen, 5), 5u);
  // follow_clients_max is 2 in this fixture: a third is refused, the others go on.
  Response third =
      Send(http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&follow=true");
  EXPECT_EQ(third.result(), http::status::service_unavailable);
  follower.close();
  append();
  EXPECT_EQ(ReadFollowed(second, second_seen, 6), 6u);
}

TEST_F(ServerTest, MetricsCountAppendsRejectsAndLatency) {
  ASSERT_EQ(
      Send(
          http::verb::post, "/v1/events",
          R"({"events":[{"type":"a.b","subject":"account/M-1","data":{}},{"type":"a.b","subject":"account/M-2","data":{}}]})")
          .result(),
      http::status::created);
  EXPECT_EQ(
      Send(http::verb::post, "/v1/events", R"({"type":"test.reject","subject":"x/1","data":{}})")
          .result(),
      http::status::unprocessable_entity);
  EXPECT_EQ(Send(http::verb::post, "/v1/events", "nope").result(), http::status::bad_request);
  Response m = Send(http::verb::get, "/metrics");
  ASSERT_EQ(m.result(), http::status::ok);
  EXPECT_EQ(m[http::field::content_type], "text/plain; version=0.0.4");
  const std::string& text = m.body();
  for (const char* expected :
       {"ledger_events_appended_total 2\n", "ledger_append_requests_total 1\n",
        "ledger_append_rejects_total{reason=\"illegal_transition\"} 1\n",
        "ledger_append_rejects_total{reason=\"invalid_argument\"} 1\n",
        "ledger_append_latency_seconds_bucket{le=\"+Inf\"} 1\n",
        "ledger_append_latency_seconds_count 1\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_NE(text.find("ledger_log_events{partition=\"0\"}"), std::string::npos);
  uint64_t total = 0;
  for (uint32_t p = 0; p < 2; ++p) {
    std::string key = "ledger_log_events{partition=\"" + std::to_string(p) + "\"} ";
    total += std::stoull(text.substr(text.find(key) + key.size()));
  }
  EXPECT_EQ(total, 2u);
}

// ---- HTTPS ------------------------------------------------------------------------

using testing::HttpsClient;

// One request on `c` and its response; http::status::unknown (and a test failure) when
// either fails.
Response SendTls(HttpsClient& c, http::verb verb, std::string target, std::string body = "",
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request req(verb, target, 11);
  req.set(http::field::host, "localhost");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  Response res;
  beast::error_code ec = c.Exchange(req, res);
  EXPECT_FALSE(ec) << verb << " " << target << ": " << ec.message();
  if (ec) res.result(http::status::unknown);
  return res;
}

class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    auto made = testing::MakeSelfSignedCertificate(dir_.path(), "server");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    cert_ = *made;
    ServerTest::SetUp();
  }
  ServerOptions Options() const override {
    ServerOptions options = ServerTest::Options();
    options.tls_cert_chain_file = cert_.cert_file;
    options.tls_private_key_file = cert_.key_file;
    return options;
  }
  // A connection from a client that trusts this server; fails the test unless it
  // handshakes.
  std::unique_ptr<HttpsClient> Connected() {
    auto c = std::make_unique<HttpsClient>(server_->port(), cert_.cert_file);
    beast::error_code ec = c->Handshake();
    EXPECT_FALSE(ec) << ec.message() << " (certificate: " << c->VerifyError() << ")";
    return c;
  }

  testing::TestCertificate cert_;
};

TEST_F(TlsServerTest, AnswersOverTls13WithKeepAliveAndProblems) {
  auto c = Connected();
  EXPECT_EQ(SSL_version(c->native()), TLS1_3_VERSION);
  for (int i = 0; i < 20; ++i) {
    Response r =
        SendTls(*c, http::verb::post, "/v1/events",
                R"({"type":"a.b","subject":"account/ACC-)" + std::to_string(i) + R"(","data":{}})");
    ASSERT_EQ(r.result(), http::status::created) << r.body();
    EXPECT_TRUE(r.keep_alive());
  }
  EXPECT_EQ(log_->End(0) + log_->End(1), 20u);
  Response bad = SendTls(*c, http::verb::post, "/v1/events", "{not json");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_EQ(bad[http::field::content_type], "application/problem+json");
  Response keys = SendTls(*c, http::verb::get, "/v1/keys");
  ASSERT_EQ(keys.result(), http::status::ok);
  EXPECT_EQ(Body(keys).at("keys").as_array()[0].at("kid").as_string(), key_.public_key().KidHex());
  // Too large: answered, then the server ends the connection with a close_notify (a
  // clean end of stream, not a truncation).
  Response large = SendTls(*c, http::verb::post, "/v1/events", std::string(70 * 1024, ' '));
  EXPECT_EQ(large.result(), http::status::payload_too_large);
  EXPECT_FALSE(large.keep_alive());
  std::string rest;
  EXPECT_EQ(c->ReadSome(rest), asio::error::eof);
  EXPECT_EQ(rest, "");
}

TEST_F(TlsServerTest, ServesTls12WithForwardSecrecy) {
  HttpsClient c(server_->port(), cert_.cert_file, TLS1_2_VERSION);
  ASSERT_FALSE(c.Handshake());
  EXPECT_EQ(SSL_version(c.native()), TLS1_2_VERSION);
  const std::string cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(c.native()));
  EXPECT_TRUE(cipher.starts_with("ECDHE-")) << cipher;
  EXPECT_EQ(SendTls(c, http::verb::get, "/healthz", "", {{"Connection", "close"}}).result(),
            http::status::ok);
  std::string rest;
  EXPECT_EQ(c.ReadSome(rest), asio::error::eof);  // a close_notify after the last answer
}

TEST_F(TlsServerTest, PlainHttpAndSilentClientsAreDroppedAndOthersServed) {
  {
    tcp::socket s = Connect();
    asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
    timeval tv{10, 0};  // far beyond the server's 2 s: the drop is not a timeout
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    // Nothing HTTP comes back: at most a TLS alert record (type 21), then the close.
    if (n > 0) {
      EXPECT_EQ(buf[0], 21) << std::string(buf, n);
    }
    EXPECT_FALSE(n < 0 && errno == EAGAIN) << "the server did not drop a plain HTTP client";
  }
  {
    // Connects and never starts the handshake: dropped after read_timeout_s (2 s).
    tcp::socket s = Connect();
    timeval tv{10, 0};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const auto start = std::chrono::steady_clock::now();
    char buf[64];
    const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    EXPECT_LE(n, 0);
    EXPECT_FALSE(n < 0 && errno == EAGAIN) << "a silent client was not dropped";
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  }
  auto c = Connected();
  EXPECT_EQ(SendTls(*c, http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(TlsServerTest, ClientTrustingAnotherCaRefusesTheServer) {
  auto other = testing::MakeSelfSignedCertificate(dir_.path(), "other-ca");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  HttpsClient c(server_->port(), other->cert_file);
  EXPECT_TRUE(c.Handshake());
  EXPECT_EQ(SSL_get_verify_result(c.native()), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
      << c.VerifyError();
  auto trusting = Connected();
  EXPECT_EQ(SendTls(*trusting, http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(TlsServerTest, StartFailsNamingABadCertificateOrKeyFile) {
  auto other = testing::MakeSelfSignedCertificate(dir_.path(), "other");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const std::string missing = (dir_.path() / "missing.crt").string();
  const std::string garbage = (dir_.path() / "garbage.pem").string();
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  const std::string cert = cert_.cert_file, key = cert_.key_file;
  struct Case {
    std::string cert, key;
    std::string names;    // the file the message must name
    std::string because;  // and what it must say about it
  };
  const Case cases[] = {
      {missing, key, missing, "cannot read"},
      {cert, "", "", "both"},
      {"", key, "", "both"},
      {garbage, key, garbage, "not a PEM certificate chain"},
      {key, key, key, "not a PEM certificate chain"},
      {cert, garbage, garbage, "not an unencrypted PEM private key"},
      {cert, other->key_file, other->key_file.string(), "private key"},
  };
  for (const Case& c : cases) {
    ServerOptions options = Options();
    options.tls_cert_chain_file = c.cert;
    options.tls_private_key_file = c.key;
    auto started = HttpServer::Start(*api_, options);
    ASSERT_FALSE(started.ok()) << c.cert << " " << c.key;
    const ledger::Status& s = started.status();
    EXPECT_EQ(s.code(), ledger::Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.because), std::string::npos) << s.message();
  }
}

TEST_F(TlsServerTest, FollowedFeedStreamsOverTlsAndEndsWithCloseNotify) {
  const uint32_t p = ledger::PartitionOf("account/ACC-F", 2);
  auto setup = Connected();
  auto append = [&] {
    ASSERT_EQ(SendTls(*setup, http::verb::post, "/v1/events",
                      R"({"type":"a.b","subject":"account/ACC-F","data":{}})")
                  .result(),
              http::status::created);
  };
  append();
  append();
  const std::string request = "GET /v1/events?partition=" + std::to_string(p) +
                              "&from=0&follow=true HTTP/1.1\r\nHost: x\r\n\r\n";
  auto first = Connected();
  ASSERT_FALSE(first->WriteRaw(request));
  std::string first_seen;
  EXPECT_EQ(first->ReadFollowed(first_seen, 2), 2u);
  EXPECT_NE(first_seen.find("Transfer-Encoding: chunked"), std::string::npos)
      << first_seen.substr(0, 200);
  for (int i = 0; i < 3; ++i) append();
  EXPECT_EQ(first->ReadFollowed(first_seen, 5), 5u);

  auto second = Connected();
  ASSERT_FALSE(second->WriteRaw(request));
  std::string second_seen;
  EXPECT_EQ(second->ReadFollowed(second_seen, 5), 5u);
  // follow_clients_max is 2 in this fixture: a third is refused, the others go on.
  auto third = Connected();
  EXPECT_EQ(
      SendTls(*third, http::verb::get, "/v1/events?partition=" + std::to_string(p) + "&follow=true")
          .result(),
      http::status::service_unavailable);
  // The server releases a follower before it answers the client's close_notify with its
  // own, so once this shutdown completes cleanly a new follower must be taken.
  EXPECT_FALSE(first->Shutdown());
  auto fourth = Connected();
  ASSERT_FALSE(fourth->WriteRaw(request));
  std::string fourth_seen;
  EXPECT_EQ(fourth->ReadFollowed(fourth_seen, 5), 5u) << fourth_seen.substr(0, 200);
  append();
  EXPECT_EQ(second->ReadFollowed(second_seen, 6), 6u);
  EXPECT_EQ(fourth->ReadFollowed(fourth_seen, 6), 6u);
}

}  // namespace
}  // namespace ingest
