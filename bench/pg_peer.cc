// ledger-pg-bench: the PostgreSQL peer of the ledger's benchmarks (issue 8;
// bench/pg_peer.md). It measures what users would build instead of the ledger: an
// append-only events table with a SHA-256 hash chain per partition and a current-state
// table, written by durable transactions and read with the obvious indexed queries.
//
// Why it is a fair peer: it does the work the ledger's writer does for each event
// (sequence it in its partition, chain it, hash its RFC 8785 bytes, fold it into the
// record's state) and acknowledges only after an fsynced commit, as ledgerd does; it
// batches as ledgerctl bench does (one transaction per batch, from many connections
// taking batches from one shared counter); it uses what makes PostgreSQL fast (prepared
// statements, binary parameters for hashes, libpq pipeline mode, multi-row INSERT, COPY,
// set-based rebuild); and it reports the same figures with the same histogram. It does
// not sign events (the ledger does, Ed25519): that difference is the ledger's to carry.
//
// This file: the subcommand dispatch, and `read` and `make-queries`.
#include "bench/pg_peer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

namespace pgpeer {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kRead = "read";
constexpr unsigned kProblemsShownMax = 5;
constexpr uint64_t kQueriesPerTypeMax = 1'000'000;

// The four reads, as prepared statements of every connection.
enum QueryType { kRecord, kHistory, kList, kAsof, kQueryTypes };
constexpr std::array<std::string_view, kQueryTypes> kTypeNames = {"record", "history", "list",
                                                                  "asof"};
constexpr std::array<int, kQueryTypes> kTypeParams = {1, 1, 2, 2};
constexpr std::array<std::string_view, kQueryTypes> kTypeSql = {
    "SELECT kind, version, doc, updated FROM state WHERE subject = $1",
    "SELECT seq, type, data, hash, recorded FROM events WHERE subject = $1 "
    "ORDER BY partition, seq LIMIT 100",
    "SELECT subject, doc FROM state WHERE kind = $1 AND owner = $2 ORDER BY subject LIMIT 50",
    "SELECT jsonb_merge_agg(data ORDER BY partition, seq) FROM events "
    "WHERE subject = $1 AND recorded <= $2::timestamptz",
};

struct Query {
  QueryType type;
  std::array<std::string, 2> params;
};

// Reads a TSV file of queries, keeping those of `only` (kQueryTypes: all).
std::string ReadQueries(const std::string& path, QueryType only, std::vector<Query>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    for (size_t start = 0;;) {
      const size_t tab = line.find('\t', start);
      f.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    const auto type = std::ranges::find(kTypeNames, f[0]) - kTypeNames.begin();
    if (type == kQueryTypes || static_cast<int>(f.size()) != kTypeParams[type] + 1)
      return path + ":" + std::to_string(n) +
             ": not record|history SUBJECT, list KIND OWNER "
             "or asof SUBJECT TIME";
    if (only != kQueryTypes && type != only) continue;
    Query q{static_cast<QueryType>(type), {}};
    for (int i = 0; i < kTypeParams[type]; ++i) q.params[i] = f[i + 1];
    out.push_back(std::move(q));
  }
  if (out.empty()) return path + " holds no queries (of that --type)";
  return "";
}

struct ReadPhase {
  const std::vector<Query>* queries = nullptr;
  std::atomic<uint64_t> next{0};
  uint64_t limit = UINT64_MAX;
  bool has_deadline = false;
  Clock::time_point deadline;
};

// One connection on its own thread.
struct Reader {
  std::unique_ptr<Pg> pg;
  LatencyHistogram latency;
  uint64_t requests = 0, errors = 0, bytes = 0, checksum = 0;
  std::array<uint64_t, kQueryTypes> per_type{}, rows{};
  std::vector<std::string> problems;

  std::string Prepare() {
    for (int t = 0; t < kQueryTypes; ++t) {
      PgResult r(PQprepare(pg->conn(), std::string(kTypeNames[t]).c_str(),
                           std::string(kTypeSql[t]).c_str(), kTypeParams[t], nullptr));
      if (!Ok(r.get())) return pg->Error();
    }
    return "";
  }

  void Run(ReadPhase& phase, bool measured) {
    const std::vector<Query>& queries = *phase.queries;
    for (;;) {
      if (phase.has_deadline && Clock::now() >= phase.deadline) return;
      const uint64_t index = phase.next.fetch_add(1);
      if (index >= phase.limit) return;
      const Query& q = queries[index % queries.size()];
      const char* values[2] = {q.params[0].c_str(), q.params[1].c_str()};
      const Clock::time_point began = Clock::now();
      PgResult r(PQexecPrepared(pg->conn(), std::string(kTypeNames[q.type]).c_str(),
                                kTypeParams[q.type], values, nullptr, nullptr, 0));
      const bool ok = PQresultStatus(r.get()) == PGRES_TUPLES_OK;
      // Inside the latency: a client reads what it asked for.
      if (ok) Touch(r.get(), measured ? &rows[q.type] : nullptr);
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began);
      if (!measured) continue;
      ++requests;
      ++per_type[q.type];
      latency.Record(us.count());
      if (!ok) {
        ++errors;
        if (problems.size() < kProblemsShownMax) problems.push_back(pg->Error());
      }
    }
  }

  // Reads every byte of every value, so nothing the query returned goes unused.
  // Counts rows and bytes into `rows` and `bytes` when `rows` is given (measured).
  void Touch(const PGresult* r, uint64_t* rows_of_type) {
    const int n = PQntuples(r), columns = PQnfields(r);
    uint64_t touched = 0;
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < columns; ++c) {
        const int length = PQgetlength(r, i, c);
        const char* value = PQgetvalue(r, i, c);
        touched += length;
        for (int b = 0; b < length; ++b) checksum += static_cast<unsigned char>(value[b]);
      }
    }
    if (!rows_of_type) return;
    *rows_of_type += n;
    bytes += touched;
  }
};

void RunReaders(std::vector<std::unique_ptr<Reader>>& readers, ReadPhase& phase, bool measured) {
  std::vector<std::thread> threads;
  for (auto& r : readers) threads.emplace_back([&r, &phase, measured] { r->Run(phase, measured); });
  for (std::thread& t : threads) t.join();
}

}  // namespace

int RunRead(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("queries", po::value<std::string>()->required(),
      "TSV file: record SUBJECT | history SUBJECT | list KIND OWNER | asof SUBJECT RFC3339");
  add("type", po::value<std::string>(), "only the queries of this type");
  add("clients", po::value<unsigned>()->default_value(8), "connections, one thread each");
  add("requests", po::value<uint64_t>()->default_value(100000), "measured queries");
  add("duration", po::value<std::string>(), "send queries for this long instead: 10s, 2m");
  add("warmup", po::value<uint64_t>()->default_value(0), "queries run before measuring");
  add("json", po::bool_switch(), "print one JSON object to stdout, the summary to stderr");
  Parsed p = ParseArgs(kRead,
                       "read --conninfo C --queries FILE [--type T] [--clients N] "
                       "[--requests R | --duration T] [--warmup W] [--json]",
                       "Runs the queries of FILE round-robin from --clients connections (prepared "
                       "statements, every row fetched and read). Latency is per query.",
                       options, args);
  if (p.done) return p.exit;
  const po::variables_map& vm = p.vm;
  QueryType only = kQueryTypes;
  if (vm.count("type")) {
    const auto t = std::ranges::find(kTypeNames, vm["type"].as<std::string>()) - kTypeNames.begin();
    if (t == kQueryTypes) return Fail(kRead, "--type must be record, history, list or asof", 2);
    only = static_cast<QueryType>(t);
  }
  const unsigned clients = vm["clients"].as<unsigned>();
  if (clients < 1 || clients > kClientsMax)
    return Fail(kRead, "--clients must be 1.." + std::to_string(kClientsMax), kExitUsage);
  std::optional<std::chrono::milliseconds> duration;
  if (vm.count("duration")) {
    if (!vm["requests"].defaulted()) return Fail(kRead, "give --requests or --duration", 2);
    duration = ParseDuration(vm["duration"].as<std::string>());
    if (!duration) return Fail(kRead, "--duration must be like 10s, 500ms or 2m", kExitUsage);
  }
  std::vector<Query> queries;
  if (std::string error = ReadQueries(vm["queries"].as<std::string>(), only, queries);
      !error.empty()) {
    return Fail(kRead, error, kExitUsage);
  }
  std::vector<std::unique_ptr<Reader>> readers;
  for (unsigned i = 0; i < clients; ++i) {
    auto reader = std::make_unique<Reader>();
    reader->pg = ConnectOrFail(kRead, vm);
    if (!reader->pg) return kExitConnect;
    if (std::string error = reader->Prepare(); !error.empty())
      return Fail(kRead, error, kExitConnect);
    readers.push_back(std::move(reader));
  }
  const uint64_t warmup = vm["warmup"].as<uint64_t>();
  ReadPhase phase;
  phase.queries = &queries;
  if (warmup > 0) {
    phase.limit = warmup;
    RunReaders(readers, phase, false);
  }
  phase.next = warmup;
  phase.limit = duration ? UINT64_MAX : warmup + vm["requests"].as<uint64_t>();
  phase.has_deadline = duration.has_value();
  const double cpu_start_s = CpuSeconds();
  const Clock::time_point start = Clock::now();
  if (duration) phase.deadline = start + *duration;
  RunReaders(readers, phase, true);
  const double elapsed_s = SecondsSince(start);
  const double client_cpu_s = CpuSeconds() - cpu_start_s;

  LatencyHistogram latency;
  uint64_t requests = 0, errors = 0, bytes = 0, checksum = 0;
  std::array<uint64_t, kQueryTypes> per_type{}, rows{};
  for (const auto& r : readers) {
    latency.Merge(r->latency);
    requests += r->requests;
    errors += r->errors;
    bytes += r->bytes;
    checksum += r->checksum;
    for (int t = 0; t < kQueryTypes; ++t) {
      per_type[t] += r->per_type[t];
      rows[t] += r->rows[t];
    }
    for (const std::string& problem : r->problems) Fail(kRead, problem, 0);
  }
  const double wall = std::max(elapsed_s, 1e-9);
  std::fprintf(vm["json"].as<bool>() ? stderr : stdout,
               "ledger-pg-bench read: %u clients: %llu queries in %.3f s, %.0f queries/s, "
               "p50 %.3f ms, p99 %.3f ms, %llu errors (checksum %llu)\n",
               clients, static_cast<unsigned long long>(requests), elapsed_s, requests / wall,
               latency.QuantileUs(0.5) / 1000.0, latency.QuantileUs(0.99) / 1000.0,
               static_cast<unsigned long long>(errors), static_cast<unsigned long long>(checksum));
  if (vm["json"].as<bool>()) {
    JsonLine per_type_json, rows_json;
    for (int t = 0; t < kQueryTypes; ++t) {
      if (per_type[t] == 0) continue;
      per_type_json.Uint(kTypeNames[t], per_type[t]);
      rows_json.Uint(kTypeNames[t], rows[t]);
    }
    JsonLine o;
    o.Uint("clients", clients).Str("type", only == kQueryTypes ? "all" : kTypeNames[only]);
    o.Uint("warmup_requests", warmup);
    if (duration) o.Fixed("duration_s", duration->count() / 1000.0, 3);
    o.Uint("requests", requests).Raw("queries", per_type_json.Done());
    o.Raw("rows", rows_json.Done()).Uint("bytes", bytes).Uint("errors_total", errors);
    o.Fixed("elapsed_s", elapsed_s, 4).Fixed("requests_per_s", requests / wall, 1);
    AddLatencies(o, latency);
    o.Fixed("client_cpu_s", client_cpu_s, 3);
    std::printf("%s\n", o.Done().c_str());
  }
  return errors > 0 ? kExitFailed : kExitOk;
}

// Writes `count` queries of each type drawn from the loaded data (seeded, so the same
// database gives the same file), interleaved record, history, list, asof.
int RunMakeQueries(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("out", po::value<std::string>()->required(), "the TSV file to write");
  add("count", po::value<uint64_t>()->default_value(10000), "queries of each type");
  add("seed", po::value<double>()->default_value(0.42), "PostgreSQL setseed() value, -1..1");
  Parsed p = ParseArgs("make-queries", "make-queries --conninfo C --out FILE [--count N]",
                       "Writes a queries file for `read` from the data in the database: random "
                       "subjects (record, history), kind and owner pairs of state rows (list), "
                       "and random events' subjects with their recorded time (asof).",
                       options, args);
  if (p.done) return p.exit;
  const uint64_t count = p.vm["count"].as<uint64_t>();
  if (count < 1 || count > kQueriesPerTypeMax)
    return Fail("make-queries", "--count must be 1..1000000", kExitUsage);
  auto pg = ConnectOrFail("make-queries", p.vm);
  if (!pg) return kExitConnect;
  const std::string limit = " LIMIT " + std::to_string(count);
  const std::array<std::string, kQueryTypes> sql = {
      "SELECT subject FROM state ORDER BY random()" + limit,
      "SELECT subject FROM state ORDER BY random()" + limit,
      "SELECT kind, owner FROM state WHERE owner IS NOT NULL ORDER BY random()" + limit,
      "SELECT subject, to_char(recorded AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM events ORDER BY random()" +
          limit,
  };
  if (std::string error =
          pg->Exec("SELECT setseed(" + std::to_string(p.vm["seed"].as<double>()) + ")");
      !error.empty()) {
    return Fail("make-queries", error, kExitFailed);
  }
  std::array<PgResult, kQueryTypes> results;
  for (int t = 0; t < kQueryTypes; ++t) {
    results[t] = pg->Query(sql[t]);
    if (PQresultStatus(results[t].get()) != PGRES_TUPLES_OK)
      return Fail("make-queries", pg->Error(), kExitFailed);
    if (PQntuples(results[t].get()) == 0)
      return Fail("make-queries", "no rows for " + std::string(kTypeNames[t]), kExitFailed);
  }
  std::ofstream out(p.vm["out"].as<std::string>(), std::ios::binary | std::ios::trunc);
  for (uint64_t i = 0; i < count; ++i) {
    for (int t = 0; t < kQueryTypes; ++t) {
      const PGresult* r = results[t].get();
      const int row = static_cast<int>(i % PQntuples(r));
      out << kTypeNames[t];
      for (int c = 0; c < PQnfields(r); ++c) out << '\t' << PQgetvalue(r, row, c);
      out << '\n';
    }
  }
  out.flush();
  if (!out) return Fail("make-queries", "cannot write " + p.vm["out"].as<std::string>(), 1);
  return kExitOk;
}

}  // namespace pgpeer

int main(int argc, char** argv) {
  using namespace pgpeer;
  const std::map<std::string, int (*)(const std::vector<std::string>&)> commands = {
      {"setup", RunSetup},
      {"ingest", RunIngest},
      {"load", RunLoad},
      {"rebuild", RunRebuild},
      {"verify", RunVerify},
      {"read", RunRead},
      {"make-queries", RunMakeQueries},
  };
  const std::string name = argc > 1 ? argv[1] : "";
  const auto command = commands.find(name);
  if (command == commands.end()) {
    std::fprintf(stderr,
                 "usage: ledger-pg-bench setup|ingest|load|rebuild|verify|read|make-queries "
                 "--conninfo C [options]   (--help on each)\n");
    return name == "--help" || name == "-h" ? kExitOk : kExitUsage;
  }
  return command->second(std::vector<std::string>(argv + 2, argv + argc));
}
