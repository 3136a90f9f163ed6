// Test-only: an HTTPS client connection for tests of the server over TLS, in process
// (ingest_tests) and against the real ledgerd (tests/tls_test.cc). Not for production:
// it trusts exactly one CA file and expects the server at an IP address.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace ingest::testing {

// One connection to 127.0.0.1:port, used from one thread. It verifies the server's
// certificate against `ca_file` only and requires it to name 127.0.0.1. Every step
// (connect + handshake, a request and its response, one read) is bounded by
// `step_timeout`; a step that times out fails with beast::error::timeout.
class HttpsClient {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  HttpsClient(uint16_t port, const std::filesystem::path& ca_file,
              int max_tls_version = TLS1_3_VERSION,
              std::chrono::seconds step_timeout = std::chrono::seconds(10));

  // Connects and handshakes.
  boost::beast::error_code Handshake();
  // Why the server's certificate was refused ("ok" when it was not).
  std::string VerifyError();
  SSL* native() { return stream_->native_handle(); }

  // Sends `request` and reads its response into `response`.
  boost::beast::error_code Exchange(const Request& request, Response& response);
  // Writes bytes as they are (e.g. a request whose response is read with ReadSome).
  boost::beast::error_code WriteRaw(const std::string& bytes);
  // Appends what arrives next to `seen`.
  boost::beast::error_code ReadSome(std::string& seen);
  // Reads a followed feed's raw bytes into `seen` until they hold `signed_lines` feed
  // lines, the stream ends or fails, or `wait` passes; returns the lines seen.
  size_t ReadFollowed(std::string& seen, size_t signed_lines,
                      std::chrono::seconds wait = std::chrono::seconds(30));
  // Sends close_notify and waits for the server's.
  boost::beast::error_code Shutdown();

 private:
  template <class Initiate>
  boost::beast::error_code Complete(Initiate initiate);

  const uint16_t port_;
  const std::chrono::seconds step_timeout_;
  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace ingest::testing
