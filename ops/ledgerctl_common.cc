#include "ops/ledgerctl_common.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "ledger/keys.h"
#include "ops/ledgerctl_tls.h"

namespace ledgerctl {

namespace po = boost::program_options;

std::filesystem::path LogDir(const std::filesystem::path& data) { return data / "log"; }
std::filesystem::path KeysDir(const std::filesystem::path& data) { return data / "keys"; }
std::filesystem::path VerifierKeysFile(const std::filesystem::path& data) {
  return KeysDir(data) / ledger::kVerifierKeysFile;
}

int ExitFor(const ledger::Status& status) {
  switch (status.code()) {
    case ledger::Code::kOk:
      return kExitOk;
    case ledger::Code::kInvalidArgument:
    case ledger::Code::kNotFound:
    case ledger::Code::kConflict:
    case ledger::Code::kIllegalTransition:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int Fail(std::string_view command, const std::string& message, int code) {
  std::fprintf(stderr, "ledgerctl %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               message.c_str());
  return code;
}

int Fail(std::string_view command, const ledger::Status& status) {
  std::string message = status.message();
  for (const ledger::Violation& v : status.violations()) {
    message += "; " + (v.pointer.empty() ? std::string("/") : v.pointer) + ": " + v.reason;
  }
  return Fail(command, message, ExitFor(status));
}

Parsed Parse(std::string_view command, std::string_view synopsis, std::string_view description,
             po::options_description& options, const std::vector<std::string>& args) {
  options.add_options()("help,h", "print this help and exit");
  Parsed parsed;
  try {
    po::store(po::command_line_parser(args).options(options).run(), parsed.vm);
    if (parsed.vm.count("help")) {
      std::cout << "usage: ledgerctl " << synopsis << "\n\n"
                << description << "\n\n"
                << options << std::flush;
      parsed.done = true;
      return parsed;
    }
    po::notify(parsed.vm);
  } catch (const po::error& e) {
    Fail(command, std::string(e.what()) + " (see ledgerctl " + std::string(command) + " --help)",
         kExitUsage);
    parsed.done = true;
    parsed.exit = kExitUsage;
  }
  return parsed;
}

void AddKafkaOptions(boost::program_options::options_description_easy_init& add,
                     std::string_view what) {
  namespace po = boost::program_options;
  add("kafka-brokers", po::value<std::string>(),
      (std::string(what) + ": bootstrap servers HOST:PORT[,...] (the topic is read as of "
                           "opening, never created)")
          .c_str());
  add("kafka-topic",
      po::value<std::string>()->default_value(std::string(ledger::kKafkaTopicDefault)),
      "with --kafka-brokers: the ledger's topic");
  add("kafka-config", po::value<std::vector<std::string>>(),
      "with --kafka-brokers: a librdkafka setting KEY=VALUE (repeatable), e.g. "
      "security.protocol=SSL");
}

ledger::Result<std::unique_ptr<ledger::KafkaLog>> OpenKafkaLog(
    const boost::program_options::variables_map& vm) {
  ledger::KafkaLogOptions kafka{.brokers = vm["kafka-brokers"].as<std::string>(),
                                .topic = vm["kafka-topic"].as<std::string>()};
  if (vm.count("kafka-config")) {
    for (const std::string& setting : vm["kafka-config"].as<std::vector<std::string>>()) {
      if (ledger::Status s = kafka.config.Add(setting); !s.ok())
        return ledger::Status::Invalid("--kafka-config " + setting + ": " + s.message());
    }
  }
  return ledger::KafkaLog::Open(kafka);
}

std::optional<Endpoint> ParseUrl(const std::string& url, std::string& error) {
  constexpr std::string_view kUsage = "--url must be http://HOST[:PORT][/PREFIX] or https://...";
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) {
    error = std::string(kUsage) + ", not \"" + url + "\"";
    return std::nullopt;
  }
  Endpoint e;
  e.url = url;
  e.tls = tls;
  std::string_view rest = std::string_view(url).substr(tls ? 8 : 7);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (path.ends_with('/')) path.remove_suffix(1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {  // [::1]:8080
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      host = "";
    else {
      host = authority.substr(1, close - 1);
      port = authority.substr(close + 1);
      if (!port.empty() && !port.starts_with(':')) host = "";
      if (!port.empty()) port.remove_prefix(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  unsigned port_number = tls ? 443 : 80;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number < 1 ||
        port_number > 65535) {
      port_number = 0;
    }
  }
  const auto bad_char = [](char c) { return c <= ' ' || c > '~' || c == '@'; };
  if (host.empty() || port_number == 0 || std::ranges::any_of(authority, bad_char) ||
      path.find_first_of("?# ") != std::string_view::npos) {
    error = std::string(kUsage) + ", not \"" + url + "\"";
    return std::nullopt;
  }
  e.host = std::string(host);
  e.port = std::to_string(port_number);
  e.host_header = std::string(authority);
  e.prefix = std::string(path);
  return e;
}

void AddTokenOption(boost::program_options::options_description_easy_init& add) {
  add("token", boost::program_options::value<std::string>(),
      "the bearer token to send (default: the LEDGER_TOKEN environment variable)");
}

std::string TokenOf(const boost::program_options::variables_map& vm) {
  if (vm.count("token")) return vm["token"].as<std::string>();
  const char* env = std::getenv("LEDGER_TOKEN");
  return env == nullptr ? "" : env;
}

ledger::Result<HttpReply> HttpGet(const Endpoint& endpoint, const std::string& route,
                                  std::chrono::milliseconds timeout) {
  return HttpSend(endpoint, boost::beast::http::verb::get, route, timeout);
}

ledger::Result<HttpReply> HttpSend(const Endpoint& endpoint, boost::beast::http::verb verb,
                                   const std::string& route, std::chrono::milliseconds timeout) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  auto resolved = boost::asio::ip::tcp::resolver(io).resolve(endpoint.host, endpoint.port, ec);
  const std::string where = endpoint.url + route;
  if (ec)
    return ledger::Status::Unavailable("cannot resolve " + endpoint.host + ": " + ec.message());
  stream.expires_after(timeout);
  stream.connect(resolved, ec);
  if (ec)
    return ledger::Status::Unavailable("cannot connect to " + endpoint.url + ": " + ec.message());
  http::request<http::empty_body> req(verb, endpoint.prefix + route, 11);
  req.set(http::field::host, endpoint.host_header);
  req.set(http::field::user_agent, "ledgerctl");
  if (!endpoint.token.empty()) req.set(http::field::authorization, "Bearer " + endpoint.token);
  if (verb != http::verb::get) req.content_length(0);
  if (endpoint.tls) return HttpsExchange(endpoint, io, std::move(stream), req);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec)
    return ledger::Status::Unavailable(std::string(http::to_string(verb)) + " " + where + ": " +
                                       ec.message());
  const auto& res = parser.get();
  return HttpReply{res.result_int(), std::string(res[http::field::content_type]), res.body()};
}

std::string ProblemDetail(const HttpReply& reply) {
  boost::json::error_code ec;
  auto v = boost::json::parse(reply.body, ec);
  if (!ec && v.is_object()) {
    std::string out;
    if (const auto* d = v.as_object().if_contains("detail"); d != nullptr && d->is_string())
      out = d->as_string();
    const auto* violations = v.as_object().if_contains("violations");
    for (size_t i = 0;
         violations != nullptr && violations->is_array() && i < violations->as_array().size();
         ++i) {
      const auto* item = violations->as_array()[i].if_object();
      if (item == nullptr) continue;
      auto text = [&](const char* key) {
        const auto* s = item->if_contains(key);
        return s != nullptr && s->is_string() ? std::string(s->as_string()) : std::string();
      };
      out += (i == 0 ? ": " : "; ") + text("pointer") + " " + text("reason");
    }
    if (!out.empty()) return out;
  }
  return reply.body.substr(0, 300);
}

}  // namespace ledgerctl
