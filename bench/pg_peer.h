// ledger-pg-bench: the do-it-yourself event store in PostgreSQL that users compare the
// ledger with, driven as hard as `ledgerctl bench` drives ledgerd (bench/pg_peer.md).
//
// The store: an append-only `events` table whose rows carry a SHA-256 hash chain per
// partition (4 partitions, FNV-1a of the subject), a `heads` row per partition holding
// its last seq and hash, and a `state` table with each record's current document. The
// client does what the ledger's writer does for an event (sequence it, chain it, hash
// its RFC 8785 bytes) and PostgreSQL makes it durable (synchronous_commit=on) and
// answers the reads.
//
// This header holds what the subcommands share. Everything here is used from one thread
// at a time unless it says otherwise.
#pragma once

#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpeer {

using Clock = std::chrono::steady_clock;

inline constexpr uint32_t kPartitions = 4;
inline constexpr size_t kHashBytes = 32;
inline constexpr std::string_view kActor = "user:bench";
inline constexpr unsigned kClientsMax = 512;
inline constexpr size_t kBatchMax = 1000;  // as POST /v1/events

using Hash = std::array<unsigned char, kHashBytes>;

// ---- PostgreSQL -------------------------------------------------------------------

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// One libpq connection. Owned by one thread at a time.
class Pg {
 public:
  // Connects; null with `error` set when it cannot.
  static std::unique_ptr<Pg> Connect(const std::string& conninfo, std::string& error);
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  PGconn* conn() const { return conn_; }
  std::string Error() const { return PQerrorMessage(conn_); }

  // Runs `sql` (one or more statements, no parameters); "" or the error message.
  std::string Exec(const std::string& sql);
  // Runs `sql` and returns its result, which the caller checks.
  PgResult Query(const std::string& sql);

 private:
  explicit Pg(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

// Whether `r` is a successful command or query result.
bool Ok(const PGresult* r);

// The error of result `r` (in pipeline mode the connection's message may be empty), else
// the connection's.
std::string ErrorOf(const PGresult* r, const Pg& pg);

// ---- Events -----------------------------------------------------------------------

// One line of a commands file, parsed once; its data's canonical bytes are kept so the
// transaction only assembles the envelope around them.
struct Command {
  std::string type;
  std::string subject;
  std::string occurredat;      // "" when the command has none
  std::string data_canonical;  // RFC 8785 bytes of data
  std::string owner;           // data.owner when it is a string, else ""
};

// Parses an NDJSON file of commands; "" or an error naming the line.
std::string ReadCommands(const std::string& path, std::vector<Command>& out);

// FNV-1a (32-bit) of the subject, mod kPartitions: stable across runs and machines.
uint32_t PartitionOf(std::string_view subject);

// "opportunity" for "opportunity/OPP-1".
std::string_view KindOf(std::string_view subject);

// The row of one event, as the events table holds it.
struct EventRow {
  uint32_t partition = 0;
  int64_t seq = 0;
  std::string subject, type, recorded, occurred, actor, data;  // data: canonical JSON
  Hash prev_hash{};
  bool has_prev = false;  // false for a partition's first event (prev_hash is empty)
  Hash hash{};
  std::string owner;  // data.owner when a string: not a column, state's owner comes from it
};

// The row of command `index` of the file read `index / size` times over: each pass past
// the end gives the subjects a "~<pass>" suffix. Unsequenced: seq, prev_hash and hash are
// the caller's.
EventRow MakeRow(const std::vector<Command>& commands, uint64_t index, const std::string& recorded);

// The canonical bytes the hash covers: the RFC 8785 object {actor, data, occurredat,
// partition, seq, subject, time, type}, assembled around data's canonical bytes.
void AppendEventCanonical(const EventRow& row, std::string& out);

// hash = SHA-256(prev_hash ‖ canonical bytes); prev_hash is empty for a first event.
Hash ChainHash(const EventRow& row, std::string& scratch);

// Now, as RFC 3339 UTC with microseconds: "2026-11-23T17:30:00.123456Z".
std::string NowRfc3339();

std::string Hex(const unsigned char* bytes, size_t n);

// COPY text format: escapes backslash, tab, newline and carriage return.
void AppendCopyText(std::string_view text, std::string& out);
// Undoes AppendCopyText for one field (also \b, \f, \v); false on a bad escape.
bool UnescapeCopyText(std::string_view field, std::string& out);

// ---- Measurements -----------------------------------------------------------------

// Latencies in microseconds in log-linear buckets (exact below 128 us, then 64 per power
// of two: within 1/64), as ledgerctl bench keeps them. Fixed size.
class LatencyHistogram {
 public:
  void Record(uint64_t us);
  void Merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  uint64_t max_us() const { return max_us_; }
  double mean_us() const { return count_ ? static_cast<double>(sum_us_) / count_ : 0; }
  uint64_t QuantileUs(double q) const;

 private:
  static constexpr unsigned kExact = 128;
  static constexpr unsigned kPerOctave = 64;
  static constexpr size_t kBuckets = kExact + 25 * kPerOctave;  // up to 2^32 us
  static size_t Index(uint64_t us);
  static uint64_t Top(size_t index);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0, sum_us_ = 0, max_us_ = 0;
};

double CpuSeconds();  // this process's user + system CPU time
double SecondsSince(Clock::time_point start);

// "30s", "500ms", "2m" or plain seconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// One flat JSON object with numbers printed for people ("8989.6", not "8.9896E3").
class JsonLine {
 public:
  JsonLine& Str(std::string_view key, std::string_view value);
  JsonLine& Uint(std::string_view key, uint64_t value);
  JsonLine& Fixed(std::string_view key, double value, int decimals);
  JsonLine& Raw(std::string_view key, std::string_view json_value);
  std::string Done() const { return out_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string out_ = "{";
};

// Adds latency_ms_p50 .. latency_ms_max and latency_ms_mean.
void AddLatencies(JsonLine& o, const LatencyHistogram& l);

// ---- Subcommands (each returns the exit code) ---------------------------------------

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a request failed, or a check did
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConnect = 3;

int RunSetup(const std::vector<std::string>& args);
int RunIngest(const std::vector<std::string>& args);
int RunLoad(const std::vector<std::string>& args);
int RunRebuild(const std::vector<std::string>& args);
int RunVerify(const std::vector<std::string>& args);
int RunRead(const std::vector<std::string>& args);
int RunMakeQueries(const std::vector<std::string>& args);

// Shared by the write subcommands: creates the schema if missing (drops it first when
// `reset`); "" or the error.
std::string EnsureSchema(Pg& pg, bool reset);

// Recomputes every event's hash from the rows (streamed with COPY TO), checks each
// partition's seqs run 0,1,2.. with prev_hash linking them, and that heads match.
struct ChainCheck {
  uint64_t events = 0;
  double elapsed_s = 0;
  std::string error;  // "" when the chain holds
};
ChainCheck VerifyChain(Pg& pg);

// TRUNCATE state and refill it with the fold of events, in one transaction; "" or the
// error.
std::string RebuildState(Pg& pg);

// Compares state with the fold of events (what rebuild would write); "" or the problem.
std::string VerifyState(Pg& pg);

// Parses a subcommand's options (adding --conninfo and --help); `done` when the caller
// should return `exit` (help printed, or a usage error reported).
struct Parsed {
  boost::program_options::variables_map vm;
  bool done = false;
  int exit = kExitOk;
};
Parsed ParseArgs(std::string_view command, std::string_view usage, std::string_view about,
                 boost::program_options::options_description& options,
                 const std::vector<std::string>& args);

// Connects with --conninfo; prints the failure and returns null when it cannot.
std::unique_ptr<Pg> ConnectOrFail(std::string_view command,
                                  const boost::program_options::variables_map& vm);

// Prints "ledger-pg-bench <command>: <message>" to stderr and returns `code`.
int Fail(std::string_view command, std::string_view message, int code);

}  // namespace pgpeer
