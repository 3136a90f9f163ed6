#include "ingest/test_https_client.h"

#include <openssl/x509v3.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace ingest::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

HttpsClient::HttpsClient(uint16_t port, const std::filesystem::path& ca_file, int max_tls_version,
                         std::chrono::seconds step_timeout)
    : port_(port), step_timeout_(step_timeout), context_(ssl::context::tls_client) {
  beast::error_code ignored;  // a bad file shows as a failed handshake
  context_.load_verify_file(ca_file.string(), ignored);
  context_.set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_max_proto_version(context_.native_handle(), max_tls_version);
  stream_.emplace(io_, context_);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_->native_handle()), "127.0.0.1");
}

// Runs one asynchronous operation to its end on io_; the stream's expiry bounds it.
template <class Initiate>
beast::error_code HttpsClient::Complete(Initiate initiate) {
  beast::error_code result = asio::error::would_block;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  io_.restart();
  io_.run();
  return result;
}

beast::error_code HttpsClient::Handshake() {
  beast::tcp_stream& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(step_timeout_);
  beast::error_code ec = Complete([&](auto handler) {
    tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
                      std::move(handler));
  });
  if (ec) return ec;
  return Complete([&](auto handler) {
    stream_->async_handshake(ssl::stream_base::client, std::move(handler));
  });
}

std::string HttpsClient::VerifyError() {
  return X509_verify_cert_error_string(SSL_get_verify_result(stream_->native_handle()));
}

beast::error_code HttpsClient::Exchange(const Request& request, Response& response) {
  beast::get_lowest_layer(*stream_).expires_after(step_timeout_);
  beast::error_code ec =
      Complete([&](auto handler) { http::async_write(*stream_, request, std::move(handler)); });
  if (ec) return ec;
  return Complete(
      [&](auto handler) { http::async_read(*stream_, buffer_, response, std::move(handler)); });
}

beast::error_code HttpsClient::WriteRaw(const std::string& bytes) {
  beast::get_lowest_layer(*stream_).expires_after(step_timeout_);
  return Complete(
      [&](auto handler) { asio::async_write(*stream_, asio::buffer(bytes), std::move(handler)); });
}

beast::error_code HttpsClient::ReadSome(std::string& seen) {
  beast::get_lowest_layer(*stream_).expires_after(step_timeout_);
  std::array<char, 16384> chunk;
  size_t n = 0;
  beast::error_code ec = Complete([&](auto handler) {
    stream_->async_read_some(asio::buffer(chunk), [&n, handler = std::move(handler)](
                                                      beast::error_code ec, size_t size) mutable {
      n = size;
      handler(ec);
    });
  });
  seen.append(chunk.data(), n);
  return ec;
}

size_t HttpsClient::ReadFollowed(std::string& seen, size_t signed_lines,
                                 std::chrono::seconds wait) {
  auto count = [&] {
    size_t n = 0;
    for (size_t at = seen.find("\"sig\":"); at != std::string::npos;
         at = seen.find("\"sig\":", at + 1))
      ++n;
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (count() < signed_lines && std::chrono::steady_clock::now() < deadline) {
    if (ReadSome(seen)) break;
  }
  return count();
}

beast::error_code HttpsClient::Shutdown() {
  beast::get_lowest_layer(*stream_).expires_after(step_timeout_);
  return Complete([&](auto handler) { stream_->async_shutdown(std::move(handler)); });
}

}  // namespace ingest::testing
