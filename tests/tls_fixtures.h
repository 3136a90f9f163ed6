// Fixtures for tests of the real ledgerd over HTTPS (tests/tls_test.cc): a certificate
// made when the test runs, the ledgerd flags that serve it, and one-shot HTTPS requests
// that trust only that certificate. Bounded like tests/http_fixtures.h: every request
// gives up after kRequestTimeout per step.
#pragma once

#include <string>
#include <vector>

#include "ingest/test_certs.h"
#include "tests/http_fixtures.h"

namespace ledger_test {

using ingest::testing::TestCertificate;

// A fresh self-signed certificate and key in `dir` (DIR/NAME.crt, DIR/NAME.key) with
// these subjectAltName entries; a test failure when it cannot be made.
TestCertificate MakeCertificate(const fs::path& dir, const std::string& name,
                                const std::vector<std::string>& subject_alt_names = {
                                    "IP:127.0.0.1", "DNS:localhost"});

// --tls-cert and --tls-key for `cert`, for Ledgerd's extra_args.
std::vector<std::string> TlsArgs(const TestCertificate& cert);

// https://127.0.0.1:PORT
std::string HttpsUrl(uint16_t port);

// One request on its own HTTPS connection to 127.0.0.1:port that trusts only `ca_file`
// (the default token of Request() and, with a body, Content-Type: application/json).
// Status 0 when connecting, the handshake or the exchange fails; then `body` says why.
Reply HttpsRequest(uint16_t port, const fs::path& ca_file, http::verb verb,
                   const std::string& target, const std::string& body = "");

}  // namespace ledger_test
