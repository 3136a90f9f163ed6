// The HTTP/1.1 server: Boost.Beast on Asio, keep-alive, a fixed thread pool, explicit
// limits, graceful stop; plain HTTP, or only HTTPS when given a certificate and key.
// Requests go to an Api, whose answers may arrive on another thread; a session sends
// them on its own strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ingest/api.h"
#include "ledger/status.h"

namespace ingest {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see port())
  unsigned threads = 0;  // 0 = one per core
  size_t header_bytes_max = 16 * 1024;
  unsigned read_timeout_s = 30;  // a slow or idle client is dropped after this
  // HTTPS: PEM files of the certificate chain (the server's certificate first) and of
  // its unencrypted private key. Both empty: plain HTTP. Both set: only TLS 1.2+ is
  // served; a TLS handshake must finish within read_timeout_s. Read once, in Start().
  std::string tls_cert_chain_file;
  std::string tls_private_key_file;

  bool tls() const { return !tls_cert_chain_file.empty() || !tls_private_key_file.empty(); }
};

class HttpServer {
 public:
  // Loads the TLS certificate and key (if any), binds and listens; `api` must outlive
  // the server. A bad certificate or key file is an InvalidArgument naming the file.
  static ledger::Result<std::unique_ptr<HttpServer>> Start(const Api& api, ServerOptions options);
  ~HttpServer();

  uint16_t port() const { return port_; }
  // Stops accepting, lets in-flight requests finish, joins the threads.
  void Stop();

 private:
  HttpServer() = default;
  class Listener;

  boost::asio::io_context io_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

}  // namespace ingest
