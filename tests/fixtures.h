// Fixtures for the integration tests: temporary data dirs, running ledgerctl as a real
// child process, the append acknowledgements it prints, and raw access to a stopped
// ledger's RocksDB log for tampering.
//
// Everything here is for one test thread; nothing is shared between tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/embedded_log.h"
#include "ledger/record.h"

namespace ledger_test {

namespace fs = std::filesystem;

// A fresh directory under /tmp (mkdtemp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& file, const std::string& content);
std::string ReadFile(const fs::path& file);
// The lines of `text` that end with '\n' (a trailing partial line is dropped).
std::vector<std::string> CompleteLines(const std::string& text);

// How a finished child process ended, and everything it wrote.
struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, or 0
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, waits for it and captures stdout and stderr. A child
// still running after `timeout` is killed (and the result says so).
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         std::chrono::seconds timeout = std::chrono::seconds(120));

// The ledgerctl and ledgerd built with these tests.
std::string LedgerctlPath();
std::string LedgerdPath();
ProcessResult Ledgerctl(const std::vector<std::string>& args);
// A file of the source tree, e.g. "schemas/examples/lifecycle.ndjson".
fs::path SourceFile(const std::string& relative);
// The master key file of a test ledger on `data`, beside the data dir (made on first use):
// Ledgerd and `ledgerctl append` (through Ledgerctl) get it unless given one.
fs::path MasterKeyFile(const fs::path& data);

// A running child whose stdout is read line by line; stderr goes to a file.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& stderr_file);
  ~Child();  // kills and reaps the child if it is still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next complete stdout line; nullopt at end of output. Fails the test (and
  // returns nullopt) when no line arrives within `timeout`.
  std::optional<std::string> ReadLine(std::chrono::seconds timeout = std::chrono::seconds(60));
  // Sends SIGKILL.
  void Kill();
  // Sends any signal (SIGTERM for a graceful stop).
  void Signal(int signo);
  // Reads stdout to its end (the complete lines not read yet) and reaps the child.
  std::vector<std::string> Finish(ProcessResult& result);

 private:
  bool Fill(std::chrono::seconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// One line `ledgerctl append` prints for an acknowledged command.
struct Ack {
  uint64_t line = 0;
  std::string id;
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  uint64_t streamversion = 0;
  std::string hash;
  bool replayed = false;
};
// Parses an ack line; nullopt (and a test failure) when it is not one.
std::optional<Ack> ParseAck(const std::string& line);
std::vector<Ack> ParseAcks(const std::string& out);

// NDJSON commands registering accounts ACC-<first>..ACC-<first+count-1>, each with
// id "reg-ACC-<n>" and expectedversion 0.
std::string AccountRegistrations(int first, int count);
// One command renaming an existing account (id "upd-ACC-<n>", expectedversion 1).
std::string AccountRename(int n);

// A data dir with `accounts` registered accounts appended through ledgerctl; returns
// the acknowledgements.
std::vector<Ack> BuildLedger(const fs::path& data, int accounts);

// Raw access to a stopped ledger's log (<data>/log) for tamper tests.
class RawLog {
 public:
  explicit RawLog(const fs::path& data);
  ~RawLog();

  uint64_t End(uint32_t partition) const { return log_->End(partition); }
  ledger::SignedRecord Get(uint32_t partition, uint64_t ledgerseq) const;
  void Put(const ledger::SignedRecord& record);  // at the record's partition and ledgerseq
  void PutValue(uint32_t partition, uint64_t ledgerseq, const std::string& value);
  std::string GetValue(uint32_t partition, uint64_t ledgerseq) const;
  void Delete(uint32_t partition, uint64_t ledgerseq);
  // The writer state beside the events (Merkle nodes, checkpoints), raw.
  std::string GetState(ledger::StateTable table, const std::string& key) const;
  void PutState(ledger::StateTable table, const std::string& key, const std::string& value);
  // Deletes every entry of the table.
  void ClearState(ledger::StateTable table);

 private:
  std::unique_ptr<ledger::EmbeddedLog> log_;
};

// Parses "verify: FAILED at partition P ledgerseq S: reason" from verify's stderr.
struct VerifyFailureLine {
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  std::string reason;
};
std::optional<VerifyFailureLine> ParseVerifyFailure(const std::string& err);

}  // namespace ledger_test
