// HTTPS for ledgerctl: a TLS 1.2+ client that verifies the server's certificate chain
// against Endpoint::cacert (or the system's CA store) and that the certificate names
// Endpoint::host (a DNS name or an IP address). Everything runs on the calling thread.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>
#include <memory>

#include "ops/ledgerctl_common.h"

namespace ledgerctl {

// --cacert FILE, for the commands that take a --url.
void AddCaCertOption(boost::program_options::options_description_easy_init& add);
// Sets endpoint.cacert from --cacert, if given.
void UseCaCert(const boost::program_options::variables_map& vm, Endpoint& endpoint);

// The client context for `endpoint`: TLS 1.2+, peer verification against its CA file or
// the system's store. kInvalidArgument naming the file when it cannot be used.
ledger::Result<std::shared_ptr<boost::asio::ssl::context>> ClientTlsContext(
    const Endpoint& endpoint);
// Makes `ssl` (a client connection made from ClientTlsContext) require a certificate for
// endpoint.host, and sends that name (SNI) when it is not an IP address.
void ExpectServerName(SSL* ssl, const Endpoint& endpoint);
// Why a TLS handshake with `endpoint` failed, for the user: the certificate's problem
// and which CA was trusted, or the TLS error.
std::string HandshakeFailure(const Endpoint& endpoint, SSL* ssl, boost::beast::error_code ec);

// HttpGet over TLS: handshakes on the connected `stream` (of `io`), sends `request` and
// reads the response, all before the stream's expiry, then closes with a close_notify.
ledger::Result<HttpReply> HttpsExchange(
    const Endpoint& endpoint, boost::asio::io_context& io, boost::beast::tcp_stream&& stream,
    const boost::beast::http::request<boost::beast::http::empty_body>& request);

}  // namespace ledgerctl
