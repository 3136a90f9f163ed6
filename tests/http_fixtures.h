// Fixtures for tests that drive the real ledgerd over HTTP: starting it on a free
// loopback port, one-shot requests with Boost.Beast, the JSON and problem bodies it
// answers with, and bounded waits for its read models.
//
// Every request has a deadline (kRequestTimeout); no helper waits without one. A
// Ledgerd and the helpers may be used from several test threads at once (each request
// opens its own connection), except where a comment says otherwise.
#pragma once

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ledger/keys.h"
#include "tests/fixtures.h"

namespace ledger_test {

namespace http = boost::beast::http;

// The longest any one request may take before the helper gives up (status 0).
inline constexpr std::chrono::seconds kRequestTimeout{30};

// A started ledgerd on 127.0.0.1:0 in `data`, plus `extra_args` (e.g.
// {"--body-bytes-max", "1024"}); its port is read from the line it prints when it
// serves. stderr goes to <data>-ledgerd.err beside the data dir. Not thread-safe:
// start, stop and kill it from the test's thread.
//
// It gets --master-key-file MasterKeyFile(data) unless `extra_args` name one.
// Before it starts, a token of every role is issued in the data dir (kFixtureActors);
// requests to its port carry one of them unless they say otherwise (RequestOptions).
class Ledgerd {
 public:
  explicit Ledgerd(const fs::path& data, const std::vector<std::string>& extra_args = {});
  uint16_t port() const { return port_; }
  // The token of `role` ("rep", "manager", "compliance", "consumer", "ops", "admin").
  std::string token(const std::string& role) const;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool serving() const { return port_ != 0; }
  // SIGTERM, then how it exited (a graceful stop exits 0).
  ProcessResult Stop();
  // SIGKILL (no chance to finish anything), then reaps it.
  void Kill();

 private:
  std::map<std::string, std::string> tokens_;  // by role
  Child child_;
  uint16_t port_ = 0;
};

struct Reply {
  int status = 0;  // 0: the connection failed or timed out
  std::string body;
  std::string content_type;
  http::fields headers;

  std::string Header(std::string_view name) const;
  // The body as a JSON object; an empty object (and a test failure) when it is not one.
  boost::json::object Json() const;
};

// The actors of the tokens a Ledgerd issues, by role. The rep and the manager share the
// team "east".
inline const std::vector<std::pair<std::string, std::string>> kFixtureActors = {
    {"rep", "user:li.wei"},          {"manager", "user:zhou.min"}, {"compliance", "user:audrey"},
    {"consumer", "service:billing"}, {"ops", "user:ops.oncall"},   {"admin", "user:root.admin"}};

// Issues a token in the data dir (a running ledgerd accepts it at once); "" and a test
// failure when it cannot.
std::string IssueTestToken(const fs::path& data, const std::string& role, const std::string& actor,
                           const std::string& team = "");

struct RequestOptions {
  std::string content_type = "application/json";  // empty: no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;
  // The bearer token: unset, that of `role` of the Ledgerd on the port; when `role` is
  // empty too, the rep's for POST, the ops' for /metrics and /readyz, the compliance
  // officer's for other reads. "" sends no Authorization header.
  std::optional<std::string> token;
  std::string role;
};

Reply Request(uint16_t port, http::verb verb, const std::string& target, const std::string& body,
              const RequestOptions& options = {});
// The token Request sends by default (see RequestOptions), for hand-made requests.
std::string TokenFor(uint16_t port, http::verb verb, const std::string& target,
                     const std::string& role = "");
// POST /v1/events with `body` as application/json.
Reply Post(uint16_t port, const std::string& body);
// Sends one command line of an NDJSON story as a client would: POST /v1/events, but a
// contact.erased through POST /v1/subjects/{id}/erase with the admin's token (its id
// is the server's own, erasure-contact-<id>).
Reply PostStoryLine(uint16_t port, const std::string& line);
// Posts every line of schemas/examples/lifecycle.ndjson; fails the test unless each is
// answered 2xx.
void AppendStory(uint16_t port);
// GET `target`; fails the test unless the status is `expected_status`; the body as a JSON
// object (empty when it is not one).
boost::json::object Get(uint16_t port, const std::string& target, int expected_status = 200);

// Waits (bounded, 60 s) until /readyz reports every partition fully projected (lag 0,
// no error); "ready" alone allows a bounded lag. Fails the test on timeout.
void WaitCaughtUp(uint16_t port);

// The non-empty lines of a file.
std::vector<std::string> Lines(const fs::path& file);
// Runs ledgerctl verify --data and returns the "events: N" it reports (0, and a test
// failure, when it fails). The ledgerd on `data` must be stopped.
uint64_t VerifiedEvents(const fs::path& data);

// The views digest `ledgerctl views-digest --data` prints (may run beside ledgerd); ""
// and a test failure when it fails.
std::string ViewsDigestOf(const fs::path& data);

// Parses JSON text; an empty object (and a test failure naming `what`) when it is not
// a JSON object.
boost::json::object ParseObject(std::string_view text, std::string_view what = "");

// One feed line, parsed: the CloudEvent, its key id and signature.
struct FeedLine {
  boost::json::object event;
  std::string kid;
  std::string sig;
};
// Every event of one partition from the HTTP feed, following Ledger-Next page by page;
// `pages` (when given) counts the requests it took.
std::vector<FeedLine> ReadFeed(uint16_t port, uint32_t partition, uint64_t limit = 1000,
                               int* pages = nullptr);
// The ledger's signing key as GET /v1/keys publishes it (name, base64 public key, kid);
// fails the test unless it lists exactly one well-formed ed25519 key.
ledger::PublicKey ServedKey(uint16_t port);
// The leaf hash (hex) of a CloudEvent: SHA-256(0x00 || RFC 8785 canonical bytes).
std::string LeafHashHex(const boost::json::object& event);
// Whether the line's kid is `key`'s and its signature verifies over the event's leaf hash.
bool SignatureVerifies(const FeedLine& line, const ledger::PublicKey& key);
// The partition count, from /readyz.
uint32_t Partitions(uint16_t port);
// Events in the log over all partitions, counted from the HTTP feed.
uint64_t TotalEvents(uint16_t port);

// The pointers of a problem body's violations; fails the test unless the reply is an
// application/problem+json with `status`, whose every violation has a pointer and a
// non-empty reason.
std::multiset<std::string> ProblemPointers(const Reply& reply, int status);

// An account.registered command for account/<id> with the given event id (none when
// empty) and owner.
std::string RegisterAccount(const std::string& id, const std::string& event_id = "",
                            const std::string& owner = "rep.alice");
// An account.profile_updated command renaming account/<id>, with an expectedversion
// unless it is negative, and an event id unless it is empty.
std::string RenameAccount(const std::string& id, const std::string& name,
                          int64_t expectedversion = -1, const std::string& event_id = "");

// What POST /v1/events answered for one event.
struct Appended {
  std::string id;
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  uint64_t streamversion = 0;
  std::string hash;
  std::string time;
  bool replayed = false;
};
// The events of a 201 reply; fails the test (and returns none) for any other reply.
std::vector<Appended> AppendedEvents(const Reply& reply);
// Posts one command and returns what was appended; fails the test unless it is a 201.
Appended AppendOne(uint16_t port, const std::string& command);

}  // namespace ledger_test
