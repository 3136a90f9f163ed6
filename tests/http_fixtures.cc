#include "tests/http_fixtures.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "ingest/sealing.h"
#include "ingest/tokens.h"
#include "ledger/canonical.h"
#include "ledger/crypto.h"

namespace ledger_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using tcp = asio::ip::tcp;

std::vector<std::string> LedgerdArgv(const fs::path& data, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{LedgerdPath(), "--data", data.string(), "--listen", "127.0.0.1:0"};
  bool keyed = false;
  for (const std::string& arg : extra) keyed = keyed || arg == "--master-key-file";
  if (!keyed) argv.insert(argv.end(), {"--master-key-file", MasterKeyFile(data).string()});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

fs::path StderrFile(const fs::path& data) {
  return data.parent_path() / (data.filename().string() + "-ledgerd.err");
}

std::string Quoted(const std::string& s) { return json::serialize(json::value(s)); }

// The tokens of each started Ledgerd, by port, for Request's default.
std::mutex tokens_mu;
std::map<uint16_t, std::map<std::string, std::string>> tokens_by_port;

std::map<std::string, std::string> IssueFixtureTokens(const fs::path& data) {
  std::map<std::string, std::string> tokens;
  for (const auto& [role, actor] : kFixtureActors)
    tokens[role] =
        IssueTestToken(data, role, actor, role == "rep" || role == "manager" ? "east" : "");
  return tokens;
}

}  // namespace

std::string TokenFor(uint16_t port, http::verb verb, const std::string& target,
                     const std::string& role) {
  std::string chosen = role;
  if (chosen.empty()) {
    const std::string path = target.substr(0, target.find('?'));
    chosen = verb == http::verb::post                  ? "rep"
             : path == "/metrics" || path == "/readyz" ? "ops"
                                                       : "compliance";
  }
  std::lock_guard lock(tokens_mu);
  auto it = tokens_by_port.find(port);
  if (it == tokens_by_port.end()) return "";
  auto t = it->second.find(chosen);
  return t == it->second.end() ? "" : t->second;
}

std::string IssueTestToken(const fs::path& data, const std::string& role, const std::string& actor,
                           const std::string& team) {
  auto parsed = ingest::ParseRole(role);
  EXPECT_TRUE(parsed.has_value()) << role;
  if (!parsed) return "";
  auto issued = ingest::IssueToken(ingest::TokenFile(data), *parsed, actor, team);
  EXPECT_TRUE(issued.ok()) << issued.status().ToString();
  return issued.ok() ? issued->token : "";
}

Ledgerd::Ledgerd(const fs::path& data, const std::vector<std::string>& extra_args)
    : tokens_(IssueFixtureTokens(data)), child_(LedgerdArgv(data, extra_args), StderrFile(data)) {
  auto line = child_.ReadLine();
  EXPECT_TRUE(line.has_value()) << "ledgerd printed nothing; its stderr:\n"
                                << ReadFile(StderrFile(data));
  if (!line) return;
  const size_t at = line->find("127.0.0.1:");
  EXPECT_NE(at, std::string::npos) << *line;
  if (at != std::string::npos) port_ = static_cast<uint16_t>(std::stoul(line->substr(at + 10)));
  std::lock_guard lock(tokens_mu);
  tokens_by_port[port_] = tokens_;
}

std::string Ledgerd::token(const std::string& role) const {
  auto it = tokens_.find(role);
  EXPECT_NE(it, tokens_.end()) << "no fixture token for role " << role;
  return it == tokens_.end() ? "" : it->second;
}

ProcessResult Ledgerd::Stop() {
  child_.Signal(SIGTERM);
  ProcessResult result;
  child_.Finish(result);
  return result;
}

void Ledgerd::Kill() {
  child_.Kill();
  ProcessResult result;
  child_.Finish(result);
  EXPECT_EQ(result.signal, SIGKILL);
}

std::string Reply::Header(std::string_view name) const {
  auto it = headers.find(beast::string_view(name.data(), name.size()));
  return it == headers.end() ? "" : std::string(it->value());
}

json::object Reply::Json() const {
  return ParseObject(body, "the reply to a request (status " + std::to_string(status) + ")");
}

Reply Request(uint16_t port, http::verb verb, const std::string& target, const std::string& body,
              const RequestOptions& options) {
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(kRequestTimeout);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "localhost");
    if (!options.content_type.empty()) req.set(http::field::content_type, options.content_type);
    const std::string token =
        options.token ? *options.token : TokenFor(port, verb, target, options.role);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (const auto& [name, value] : options.headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    Reply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    reply.content_type = std::string(res[http::field::content_type]);
    reply.headers = res.base();
    return reply;
  } catch (const std::exception&) {
    return {};
  }
}

Reply Post(uint16_t port, const std::string& body) {
  return Request(port, http::verb::post, "/v1/events", body);
}

Reply PostStoryLine(uint16_t port, const std::string& line) {
  const json::object command = ParseObject(line, "a story line");
  if (command.contains("type") && command.at("type") == "contact.erased") {
    const std::string subject(command.at("subject").as_string());
    return Request(port, http::verb::post,
                   "/v1/subjects/" + subject.substr(subject.find('/') + 1) + "/erase",
                   json::serialize(json::object{{"reason", command.at("data").at("reason")}}),
                   {.role = "admin"});
  }
  return Post(port, line);
}

void AppendStory(uint16_t port) {
  for (const std::string& line : Lines(SourceFile("schemas/examples/lifecycle.ndjson"))) {
    Reply r = PostStoryLine(port, line);
    ASSERT_TRUE(r.status == 200 || r.status == 201) << line << "\n" << r.status << " " << r.body;
  }
}

json::object Get(uint16_t port, const std::string& target, int expected_status) {
  Reply r = Request(port, http::verb::get, target, "");
  EXPECT_EQ(r.status, expected_status) << target << "\n" << r.body;
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

void WaitCaughtUp(uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    Reply r = Request(port, http::verb::get, "/readyz", "");
    json::error_code ec;
    auto v = json::parse(r.body, ec);
    bool caught_up = !ec && v.is_object() && v.as_object().contains("partitions");
    if (caught_up) {
      for (const auto& p : v.as_object().at("partitions").as_array()) {
        caught_up = caught_up && p.at("lag").as_int64() == 0 && !p.as_object().contains("error");
      }
    }
    if (caught_up) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the read models did not catch up: " << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<std::string> Lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

uint64_t VerifiedEvents(const fs::path& data) {
  ProcessResult r = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const size_t at = r.out.find("\nevents: ");
  EXPECT_NE(at, std::string::npos) << r.out;
  return at == std::string::npos ? 0 : std::stoull(r.out.substr(at + 9));
}

json::object ParseObject(std::string_view text, std::string_view what) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << what << " is not a JSON object: " << text;
    return {};
  }
  return std::move(v.as_object());
}

std::vector<FeedLine> ReadFeed(uint16_t port, uint32_t partition, uint64_t limit, int* pages) {
  std::vector<FeedLine> lines;
  uint64_t from = 0;
  for (int page = 1; page <= 10000; ++page) {
    if (pages != nullptr) *pages = page;
    const std::string target = "/v1/events?partition=" + std::to_string(partition) +
                               "&from=" + std::to_string(from) + "&limit=" + std::to_string(limit);
    Reply r = Request(port, http::verb::get, target, "");
    EXPECT_EQ(r.status, 200) << target << "\n" << r.body;
    if (r.status != 200) return lines;
    size_t count = 0;
    for (const std::string& text : CompleteLines(r.body)) {
      json::object line = ParseObject(text, "a feed line");
      if (!line.contains("event") || !line.at("event").is_object()) continue;
      lines.push_back({line.at("event").as_object(), std::string(line.at("kid").as_string()),
                       std::string(line.at("sig").as_string())});
      ++count;
    }
    const std::string next = r.Header("Ledger-Next");
    EXPECT_EQ(next, std::to_string(from + count)) << target;
    if (count == 0 || next.empty()) return lines;
    from = std::stoull(next);
  }
  ADD_FAILURE() << "the feed of partition " << partition << " did not end";
  return lines;
}

ledger::PublicKey ServedKey(uint16_t port) {
  ledger::PublicKey key;
  json::object body = Get(port, "/v1/keys");
  const json::value* keys = body.if_contains("keys");
  EXPECT_TRUE(keys != nullptr && keys->is_array() && keys->as_array().size() == 1)
      << json::serialize(body);
  if (keys == nullptr || !keys->is_array() || keys->as_array().size() != 1) return key;
  try {
    const json::object& k = keys->as_array()[0].as_object();
    EXPECT_EQ(k.at("algorithm").as_string(), "ed25519");
    key.name = k.at("name").as_string();
    auto raw = ledger::FromBase64(k.at("publickey").as_string());
    EXPECT_TRUE(raw.has_value() && raw->size() == key.key.size()) << json::serialize(k);
    if (raw && raw->size() == key.key.size()) std::copy(raw->begin(), raw->end(), key.key.begin());
    key.id = ledger::ComputeKeyId(key.name, key.key);
    EXPECT_EQ(k.at("kid").as_string(), key.KidHex()) << "the kid is not the key's C2SP key ID";
    EXPECT_EQ(k.at("vkey").as_string(), key.VerifierKey());
  } catch (const std::exception& e) {
    ADD_FAILURE() << "a malformed key (" << e.what() << "): " << json::serialize(body);
  }
  return key;
}

std::string LeafHashHex(const json::object& event) {
  return ledger::Hex(ledger::LeafHash(ledger::Canonical(json::value(event))));
}

bool SignatureVerifies(const FeedLine& line, const ledger::PublicKey& key) {
  auto sig = ledger::FromBase64(line.sig);
  ledger::Signature signature{};
  if (line.kid != key.KidHex() || !sig || sig->size() != signature.size()) return false;
  std::copy(sig->begin(), sig->end(), signature.begin());
  return key.Verify(ledger::LeafHash(ledger::Canonical(json::value(line.event))), signature);
}

uint32_t Partitions(uint16_t port) {
  Reply r = Request(port, http::verb::get, "/readyz", "");
  json::object ready = ParseObject(r.body, "/readyz");
  const json::value* partitions = ready.if_contains("partitions");
  EXPECT_TRUE(partitions != nullptr && partitions->is_array()) << r.body;
  return partitions != nullptr && partitions->is_array()
             ? static_cast<uint32_t>(partitions->as_array().size())
             : 0;
}

uint64_t TotalEvents(uint16_t port) {
  uint64_t total = 0;
  for (uint32_t p = 0, n = Partitions(port); p < n; ++p) total += ReadFeed(port, p).size();
  return total;
}

std::multiset<std::string> ProblemPointers(const Reply& reply, int status) {
  std::multiset<std::string> pointers;
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.content_type, "application/problem+json") << reply.body;
  json::object problem = ParseObject(reply.body, "a problem body");
  EXPECT_EQ(problem["status"], json::value(status)) << reply.body;
  EXPECT_TRUE(problem["title"].is_string() && !problem["title"].as_string().empty()) << reply.body;
  const json::value& violations = problem["violations"];
  EXPECT_TRUE(violations.is_array()) << reply.body;
  if (!violations.is_array()) return pointers;
  for (const json::value& v : violations.as_array()) {
    const json::value* pointer = v.is_object() ? v.as_object().if_contains("pointer") : nullptr;
    const json::value* reason = v.is_object() ? v.as_object().if_contains("reason") : nullptr;
    EXPECT_TRUE(pointer != nullptr && pointer->is_string()) << json::serialize(v);
    EXPECT_TRUE(reason != nullptr && reason->is_string() && !reason->as_string().empty())
        << json::serialize(v);
    if (pointer != nullptr && pointer->is_string())
      pointers.insert(std::string(pointer->as_string()));
  }
  return pointers;
}

std::string RegisterAccount(const std::string& id, const std::string& event_id,
                            const std::string& owner) {
  std::string command = R"({"type":"account.registered","subject":"account/)" + id + "\"";
  if (!event_id.empty()) command += ",\"id\":" + Quoted(event_id);
  return command + R"(,"data":{"name":"客户 Account )" + id + R"(","owner":)" + Quoted(owner) +
         "}}";
}

std::string RenameAccount(const std::string& id, const std::string& name, int64_t expectedversion,
                          const std::string& event_id) {
  std::string command = R"({"type":"account.profile_updated","subject":"account/)" + id + "\"";
  if (expectedversion >= 0) command += ",\"expectedversion\":" + std::to_string(expectedversion);
  if (!event_id.empty()) command += ",\"id\":" + Quoted(event_id);
  return command + R"(,"data":{"name":)" + Quoted(name) + "}}";
}

std::vector<Appended> AppendedEvents(const Reply& reply) {
  std::vector<Appended> out;
  EXPECT_EQ(reply.status, 201) << reply.body;
  if (reply.status != 201) return out;
  json::object body = ParseObject(reply.body, "an append reply");
  try {
    for (const json::value& v : body.at("events").as_array()) {
      const json::object& e = v.as_object();
      Appended a;
      a.id = e.at("id").as_string();
      a.partition = json::value_to<uint32_t>(e.at("partition"));
      a.ledgerseq = json::value_to<uint64_t>(e.at("ledgerseq"));
      a.streamversion = json::value_to<uint64_t>(e.at("streamversion"));
      a.hash = e.at("hash").as_string();
      a.time = e.at("time").as_string();
      a.replayed = e.at("replayed").as_bool();
      out.push_back(std::move(a));
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an append reply (" << e.what() << "): " << reply.body;
  }
  return out;
}

Appended AppendOne(uint16_t port, const std::string& command) {
  std::vector<Appended> events = AppendedEvents(Post(port, command));
  EXPECT_EQ(events.size(), 1u) << command;
  return events.empty() ? Appended{} : events.front();
}

std::string ViewsDigestOf(const fs::path& data) {
  ProcessResult r = Ledgerctl({"views-digest", "--data", data.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& line : CompleteLines(r.out))
    if (line.starts_with("digest: ")) return line.substr(8);
  ADD_FAILURE() << "no digest in: " << r.out;
  return "";
}

}  // namespace ledger_test
