// The schema, the state rebuild and the checks: what `setup`, `rebuild` and `verify`
// run, and what `ingest --check` and `load` reuse.
#include <arpa/inet.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstring>

#include "bench/pg_peer.h"
#include "ledger/canonical.h"

namespace pgpeer {

namespace json = boost::json;
namespace po = boost::program_options;

namespace {

constexpr std::string_view kDropSql = R"(
DROP TABLE IF EXISTS events, heads, state;
DROP AGGREGATE IF EXISTS jsonb_merge_agg(jsonb);
)";

constexpr std::string_view kSchemaSql = R"(
CREATE TABLE IF NOT EXISTS events (
  partition int NOT NULL, seq bigint NOT NULL, subject text NOT NULL, type text NOT NULL,
  recorded timestamptz NOT NULL DEFAULT now(), occurred text, actor text,
  data jsonb NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL,
  PRIMARY KEY (partition, seq));
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, partition, seq);
CREATE TABLE IF NOT EXISTS heads (partition int PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
INSERT INTO heads SELECT p, -1, ''::bytea FROM generate_series(0, 3) p ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS state (
  subject text PRIMARY KEY, kind text NOT NULL, owner text, version int NOT NULL,
  doc jsonb NOT NULL, updated timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS state_kind_owner ON state (kind, owner, subject);
CREATE OR REPLACE AGGREGATE jsonb_merge_agg(jsonb) (
  sfunc = jsonb_concat, stype = jsonb, initcond = '{}');
)";
static_assert(kPartitions == 4, "kSchemaSql makes heads rows 0..3");

// The fold of each subject's events in seq order: the strongest simple set-based peer of
// the ledger's replay.
constexpr std::string_view kFoldSql = R"(
SELECT subject, count(*) AS n, jsonb_merge_agg(data ORDER BY partition, seq) AS doc
FROM events GROUP BY subject)";

constexpr std::string_view kRebuildSql = R"(
INSERT INTO state (subject, kind, owner, version, doc, updated)
SELECT subject, split_part(subject, '/', 1), doc->>'owner', n, doc, now() FROM ()";

// The rows VerifyChain streams, with recorded as the client wrote it (RFC 3339 UTC).
constexpr std::string_view kChainCopySql = R"(
COPY (SELECT partition, seq, subject, type,
             to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             occurred, actor, data, prev_hash, hash
      FROM events ORDER BY partition, seq) TO STDOUT)";

// Splits one COPY text row into its tab-separated fields (without the newline).
std::vector<std::string_view> Fields(std::string_view row) {
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t tab = row.find('\t', start);
    fields.push_back(row.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

// COPY text of a bytea: \\x followed by hex digits.
bool HashField(std::string_view field, std::string& hex) {
  if (!field.starts_with("\\\\x")) return false;
  hex = field.substr(3);
  return true;
}

// Checks one streamed row against its partition's previous one; "" or the problem.
std::string CheckRow(std::string_view row, std::array<int64_t, kPartitions>& last_seq,
                     std::array<std::string, kPartitions>& last_hex, std::string& scratch) {
  const std::vector<std::string_view> f = Fields(row);
  if (f.size() != 10) return "a row with " + std::to_string(f.size()) + " fields";
  EventRow e;
  e.partition = std::stoul(std::string(f[0]));
  e.seq = std::stoll(std::string(f[1]));
  std::string where = "partition " + std::string(f[0]) + " seq " + std::string(f[1]);
  if (e.partition >= kPartitions || e.partition != PartitionOf(f[2]))
    return where + ": wrong partition for its subject";
  if (e.seq != last_seq[e.partition] + 1) return where + ": seq does not follow the previous";
  std::string data_text, prev_hex, hash_hex;
  if (!UnescapeCopyText(f[2], e.subject) || !UnescapeCopyText(f[3], e.type) ||
      !UnescapeCopyText(f[5], e.occurred) || !UnescapeCopyText(f[6], e.actor) ||
      !UnescapeCopyText(f[7], data_text) || !HashField(f[8], prev_hex) ||
      !HashField(f[9], hash_hex)) {
    return where + ": a field PostgreSQL did not write as expected";
  }
  e.recorded = f[4];
  if (prev_hex != last_hex[e.partition]) return where + ": prev_hash is not the previous hash";
  boost::system::error_code ec;
  const json::value data = json::parse(data_text, ec);
  if (ec || !data.is_object()) return where + ": data is not a JSON object";
  ledger::AppendCanonical(data.get_object(), e.data);
  if (e.seq > 0) {
    e.has_prev = prev_hex.size() == 2 * kHashBytes;
    for (size_t i = 0; e.has_prev && i < kHashBytes; ++i)
      e.prev_hash[i] = std::stoi(prev_hex.substr(2 * i, 2), nullptr, 16);
  }
  const Hash hash = ChainHash(e, scratch);
  if (Hex(hash.data(), kHashBytes) != hash_hex) return where + ": hash does not match its event";
  last_seq[e.partition] = e.seq;
  last_hex[e.partition] = hash_hex;
  return "";
}

}  // namespace

std::string EnsureSchema(Pg& pg, bool reset) {
  if (reset) {
    if (std::string error = pg.Exec(std::string(kDropSql)); !error.empty()) return error;
  }
  return pg.Exec(std::string(kSchemaSql));
}

ChainCheck VerifyChain(Pg& pg) {
  ChainCheck check;
  const Clock::time_point start = Clock::now();
  PgResult copy = pg.Query(std::string(kChainCopySql));
  if (PQresultStatus(copy.get()) != PGRES_COPY_OUT) {
    check.error = pg.Error();
    return check;
  }
  std::array<int64_t, kPartitions> last_seq;
  last_seq.fill(-1);
  std::array<std::string, kPartitions> last_hex;
  std::string scratch;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(pg.conn(), &buffer, 0);
    if (n < 0) break;
    if (check.error.empty()) {
      check.error = CheckRow(std::string_view(buffer, n), last_seq, last_hex, scratch);
      ++check.events;
    }
    PQfreemem(buffer);
  }
  for (PgResult r(PQgetResult(pg.conn())); r; r.reset(PQgetResult(pg.conn()))) {
    if (!Ok(r.get()) && check.error.empty()) check.error = pg.Error();
  }
  check.elapsed_s = SecondsSince(start);
  if (!check.error.empty()) return check;
  PgResult heads = pg.Query("SELECT partition, seq, encode(hash, 'hex') FROM heads");
  if (!Ok(heads.get())) {
    check.error = pg.Error();
    return check;
  }
  for (int i = 0; i < PQntuples(heads.get()); ++i) {
    const int p = std::atoi(PQgetvalue(heads.get(), i, 0));
    if (p < 0 || p >= static_cast<int>(kPartitions) ||
        std::atoll(PQgetvalue(heads.get(), i, 1)) != last_seq[p] ||
        last_hex[p] != PQgetvalue(heads.get(), i, 2)) {
      check.error = "heads row of partition " + std::to_string(p) + " is not its last event";
    }
  }
  return check;
}

std::string VerifyState(Pg& pg) {
  const std::string sql =
      "SELECT count(*) FROM state s FULL JOIN (" + std::string(kFoldSql) +
      ") f USING (subject) WHERE s.doc IS DISTINCT FROM f.doc OR s.version IS DISTINCT FROM "
      "f.n OR s.owner IS DISTINCT FROM f.doc->>'owner' OR s.kind IS DISTINCT FROM "
      "split_part(f.subject, '/', 1)";
  PgResult r = pg.Query(sql);
  if (!Ok(r.get())) return pg.Error();
  const std::string wrong = PQgetvalue(r.get(), 0, 0);
  if (wrong != "0") return wrong + " state rows differ from the fold of their events";
  return "";
}

std::string RebuildState(Pg& pg) {
  return pg.Exec("BEGIN; TRUNCATE state; " + std::string(kRebuildSql) + std::string(kFoldSql) +
                 ") f; COMMIT");
}

int RunSetup(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("reset", po::bool_switch(), "drop the tables first");
  Parsed p = ParseArgs("setup", "setup --conninfo C [--reset]",
                       "Creates the events, heads and state tables and jsonb_merge_agg if they "
                       "are missing.",
                       options, args);
  if (p.done) return p.exit;
  auto pg = ConnectOrFail("setup", p.vm);
  if (!pg) return kExitConnect;
  if (std::string error = EnsureSchema(*pg, p.vm["reset"].as<bool>()); !error.empty())
    return Fail("setup", error, kExitFailed);
  return kExitOk;
}

int RunRebuild(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("verify-chain", po::bool_switch(),
                        "also stream every event (COPY TO) and recompute its hash, timed")(
      "json", po::bool_switch(), "print one JSON object");
  Parsed p = ParseArgs("rebuild", "rebuild --conninfo C [--verify-chain] [--json]",
                       "Rebuilds state from events (TRUNCATE, then one INSERT .. SELECT folding "
                       "each subject's data with jsonb_merge_agg in seq order), timed.",
                       options, args);
  if (p.done) return p.exit;
  auto pg = ConnectOrFail("rebuild", p.vm);
  if (!pg) return kExitConnect;
  PgResult count = pg->Query("SELECT count(*) FROM events");
  if (!Ok(count.get())) return Fail("rebuild", pg->Error(), kExitFailed);
  const uint64_t events = std::stoull(PQgetvalue(count.get(), 0, 0));
  const Clock::time_point start = Clock::now();
  if (std::string error = RebuildState(*pg); !error.empty())
    return Fail("rebuild", error, kExitFailed);
  const double elapsed_s = SecondsSince(start);
  JsonLine o;
  o.Uint("events", events).Fixed("elapsed_s", elapsed_s, 4);
  o.Fixed("events_per_s", events / std::max(elapsed_s, 1e-9), 1);
  int exit = kExitOk;
  if (p.vm["verify-chain"].as<bool>()) {
    const ChainCheck check = VerifyChain(*pg);
    if (!check.error.empty()) exit = Fail("rebuild", "chain: " + check.error, kExitFailed);
    o.Uint("verify_events", check.events).Fixed("verify_elapsed_s", check.elapsed_s, 4);
    o.Fixed("verify_events_per_s", check.events / std::max(check.elapsed_s, 1e-9), 1);
    o.Str("verify", check.error.empty() ? "ok" : "failed");
  }
  std::printf("%s\n", o.Done().c_str());
  return exit;
}

int RunVerify(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("events", po::value<uint64_t>(), "the number of events expected");
  Parsed p = ParseArgs("verify", "verify --conninfo C [--events N]",
                       "Checks every partition's hash chain and heads row, that state is the "
                       "fold of events, and (with --events) the number of events. Exit 1 when "
                       "any check fails.",
                       options, args);
  if (p.done) return p.exit;
  auto pg = ConnectOrFail("verify", p.vm);
  if (!pg) return kExitConnect;
  const ChainCheck check = VerifyChain(*pg);
  if (!check.error.empty()) return Fail("verify", "chain: " + check.error, kExitFailed);
  if (p.vm.count("events") && p.vm["events"].as<uint64_t>() != check.events) {
    return Fail("verify",
                std::to_string(check.events) + " events, expected " +
                    std::to_string(p.vm["events"].as<uint64_t>()),
                kExitFailed);
  }
  if (std::string error = VerifyState(*pg); !error.empty())
    return Fail("verify", "state: " + error, kExitFailed);
  std::printf("{\"events\":%llu,\"verify\":\"ok\",\"elapsed_s\":%.4f}\n",
              static_cast<unsigned long long>(check.events), check.elapsed_s);
  return kExitOk;
}

}  // namespace pgpeer
