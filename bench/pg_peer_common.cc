// What ledger-pg-bench's subcommands share: the connection, the event envelope and its
// hash, COPY text escaping, the latency histogram and the JSON report.
#include <openssl/evp.h>
#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "bench/pg_peer.h"
#include "ledger/canonical.h"

namespace pgpeer {

namespace json = boost::json;
namespace po = boost::program_options;

// ---- PostgreSQL -------------------------------------------------------------------

std::unique_ptr<Pg> Pg::Connect(const std::string& conninfo, std::string& error) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
    PQfinish(conn);
    return nullptr;
  }
  // NOTICEs ("relation already exists, skipping") are not for the benchmark's reader.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Pg>(new Pg(conn));
}

std::string Pg::Exec(const std::string& sql) {
  PgResult r(PQexec(conn_, sql.c_str()));
  return Ok(r.get()) ? "" : Error();
}

PgResult Pg::Query(const std::string& sql) { return PgResult(PQexec(conn_, sql.c_str())); }

bool Ok(const PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN ||
         s == PGRES_COPY_OUT || s == PGRES_PIPELINE_SYNC;
}

std::string ErrorOf(const PGresult* r, const Pg& pg) {
  if (r && PQresultStatus(r) == PGRES_PIPELINE_ABORTED) return "skipped after an earlier error";
  const char* message = r ? PQresultErrorMessage(r) : "";
  return message[0] ? message : pg.Error();
}

// ---- Events -----------------------------------------------------------------------

namespace {

std::string ParseCommand(std::string_view line, Command& c) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return "not JSON: " + ec.message();
  const json::object* o = v.if_object();
  if (!o) return "not a JSON object";
  const auto text = [o](std::string_view key, std::string& out) {
    const json::value* field = o->if_contains(key);
    if (field && field->is_string()) out = field->get_string();
    return field == nullptr || field->is_string();
  };
  if (!text("type", c.type) || c.type.empty()) return "type must be a string";
  if (!text("subject", c.subject) || c.subject.find('/') == std::string::npos)
    return "subject must be a string like kind/ID";
  if (!text("occurredat", c.occurredat)) return "occurredat must be a string";
  const json::value* data = o->if_contains("data");
  if (!data || !data->is_object()) return "data must be an object";
  ledger::AppendCanonical(data->get_object(), c.data_canonical);
  const json::value* owner = data->get_object().if_contains("owner");
  if (owner && owner->is_string()) c.owner = owner->get_string();
  return "";
}

}  // namespace

std::string ReadCommands(const std::string& path, std::vector<Command>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    Command c;
    if (std::string error = ParseCommand(line, c); !error.empty())
      return path + ":" + std::to_string(n) + ": " + error;
    out.push_back(std::move(c));
  }
  if (out.empty()) return path + " holds no commands";
  return "";
}

uint32_t PartitionOf(std::string_view subject) {
  uint32_t h = 2166136261u;
  for (unsigned char c : subject) {
    h ^= c;
    h *= 16777619u;
  }
  return h % kPartitions;
}

std::string_view KindOf(std::string_view subject) { return subject.substr(0, subject.find('/')); }

// The row of command `index` of the (wrapped) file: each pass past the end gives the
// subjects a suffix, so the state upserts of later passes meet records of their own.
EventRow MakeRow(const std::vector<Command>& commands, uint64_t index,
                 const std::string& recorded) {
  const Command& c = commands[index % commands.size()];
  const uint64_t pass = index / commands.size();
  EventRow row;
  row.subject = pass ? c.subject + "~" + std::to_string(pass) : c.subject;
  row.partition = PartitionOf(row.subject);
  row.type = c.type;
  row.recorded = recorded;
  row.occurred = c.occurredat.empty() ? recorded : c.occurredat;
  row.actor = kActor;
  row.data = c.data_canonical;
  row.owner = c.owner;
  return row;
}

void AppendEventCanonical(const EventRow& row, std::string& out) {
  // Members in RFC 8785 order (all names are ASCII, so UTF-16 order is byte order).
  out += R"({"actor":)";
  ledger::AppendCanonicalString(row.actor, out);
  out += R"(,"data":)";
  out += row.data;
  out += R"(,"occurredat":)";
  ledger::AppendCanonicalString(row.occurred, out);
  out += R"(,"partition":)";
  out += std::to_string(row.partition);
  out += R"(,"seq":)";
  out += std::to_string(row.seq);
  out += R"(,"subject":)";
  ledger::AppendCanonicalString(row.subject, out);
  out += R"(,"time":)";
  ledger::AppendCanonicalString(row.recorded, out);
  out += R"(,"type":)";
  ledger::AppendCanonicalString(row.type, out);
  out += '}';
}

Hash ChainHash(const EventRow& row, std::string& scratch) {
  scratch.clear();
  if (row.has_prev) scratch.append(reinterpret_cast<const char*>(row.prev_hash.data()), kHashBytes);
  AppendEventCanonical(row, scratch);
  Hash hash;
  unsigned int n = 0;
  EVP_Digest(scratch.data(), scratch.size(), hash.data(), &n, EVP_sha256(), nullptr);
  return hash;
}

std::string NowRfc3339() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%06ldZ", ts.tv_nsec / 1000);
  return text;
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

void AppendCopyText(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

bool UnescapeCopyText(std::string_view field, std::string& out) {
  out.clear();
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out += field[i];
      continue;
    }
    if (++i == field.size()) return false;
    switch (field[i]) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        return false;  // octal and hex escapes: PostgreSQL does not write them for these
    }
  }
  return true;
}

// ---- Measurements -----------------------------------------------------------------

void LatencyHistogram::Record(uint64_t us) {
  us = std::min<uint64_t>(us, UINT32_MAX);
  ++counts_[Index(us)];
  ++count_;
  sum_us_ += us;
  max_us_ = std::max(max_us_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_us_ += other.sum_us_;
  max_us_ = std::max(max_us_, other.max_us_);
}

// The least bucket top with at least q of the samples at or below it (at most max).
uint64_t LatencyHistogram::QuantileUs(double q) const {
  if (count_ == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(Top(i), max_us_);
  }
  return max_us_;
}

size_t LatencyHistogram::Index(uint64_t us) {
  if (us < kExact) return us;
  const unsigned shift = std::bit_width(us) - 7;  // us >> shift is 64..127
  return kExact + (shift - 1) * kPerOctave + ((us >> shift) - kPerOctave);
}

uint64_t LatencyHistogram::Top(size_t index) {
  if (index < kExact) return index;
  const unsigned shift = (index - kExact) / kPerOctave + 1;
  const uint64_t mantissa = (index - kExact) % kPerOctave + kPerOctave;
  return ((mantissa + 1) << shift) - 1;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  const std::string_view unit(end, text.data() + text.size() - end);
  uint64_t ms_per_unit = 0;
  if (unit.empty() || unit == "s") ms_per_unit = 1000;
  if (unit == "ms") ms_per_unit = 1;
  if (unit == "m") ms_per_unit = 60 * 1000;
  constexpr uint64_t kDurationMsMax = 24ull * 3600 * 1000;
  if (ms_per_unit == 0 || value == 0 || value > kDurationMsMax / ms_per_unit) return std::nullopt;
  return std::chrono::milliseconds(value * ms_per_unit);
}

JsonLine& JsonLine::Str(std::string_view key, std::string_view value) {
  Key(key);
  out_ += json::serialize(json::string(value));
  return *this;
}

JsonLine& JsonLine::Uint(std::string_view key, uint64_t value) {
  Key(key);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::Fixed(std::string_view key, double value, int decimals) {
  Key(key);
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, std::isfinite(value) ? value : 0.0);
  out_ += text;
  return *this;
}

JsonLine& JsonLine::Raw(std::string_view key, std::string_view json_value) {
  Key(key);
  out_ += json_value;
  return *this;
}

void JsonLine::Key(std::string_view key) {
  out_ += out_.size() > 1 ? "," : "";
  out_ += json::serialize(json::string(key));
  out_ += ':';
}

void AddLatencies(JsonLine& o, const LatencyHistogram& l) {
  const auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  o.Fixed("latency_ms_p50", ms(l.QuantileUs(0.5)), 3);
  o.Fixed("latency_ms_p90", ms(l.QuantileUs(0.9)), 3);
  o.Fixed("latency_ms_p99", ms(l.QuantileUs(0.99)), 3);
  o.Fixed("latency_ms_p999", ms(l.QuantileUs(0.999)), 3);
  o.Fixed("latency_ms_max", ms(l.max_us()), 3);
  o.Fixed("latency_ms_mean", l.mean_us() / 1000.0, 3);
}

// ---- Options ----------------------------------------------------------------------

Parsed ParseArgs(std::string_view command, std::string_view usage, std::string_view about,
                 po::options_description& options, const std::vector<std::string>& args) {
  options.add_options()("conninfo", po::value<std::string>()->default_value(""),
                        "libpq connection string (bench/postgres.sh start prints one)")(
      "help,h", "this help");
  Parsed parsed;
  try {
    po::store(po::command_line_parser(args).options(options).run(), parsed.vm);
    po::notify(parsed.vm);
  } catch (const po::error& e) {
    parsed.done = true;
    parsed.exit =
        Fail(command, std::string(e.what()) + "\nusage: ledger-pg-bench " + std::string(usage),
             kExitUsage);
    return parsed;
  }
  if (parsed.vm.count("help")) {
    std::cout << "usage: ledger-pg-bench " << usage << "\n\n" << about << "\n\n" << options;
    parsed.done = true;
  }
  return parsed;
}

std::unique_ptr<Pg> ConnectOrFail(std::string_view command, const po::variables_map& vm) {
  std::string error;
  auto pg = Pg::Connect(vm["conninfo"].as<std::string>(), error);
  if (!pg) Fail(command, "cannot connect: " + error, kExitConnect);
  return pg;
}

int Fail(std::string_view command, std::string_view message, int code) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
    message.remove_suffix(1);
  std::fprintf(stderr, "ledger-pg-bench %.*s: %.*s\n", static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data());
  return code;
}

}  // namespace pgpeer
