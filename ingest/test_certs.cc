#include "ingest/test_certs.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ingest::testing {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

ledger::Status OpenSslError(const std::string& what) {
  char reason[256] = "unknown error";
  if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, reason, sizeof reason);
  ERR_clear_error();
  return ledger::Status::Internal(what + ": " + reason);
}

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : ",") + part;
  return joined;
}

ledger::Status AddExtensions(X509* cert, const std::vector<std::string>& subject_alt_names) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const std::pair<const char*, std::string> extensions[] = {
      {"basicConstraints", "critical,CA:TRUE"},
      {"keyUsage", "critical,digitalSignature,keyCertSign"},
      {"extendedKeyUsage", "serverAuth"},
      {"subjectKeyIdentifier", "hash"},
      {"subjectAltName", Join(subject_alt_names)},
  };
  for (const auto& [name, value] : extensions) {
    Extension ext(X509V3_EXT_nconf(nullptr, &ctx, name, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
      return OpenSslError(std::string("extension ") + name + "=" + value);
  }
  return ledger::Status::Ok();
}

ledger::Result<Certificate> SelfSign(EVP_PKEY* key, const std::string& name,
                                     const std::vector<std::string>& subject_alt_names) {
  Certificate cert(X509_new());
  uint64_t serial = 0;
  if (!cert || RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1)
    return OpenSslError("a new certificate");
  serial >>= 1;  // a positive INTEGER
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(name.c_str());
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) == nullptr ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslError("the certificate's fields");
  }
  if (ledger::Status s = AddExtensions(cert.get(), subject_alt_names); !s.ok()) return s;
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return OpenSslError("signing");
  return cert;
}

}  // namespace

ledger::Result<TestCertificate> MakeSelfSignedCertificate(
    const std::filesystem::path& dir, const std::string& name,
    const std::vector<std::string>& subject_alt_names) {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError("an EC P-256 key");
  auto cert = SelfSign(key.get(), name, subject_alt_names);
  if (!cert.ok()) return cert.status();
  TestCertificate files{dir / (name + ".crt"), dir / (name + ".key")};
  Bio key_out(BIO_new_file(files.key_file.c_str(), "w"));
  if (!key_out || PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                           nullptr) != 1) {
    return OpenSslError("writing " + files.key_file.string());
  }
  key_out.reset();
  std::error_code ec;
  std::filesystem::permissions(
      files.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  Bio cert_out(BIO_new_file(files.cert_file.c_str(), "w"));
  if (!cert_out || PEM_write_bio_X509(cert_out.get(), cert->get()) != 1)
    return OpenSslError("writing " + files.cert_file.string());
  return files;
}

}  // namespace ingest::testing
