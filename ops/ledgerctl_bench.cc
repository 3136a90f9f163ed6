// ledgerctl bench: a load generator for POST /v1/events of a running ledgerd.
//
// One thread drives every connection (one io_context, async operations): on the 2-core
// machines the server needs the cores, and a connection costs the client microseconds
// per request. Each keep-alive connection sends a batch, waits for its answer, then
// sends the next. A connection's next request is built while its current one is in
// flight, so building is never inside the measured latency, which runs from the write
// of a request to the last byte of its response.
//
// The commands are valid for the sales domain (schemas/README.md) and unique per run:
// every record id and idempotency key holds the run id, so runs against one ledger never
// collide. Connections take their batches from one shared count of events, so the
// fastest do the most and none is left finishing alone.
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
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "ledger/event.h"
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

constexpr std::string_view kCommand = "bench";
constexpr int kExitRequestsFailed = 1;  // bench's meaning of exit code 1
constexpr unsigned kClientsMax = 1024;
constexpr size_t kBatchMax = 1000;  // POST /v1/events takes at most 1,000 commands
constexpr uint32_t kResponseBytesMax = 4 * 1024 * 1024;
constexpr unsigned kConnectTimeoutS = 10;
constexpr unsigned kRequestTimeoutS = 60;
constexpr unsigned kProblemsShownMax = 5;
constexpr size_t kProblemBytesShownMax = 2000;
constexpr size_t kRunIdBytesMax = 12;  // keeps the longest record id far below 64 bytes
constexpr std::chrono::hours kDurationMax{24};

enum class Kind { kAccount, kActivity, kMix };

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kAccount:
      return "account";
    case Kind::kActivity:
      return "activity";
    case Kind::kMix:
      return "mix";
  }
  return "?";
}

struct Config {
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

// Fills `config` from the parsed options; returns an error message for a bad one.
std::string CheckOptions(const po::variables_map& vm, Config& config) {
  std::string error;
  auto endpoint = ParseUrl(vm["url"].as<std::string>(), error);
  if (endpoint) endpoint->target = endpoint->prefix + "/v1/events";
  if (!endpoint) return error;
  UseCaCert(vm, *endpoint);
  config.endpoint = std::move(*endpoint);
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
  return "";
}

// ---- The commands -----------------------------------------------------------------

void AppendUint(std::string& out, uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

template <typename... Parts>
void Append(std::string& out, const Parts&... parts) {
  (out.append(parts), ...);
}

// What a connection sends: its event number `seq` (0, 1, 2, ...) always renders to the
// same command. Stateless; called on the run's one thread.
class Workload {
 public:
  Workload(Kind kind, std::string run_id) : kind_(kind), run_id_(std::move(run_id)) {}

  // Appends `count` commands, from the client's event `seq` on, as {"events":[...]}.
  void RenderBody(unsigned client, uint64_t seq, size_t count, std::string& body) const {
    body += R"({"events":[)";
    for (size_t i = 0; i < count; ++i) {
      if (i) body += ',';
      RenderCommand(client, seq + i, body);
    }
    body += "]}";
  }

  // Appends one command as its own line (for --write-commands).
  void RenderLine(unsigned client, uint64_t seq, std::string& out) const {
    RenderCommand(client, seq, out);
    out += '\n';
  }

 private:
  static constexpr std::array<std::string_view, 4> kOwners = {"u:zhang.wei", "u:li.na",
                                                              "u:wang.fang", "u:chen.jie"};
  static constexpr std::array<std::string_view, 5> kIndustries = {
      "manufacturing", "automotive", "electronics", "logistics", "retail"};
  static constexpr std::array<std::string_view, 5> kSizes = {"micro", "small", "medium", "large",
                                                             "enterprise"};

  void RenderCommand(unsigned client, uint64_t seq, std::string& out) const {
    switch (kind_) {
      case Kind::kAccount:
        return Account(client, seq, seq, out);
      case Kind::kActivity:
        return Activity(client, seq, out);
      case Kind::kMix:  // an account, then a contact at it, then a deal with both
        switch (seq % 3) {
          case 0:
            return Account(client, seq, seq / 3, out);
          case 1:
            return Contact(client, seq, seq / 3, out);
          default:
            return Opportunity(client, seq, seq / 3, out);
        }
    }
  }

  // "<prefix><run>-<client>-<n>", e.g. ACC-k3j4h2ab-0-17.
  void Id(std::string& out, std::string_view prefix, unsigned client, uint64_t n) const {
    Append(out, prefix, run_id_, std::string_view("-"));
    AppendUint(out, client);
    out += '-';
    AppendUint(out, n);
  }

  void Head(std::string& out, std::string_view type, std::string_view kind, std::string_view prefix,
            unsigned client, uint64_t seq, uint64_t record) const {
    Append(out, std::string_view(R"({"type":")"), type, std::string_view(R"(","subject":")"), kind,
           std::string_view("/"));
    Id(out, prefix, client, record);
    out += R"(","id":")";
    Id(out, "bench-", client, seq);
    out += R"(","data":{)";
  }

  void Account(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
    Head(out, "account.registered", "account", "ACC-", client, seq, n);
    out += R"("name":"恒锐精密机械 Hengrui Precision Machinery No. )";
    AppendUint(out, n);
    Append(out, std::string_view(R"(","owner":")"), kOwners[n % kOwners.size()],
           std::string_view(R"(","industry":")"), kIndustries[n % kIndustries.size()],
           std::string_view(R"(","size":")"), kSizes[n % kSizes.size()]);
    out += R"(","address":{"line1":"嘉定区安亭镇墨玉南路 888 号","city":"上海 Shanghai",)"
           R"("region":"上海市","postal_code":"201805","country":"CN"},)"
           R"("phone":"+86 21 5957 8800","tags":["bench","MES 目标客户"],)"
           R"("description":"为新能源汽车生产精密齿轮与壳体。Precision gears and housings )"
           R"(for EV makers."}})";
  }

  void Contact(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
    Head(out, "contact.registered", "contact", "CON-", client, seq, n);
    out += R"("name":"王建国","title":"生产总监 Production Director","account":")";
    Id(out, "ACC-", client, n);
    Append(out,
           std::string_view(R"(","role":"decision_maker",)"
                            R"("emails":["wang.jianguo@hengrui-precision.example.cn"],)"
                            R"("preferred_channel":"wechat","owner":")"),
           kOwners[n % kOwners.size()], std::string_view(R"("}})"));
  }

  void Opportunity(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
    Head(out, "opportunity.opened", "opportunity", "OPP-", client, seq, n);
    out += R"("name":"MES 数字化车间项目 / MES digital workshop","account":")";
    Id(out, "ACC-", client, n);
    Append(out, std::string_view(R"(","owner":")"), kOwners[n % kOwners.size()],
           std::string_view(R"(","stage":"prospecting","amount":{"amount":)"));
    AppendUint(out, (n % 50 + 1) * 1000000);
    out += R"(,"currency":"CNY"},"close_date":"2026-06-30","probability":10,)"
           R"("source":"trade_show","contacts":[")";
    Id(out, "CON-", client, n);
    out += R"("]}})";
  }

  // The shape of ledger_bench's in-process append (bench/append_bench.cc), made valid.
  void Activity(unsigned client, uint64_t seq, std::string& out) const {
    Head(out, "activity.logged", "activity", "ACT-", client, seq, seq);
    Append(out,
           std::string_view(R"("channel":"visit","subject":"季度回访 quarterly review",)"
                            R"("started_at":"2026-03-02T10:00:00+08:00",)"
                            R"("duration_minutes":45,"owner":")"),
           kOwners[seq % kOwners.size()]);
    out += R"(","direction":"outbound","content":"与采购部王经理讨论了第二季度的续约和新增席位，)"
           R"(客户关注价格和交付周期。Discussed Q2 renewal and extra seats.","outcome":"positive",)"
           R"("next_follow_up":{"date":"2026-03-09","action":"发送报价 / send the quote"}}})";
  }

  const Kind kind_;
  const std::string run_id_;
};

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

struct Tally {
  uint64_t events_acked = 0;  // in 201 answers, replays included
  uint64_t events_replayed = 0;
  uint64_t requests = 0;                   // answered, whatever the status
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
    header_prefix_ =
        "POST " + config.endpoint.target + " HTTP/1.1\r\nHost: " + config.endpoint.host_header +
        "\r\nContent-Type: application/json\r\n" +
        (config.token.empty() ? "" : "Authorization: Bearer " + config.token + "\r\n") +
        "Content-Length: ";
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
    size_t events = 0, next_events = 0;  // commands in each; 0: none
    uint64_t seq = 0;                    // the connection's next event number
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
    workload_.RenderBody(c.index, c.seq, count, c.next_body);
    c.seq += count;
    c.next_header = header_prefix_;
    AppendUint(c.next_header, c.next_body.size());
    c.next_header += "\r\n\r\n";
    c.next_events = count;
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
    c.measured = measuring_;
    Send(c);
    Claim(c);
  }

  void Send(Client& c) {
    c.parser.emplace();
    c.parser->body_limit(kResponseBytesMax);
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
      tally_.latency.Record(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
    }
    if (res.result() != http::status::created) {
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
  std::string header_prefix_;
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

void PrintSummary(const Config& c, const Tally& t, FILE* out) {
  const double elapsed = std::max(t.elapsed_s, 1e-9);
  const LatencyHistogram& l = t.latency;
  std::fprintf(out, "ledgerctl bench: POST %s://%s%s, %u clients x batch %zu, %s, run %s\n",
               c.endpoint.tls ? "https" : "http", c.endpoint.host_header.c_str(),
               c.endpoint.target.c_str(), c.clients, c.batch, std::string(KindName(c.kind)).c_str(),
               c.run_id.c_str());
  std::fprintf(out, "  events acknowledged  %llu (%llu replayed)\n",
               static_cast<unsigned long long>(t.events_acked),
               static_cast<unsigned long long>(t.events_replayed));
  std::fprintf(out, "  requests             %llu\n", static_cast<unsigned long long>(t.requests));
  std::fprintf(out, "  errors               %llu%s%s%s\n",
               static_cast<unsigned long long>(t.errors_total), t.errors.empty() ? "" : " (",
               ErrorList(t).c_str(), t.errors.empty() ? "" : ")");
  std::fprintf(out, "  elapsed              %.3f s\n", t.elapsed_s);
  std::fprintf(out, "  throughput           %.0f events/s, %.1f requests/s\n",
               t.events_acked / elapsed, t.requests / elapsed);
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
  o.Str("url", c.endpoint.url).Str("target", c.endpoint.target);
  o.Uint("clients", c.clients).Uint("batch", c.batch).Str("kind", KindName(c.kind));
  o.Str("run", c.run_id).Uint("warmup_events", c.warmup_events);
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
  return o.Done();
}

// --write-commands: the commands of connection 0, one a line; no ledgerd is needed.
int WriteCommands(const Config& config, const Workload& workload, const po::variables_map& vm) {
  const std::string path = vm["write-commands"].as<std::string>();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return Fail(kCommand, "cannot create " + path, kExitFailure);
  std::string lines;
  for (uint64_t seq = 0; seq < config.events; ++seq) {
    workload.RenderLine(0, seq, lines);
    if (lines.size() < (1 << 20) && seq + 1 < config.events) continue;
    if (std::fwrite(lines.data(), 1, lines.size(), file) != lines.size()) break;
    lines.clear();
  }
  if (std::fclose(file) != 0 || !lines.empty()) {
    return Fail(kCommand, "cannot write " + path, kExitFailure);
  }
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
  add("events", po::value<uint64_t>()->default_value(100000), "measured events to send");
  add("duration", po::value<std::string>(),
      "send new requests for this long instead of --events: 30s, 500ms, 2m");
  add("warmup", po::value<uint64_t>()->default_value(0),
      "events sent before the measured phase (appended, not counted)");
  add("kind", po::value<std::string>()->default_value("account"),
      "account: account.registered; activity: activity.logged (~600 bytes, the shape of "
      "ledger_bench's in-process appends)");
  add("mix", po::bool_switch(),
      "cycle account.registered, contact.registered at that account, opportunity.opened "
      "with both");
  AddTokenOption(add);
  add("run-id", po::value<std::string>(),
      "in every record id and idempotency key (default: 8 random characters)");
  add("json", po::bool_switch(), "print one JSON object to stdout, the summary to stderr");
  add("write-commands", po::value<std::string>(),
      "write the --events commands one connection would send to this NDJSON file and exit "
      "(for other stores' benchmarks, e.g. ledger-pg-bench ingest); sends nothing");
  Parsed parsed = Parse(
      kCommand, "bench [--url URL] [--clients N] [--batch N] [--events N | --duration T] [...]",
      "Loads a running ledgerd with POST /v1/events: --clients keep-alive connections, each\n"
      "sending a batch of --batch valid commands (new records, unique to this run) and\n"
      "waiting for its answer before the next. Reports events acknowledged, requests, errors\n"
      "by status, elapsed time, events/s, requests/s and the latency of each request (from\n"
      "its write to the end of its response) at p50, p90, p99, p99.9 and max.\n"
      "The first few problem answers are printed to stderr.\n"
      "exit codes: 0 every request answered 201, 1 some failed, 2 usage error, 3 cannot "
      "connect.",
      options, args);
  if (parsed.done) return parsed.exit;
  Config config;
  if (std::string error = CheckOptions(parsed.vm, config); !error.empty())
    return Fail(kCommand, error, kExitUsage);
  const Workload workload(config.kind, config.run_id);
  if (parsed.vm.count("write-commands")) return WriteCommands(config, workload, parsed.vm);
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
