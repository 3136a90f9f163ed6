#include "ops/ledgerctl_tls.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>

namespace ledgerctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace po = boost::program_options;
namespace ssl = asio::ssl;

// Runs one asynchronous operation to its end on `io`; the stream's expiry bounds it.
template <class Initiate>
beast::error_code Complete(asio::io_context& io, Initiate initiate) {
  beast::error_code result = asio::error::would_block;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

void AddCaCertOption(po::options_description_easy_init& add) {
  add("cacert", po::value<std::string>(),
      "with an https:// --url: the PEM CA certificate(s) to verify the server's certificate "
      "with (default: the system's CA store)");
}

void UseCaCert(const po::variables_map& vm, Endpoint& endpoint) {
  if (vm.count("cacert")) endpoint.cacert = vm["cacert"].as<std::string>();
}

ledger::Result<std::shared_ptr<ssl::context>> ClientTlsContext(const Endpoint& endpoint) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (endpoint.cacert.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return ledger::Status::IoError("cannot load the system's CA store: " + ec.message());
  } else {
    if (!std::ifstream(endpoint.cacert))
      return ledger::Status::Invalid("cannot read --cacert " + endpoint.cacert);
    context->load_verify_file(endpoint.cacert, ec);
    if (ec) {
      return ledger::Status::Invalid("--cacert " + endpoint.cacert +
                                     " is not a PEM certificate file: " + ec.message());
    }
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

void ExpectServerName(SSL* ssl, const Endpoint& endpoint) {
  beast::error_code not_ip;
  asio::ip::make_address(endpoint.host, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), endpoint.host.c_str());
  } else {
    SSL_set1_host(ssl, endpoint.host.c_str());
    SSL_set_tlsext_host_name(ssl, endpoint.host.c_str());
  }
}

std::string HandshakeFailure(const Endpoint& endpoint, SSL* ssl, beast::error_code ec) {
  const std::string where = endpoint.host_header;
  if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
    return "the TLS certificate of " + where +
           " does not verify: " + X509_verify_cert_error_string(verify) + " (trusted: " +
           (endpoint.cacert.empty() ? "the system's CA store; give the server's CA with --cacert"
                                    : "only --cacert " + endpoint.cacert) +
           ")";
  }
  if (ec == beast::error::timeout) return "TLS handshake with " + where + ": timed out";
  return "TLS handshake with " + where + " failed: " + ec.message();
}

ledger::Result<HttpReply> HttpsExchange(const Endpoint& endpoint, asio::io_context& io,
                                        beast::tcp_stream&& tcp,
                                        const http::request<http::empty_body>& request) {
  auto context = ClientTlsContext(endpoint);
  if (!context.ok()) return context.status();
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), **context);
  ExpectServerName(stream.native_handle(), endpoint);
  beast::error_code ec = Complete(io, [&](auto handler) {
    stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec)
    return ledger::Status::Unavailable(HandshakeFailure(endpoint, stream.native_handle(), ec));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  ec = Complete(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
  if (!ec) {
    ec = Complete(
        io, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  }
  if (ec) {
    return ledger::Status::Unavailable("GET " + std::string(request.target()) + " on " +
                                       endpoint.url + ": " + ec.message());
  }
  // The answer is complete; the close_notify exchange is courtesy, so its result is not
  // checked.
  (void)Complete(io, [&](auto handler) { stream.async_shutdown(std::move(handler)); });
  const auto& res = parser.get();
  return HttpReply{res.result_int(), std::string(res[http::field::content_type]), res.body()};
}

}  // namespace ledgerctl
