// Shared pieces of ledgerctl's subcommands: exit codes, option parsing, the data dir
// layout and error reporting. Everything here runs on the main thread.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
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

// A server's address: http://HOST[:PORT][/PREFIX] or https://HOST[:PORT][/PREFIX].
struct Endpoint {
  std::string url;
  bool tls = false;    // https://: the server's certificate is verified (ops/ledgerctl_tls.h)
  std::string cacert;  // https://: PEM CA file to verify it with; "" = the system's CA store
  std::string host;    // without the brackets of an IPv6 literal
  std::string port = "80";
  std::string host_header;
  std::string prefix;  // "" or "/PREFIX", prepended to every route
  std::string target;  // a route with its prefix, for callers that keep one
  std::string token;   // the bearer token sent with every request ("" = none)
};
// --token, described for the commands that talk to a ledgerd, and the token it names:
// the option, else the LEDGER_TOKEN environment variable, else "".
void AddTokenOption(boost::program_options::options_description_easy_init& add);
std::string TokenOf(const boost::program_options::variables_map& vm);
// nullopt with `error` saying why for anything but http(s)://HOST[:PORT][/PREFIX]; the
// port defaults to 80 or 443.
std::optional<Endpoint> ParseUrl(const std::string& url, std::string& error);

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};
// GET prefix + `route` on one connection, waiting at most `timeout`. kUnavailable when
// the server cannot be reached, does not answer in time, or (https) its certificate
// does not verify.
ledger::Result<HttpReply> HttpGet(const Endpoint& endpoint, const std::string& route,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The same with another method and an empty body (POST /v1/admin/backups).
ledger::Result<HttpReply> HttpSend(const Endpoint& endpoint, boost::beast::http::verb verb,
                                   const std::string& route,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The "detail" of a problem+json body, or the body itself.
std::string ProblemDetail(const HttpReply& reply);

int RunVerify(const std::vector<std::string>& args);
int RunKeys(const std::vector<std::string>& args);
int RunTokens(const std::vector<std::string>& args);
int RunAppend(const std::vector<std::string>& args);
int RunFeed(const std::vector<std::string>& args);
int RunReplay(const std::vector<std::string>& args);
int RunViewsDigest(const std::vector<std::string>& args);
int RunAuditPack(const std::vector<std::string>& args);
int RunVerifyPack(const std::vector<std::string>& args);
int RunMonitor(const std::vector<std::string>& args);
int RunExport(const std::vector<std::string>& args);
int RunSeed(const std::vector<std::string>& args);
int RunBackup(const std::vector<std::string>& args);

}  // namespace ledgerctl
