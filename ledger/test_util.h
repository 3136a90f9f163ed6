// Helpers for the ledger's own unit tests: temp dirs, a fixed test key, commands.
#pragma once

#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "ledger/event.h"
#include "ledger/keys.h"
#include "ledger/status.h"

namespace ledger::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ledger-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The deterministic key of docs/FORMAT.md's test vectors: seed bytes 0x00..0x1f.
inline SigningKey TestKey(std::string_view name = "sales-ledger") {
  std::array<uint8_t, 32> seed;
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  auto key = SigningKey::FromSeed(name, seed);
  LEDGER_ASSERT(key.ok());
  return std::move(key).value();
}

inline Command MakeCommand(std::string type, std::string subject, std::string data_json = "{}",
                           std::string id = "") {
  Command c;
  c.type = std::move(type);
  c.subject = std::move(subject);
  c.data = boost::json::parse(data_json).as_object();
  c.id = std::move(id);
  return c;
}

}  // namespace ledger::testing
