// `ingest`: concurrent clients appending batches, each batch one durable transaction.
//
// A batch's transaction is what a careful do-it-yourself event store does: lock the
// heads of the partitions it touches in partition order (so concurrent batches never
// deadlock), sequence and chain its events client-side from those heads, insert them,
// upsert each subject's state once (a batch's events of one subject are folded first, so
// the upsert stays one row per subject), move the heads, and commit; synchronous_commit
// is on, so the commit returns after the WAL is fsynced, as the ledger acknowledges only
// after its fsync.
#include <arpa/inet.h>
#include <endian.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <set>
#include <thread>
#include <unordered_map>

#include "bench/pg_peer.h"

namespace pgpeer {

namespace json = boost::json;
namespace po = boost::program_options;

namespace {

constexpr std::string_view kCommand = "ingest";
constexpr int kEventColumns = 10;
constexpr int kStateColumns = 5;
constexpr unsigned kErrorsShownMax = 5;

constexpr std::string_view kInsertEventsHead =
    "INSERT INTO events (partition, seq, subject, type, recorded, occurred, actor, data, "
    "prev_hash, hash) VALUES ";
constexpr std::string_view kUpsertStateTail =
    " ON CONFLICT (subject) DO UPDATE SET doc = state.doc || EXCLUDED.doc, version = "
    "state.version + EXCLUDED.version, owner = coalesce(EXCLUDED.owner, state.owner), "
    "updated = now()";

struct IngestConfig {
  unsigned clients = 8;
  size_t batch = 100;
  uint64_t events = 0;                    // measured events, when duration is zero
  std::chrono::milliseconds duration{0};  // otherwise: start new batches for this long
  uint64_t warmup = 0;
  bool pipeline = true;  // libpq pipeline mode: two round trips per batch
  bool multirow = true;  // one INSERT .. VALUES (..),(..) per batch, else one per event
  bool json = false;
  bool check = false;
};

// The commands and the claim counter every client shares during a phase.
struct Phase {
  const std::vector<Command>* commands = nullptr;
  std::atomic<uint64_t> next{0};  // the next command index to claim (wraps over the file)
  uint64_t limit = UINT64_MAX;    // claims stop here
  bool has_deadline = false;
  Clock::time_point deadline;
};

// Parameters of one statement; the strings live until the statement is sent (libpq
// copies them into its output buffer).
class Params {
 public:
  void Clear() {
    text_.clear();
    values_.clear();
    lengths_.clear();
    formats_.clear();
  }
  void Text(std::string value) {
    text_.push_back(std::move(value));
    values_.push_back(nullptr);  // pointed at in Finish: text_ may still grow
    lengths_.push_back(-1);
    formats_.push_back(0);
  }
  void Null() {
    text_.emplace_back();
    values_.push_back(nullptr);
    lengths_.push_back(-2);  // marks a NULL for Finish
    formats_.push_back(0);
  }
  void Binary(const unsigned char* bytes, size_t n) {
    text_.emplace_back(reinterpret_cast<const char*>(bytes), n);
    values_.push_back(nullptr);
    lengths_.push_back(static_cast<int>(n));
    formats_.push_back(1);
  }
  void Finish() {
    for (size_t i = 0; i < text_.size(); ++i) {
      values_[i] = lengths_[i] == -2 ? nullptr : text_[i].c_str();
      if (lengths_[i] == -2) lengths_[i] = 0;
    }
  }
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::deque<std::string> text_;  // stable addresses
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

// One client: a connection and its thread's tallies.
class Client {
 public:
  Client(std::unique_ptr<Pg> pg, const IngestConfig& config)
      : pg_(std::move(pg)), config_(config) {}

  // Prepares the fixed statements and enters pipeline mode; "" or the error.
  std::string Start();
  // Claims and commits batches until the phase has none left.
  void Run(Phase& phase, bool measured);

  LatencyHistogram latency;
  uint64_t events = 0, committed_total = 0, transactions = 0, errors = 0;
  std::vector<std::string> problems;

 private:
  struct Fold {
    std::string subject;
    uint32_t count = 0;
    std::string doc, owner;
    std::optional<json::object> merged;  // only once a second event of the subject comes
  };

  bool Transaction(const Phase& phase, uint64_t start, size_t count);
  std::string LockHeads(unsigned partitions_mask);
  void ChainRows();
  void FoldState();
  void SendEvents();
  void SendState();
  void SendHeads();
  void Send(const std::string& statement, Params& params, int result_format = 0);
  void EnsurePrepared(const std::string& name, const std::function<std::string()>& sql, int params);
  std::string PrepareFixed();  // the lock and head statements, outside pipeline mode
  std::string Finish();        // commits; "" or the first error
  PgResult Next();
  void Problem(const std::string& what);

  std::unique_ptr<Pg> pg_;
  const IngestConfig& config_;
  std::set<std::string> prepared_;
  std::vector<EventRow> rows_;
  std::vector<Fold> folds_;
  std::array<int64_t, kPartitions> head_seq_{};
  std::array<Hash, kPartitions> head_hash_{};
  unsigned touched_ = 0;  // partitions of the batch, as bits
  Params params_;
  std::string scratch_;
  int pending_ = 0;  // pipelined results not read yet
  std::string error_;
};

std::string Client::Start() {
  if (std::string error = pg_->Exec("SET synchronous_commit = on"); !error.empty()) return error;
  if (std::string error = PrepareFixed(); !error.empty()) return error;
  if (config_.pipeline && PQenterPipelineMode(pg_->conn()) != 1) return pg_->Error();
  return "";
}

std::string Client::PrepareFixed() {
  PgResult lock(PQprepare(pg_->conn(), "lock",
                          "SELECT partition, seq, hash FROM heads WHERE partition = "
                          "ANY($1::int[]) ORDER BY partition FOR UPDATE",
                          1, nullptr));
  PgResult head(PQprepare(pg_->conn(), "head",
                          "UPDATE heads SET seq = $2, hash = $3 WHERE partition = $1", 3, nullptr));
  if (!Ok(lock.get()) || !Ok(head.get())) return pg_->Error();
  return "";
}

void Client::Run(Phase& phase, bool measured) {
  for (;;) {
    if (phase.has_deadline && Clock::now() >= phase.deadline) return;
    const uint64_t start = phase.next.fetch_add(config_.batch);
    if (start >= phase.limit) return;
    const size_t count = std::min<uint64_t>(config_.batch, phase.limit - start);
    const Clock::time_point began = Clock::now();
    const bool ok = Transaction(phase, start, count);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began);
    if (ok) committed_total += count;
    if (!measured) continue;
    ++transactions;
    latency.Record(us.count());
    if (ok) events += count;
  }
}

void Client::Problem(const std::string& what) {
  ++errors;
  if (problems.size() < kErrorsShownMax) problems.push_back(what);
}

PgResult Client::Next() {
  PgResult r(PQgetResult(pg_->conn()));
  if (config_.pipeline && r && PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) {
    PgResult end(PQgetResult(pg_->conn()));  // each pipelined query's results end with null
  }
  return r;
}

// Runs (or, pipelined, queues) a prepared statement; the first failure lands in error_.
void Client::Send(const std::string& statement, Params& params, int result_format) {
  params.Finish();
  if (config_.pipeline) {
    if (!PQsendQueryPrepared(pg_->conn(), statement.c_str(), params.count(), params.values(),
                             params.lengths(), params.formats(), result_format)) {
      if (error_.empty()) error_ = pg_->Error();
      return;
    }
    ++pending_;
    return;
  }
  PgResult r(PQexecPrepared(pg_->conn(), statement.c_str(), params.count(), params.values(),
                            params.lengths(), params.formats(), result_format));
  if (!Ok(r.get()) && error_.empty()) error_ = ErrorOf(r.get(), *pg_);
}

void Client::EnsurePrepared(const std::string& name, const std::function<std::string()>& sql,
                            int params) {
  if (!prepared_.insert(name).second) return;
  if (config_.pipeline) {
    if (PQsendPrepare(pg_->conn(), name.c_str(), sql().c_str(), params, nullptr)) ++pending_;
    return;
  }
  PgResult r(PQprepare(pg_->conn(), name.c_str(), sql().c_str(), params, nullptr));
  if (!Ok(r.get()) && error_.empty()) error_ = pg_->Error();
}

// BEGIN, then lock the batch's heads; reads them into head_seq_ and head_hash_.
std::string Client::LockHeads(unsigned partitions_mask) {
  std::string list = "{";
  for (uint32_t p = 0; p < kPartitions; ++p) {
    if (partitions_mask & (1u << p)) list += (list.size() > 1 ? "," : "") + std::to_string(p);
  }
  params_.Clear();
  params_.Text(list + "}");
  params_.Finish();
  PGconn* conn = pg_->conn();
  PgResult begin, heads;
  if (config_.pipeline) {
    PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
    PQsendQueryPrepared(conn, "lock", 1, params_.values(), params_.lengths(), params_.formats(), 1);
    PQsendFlushRequest(conn);
    PQflush(conn);
    begin = Next();
    heads = Next();
  } else {
    begin.reset(PQexec(conn, "BEGIN"));
    heads.reset(
        PQexecPrepared(conn, "lock", 1, params_.values(), params_.lengths(), params_.formats(), 1));
  }
  if (!Ok(begin.get())) return ErrorOf(begin.get(), *pg_);
  if (PQresultStatus(heads.get()) != PGRES_TUPLES_OK) return ErrorOf(heads.get(), *pg_);
  for (int i = 0; i < PQntuples(heads.get()); ++i) {
    uint32_t p = 0;
    uint64_t seq = 0;
    std::memcpy(&p, PQgetvalue(heads.get(), i, 0), 4);
    std::memcpy(&seq, PQgetvalue(heads.get(), i, 1), 8);
    p = ntohl(p);
    if (p >= kPartitions || PQgetlength(heads.get(), i, 0) != 4) return "a strange heads row";
    head_seq_[p] = static_cast<int64_t>(be64toh(seq));
    if (PQgetlength(heads.get(), i, 2) == kHashBytes)
      std::memcpy(head_hash_[p].data(), PQgetvalue(heads.get(), i, 2), kHashBytes);
  }
  return "";
}

void Client::ChainRows() {
  for (EventRow& row : rows_) {
    const uint32_t p = row.partition;
    row.seq = ++head_seq_[p];
    row.has_prev = row.seq > 0;
    row.prev_hash = head_hash_[p];
    row.hash = ChainHash(row, scratch_);
    head_hash_[p] = row.hash;
  }
}

// One state change per subject: its events' data merged in order (as jsonb || does).
void Client::FoldState() {
  folds_.clear();
  std::unordered_map<std::string_view, size_t> at;
  for (const EventRow& row : rows_) {
    auto [it, fresh] = at.try_emplace(row.subject, folds_.size());
    if (fresh) {
      folds_.push_back({.subject = row.subject, .count = 1, .doc = row.data});
    } else {
      Fold& f = folds_[it->second];
      if (!f.merged) f.merged = json::parse(f.doc).as_object();
      const json::value data = json::parse(row.data);
      for (const auto& [key, value] : data.as_object()) (*f.merged)[key] = value;
      ++f.count;
    }
    if (!row.owner.empty()) folds_[it->second].owner = row.owner;
  }
  for (Fold& f : folds_) {
    if (f.merged) f.doc = json::serialize(*f.merged);
  }
}

// INSERT INTO events .. VALUES with `rows` rows of parameters.
std::string InsertEventsSql(size_t rows) {
  std::string sql(kInsertEventsHead);
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (int c = 1; c <= kEventColumns; ++c)
      sql += "$" + std::to_string(r * kEventColumns + c) + (c < kEventColumns ? "," : ")");
  }
  return sql;
}

// The state upsert of `rows` subjects.
std::string UpsertStateSql(size_t rows) {
  std::string sql = "INSERT INTO state (subject, kind, owner, version, doc, updated) VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (int c = 1; c <= kStateColumns; ++c)
      sql += "$" + std::to_string(r * kStateColumns + c) + ",";
    sql += "now())";
  }
  return sql + std::string(kUpsertStateTail);
}

bool Client::Transaction(const Phase& phase, uint64_t start, size_t count) {
  rows_.clear();
  error_.clear();
  pending_ = 0;
  touched_ = 0;
  const std::string recorded = NowRfc3339();
  for (size_t i = 0; i < count; ++i) {
    rows_.push_back(MakeRow(*phase.commands, start + i, recorded));
    touched_ |= 1u << rows_.back().partition;
  }
  if (std::string error = LockHeads(touched_); !error.empty()) error_ = error;
  if (error_.empty()) {
    ChainRows();
    FoldState();
    SendEvents();
  }
  if (error_.empty()) SendState();
  if (error_.empty()) SendHeads();
  if (std::string error = Finish(); !error.empty()) {
    Problem(error);
    return false;
  }
  return true;
}

// One multi-row INSERT, or one prepared single-row INSERT per event.
void Client::SendEvents() {
  const size_t per_statement = config_.multirow ? rows_.size() : 1;
  const std::string name = "ev" + std::to_string(per_statement);
  for (size_t r = 0; error_.empty() && r < rows_.size(); r += per_statement) {
    EnsurePrepared(
        name, [per_statement] { return InsertEventsSql(per_statement); },
        static_cast<int>(per_statement) * kEventColumns);
    params_.Clear();
    for (size_t i = r; i < r + per_statement; ++i) {
      const EventRow& e = rows_[i];
      params_.Text(std::to_string(e.partition));
      params_.Text(std::to_string(e.seq));
      params_.Text(e.subject);
      params_.Text(e.type);
      params_.Text(e.recorded);
      params_.Text(e.occurred);
      params_.Text(e.actor);
      params_.Text(e.data);
      params_.Binary(e.prev_hash.data(), e.has_prev ? kHashBytes : 0);
      params_.Binary(e.hash.data(), kHashBytes);
    }
    Send(name, params_);
  }
}

// One upsert of every subject the batch touched.
void Client::SendState() {
  const size_t n = folds_.size();
  const std::string name = "st" + std::to_string(n);
  EnsurePrepared(
      name, [n] { return UpsertStateSql(n); }, static_cast<int>(n) * kStateColumns);
  params_.Clear();
  for (const Fold& f : folds_) {
    params_.Text(f.subject);
    params_.Text(std::string(KindOf(f.subject)));
    f.owner.empty() ? params_.Null() : params_.Text(f.owner);
    params_.Text(std::to_string(f.count));
    params_.Text(f.doc);
  }
  Send(name, params_);
}

void Client::SendHeads() {
  for (uint32_t p = 0; error_.empty() && p < kPartitions; ++p) {
    if (!(touched_ & (1u << p))) continue;
    params_.Clear();
    params_.Text(std::to_string(p));
    params_.Text(std::to_string(head_seq_[p]));
    params_.Binary(head_hash_[p].data(), kHashBytes);
    Send("head", params_);
  }
}

// COMMIT (pipelined: then sync and read every queued result); on any failure, ROLLBACK,
// and forget the prepared statements (a failed pipeline may have skipped a PREPARE).
std::string Client::Finish() {
  PGconn* conn = pg_->conn();
  const bool failed_early = !error_.empty();
  if (config_.pipeline) {
    if (!failed_early) {
      PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
      ++pending_;
    }
    PQpipelineSync(conn);
    for (int i = 0; i < pending_; ++i) {
      PgResult r = Next();
      if (!Ok(r.get()) && error_.empty()) {
        error_ = ErrorOf(r.get(), *pg_);
      }
    }
    PgResult sync = Next();
    if (PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC && error_.empty())
      error_ = "no pipeline sync: " + pg_->Error();
  } else if (!failed_early) {
    PgResult r(PQexec(conn, "COMMIT"));
    if (!Ok(r.get()) && error_.empty()) error_ = pg_->Error();
  }
  if (error_.empty()) return "";
  if (config_.pipeline) {
    PQsendQueryParams(conn, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0);
    PQsendQueryParams(conn, "DEALLOCATE ALL", 0, nullptr, nullptr, nullptr, nullptr, 0);
    PQpipelineSync(conn);
    Next();
    Next();
    Next();
    PQexitPipelineMode(conn);
  } else {
    PgResult(PQexec(conn, "ROLLBACK; DEALLOCATE ALL"));
  }
  prepared_.clear();
  if (std::string error = PrepareFixed(); !error.empty()) error_ += "; then " + error;
  if (config_.pipeline) PQenterPipelineMode(conn);
  return error_;
}

// Fills `config` from the options; an error message for a bad one.
std::string CheckIngestOptions(const po::variables_map& vm, IngestConfig& config) {
  config.clients = vm["clients"].as<unsigned>();
  if (config.clients < 1 || config.clients > kClientsMax)
    return "--clients must be 1.." + std::to_string(kClientsMax);
  config.batch = vm["batch"].as<size_t>();
  if (config.batch < 1 || config.batch > kBatchMax)
    return "--batch must be 1.." + std::to_string(kBatchMax);
  config.events = vm["events"].as<uint64_t>();
  if (vm.count("duration")) {
    if (!vm["events"].defaulted()) return "give --events or --duration, not both";
    auto duration = ParseDuration(vm["duration"].as<std::string>());
    if (!duration) return "--duration must be like 30s, 500ms or 2m";
    config.duration = *duration;
  } else if (config.events < 1) {
    return "--events must be at least 1";
  }
  config.warmup = vm["warmup"].as<uint64_t>();
  config.pipeline = !vm["no-pipeline"].as<bool>();
  const std::string insert = vm["insert"].as<std::string>();
  if (insert != "multirow" && insert != "rows") return "--insert must be multirow or rows";
  config.multirow = insert == "multirow";
  config.json = vm["json"].as<bool>();
  config.check = vm["check"].as<bool>();
  return "";
}

// Runs every client through one phase on threads of their own.
void RunPhase(std::vector<std::unique_ptr<Client>>& clients, Phase& phase, bool measured) {
  std::vector<std::thread> threads;
  for (auto& c : clients) threads.emplace_back([&c, &phase, measured] { c->Run(phase, measured); });
  for (std::thread& t : threads) t.join();
}

uint64_t CountEvents(Pg& pg) {
  PgResult r = pg.Query("SELECT count(*) FROM events");
  return Ok(r.get()) ? std::stoull(PQgetvalue(r.get(), 0, 0)) : UINT64_MAX;
}

// After a run: as many new rows as events committed, the chains and the state hold.
std::string CheckAfterIngest(Pg& pg, uint64_t events_before, uint64_t committed) {
  const uint64_t rows = CountEvents(pg);
  if (rows != events_before + committed) {
    return std::to_string(rows - events_before) + " new events, " + std::to_string(committed) +
           " committed";
  }
  const ChainCheck chain = VerifyChain(pg);
  if (!chain.error.empty()) return "chain: " + chain.error;
  if (std::string error = VerifyState(pg); !error.empty()) return "state: " + error;
  return "";
}

struct IngestTally {
  double elapsed_s = 0, client_cpu_s = 0;
  LatencyHistogram latency;
  uint64_t events = 0, transactions = 0, errors = 0;  // measured
  uint64_t committed = 0;                             // warmup included
};

// The summary line (stdout, or stderr with --json) and the JSON object.
void Report(const IngestConfig& config, const IngestTally& t, const std::string& check_error) {
  const double wall = std::max(t.elapsed_s, 1e-9);
  std::fprintf(config.json ? stderr : stdout,
               "ledger-pg-bench ingest: %u clients x batch %zu (%s, %s): %llu events in %.3f s, "
               "%.0f events/s, %.1f transactions/s, p50 %.3f ms, p99 %.3f ms, %llu errors%s\n",
               config.clients, config.batch, config.pipeline ? "pipeline" : "no pipeline",
               config.multirow ? "multirow" : "rows", static_cast<unsigned long long>(t.events),
               t.elapsed_s, t.events / wall, t.transactions / wall,
               t.latency.QuantileUs(0.5) / 1000.0, t.latency.QuantileUs(0.99) / 1000.0,
               static_cast<unsigned long long>(t.errors),
               !config.check         ? ""
               : check_error.empty() ? ", check ok"
                                     : ", check FAILED");
  if (!config.json) return;
  JsonLine o;
  o.Uint("clients", config.clients).Uint("batch", config.batch);
  o.Str("mode", config.pipeline ? "pipeline" : "round_trips");
  o.Str("insert", config.multirow ? "multirow" : "rows");
  o.Uint("warmup_events", config.warmup);
  if (config.duration.count()) o.Fixed("duration_s", config.duration.count() / 1000.0, 3);
  o.Uint("events", t.events).Uint("requests", t.transactions).Uint("errors_total", t.errors);
  o.Fixed("elapsed_s", t.elapsed_s, 4);
  o.Fixed("events_per_s", t.events / wall, 1).Fixed("requests_per_s", t.transactions / wall, 1);
  AddLatencies(o, t.latency);
  o.Fixed("client_cpu_s", t.client_cpu_s, 3);
  if (config.check) o.Str("check", check_error.empty() ? "ok" : "failed");
  std::printf("%s\n", o.Done().c_str());
}

}  // namespace

int RunIngest(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("commands", po::value<std::string>()->required(), "NDJSON file of commands, one a line");
  add("clients", po::value<unsigned>()->default_value(8), "connections, one thread each");
  add("batch", po::value<size_t>()->default_value(100), "commands per transaction (1..1000)");
  add("events", po::value<uint64_t>()->default_value(100000), "measured events to commit");
  add("duration", po::value<std::string>(), "start batches for this long instead: 10s, 2m");
  add("warmup", po::value<uint64_t>()->default_value(0), "events committed before measuring");
  add("no-pipeline", po::bool_switch(), "one round trip per statement, not libpq pipeline mode");
  add("insert", po::value<std::string>()->default_value("multirow"),
      "multirow: one INSERT per batch; rows: one prepared INSERT per event");
  add("check", po::bool_switch(), "afterwards, check row count, hash chains and state (exit 1)");
  add("json", po::bool_switch(), "print one JSON object to stdout, the summary to stderr");
  Parsed p = ParseArgs(kCommand,
                       "ingest --conninfo C --commands FILE [--clients N] [--batch B] "
                       "[--events E | --duration T] [--warmup W] [--check] [--json]",
                       "Appends the commands of FILE (wrapping around, with a per-pass subject "
                       "suffix) in transactions of --batch events from --clients connections.\n"
                       "Latency is per transaction, from BEGIN to the acknowledged COMMIT.",
                       options, args);
  if (p.done) return p.exit;
  IngestConfig config;
  if (std::string error = CheckIngestOptions(p.vm, config); !error.empty())
    return Fail(kCommand, error, kExitUsage);
  std::vector<Command> commands;
  if (std::string error = ReadCommands(p.vm["commands"].as<std::string>(), commands);
      !error.empty()) {
    return Fail(kCommand, error, kExitUsage);
  }
  auto admin = ConnectOrFail(kCommand, p.vm);
  if (!admin) return kExitConnect;
  if (std::string error = EnsureSchema(*admin, false); !error.empty())
    return Fail(kCommand, error, kExitFailed);
  const uint64_t events_before = CountEvents(*admin);
  std::vector<std::unique_ptr<Client>> clients;
  for (unsigned i = 0; i < config.clients; ++i) {
    auto pg = ConnectOrFail(kCommand, p.vm);
    if (!pg) return kExitConnect;
    clients.push_back(std::make_unique<Client>(std::move(pg), config));
    if (std::string error = clients.back()->Start(); !error.empty())
      return Fail(kCommand, error, kExitConnect);
  }
  Phase phase;
  phase.commands = &commands;
  if (config.warmup > 0) {
    phase.limit = config.warmup;
    RunPhase(clients, phase, false);
  }
  phase.next = config.warmup;
  phase.limit = config.duration.count() ? UINT64_MAX : config.warmup + config.events;
  phase.has_deadline = config.duration.count() > 0;
  const double cpu_start_s = CpuSeconds();
  const Clock::time_point start = Clock::now();
  phase.deadline = start + config.duration;
  RunPhase(clients, phase, true);
  const double elapsed_s = SecondsSince(start);
  const double client_cpu_s = CpuSeconds() - cpu_start_s;

  IngestTally tally{.elapsed_s = elapsed_s, .client_cpu_s = client_cpu_s};
  for (const auto& c : clients) {
    tally.latency.Merge(c->latency);
    tally.events += c->events;
    tally.transactions += c->transactions;
    tally.errors += c->errors;
    tally.committed += c->committed_total;
    for (const std::string& problem : c->problems) Fail(kCommand, problem, 0);
  }
  clients.clear();
  std::string check_error;
  if (config.check) check_error = CheckAfterIngest(*admin, events_before, tally.committed);
  Report(config, tally, check_error);
  if (!check_error.empty()) return Fail(kCommand, "check failed: " + check_error, kExitFailed);
  return tally.errors > 0 ? kExitFailed : kExitOk;
}

}  // namespace pgpeer
