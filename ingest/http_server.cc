#include "ingest/http_server.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <type_traits>

namespace ingest {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: (over TLS, a handshake first) read a request, hand it to the Api,
// write its answer, repeat. `Stream` is PlainStream or TlsStream; they differ only in
// how a connection starts and ends.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls` (null for plain HTTP) is the context the stream was made with; the session
  // keeps it alive as long as its stream.
  template <class... StreamArgs>
  Session(std::shared_ptr<ssl::context> tls, const Api& api, const ServerOptions& options,
          std::atomic<int>& in_flight, StreamArgs&&... stream_args)
      : tls_(std::move(tls)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        api_(api),
        options_(options),
        in_flight_(in_flight) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

 private:
  beast::tcp_stream& tcp_stream() { return beast::get_lowest_layer(stream_); }

  // A TLS session handshakes first, within read_timeout_s. A client that does not speak
  // TLS (plain HTTP on the HTTPS port) or fails the handshake gets nothing: there is no
  // channel to answer it on, so the connection is dropped.
  void Begin() {
    if constexpr (kTls) {
      tcp_stream().expires_after(std::chrono::seconds(options_.read_timeout_s));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Abort();
                                self->Read();
                              });
    } else {
      Read();
    }
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options_.header_bytes_max));
    parser_->body_limit(api_.limits().body_bytes_max);
    tcp_stream().expires_after(std::chrono::seconds(options_.read_timeout_s));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if constexpr (kTls) {
      // Closed without close_notify, or a TLS protocol error: nothing can be answered.
      if (ec == ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category())
        return Abort();
    }
    if (ec == http::error::body_limit) {
      api_.CountTooLarge();
      return Send(Problem(
          11, false, http::status::payload_too_large, "Payload too large",
          ledger::Status::Invalid("the body is over " +
                                  std::to_string(api_.limits().body_bytes_max) + " bytes")));
    }
    if (ec == http::error::header_limit) {
      return Send(
          Problem(11, false, http::status::request_header_fields_too_large, "Header too large",
                  ledger::Status::Invalid("the header is over " +
                                          std::to_string(options_.header_bytes_max) + " bytes")));
    }
    if (ec) {
      return Send(Problem(11, false, http::status::bad_request, "Bad request",
                          ledger::Status::Invalid("malformed HTTP: " + ec.message())));
    }
    tcp_stream().expires_never();
    request_ = parser_->release();
    if (auto follow = api_.FollowQuery(request_)) {
      if (!api_.AcquireFollower()) {
        return Send(Problem(
            request_.version(), false, http::status::service_unavailable, "Too many followers",
            ledger::Status::Exhausted("at most " +
                                      std::to_string(api_.limits().follow_clients_max) +
                                      " followed feeds may be open")));
      }
      return StartFollow(*follow);
    }
    ++in_flight_;
    answering_ = true;
    api_.Handle(request_, [self = this->shared_from_this()](Response res) {
      asio::post(self->stream_.get_executor(),
                 [self, res = std::make_shared<Response>(std::move(res))]() mutable {
                   self->Send(std::move(*res));
                 });
    });
  }

  void Send(Response res) {
    response_ = std::move(res);
    tcp_stream().expires_after(std::chrono::seconds(options_.read_timeout_s));
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (self->answering_) {
                          self->answering_ = false;
                          --self->in_flight_;
                        }
                        if (ec) return self->Abort();
                        if (!self->response_.keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  // A followed feed: a chunked response that stays open, one chunk of NDJSON lines per
  // batch of new events. Idle feeds look for new events every follow_poll_ms; the
  // stream ends when the client closes or the server stops.
  void StartFollow(const FeedQuery& q) {
    partition_ = q.partition;
    next_ = q.from;
    header_.emplace(http::status::ok, request_.version());
    header_->set(http::field::content_type, "application/x-ndjson");
    header_->keep_alive(false);
    header_->chunked(true);
    serializer_.emplace(*header_);
    http::async_write_header(stream_, *serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (ec) return self->EndFollow();
                               self->WatchForClose();
                               self->Pump();
                             });
  }

  void WatchForClose() {
    stream_.async_read_some(
        asio::buffer(probe_), [self = this->shared_from_this()](beast::error_code, size_t) {
          self->client_gone_ = true;  // closed, failed, or sent something: the feed ends either way
          self->timer_.cancel();
        });
  }

  void Pump() {
    if (client_gone_) return EndFollow();
    size_t count = 0;
    auto lines = ReadFeedLines(api_.log(), partition_, next_, kFeedLinesDefault, count);
    if (!lines.ok()) return EndFollow();
    if (count == 0) {
      timer_.expires_after(std::chrono::milliseconds(api_.limits().follow_poll_ms));
      timer_.async_wait([self = this->shared_from_this()](beast::error_code) { self->Pump(); });
      return;
    }
    next_ += count;
    chunk_ = std::move(*lines);
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunk_)),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->EndFollow();
                        self->Pump();
                      });
  }

  void EndFollow() {
    if (!following_ended_) {
      following_ended_ = true;
      api_.ReleaseFollower();
    }
    // Unless the client is gone, WatchForClose's read is still pending, and a TLS
    // shutdown (which reads the peer's close_notify) must not run beside it.
    if (!client_gone_) return Abort();
    Close();
  }

  // Ends the connection after its last answer, with nothing else pending. Plain: a
  // half-close (what was sent is still delivered). TLS: a close_notify, then the peer's
  // awaited, or Linger; both within read_timeout_s.
  void Close() {
    if constexpr (kTls) {
      tcp_stream().expires_after(std::chrono::seconds(options_.read_timeout_s));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec || ec == asio::error::eof) return self->tcp_stream().close();
        self->Linger();
      });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // The peer sent more after our close_notify (the rest of a body refused with 413):
  // read and drop it until the peer closes or the deadline Close set passes. Closing
  // with unread bytes would reset the connection and could destroy the answer before
  // the client reads it.
  void Linger() {
    beast::error_code ignored;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_stream().async_read_some(buffer_.prepare(kLingerReadBytes),
                                 [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                   if (ec) return self->tcp_stream().close();
                                   self->Linger();
                                 });
  }

  // Ends a connection that failed or has an operation pending. TLS: closed at once
  // (pending operations end with operation_aborted); plain: as Close.
  void Abort() {
    if constexpr (kTls) {
      tcp_stream().close();
    } else {
      Close();
    }
  }

  static constexpr size_t kLingerReadBytes = 16 * 1024;

  const std::shared_ptr<ssl::context> tls_;  // before stream_: it must outlive it
  Stream stream_;
  const Api& api_;
  const ServerOptions& options_;
  std::atomic<int>& in_flight_;  // requests read and not yet answered, server-wide
  bool answering_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Response response_;
  // A followed feed's state.
  uint32_t partition_ = 0;
  uint64_t next_ = 0;
  std::optional<http::response<http::empty_body>> header_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string chunk_;
  std::array<char, 64> probe_{};
  asio::steady_timer timer_{stream_.get_executor()};
  bool client_gone_ = false;
  bool following_ended_ = false;
};

// TLS 1.2 at least (OpenSSL negotiates 1.3 when the client offers it); for 1.2 only
// forward-secret AEAD suites; no compression (CRIME), no renegotiation. The key must not
// be encrypted: a daemon has nobody to ask for a passphrase.
ledger::Result<std::shared_ptr<ssl::context>> MakeTlsContext(const ServerOptions& options) {
  const std::string& chain = options.tls_cert_chain_file;
  const std::string& key = options.tls_private_key_file;
  if (chain.empty() || key.empty()) {
    return ledger::Status::Invalid(
        "TLS needs both a certificate chain file and a private key file");
  }
  for (const std::string& file : {chain, key}) {
    if (!std::ifstream(file)) return ledger::Status::Invalid("cannot read TLS file " + file);
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    return ledger::Status::Internal("OpenSSL refused the TLS protocol settings");
  }
  context->set_password_callback(
      [](size_t, ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  context->use_certificate_chain_file(chain, ec);
  if (ec) {
    return ledger::Status::Invalid("TLS certificate chain file " + chain +
                                   " is not a PEM certificate chain: " + ec.message());
  }
  context->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    return ledger::Status::Invalid("TLS private key file " + key +
                                   " is not an unencrypted PEM private key of the certificate in " +
                                   chain + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return ledger::Status::Invalid("TLS private key file " + key +
                                   " does not match the certificate in " + chain);
  }
  return context;
}

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, const Api& api, ServerOptions options)
      : io_(io), acceptor_(asio::make_strand(io)), api_(api), options_(std::move(options)) {}

  ledger::Status Listen() {
    if (options_.tls()) {
      auto context = MakeTlsContext(options_);
      if (!context.ok()) return context.status();
      tls_ = std::move(context).value();
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec)
      return ledger::Status::Invalid("bad listen address " + options_.host + ": " + ec.message());
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return ledger::Status::Unavailable("cannot listen on " + options_.host + ":" +
                                         std::to_string(options_.port) + ": " + ec.message());
    }
    return ledger::Status::Ok();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int in_flight() const { return in_flight_.load(); }
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
                             if (ec == asio::error::operation_aborted) return;
                             if (!ec) self->StartSession(std::move(s));
                             self->Accept();
                           });
  }
  void Stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void StartSession(tcp::socket socket) {
    if (tls_) {
      std::make_shared<Session<TlsStream>>(tls_, api_, options_, in_flight_, std::move(socket),
                                           *tls_)
          ->Start();
    } else {
      std::make_shared<Session<PlainStream>>(nullptr, api_, options_, in_flight_, std::move(socket))
          ->Start();
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  const Api& api_;
  ServerOptions options_;
  std::shared_ptr<ssl::context> tls_;  // null: plain HTTP
  std::atomic<int> in_flight_{0};
};

ledger::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const Api& api,
                                                              ServerOptions options) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  unsigned threads =
      options.threads ? options.threads : std::max(2u, std::thread::hardware_concurrency());
  server->listener_ = std::make_shared<Listener>(server->io_, api, std::move(options));
  if (ledger::Status s = server->listener_->Listen(); !s.ok()) return s;
  server->port_ = server->listener_->port();
  server->listener_->Accept();
  for (unsigned i = 0; i < threads; ++i)
    server->threads_.emplace_back([io = &server->io_] { io->run(); });
  return server;
}

void HttpServer::Stop() {
  if (threads_.empty()) return;
  listener_->Stop();
  // Let requests already read be answered (bounded), then drop idle keep-alive sessions.
  for (int i = 0; i < 500 && listener_->in_flight() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace ingest
