// Test-only: self-signed TLS certificates made when a test runs (OpenSSL 3), so that no
// key or certificate is checked in and none expires in the repository.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace ingest::testing {

struct TestCertificate {
  std::filesystem::path cert_file;  // PEM; self-signed, so it is also its own CA file
  std::filesystem::path key_file;   // PEM PKCS#8, unencrypted, mode 0600
};

// A fresh EC P-256 key and a self-signed X.509 v3 certificate (CN `name`, valid from an
// hour ago for a day, CA:TRUE so a client can trust it directly, serverAuth) with these
// subjectAltName entries, written to DIR/NAME.crt and DIR/NAME.key.
ledger::Result<TestCertificate> MakeSelfSignedCertificate(
    const std::filesystem::path& dir, const std::string& name,
    const std::vector<std::string>& subject_alt_names = {"IP:127.0.0.1", "DNS:localhost"});

}  // namespace ingest::testing
