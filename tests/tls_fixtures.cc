#include "tests/tls_fixtures.h"

#include <gtest/gtest.h>

#include "ingest/test_https_client.h"

namespace ledger_test {

TestCertificate MakeCertificate(const fs::path& dir, const std::string& name,
                                const std::vector<std::string>& subject_alt_names) {
  auto made = ingest::testing::MakeSelfSignedCertificate(dir, name, subject_alt_names);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return made.ok() ? *made : TestCertificate{};
}

std::vector<std::string> TlsArgs(const TestCertificate& cert) {
  return {"--tls-cert", cert.cert_file.string(), "--tls-key", cert.key_file.string()};
}

std::string HttpsUrl(uint16_t port) { return "https://127.0.0.1:" + std::to_string(port); }

Reply HttpsRequest(uint16_t port, const fs::path& ca_file, http::verb verb,
                   const std::string& target, const std::string& body) {
  ingest::testing::HttpsClient client(port, ca_file, TLS1_3_VERSION, kRequestTimeout);
  Reply reply;
  if (boost::beast::error_code ec = client.Handshake()) {
    reply.body = "handshake: " + ec.message() + " (certificate: " + client.VerifyError() + ")";
    return reply;
  }
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "localhost");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + TokenFor(port, verb, target));
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  if (boost::beast::error_code ec = client.Exchange(req, res)) {
    reply.body = "exchange: " + ec.message();
    return reply;
  }
  (void)client.Shutdown();  // the answer is complete; a clean close is the server's concern
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.headers = res.base();
  return reply;
}

}  // namespace ledger_test
