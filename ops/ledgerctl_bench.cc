// ledgerctl bench: a load generator for a running ledgerd, through POST /v1/events
// (the default) or GET of the paths in a file (--get).
//
// One thread drives every connection (one io_context, async operations): on the 2-core
// machines the server needs the cores, and a connection costs the client microseconds
// per request. Each keep-alive connection sends a request, waits for its answer, then
// sends the next. A connection's next request is built while its current one is in
// flight, so building is never inside the measured latency, which runs from the write
// of a request to the last byte of its response.
//
// The commands (ops/ledgerctl_bench_workload.h) are valid for the sales domain and
// unique per run. Connections take their batches from one shared count of events (or
// their paths from one shared position in the file), so the fastest do the most and
// none is left finishing alone. --emit writes the commands instead of sending them.
#include "ops/ledgerctl_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "ledger/event.h"
#include "ops/ledgerctl_bench_workload.h"
#include "ops/ledgerctl_common.h"
#include "ops/ledgerctl_tls.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using bench::AppendUint;
using bench::Kind;
using bench::KindName;
using bench::Workload;

constexpr std::string_view kCommand = "bench";
constexpr int kExitRequestsFailed = 1;  // bench's meaning of exit code 1
constexpr unsigned kClientsMax = 1024;
constexpr size_t kBatchMax = 1000;  // POST /v1/events takes at most 1,000 commands
constexpr uint32_t kResponseBytesMax = 4 * 1024 * 1024;
constexpr uint32_t kGetResponseBytesMax = 64 * 1024 * 1024;  // a long history, a big report
constexpr size_t kPathBytesMax = 8 * 1024;
constexpr size_t kPathsMax = 10'000'000;
constexpr unsigned kConnectTimeoutS = 10;
constexpr unsigned kRequestTimeoutS = 60;
constexpr unsigned kProblemsShownMax = 5;
constexpr size_t kProblemBytesShownMax = 2000;
constexpr size_t kRunIdBytesMax = 12;  // keeps the longest record id far below 64 bytes
constexpr std::chrono::hours kDurationMax{24};

enum class Mode {
  kPost,  // POST /v1/events with the workload's commands
  kGet,   // GET each path of the --get file in turn
  kEmit,  // write the commands of a one-connection POST run to a file, send nothing
};

struct Config {
  Mode mode = Mode::kPost;
  Endpoint endpoint;
  unsigned clients = 8;
  size_t batch = 100;
  uint64_t events = 0;                    // measured events, when duration is zero
  std::chrono::milliseconds duration{0};  // otherwise: send new requests for this long
  uint64_t warmup_events = 0;
  Kind kind = Kind::kAccount;
  std::string token;  // the bearer token; its actor is the events' actor
  std::string run_id;
  bool json = false;
  std::string get_file;              // --get
  std::vector<std::string> targets;  // its paths, after the --url's prefix
  std::string emit_file;             // --emit; "-" is stdout
};

// ---- Options ----------------------------------------------------------------------

// "30s", "500ms", "2m" or plain seconds.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  const std::string_view unit(end, text.data() + text.size() - end);
  uint64_t ms_per_unit = 0;
  if (unit.empty() || unit == "s") ms_per_unit = 1000;
  if (unit == "ms") ms_per_unit = 1;
  if (unit == "m") ms_per_unit = 60 * 1000;
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(kDurationMax);
  if (ms_per_unit == 0 || value == 0 ||
      value > static_cast<uint64_t>(limit.count()) / ms_per_unit) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(value * ms_per_unit);
}

std::string NewRunId() {
  constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device random;
  std::string id;
  for (int i = 0; i < 8; ++i) id += kDigits[random() % kDigits.size()];
  return id;
}

// Reads the --get file: one request path per line, each starting with "/". Returns an
// error message naming FILE:LINE for a bad line, or the file for an unreadable or empty
// one.
std::string ReadPaths(const std::string& file, const std::string& prefix,
                      std::vector<std::string>& targets) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "--get: cannot read " + file;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = file + ":" + std::to_string(number) + ": ";
    if (line.empty()) return where + "an empty line (each line is a request path)";
    if (line.front() != '/') return where + "a request path must start with \"/\"";
    if (line.size() > kPathBytesMax)
      return where + "longer than " + std::to_string(kPathBytesMax) + " bytes";
    if (std::ranges::any_of(line, [](char c) { return c <= ' ' || c > '~'; }))
      return where + "a space or a character other than printable ASCII (percent-encode it)";
    if (targets.size() == kPathsMax)
      return where + "more than " + std::to_string(kPathsMax) + " paths";
    targets.push_back(prefix + line);
  }
  if (in.bad()) return "--get: cannot read " + file;
  if (targets.empty()) return "--get: " + file + " is empty (give one request path per line)";
  return "";
}

// The options that only POST runs use, given with --get or --emit.
std::string CheckModeOptions(const po::variables_map& vm, Config& config) {
  if (vm.count("get") && vm.count("emit")) return "give --get or --emit, not both";
  if (vm.count("get")) {
    config.mode = Mode::kGet;
    for (const char* option : {"batch", "kind", "run-id"}) {
      if (vm.count(option) && !vm[option].defaulted())
        return std::string("--get sends no commands; drop --") + option;
    }
    if (vm["mix"].as<bool>()) return "--get sends no commands; drop --mix";
    config.get_file = vm["get"].as<std::string>();
  }
  if (vm.count("emit")) {
    config.mode = Mode::kEmit;
    if (vm.count("duration")) return "--emit writes --events commands; drop --duration";
    if (!vm["clients"].defaulted() && vm["clients"].as<unsigned>() != 1)
      return "--emit writes what one connection sends; run the live run with --clients 1";
    config.emit_file = vm["emit"].as<std::string>();
    if (config.emit_file.empty()) return "--emit needs a file, or - for stdout";
  }
  return "";
}

// Fills `config` from the parsed options; returns an error message for a bad one.
std::string CheckOptions(const po::variables_map& vm, Config& config) {
  if (std::string error = CheckModeOptions(vm, config); !error.empty()) return error;
  std::string error;
  auto endpoint = ParseUrl(vm["url"].as<std::string>(), error);
  if (endpoint) endpoint->target = endpoint->prefix + "/v1/events";
  if (!endpoint) return error;
  UseCaCert(vm, *endpoint);
  config.endpoint = std::move(*endpoint);
  config.clients = config.mode == Mode::kEmit ? 1 : vm["clients"].as<unsigned>();
  if (config.clients < 1 || config.clients > kClientsMax)
    return "--clients must be 1.." + std::to_string(kClientsMax);
  config.batch = config.mode == Mode::kGet ? 1 : vm["batch"].as<size_t>();
  if (config.batch < 1 || config.batch > kBatchMax)
    return "--batch must be 1.." + std::to_string(kBatchMax);
  config.events = vm["events"].as<uint64_t>();
  if (vm.count("duration")) {
    if (!vm["events"].defaulted()) return "give --events or --duration, not both";
    auto duration = ParseDuration(vm["duration"].as<std::string>());
    if (!duration) return "--duration must be like 30s, 500ms or 2m (at most 24 h)";
    config.duration = *duration;
  } else if (config.events < 1) {
    return "--events must be at least 1";
  }
  config.warmup_events = vm["warmup"].as<uint64_t>();
  const std::string kind = vm["kind"].as<std::string>();
  if (kind != "account" && kind != "activity") return "--kind must be account or activity";
  config.kind = kind == "account" ? Kind::kAccount : Kind::kActivity;
  if (vm["mix"].as<bool>()) {
    if (config.kind != Kind::kAccount) return "--mix starts from accounts; drop --kind activity";
    config.kind = Kind::kMix;
  }
  config.token = TokenOf(vm);
  if (std::ranges::any_of(config.token, [](char c) { return c <= ' ' || c > '~'; }))
    return "--token must be printable ASCII without spaces";
  config.run_id = vm.count("run-id") ? vm["run-id"].as<std::string>() : NewRunId();
  if (config.run_id.empty() || config.run_id.size() > kRunIdBytesMax ||
      std::ranges::any_of(config.run_id, [](unsigned char c) { return !std::isalnum(c); })) {
    return "--run-id must be 1.." + std::to_string(kRunIdBytesMax) + " letters or digits";
  }
  config.json = vm["json"].as<bool>();
  if (config.mode == Mode::kGet) {
    config.endpoint.target = config.endpoint.prefix + "/...";
    return ReadPaths(config.get_file, config.endpoint.prefix, config.targets);
  }
  return "";
}

// ---- Results ----------------------------------------------------------------------

// Request latencies in microseconds, in log-linear buckets: exact below 128 us, then 64
// buckets per power of two (each within 1/64 of its values) up to 2^32 us. Fixed size,
// whatever the run's length.
class LatencyHistogram {
 public:
  void Record(uint64_t us) {
    us = std::min<uint64_t>(us, UINT32_MAX);
    ++counts_[Index(us)];
    ++count_;
    sum_us_ += us;
    max_us_ = std::max(max_us_, us);
  }
  uint64_t count() const { return count_; }
  uint64_t max_us() const { return max_us_; }
  double mean_us() const { return count_ ? static_cast<double>(sum_us_) / count_ : 0; }

  // The least bucket top with at least q of the samples at or below it (at most max).
  uint64_t QuantileUs(double q) const {
    if (count_ == 0) return 0;
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(Top(i), max_us_);
    }
    return max_us_;
  }

 private:
  static constexpr unsigned kExact = 128;
  static constexpr unsigned kPerOctave = 64;
  static constexpr size_t kBuckets = kExact + 25 * kPerOctave;  // up to 2^32 us

  static size_t Index(uint64_t us) {
    if (us < kExact) return us;
    const unsigned shift = std::bit_width(us) - 7;  // us >> shift is 64..127
    return kExact + (shift - 1) * kPerOctave + ((us >> shift) - kPerOctave);
  }
  static uint64_t Top(size_t index) {
    if (index < kExact) return index;
    const unsigned shift = (index - kExact) / kPerOctave + 1;
    const uint64_t mantissa = (index - kExact) % kPerOctave + kPerOctave;
    return ((mantissa + 1) << shift) - 1;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_us_ = 0;
  uint64_t max_us_ = 0;
};

// Of the measured phase only.
struct Tally {
  uint64_t events_acked = 0;  // in 201 answers, replays included; GET: 2xx answers
  uint64_t events_replayed = 0;
  uint64_t requests = 0;  // answered, whatever the status
  uint64_t commands_sent = 0;
  uint64_t command_bytes = 0;              // of the commands alone, without the batch's wrapping
  uint64_t response_bytes = 0;             // of the answers' bodies, whatever the status
  std::map<std::string, uint64_t> errors;  // by HTTP status, "connection" or "timeout"
  uint64_t errors_total = 0;
  LatencyHistogram latency;
  double elapsed_s = 0;
  double client_cpu_s = 0;
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

uint64_t CountOf(std::string_view text, std::string_view what) {
  uint64_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- The load ---------------------------------------------------------------------

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The connections and the two phases (warmup, then measured) of one run. Everything
// runs on the thread that calls Connect and Run. `Stream` is PlainStream, or TlsStream
// for an https:// --url: each connection then handshakes (verifying the server) once
// after it connects, and the measured latency includes the encryption.
template <class Stream>
class LoadRun {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls`: the client context (ClientTlsContext), for TlsStream only.
  LoadRun(const Config& config, const Workload& workload, std::shared_ptr<ssl::context> tls)
      : config_(config), workload_(workload), tls_(std::move(tls)) {
    const std::string auth =
        config.token.empty() ? "" : "Authorization: Bearer " + config.token + "\r\n";
    header_prefix_ = "POST " + config.endpoint.target +
                     " HTTP/1.1\r\nHost: " + config.endpoint.host_header +
                     "\r\nContent-Type: application/json\r\n" + auth + "Content-Length: ";
    get_suffix_ = " HTTP/1.1\r\nHost: " + config.endpoint.host_header + "\r\n" + auth + "\r\n";
  }

  // Opens every connection; an error message when one cannot be opened.
  std::string Connect() {
    beast::error_code ec;
    endpoints_ = tcp::resolver(io_).resolve(config_.endpoint.host, config_.endpoint.port, ec);
    if (ec) return "cannot resolve " + config_.endpoint.host + ": " + ec.message();
    std::string error;
    for (unsigned i = 0; i < config_.clients; ++i) {
      clients_.push_back(std::make_unique<Client>(i));
      Open(*clients_.back(), [&error](beast::error_code, const std::string& why) {
        if (!why.empty() && error.empty()) error = why;
      });
    }
    io_.run();
    io_.restart();
    return error;
  }

  // The warmup, then the measured phase; returns when every connection is done.
  Tally Run() {
    live_ = config_.clients;
    if (config_.warmup_events > 0) {
      left_ = config_.warmup_events;
      for (auto& c : clients_) Step(*c);
    } else {
      StartMeasuring();
    }
    io_.run();
    for (auto& c : clients_) {
      beast::error_code ignored;
      Tcp(*c).socket().shutdown(tcp::socket::shutdown_both, ignored);
      Tcp(*c).close();
    }
    return std::move(tally_);
  }

 private:
  struct Client {
    explicit Client(unsigned index) : index(index) {}
    const unsigned index;
    std::optional<Stream> stream;  // a new one for each connection (Open)
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string header, body;            // the request in flight
    std::string next_header, next_body;  // the one after it, built ahead
    size_t events = 0, next_events = 0;  // commands in each (GET: 1); 0: none
    size_t command_bytes = 0, next_command_bytes = 0;
    size_t path = 0, next_path = 0;  // GET: the index in config_.targets
    uint64_t seq = 0;                // the connection's next event number
    Clock::time_point sent;
    bool measured = false;  // the request in flight counts in the results
    bool dropped = false;
  };

  beast::tcp_stream& Tcp(Client& c) { return beast::get_lowest_layer(*c.stream); }

  // Connects `c` on a new stream (and handshakes over TLS) within kConnectTimeoutS, then
  // calls done(ec, why): `why` is empty on success, else says what failed.
  template <class Done>
  void Open(Client& c, Done done) {
    if constexpr (kTls) {
      c.stream.emplace(io_, *tls_);
      ExpectServerName(c.stream->native_handle(), config_.endpoint);
    } else {
      c.stream.emplace(io_);
    }
    Tcp(c).expires_after(std::chrono::seconds(kConnectTimeoutS));
    Tcp(c).async_connect(endpoints_, [this, &c, done = std::move(done)](
                                         beast::error_code ec, const tcp::endpoint&) mutable {
      if (!ec) Tcp(c).socket().set_option(tcp::no_delay(true), ec);
      if (ec) return done(ec, "cannot connect to " + config_.endpoint.url + ": " + ec.message());
      if constexpr (kTls) {
        c.stream->async_handshake(ssl::stream_base::client, [this, &c, done = std::move(done)](
                                                                beast::error_code ec) mutable {
          done(ec, ec ? HandshakeFailure(config_.endpoint, c.stream->native_handle(), ec) : "");
        });
      } else {
        done(ec, "");
      }
    });
  }

  void StartMeasuring() {
    measuring_ = true;
    left_ = config_.duration.count() ? UINT64_MAX : config_.events;
    idle_ = 0;
    cpu_start_s_ = CpuSeconds();
    start_ = Clock::now();
    deadline_ = start_ + config_.duration;
    for (auto& c : clients_) {
      if (!c->dropped) Step(*c);
    }
  }

  // Builds the client's next request from what is left of the phase; false when
  // nothing is.
  bool Claim(Client& c) {
    const size_t count = std::min<uint64_t>(config_.batch, left_);
    if (count == 0) return false;
    if (left_ != UINT64_MAX) left_ -= count;
    c.next_body.clear();
    c.next_events = count;
    if (config_.mode == Mode::kGet) {
      c.next_path = next_path_;
      next_path_ = (next_path_ + 1) % config_.targets.size();
      c.next_header = "GET " + config_.targets[c.next_path] + get_suffix_;
      return true;
    }
    c.next_command_bytes = workload_.RenderBody(c.index, c.seq, count, c.next_body);
    c.seq += count;
    c.next_header = header_prefix_;
    AppendUint(c.next_header, c.next_body.size());
    c.next_header += "\r\n\r\n";
    return true;
  }

  // Sends the client's next request, if the phase has one for it.
  void Step(Client& c) {
    if (c.next_events == 0 && !Claim(c)) return Idle();
    if (measuring_ && config_.duration.count() && Clock::now() >= deadline_) {
      c.next_events = 0;
      return Idle();
    }
    std::swap(c.header, c.next_header);
    std::swap(c.body, c.next_body);
    c.events = std::exchange(c.next_events, 0);
    c.command_bytes = c.next_command_bytes;
    c.path = c.next_path;
    c.measured = measuring_;
    if (c.measured && config_.mode == Mode::kPost) {
      tally_.commands_sent += c.events;
      tally_.command_bytes += c.command_bytes;
    }
    Send(c);
    Claim(c);
  }

  void Send(Client& c) {
    c.parser.emplace();
    c.parser->body_limit(config_.mode == Mode::kGet ? kGetResponseBytesMax : kResponseBytesMax);
    Tcp(c).expires_after(std::chrono::seconds(kRequestTimeoutS));
    c.sent = Clock::now();
    // Not a std::array of two buffers: Asio's write loop for that shape passes an empty
    // first buffer once the header is sent, which Beast's ssl_stream (flat_stream, Boost
    // 1.81) then writes as 0 bytes, ending the write without the body.
    const auto wire = beast::buffers_cat(asio::buffer(c.header), asio::buffer(c.body));
    asio::async_write(*c.stream, wire, [this, &c](beast::error_code ec, size_t) {
      if (ec) return Drop(c, ec);
      http::async_read(*c.stream, c.buffer, *c.parser,
                       [this, &c](beast::error_code ec, size_t) { OnResponse(c, ec); });
    });
  }

  void OnResponse(Client& c, beast::error_code ec) {
    const auto latency = Clock::now() - c.sent;
    if (ec) return Drop(c, ec);
    const http::response<http::string_body>& res = c.parser->get();
    if (c.measured) {
      ++tally_.requests;
      tally_.response_bytes += res.body().size();
      tally_.latency.Record(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
    }
    if (config_.mode == Mode::kGet) {
      if (res.result_int() / 100 != 2) {
        Problem(std::to_string(res.result_int()),
                "GET " + config_.targets[c.path] + ": " + res.body());
      } else if (c.measured) {
        ++tally_.events_acked;
      }
    } else if (res.result() != http::status::created) {
      Problem(std::to_string(res.result_int()), res.body());
    } else if (c.measured) {
      tally_.events_acked += c.events;
      tally_.events_replayed += CountOf(res.body(), R"("replayed":true)");
    }
    if (!res.keep_alive()) return Reconnect(c);
    Step(c);
  }

  // The server closed the connection after its answer (as it does after some errors).
  void Reconnect(Client& c) {
    Tcp(c).close();
    c.buffer.clear();
    Open(c, [this, &c](beast::error_code ec, const std::string& why) {
      if (ec) return Drop(c, ec, why);
      Step(c);
    });
  }

  // The connection failed: counted, and it sends nothing more.
  void Drop(Client& c, beast::error_code ec, const std::string& why = "") {
    Problem(ec == beast::error::timeout ? "timeout" : "connection",
            "client " + std::to_string(c.index) + ": " + (why.empty() ? ec.message() : why));
    c.dropped = true;
    Tcp(c).close();
    --live_;
    PhaseDone();
  }

  void Problem(const std::string& label, std::string_view detail) {
    ++tally_.errors[label];
    if (++tally_.errors_total > kProblemsShownMax) return;
    if (detail.size() > kProblemBytesShownMax) detail = detail.substr(0, kProblemBytesShownMax);
    while (!detail.empty() && std::isspace(static_cast<unsigned char>(detail.back())))
      detail.remove_suffix(1);
    std::fprintf(stderr, "ledgerctl bench: %s: %.*s\n", label.c_str(),
                 static_cast<int>(detail.size()), detail.data());
  }

  void Idle() {
    ++idle_;
    PhaseDone();
  }

  // When every live connection is idle: the warmup gives way to the measured phase,
  // which ends the run.
  void PhaseDone() {
    if (idle_ < live_) return;
    if (!measuring_) return StartMeasuring();
    tally_.elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
    tally_.client_cpu_s = CpuSeconds() - cpu_start_s_;
  }

  const Config& config_;
  const Workload& workload_;
  asio::io_context io_;
  const std::shared_ptr<ssl::context> tls_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::string header_prefix_;  // POST, up to the Content-Length value
  std::string get_suffix_;     // GET, after the path
  size_t next_path_ = 0;       // the shared position in config_.targets
  bool measuring_ = false;
  uint64_t left_ = 0;  // events the phase may still claim; UINT64_MAX: until the deadline
  unsigned live_ = 0;  // connections not dropped
  unsigned idle_ = 0;  // live connections with nothing more to send in this phase
  Clock::time_point start_, deadline_;
  double cpu_start_s_ = 0;
  Tally tally_;
};

// ---- Reports ----------------------------------------------------------------------

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

std::string ErrorList(const Tally& t) {
  std::string list;
  for (const auto& [label, n] : t.errors)
    list += (list.empty() ? "" : ", ") + label + ": " + std::to_string(n);
  return list;
}

double Mean(uint64_t total, uint64_t count) {
  return count ? static_cast<double>(total) / count : 0;
}

void PrintSummary(const Config& c, const Tally& t, FILE* out) {
  const double elapsed = std::max(t.elapsed_s, 1e-9);
  const LatencyHistogram& l = t.latency;
  const char* scheme = c.endpoint.tls ? "https" : "http";
  const auto ull = [](uint64_t n) { return static_cast<unsigned long long>(n); };
  if (c.mode == Mode::kGet) {
    std::fprintf(out, "ledgerctl bench: GET %s://%s%s (%zu paths of %s), %u clients\n", scheme,
                 c.endpoint.host_header.c_str(), c.endpoint.target.c_str(), c.targets.size(),
                 c.get_file.c_str(), c.clients);
    std::fprintf(out, "  answered 2xx         %llu\n", ull(t.events_acked));
  } else {
    std::fprintf(out, "ledgerctl bench: POST %s://%s%s, %u clients x batch %zu, %s, run %s\n",
                 scheme, c.endpoint.host_header.c_str(), c.endpoint.target.c_str(), c.clients,
                 c.batch, std::string(KindName(c.kind)).c_str(), c.run_id.c_str());
    std::fprintf(out, "  events acknowledged  %llu (%llu replayed)\n", ull(t.events_acked),
                 ull(t.events_replayed));
  }
  std::fprintf(out, "  requests             %llu\n", ull(t.requests));
  std::fprintf(out, "  errors               %llu%s%s%s\n", ull(t.errors_total),
               t.errors.empty() ? "" : " (", ErrorList(t).c_str(), t.errors.empty() ? "" : ")");
  std::fprintf(out, "  elapsed              %.3f s\n", t.elapsed_s);
  if (c.mode == Mode::kGet) {
    std::fprintf(out, "  throughput           %.1f requests/s\n", t.requests / elapsed);
  } else {
    std::fprintf(out, "  throughput           %.0f events/s, %.1f requests/s\n",
                 t.events_acked / elapsed, t.requests / elapsed);
    std::fprintf(out, "  command bytes        %.0f mean\n", Mean(t.command_bytes, t.commands_sent));
  }
  std::fprintf(out, "  response bytes       %llu (%.0f mean)\n", ull(t.response_bytes),
               Mean(t.response_bytes, t.requests));
  std::fprintf(out,
               "  latency ms           p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  "
               "mean %.3f\n",
               Ms(l.QuantileUs(0.5)), Ms(l.QuantileUs(0.9)), Ms(l.QuantileUs(0.99)),
               Ms(l.QuantileUs(0.999)), Ms(l.max_us()), l.mean_us() / 1000.0);
  std::fprintf(out, "  client cpu           %.2f s (%.0f%% of one core)\n", t.client_cpu_s,
               100.0 * t.client_cpu_s / elapsed);
}

// One flat JSON object. Written by hand rather than with Boost.JSON, whose doubles come
// out as "8.9896E3": the numbers here are for people and shell scripts too.
class JsonLine {
 public:
  JsonLine& Str(std::string_view key, std::string_view value) {
    Key(key);
    out_ += json::serialize(json::string(value));
    return *this;
  }
  JsonLine& Uint(std::string_view key, uint64_t value) {
    Key(key);
    AppendUint(out_, value);
    return *this;
  }
  JsonLine& Fixed(std::string_view key, double value, int decimals) {
    Key(key);
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, std::isfinite(value) ? value : 0.0);
    out_ += text;
    return *this;
  }
  JsonLine& Raw(std::string_view key, std::string_view json_value) {
    Key(key);
    out_ += json_value;
    return *this;
  }
  std::string Done() { return out_ + "}"; }

 private:
  void Key(std::string_view key) {
    out_ += out_.size() > 1 ? "," : "";
    out_ += json::serialize(json::string(key));
    out_ += ':';
  }
  std::string out_ = "{";
};

std::string JsonReport(const Config& c, const Tally& t) {
  const double elapsed = std::max(t.elapsed_s, 1e-9);
  const LatencyHistogram& l = t.latency;
  JsonLine errors;
  for (const auto& [label, n] : t.errors) errors.Uint(label, n);
  JsonLine o;
  o.Str("mode", c.mode == Mode::kGet ? "get" : "post");
  o.Str("url", c.endpoint.url).Str("target", c.endpoint.target);
  o.Uint("clients", c.clients).Uint("batch", c.batch);
  if (c.mode == Mode::kGet) {
    o.Str("get_file", c.get_file).Uint("paths", c.targets.size());
  } else {
    o.Str("kind", KindName(c.kind)).Str("run", c.run_id);
  }
  o.Uint("warmup_events", c.warmup_events);
  if (c.duration.count()) o.Fixed("duration_s", c.duration.count() / 1000.0, 3);
  o.Uint("events_acked", t.events_acked).Uint("events_replayed", t.events_replayed);
  o.Uint("requests", t.requests).Uint("errors_total", t.errors_total);
  o.Raw("errors", errors.Done());
  o.Fixed("elapsed_s", t.elapsed_s, 4);
  o.Fixed("events_per_s", t.events_acked / elapsed, 1);
  o.Fixed("requests_per_s", t.requests / elapsed, 1);
  o.Fixed("latency_ms_p50", Ms(l.QuantileUs(0.5)), 3);
  o.Fixed("latency_ms_p90", Ms(l.QuantileUs(0.9)), 3);
  o.Fixed("latency_ms_p99", Ms(l.QuantileUs(0.99)), 3);
  o.Fixed("latency_ms_p999", Ms(l.QuantileUs(0.999)), 3);
  o.Fixed("latency_ms_max", Ms(l.max_us()), 3);
  o.Fixed("latency_ms_mean", l.mean_us() / 1000.0, 3);
  o.Fixed("client_cpu_s", t.client_cpu_s, 3);
  o.Uint("response_bytes_total", t.response_bytes);
  o.Fixed("response_bytes_mean", Mean(t.response_bytes, t.requests), 1);
  if (c.mode == Mode::kPost) {
    o.Uint("commands_sent", t.commands_sent).Uint("command_bytes_total", t.command_bytes);
    o.Fixed("command_bytes_mean", Mean(t.command_bytes, t.commands_sent), 1);
  }
  return o.Done();
}

// --emit: the --warmup and then the --events commands of connection 0, one per line, as
// a --clients 1 run with the same --run-id sends them.
int Emit(const Config& config, const Workload& workload) {
  const bool to_stdout = config.emit_file == "-";
  FILE* out = to_stdout ? stdout : std::fopen(config.emit_file.c_str(), "wb");
  if (!out) return Fail(kCommand, "cannot write " + config.emit_file, kExitFailure);
  const uint64_t total = config.warmup_events + config.events;
  std::string lines;
  bool ok = true;
  for (uint64_t seq = 0; seq < total && ok; ++seq) {
    workload.RenderCommand(0, seq, lines);
    lines += '\n';
    if (lines.size() >= 1 << 20 || seq + 1 == total) {
      ok = std::fwrite(lines.data(), 1, lines.size(), out) == lines.size();
      lines.clear();
    }
  }
  ok = std::fflush(out) == 0 && ok;
  if (!to_stdout) ok = std::fclose(out) == 0 && ok;
  if (!ok) return Fail(kCommand, "cannot write " + config.emit_file, kExitFailure);
  return kExitOk;
}

}  // namespace

int RunBench(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("url", po::value<std::string>()->default_value("http://127.0.0.1:8080"),
      "the ledgerd to load: http://HOST[:PORT][/PREFIX] or https://...");
  AddCaCertOption(add);
  add("clients", po::value<unsigned>()->default_value(8),
      "keep-alive connections, each with one request in flight (1..1024)");
  add("batch", po::value<size_t>()->default_value(100), "commands per request (1..1000)");
  add("events", po::value<uint64_t>()->default_value(100000),
      "measured events to send (with --get: requests)");
  add("duration", po::value<std::string>(),
      "send new requests for this long instead of --events: 30s, 500ms, 2m");
  add("warmup", po::value<uint64_t>()->default_value(0),
      "events (with --get: requests) sent before the measured phase (not counted)");
  add("kind", po::value<std::string>()->default_value("account"),
      "account: account.registered; activity: activity.logged (~600 bytes, the shape of "
      "ledger_bench's in-process appends)");
  add("mix", po::bool_switch(),
      "the life of a deal, 20 events of 17 types, repeated: account, contact, call, "
      "opportunity, visit, stage changes, won, product, contract, order and its status, "
      "invoice, payment, ticket assigned and worked on (about 150 to 1,100 bytes, 470 on "
      "average; Chinese and English text)");
  AddTokenOption(add);
  add("run-id", po::value<std::string>(),
      "in every record id and idempotency key (default: 8 random characters)");
  add("get", po::value<std::string>()->value_name("FILE"),
      "send GET requests instead: FILE holds one path per line (/v1/records/...), taken "
      "in turn by every connection from one shared position, wrapping around; any "
      "answer but 2xx is an error");
  add("emit", po::value<std::string>()->value_name("FILE"),
      "send nothing: write the commands (NDJSON, one per line; - is stdout) that a "
      "--clients 1 run with the same --run-id, --kind/--mix, --warmup and --events sends");
  add("json", po::bool_switch(), "print one JSON object to stdout, the summary to stderr");
  Parsed parsed = Parse(
      kCommand,
      "bench [--url URL] [--clients N] [--batch N] [--events N | --duration T] [...]\n"
      "       ledgerctl bench --get FILE [--url URL] [--clients N] [--events N | --duration T] "
      "[...]\n"
      "       ledgerctl bench --emit FILE [--mix | --kind K] [--events N] [--run-id ID]",
      "Loads a running ledgerd with POST /v1/events: --clients keep-alive connections, each\n"
      "sending a batch of --batch valid commands (new records, unique to this run) and\n"
      "waiting for its answer before the next. Reports events acknowledged, requests, errors\n"
      "by status, elapsed time, events/s, requests/s, the mean bytes of a command and of an\n"
      "answer, and the latency of each request (from its write to the end of its response)\n"
      "at p50, p90, p99, p99.9 and max. The first few problem answers are printed to stderr.\n"
      "With --get FILE it sends GET requests for the paths in FILE instead (--events counts\n"
      "requests), e.g. ledgerctl bench --get paths.txt --token $T --clients 4 --duration 10s;\n"
      "with --emit FILE it writes the commands it would send and exits.\n"
      "exit codes: 0 every request answered 201 (--get: 2xx), 1 some failed, 2 usage error,\n"
      "3 cannot connect.",
      options, args);
  if (parsed.done) return parsed.exit;
  Config config;
  if (std::string error = CheckOptions(parsed.vm, config); !error.empty())
    return Fail(kCommand, error, kExitUsage);
  const Workload workload(config.kind, config.run_id);
  if (config.mode == Mode::kEmit) return Emit(config, workload);
  std::shared_ptr<ssl::context> tls;
  if (config.endpoint.tls) {
    auto context = ClientTlsContext(config.endpoint);
    if (!context.ok()) return Fail(kCommand, context.status());
    tls = std::move(context).value();
  }
  auto load = [&](auto&& run) -> std::optional<Tally> {
    if (std::string error = run.Connect(); !error.empty()) {
      Fail(kCommand, error, kExitFailure);
      return std::nullopt;
    }
    return run.Run();
  };
  const std::optional<Tally> ran = tls ? load(LoadRun<TlsStream>(config, workload, tls))
                                       : load(LoadRun<PlainStream>(config, workload, nullptr));
  if (!ran) return kExitFailure;
  const Tally& tally = *ran;
  PrintSummary(config, tally, config.json ? stderr : stdout);
  if (config.json) std::printf("%s\n", JsonReport(config, tally).c_str());
  std::fflush(stdout);
  return tally.errors_total > 0 ? kExitRequestsFailed : kExitOk;
}

}  // namespace ledgerctl
