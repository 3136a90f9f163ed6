// Shared pieces of ledgerctl's subcommands: exit codes, option parsing, the data dir
// layout and error reporting. Everything here runs on the main thread.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/kafka_log.h"
#include "ledger/status.h"

namespace ledgerctl {

// The process exit codes, the same for every subcommand.
enum Exit : int {
  kExitOk = 0,
  kExitVerifyFailed = 1,  // the log or feed does not verify
  kExitUsage = 2,         // bad options or bad input (a bad line, a rejected command)
  kExitFailure = 3,       // I/O or any other failure
};

// The data dir layout (docs/OPERATIONS.md): <data>/log and <data>/keys/.
inline constexpr std::string_view kDefaultKeyName = "sales-ledger";
std::filesystem::path LogDir(const std::filesystem::path& data);
std::filesystem::path KeysDir(const std::filesystem::path& data);
std::filesystem::path VerifierKeysFile(const std::filesystem::path& data);

// The exit code for a failed Status: input problems are usage errors, the rest failures.
int ExitFor(const ledger::Status& status);

// Prints "ledgerctl <command>: <message>" to stderr and returns `code`.
int Fail(std::string_view command, const std::string& message, int code);
int Fail(std::string_view command, const ledger::Status& status);

// One subcommand's parsed options. Parse() handles --help (prints the usage and sets
// `done`), unknown options and missing required ones (prints one line, kExitUsage).
struct Parsed {
  boost::program_options::variables_map vm;
  bool done = false;  // the command already finished (help, or a usage error)
  int exit = kExitOk;
};
Parsed Parse(std::string_view command, std::string_view synopsis, std::string_view description,
             boost::program_options::options_description& options,
             const std::vector<std::string>& args);

// Each subcommand takes the arguments after its name and returns the exit code.
// --kafka-brokers, --kafka-topic and --kafka-config, described for `what` ("verify a
// Kafka topic instead", ...), and the read-only KafkaLog they name.
void AddKafkaOptions(boost::program_options::options_description_easy_init& add,
                     std::string_view what);
ledger::Result<std::unique_ptr<ledger::KafkaLog>> OpenKafkaLog(
    const boost::program_options::variables_map& vm);

int RunVerify(const std::vector<std::string>& args);
int RunKeys(const std::vector<std::string>& args);
int RunAppend(const std::vector<std::string>& args);
int RunFeed(const std::vector<std::string>& args);
int RunReplay(const std::vector<std::string>& args);
int RunViewsDigest(const std::vector<std::string>& args);

}  // namespace ledgerctl
