// `load`: one COPY of a whole commands file (hash-chained, in file order, in one
// transaction), then the state rebuild and ANALYZE, each timed. It prepares the 10^5 to
// 10^6 events the rebuild and read workloads need.
#include <algorithm>
#include <cstdio>

#include "bench/pg_peer.h"

namespace pgpeer {

namespace po = boost::program_options;

namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;

// One COPY line of an event row (text format).
void AppendCopyRow(const EventRow& e, std::string& out) {
  out += std::to_string(e.partition);
  out += '\t';
  out += std::to_string(e.seq);
  out += '\t';
  AppendCopyText(e.subject, out);
  out += '\t';
  AppendCopyText(e.type, out);
  out += '\t';
  out += e.recorded;
  out += '\t';
  AppendCopyText(e.occurred, out);
  out += '\t';
  AppendCopyText(e.actor, out);
  out += '\t';
  AppendCopyText(e.data, out);
  out += "\t\\\\x";
  if (e.has_prev) out += Hex(e.prev_hash.data(), kHashBytes);
  out += "\t\\\\x";
  out += Hex(e.hash.data(), kHashBytes);
  out += '\n';
}

constexpr std::string_view kDropEventIndexesSql =
    "ALTER TABLE events DROP CONSTRAINT events_pkey; DROP INDEX events_subject";
constexpr std::string_view kCreateEventIndexesSql =
    "ALTER TABLE events ADD PRIMARY KEY (partition, seq); "
    "CREATE INDEX events_subject ON events (subject, partition, seq)";

// Locks every head, COPYs the commands (chained from the heads) and moves the heads, in
// one transaction; "" or the error.
std::string CopyEvents(Pg& pg, const std::vector<Command>& commands, uint64_t passes) {
  if (std::string error = pg.Exec("BEGIN"); !error.empty()) return error;
  PgResult heads = pg.Query(
      "SELECT partition, seq, encode(hash, 'hex') FROM heads ORDER BY partition FOR UPDATE");
  if (!Ok(heads.get())) return pg.Error();
  std::array<int64_t, kPartitions> seq{};
  std::array<Hash, kPartitions> hash{};
  for (int i = 0; i < PQntuples(heads.get()); ++i) {
    const uint32_t p = std::atoi(PQgetvalue(heads.get(), i, 0));
    if (p >= kPartitions) return "a strange heads row";
    seq[p] = std::atoll(PQgetvalue(heads.get(), i, 1));
    const std::string hex = PQgetvalue(heads.get(), i, 2);
    for (size_t b = 0; hex.size() == 2 * kHashBytes && b < kHashBytes; ++b)
      hash[p][b] = std::stoi(hex.substr(2 * b, 2), nullptr, 16);
  }
  // Into an empty table, the usual bulk-load practice: build the indexes after the rows
  // (one sort each instead of a B-tree insert per row), in the same transaction.
  const bool empty = std::ranges::all_of(seq, [](int64_t s) { return s < 0; });
  if (empty) {
    if (std::string error = pg.Exec(std::string(kDropEventIndexesSql)); !error.empty())
      return error;
  }
  PgResult copy = pg.Query(
      "COPY events (partition, seq, subject, type, recorded, occurred, actor, data, prev_hash, "
      "hash) FROM STDIN");
  if (PQresultStatus(copy.get()) != PGRES_COPY_IN) return pg.Error();
  std::string chunk, scratch;
  const uint64_t total = commands.size() * passes;
  for (uint64_t i = 0; i < total; ++i) {
    EventRow e = MakeRow(commands, i, NowRfc3339());
    const uint32_t p = e.partition;
    e.seq = ++seq[p];
    e.has_prev = e.seq > 0;
    e.prev_hash = hash[p];
    e.hash = hash[p] = ChainHash(e, scratch);
    AppendCopyRow(e, chunk);
    if (chunk.size() >= kCopyChunkBytes || i + 1 == total) {
      if (PQputCopyData(pg.conn(), chunk.data(), static_cast<int>(chunk.size())) != 1)
        return pg.Error();
      chunk.clear();
    }
  }
  if (PQputCopyEnd(pg.conn(), nullptr) != 1) return pg.Error();
  for (PgResult r(PQgetResult(pg.conn())); r; r.reset(PQgetResult(pg.conn()))) {
    if (!Ok(r.get())) return pg.Error();
  }
  if (empty) {
    if (std::string error = pg.Exec(std::string(kCreateEventIndexesSql)); !error.empty())
      return error;
  }
  std::string update;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    update += "UPDATE heads SET seq = " + std::to_string(seq[p]) + ", hash = decode('" +
              (seq[p] >= 0 ? Hex(hash[p].data(), kHashBytes) : "") +
              "', 'hex') WHERE partition = " + std::to_string(p) + ";";
  }
  return pg.Exec(update + "COMMIT");
}

}  // namespace

int RunLoad(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("commands", po::value<std::string>()->required(), "NDJSON file of commands, one a line");
  add("passes", po::value<uint64_t>()->default_value(1),
      "load the file this many times (later passes' subjects get a suffix)");
  add("reset", po::bool_switch(), "drop and recreate the tables first");
  add("json", po::bool_switch(), "accepted for symmetry: load always prints one JSON object");
  Parsed p = ParseArgs("load", "load --conninfo C --commands FILE [--passes K] [--reset] [--json]",
                       "Bulk-loads the commands into events with one COPY (hash-chained, in file "
                       "order, in one transaction), then rebuilds state from events, and ANALYZEs. "
                       "Each step timed.",
                       options, args);
  if (p.done) return p.exit;
  const uint64_t passes = p.vm["passes"].as<uint64_t>();
  if (passes < 1 || passes > 1000) return Fail("load", "--passes must be 1..1000", kExitUsage);
  const Clock::time_point read_start = Clock::now();
  std::vector<Command> commands;
  if (std::string error = ReadCommands(p.vm["commands"].as<std::string>(), commands);
      !error.empty()) {
    return Fail("load", error, kExitUsage);
  }
  const double read_s = SecondsSince(read_start);
  auto pg = ConnectOrFail("load", p.vm);
  if (!pg) return kExitConnect;
  if (std::string error = EnsureSchema(*pg, p.vm["reset"].as<bool>()); !error.empty())
    return Fail("load", error, kExitFailed);
  const uint64_t events = commands.size() * passes;
  const Clock::time_point load_start = Clock::now();
  if (std::string error = CopyEvents(*pg, commands, passes); !error.empty()) {
    pg->Exec("ROLLBACK");
    return Fail("load", error, kExitFailed);
  }
  const double load_s = SecondsSince(load_start);
  const Clock::time_point rebuild_start = Clock::now();
  if (std::string error = RebuildState(*pg); !error.empty())
    return Fail("load", "rebuild: " + error, kExitFailed);
  const double rebuild_s = SecondsSince(rebuild_start);
  const Clock::time_point analyze_start = Clock::now();
  if (std::string error = pg->Exec("ANALYZE events; ANALYZE state"); !error.empty())
    return Fail("load", error, kExitFailed);
  const double analyze_s = SecondsSince(analyze_start);
  JsonLine o;
  o.Uint("events", events).Fixed("read_s", read_s, 4).Fixed("load_s", load_s, 4);
  o.Fixed("load_events_per_s", events / std::max(load_s, 1e-9), 1);
  o.Fixed("rebuild_s", rebuild_s, 4);
  o.Fixed("rebuild_events_per_s", events / std::max(rebuild_s, 1e-9), 1);
  o.Fixed("analyze_s", analyze_s, 4);
  std::printf("%s\n", o.Done().c_str());
  return kExitOk;
}

}  // namespace pgpeer
