// ledgerd over HTTPS (--tls-cert/--tls-key) with a self-signed certificate made by the
// test: appends and reads, keep-alive, answers that span several TLS records, the
// followed feed, plain HTTP refused without harm, and ledgerctl verifying the server's
// certificate and name (auditpack, bench).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "ingest/test_https_client.h"
#include "tests/tls_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Serves checkpoints quickly: an audit pack needs one over the record's events.
const std::vector<std::string> kQuickCheckpoints = {"--checkpoint-interval-ms", "50"};

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A batch registering accounts <prefix>-<first>... (count of them).
std::string Registrations(const std::string& prefix, int first, int count) {
  std::string batch = R"({"events":[)";
  for (int i = first; i < first + count; ++i)
    batch += (i == first ? "" : ",") + RegisterAccount(prefix + "-" + std::to_string(i));
  return batch + "]}";
}

// How many of `appended` went to each partition.
std::map<uint32_t, size_t> PerPartition(const std::vector<Appended>& appended) {
  std::map<uint32_t, size_t> counts;
  for (const Appended& a : appended) ++counts[a.partition];
  return counts;
}

class LedgerdTls : public ::testing::Test {
 protected:
  TempDir dir_;
  const fs::path data_ = dir_ / "data";
  const TestCertificate cert_ = MakeCertificate(dir_.path(), "ledgerd");
};

TEST_F(LedgerdTls, AppendsAndReadsOverHttpsOnly) {
  Ledgerd server(data_, TlsArgs(cert_));
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const fs::path& ca = cert_.cert_file;

  std::vector<Appended> first = AppendedEvents(
      HttpsRequest(port, ca, http::verb::post, "/v1/events", RegisterAccount("ACC-1")));
  ASSERT_EQ(first.size(), 1u);
  // A batch whose request, answer and feed pages each span several TLS records (16 KiB).
  std::vector<Appended> batch = AppendedEvents(
      HttpsRequest(port, ca, http::verb::post, "/v1/events", Registrations("ACC", 2, 150)));
  ASSERT_EQ(batch.size(), 150u);

  Reply record =
      HttpsRequest(port, ca, http::verb::get,
                   "/v1/records/account/ACC-1?after=" + std::to_string(first[0].partition) + ":" +
                       std::to_string(first[0].ledgerseq));
  ASSERT_EQ(record.status, 200) << record.body;
  EXPECT_EQ(ParseObject(record.body)["version"].as_int64(), 1);

  batch.push_back(first[0]);
  const auto per_partition = PerPartition(batch);
  const auto fullest = std::max_element(per_partition.begin(), per_partition.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
  Reply page = HttpsRequest(port, ca, http::verb::get,
                            "/v1/events?partition=" + std::to_string(fullest->first));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_GT(page.body.size(), 16u * 1024);
  EXPECT_EQ(CompleteLines(page.body).size(), fullest->second);
  EXPECT_EQ(page.Header("Ledger-Next"), std::to_string(fullest->second));

  // Plain HTTP on the HTTPS port gets no answer, and the server goes on.
  EXPECT_EQ(Request(port, http::verb::get, "/healthz", "").status, 0);
  ingest::testing::HttpsClient kept(port, ca);
  ASSERT_FALSE(kept.Handshake()) << kept.VerifyError();
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "localhost");
    http::response<http::string_body> res;
    ASSERT_FALSE(kept.Exchange(req, res));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_FALSE(kept.Shutdown());
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST_F(LedgerdTls, FollowedFeedStreamsOverHttps) {
  Ledgerd server(data_, TlsArgs(cert_));
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  const fs::path& ca = cert_.cert_file;
  auto before = PerPartition(AppendedEvents(
      HttpsRequest(port, ca, http::verb::post, "/v1/events", Registrations("F", 0, 120))));
  ASSERT_FALSE(before.empty());
  const uint32_t p = before.begin()->first;

  ingest::testing::HttpsClient follower(port, ca);
  ASSERT_FALSE(follower.Handshake()) << follower.VerifyError();
  ASSERT_FALSE(follower.WriteRaw("GET /v1/events?partition=" + std::to_string(p) +
                                 "&from=0&follow=true HTTP/1.1\r\nHost: localhost\r\n" +
                                 "Authorization: Bearer " +
                                 TokenFor(port, http::verb::get, "/v1/events") + "\r\n\r\n"));
  std::string seen;
  EXPECT_EQ(follower.ReadFollowed(seen, before[p]), before[p]);
  EXPECT_THAT(seen, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(seen.substr(0, 300), HasSubstr("Transfer-Encoding: chunked"));

  auto later = PerPartition(AppendedEvents(
      HttpsRequest(port, ca, http::verb::post, "/v1/events", Registrations("F", 120, 40))));
  EXPECT_EQ(follower.ReadFollowed(seen, before[p] + later[p]), before[p] + later[p]);
  EXPECT_FALSE(follower.Shutdown());  // close_notify both ways
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST_F(LedgerdTls, LedgerctlVerifiesTheServersCertificate) {
  Ledgerd server(data_, Concat(TlsArgs(cert_), kQuickCheckpoints));
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  AppendedEvents(HttpsRequest(port, cert_.cert_file, http::verb::post, "/v1/events",
                              RegisterAccount("ACC-1")));
  const std::string pack = (dir_ / "ACC-1.auditpack.json").string();
  auto auditpack = [&](const std::string& url, std::vector<std::string> cacert) {
    return Ledgerctl(Concat({"auditpack", "--token", server.token("compliance"), "--url", url,
                             "--subject", "account/ACC-1", "--out", pack},
                            cacert));
  };

  ProcessResult trusted = auditpack(HttpsUrl(port), {"--cacert", cert_.cert_file.string()});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
  EXPECT_THAT(trusted.out, HasSubstr("1 events of account/ACC-1, verified"));

  // The system's CA store does not know a self-signed certificate.
  ProcessResult system = auditpack(HttpsUrl(port), {});
  EXPECT_EQ(system.exit_code, 3);
  EXPECT_THAT(system.err, HasSubstr("does not verify: self-signed certificate"));
  EXPECT_THAT(system.err, HasSubstr("--cacert"));

  const TestCertificate other = MakeCertificate(dir_.path(), "other");
  ProcessResult wrong = auditpack(HttpsUrl(port), {"--cacert", other.cert_file.string()});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_THAT(wrong.err, HasSubstr("does not verify"));
  EXPECT_THAT(wrong.err, HasSubstr("only --cacert " + other.cert_file.string()));

  ProcessResult plain = auditpack("http://127.0.0.1:" + std::to_string(port), {});
  EXPECT_EQ(plain.exit_code, 3) << plain.err;

  ProcessResult bench =
      Ledgerctl({"bench", "--token", server.token("rep"), "--url", HttpsUrl(port), "--cacert",
                 cert_.cert_file.string(), "--events", "400", "--clients", "2", "--batch", "100"});
  EXPECT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_THAT(bench.out, HasSubstr("POST https://127.0.0.1:"));
  EXPECT_THAT(bench.out, HasSubstr("events acknowledged  400"));
  ProcessResult untrusted_bench =
      Ledgerctl({"bench", "--url", HttpsUrl(port), "--events", "1", "--clients", "1"});
  EXPECT_EQ(untrusted_bench.exit_code, 3);
  EXPECT_THAT(untrusted_bench.err, HasSubstr("does not verify"));
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST_F(LedgerdTls, LedgerctlChecksTheServersName) {
  const TestCertificate named = MakeCertificate(dir_.path(), "named", {"DNS:localhost"});
  Ledgerd server(data_, TlsArgs(named));
  ASSERT_TRUE(server.serving());
  const std::string port = std::to_string(server.port());
  auto auditpack = [&](const std::string& host) {
    return Ledgerctl({"auditpack", "--token", server.token("compliance"), "--url",
                      "https://" + host + ":" + port, "--cacert", named.cert_file.string(),
                      "--subject", "account/NOPE"});
  };
  // The certificate names localhost: asked by that name, the server is trusted (and
  // answers that there is no such record).
  ProcessResult by_name = auditpack("localhost");
  EXPECT_EQ(by_name.exit_code, 2) << by_name.err;
  EXPECT_THAT(by_name.err, HasSubstr("answered 404"));
  // ...but not as 127.0.0.1, which it does not name.
  ProcessResult by_address = auditpack("127.0.0.1");
  EXPECT_EQ(by_address.exit_code, 3);
  EXPECT_THAT(by_address.err, HasSubstr("does not verify: IP address mismatch"));
  EXPECT_EQ(server.Stop().exit_code, 0);
}

TEST_F(LedgerdTls, RefusesHalfATlsConfigurationOrABadKeyAndSaysHttps) {
  const std::vector<std::string> base = {LedgerdPath(), "--data", data_.string(), "--listen",
                                         "127.0.0.1:0"};
  ProcessResult half =
      RunProcess(Concat(base, {"--tls-cert", cert_.cert_file.string()}), std::chrono::seconds(60));
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_THAT(half.err, HasSubstr("--tls-cert and --tls-key go together"));
  ProcessResult bad = RunProcess(
      Concat(base, {"--tls-cert", cert_.cert_file.string(), "--tls-key", cert_.cert_file.string()}),
      std::chrono::seconds(60));
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, HasSubstr("TLS private key file " + cert_.cert_file.string()));

  Child child(Concat(base, TlsArgs(cert_)), dir_ / "child.err");
  std::optional<std::string> line = child.ReadLine();
  ASSERT_TRUE(line.has_value()) << ReadFile(dir_ / "child.err");
  EXPECT_THAT(*line, StartsWith("ledgerd: serving https://127.0.0.1:"));
  child.Signal(SIGTERM);
  ProcessResult stopped;
  child.Finish(stopped);
  EXPECT_EQ(stopped.exit_code, 0);
}

}  // namespace
}  // namespace ledger_test
