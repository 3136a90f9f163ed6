// Every error status of the real ledgerd over HTTP: each answer is an
// application/problem+json whose violations name every problem (RFC 6901 pointer and
// reason); after each, nothing was appended and the server still appends. A batch
// with one bad event in the middle appends none of its events, whichever check
// refuses it.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>
#include <optional>
#include <set>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

namespace json = boost::json;
using Pointers = std::multiset<std::string>;

// A ledgerd of its own per test; events_ counts what the test had appended.
class ApiErrors : public ::testing::Test {
 protected:
  virtual std::vector<std::string> ExtraArgs() const { return {}; }
  void SetUp() override {
    server_.emplace(dir_ / "data", ExtraArgs());
    ASSERT_TRUE(server_->serving());
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop().exit_code, 0);
    }
  }
  Appended Append(const std::string& command) {
    std::vector<Appended> appended = AppendedEvents(Post(port_, command));
    events_ += appended.size();
    return appended.empty() ? Appended{} : appended.front();
  }
  // After a refused request: the log holds what it held before, and a good append right
  // after it succeeds (the server keeps serving).
  void ExpectNothingAppendedAndStillServing(const std::string& after) {
    SCOPED_TRACE("after " + after);
    EXPECT_EQ(TotalEvents(port_), events_) << "a refused request appended something";
    Appended good = Append(RegisterAccount("ACC-GOOD-" + std::to_string(events_)));
    EXPECT_EQ(good.streamversion, 1u);
  }
  // The record's version from the read models, once they have caught up (0 when absent).
  uint64_t VersionOf(const std::string& subject) {
    WaitCaughtUp(port_);
    Reply r = Request(port_, http::verb::get, "/v1/records/" + subject, "");
    EXPECT_TRUE(r.status == 200 || r.status == 404) << r.body;
    return r.status == 200 ? r.Json()["version"].to_number<uint64_t>() : 0;
  }

  TempDir dir_;
  std::optional<Ledgerd> server_;
  uint16_t port_ = 0;
  uint64_t events_ = 0;
};

TEST_F(ApiErrors, MalformedJsonIs400) {
  Append(RegisterAccount("ACC-1"));
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  for (const std::string& body :
       {std::string(R"({"type":)"), std::string("not json"), std::string(""),
        std::string(R"({"type":"account.registered"} trailing)"), deep}) {
    Reply r = Post(port_, body);
    EXPECT_EQ(ProblemPointers(r, 400), Pointers{""}) << body;
    ExpectNothingAppendedAndStillServing(body);
  }
  // A batch must be {"events":[...]} and nothing else.
  for (const std::string& body :
       {std::string(R"({"events":{}})"), std::string(R"({"events":[],"id":"x"})")}) {
    EXPECT_EQ(ProblemPointers(Post(port_, body), 400), Pointers{"/events"}) << body;
    ExpectNothingAppendedAndStillServing(body);
  }
}

TEST_F(ApiErrors, SchemaViolationsAreAllListedForEveryEventOfABatch) {
  const std::string batch = R"({"events":[
    {"type":"account.registered","subject":"account/ACC-1","data":{"name":7,"extra":1,"owner":"o"}},
    {"type":"account.registered","subject":"account/ACC-2","data":{"name":"Two"}},
    {"type":"account.registered","subject":"account/ACC-3","data":{"name":"Three","owner":"o"}},
    {"type":"account.registered","subject":"contact/CON-4","data":{"name":"Four","owner":"o"}}]})";
  Reply r = Post(port_, batch);
  EXPECT_EQ(ProblemPointers(r, 400), (Pointers{"/events/0/data/name", "/events/0/data/extra",
                                               "/events/1/data/owner", "/events/3/subject"}))
      << r.body;
  ExpectNothingAppendedAndStillServing("a batch with three bad events");
  EXPECT_EQ(VersionOf("account/ACC-3"), 0u) << "the good event of the batch was not appended";

  // One event, not a batch: its pointers are still /events/0/...
  Reply single = Post(port_, R"({"type":"account.registered","subject":"account/ACC-5",
                                 "data":{"name":"","owner":"o","size":"gigantic"}})");
  EXPECT_EQ(ProblemPointers(single, 400), (Pointers{"/events/0/data/name", "/events/0/data/size"}))
      << single.body;
  ExpectNothingAppendedAndStillServing("one event with two bad fields");
}

// A command is checked in two steps: its envelope as the request is parsed
// (ingest/api.cc ParseCommands: unknown attributes, expectedversion, ...), then its type
// and data (the validator, in the writer). When any event fails the first step the
// answer lists only those violations, so the violations of `data` (of the same event
// or of others in the batch) are not listed.
TEST_F(ApiErrors, EnvelopeAndDataViolationsAreListedTogether) {
  Reply one = Post(port_, R"({"type":"account.registered","subject":"account/ACC-1","colour":"red",
                              "data":{"name":7,"owner":"o"}})");
  EXPECT_EQ(ProblemPointers(one, 400), (Pointers{"/events/0/colour", "/events/0/data/name"}))
      << one.body;
  Reply batch = Post(port_, R"({"events":[
    {"type":"account.registered","subject":"account/ACC-1","data":{"name":7,"owner":"o"}},
    {"type":"account.registered","subject":"account/ACC-2","expectedversion":-1,
     "data":{"name":"Two","owner":"o"}}]})");
  EXPECT_EQ(ProblemPointers(batch, 400),
            (Pointers{"/events/0/data/name", "/events/1/expectedversion"}))
      << batch.body;
  ExpectNothingAppendedAndStillServing("envelope and data violations");
}

// Each problem is listed once. An "id" that is present but refused (too long, not a
// string) also gets a second, wrong "must not be empty" (ledger/event.cc ParseCommand
// checks emptiness after a failed read left the id empty).
TEST_F(ApiErrors, ARefusedIdIsOneViolation) {
  const std::string too_long(129, 'x');
  for (const std::string& id : {"\"" + too_long + "\"", std::string("5"), std::string("\"\"")}) {
    Reply r = Post(port_, R"({"type":"account.registered","subject":"account/ACC-1","id":)" + id +
                              R"(,"data":{"name":"One","owner":"o"}})");
    EXPECT_EQ(ProblemPointers(r, 400), Pointers{"/events/0/id"}) << id << "\n" << r.body;
    ExpectNothingAppendedAndStillServing("id " + id);
  }
}

TEST_F(ApiErrors, AnUnknownRecordIs404) {
  Reply update = Post(port_, RenameAccount("ACC-NONE", "x"));
  EXPECT_EQ(ProblemPointers(update, 404), Pointers{"/events/0/subject"}) << update.body;
  ExpectNothingAppendedAndStillServing("an update of a missing record");
  Reply reference = Post(port_, R"({"type":"contact.registered","subject":"contact/CON-1",
                                    "data":{"name":"王芳","account":"ACC-NONE"}})");
  EXPECT_EQ(ProblemPointers(reference, 404), Pointers{"/events/0/data/account"}) << reference.body;
  ExpectNothingAppendedAndStillServing("a reference to a missing record");

  WaitCaughtUp(port_);
  for (const std::string target :
       {"/v1/records/account/ACC-NONE", "/v1/records/account/ACC-NONE/history",
        "/v1/records/account/ACC-NONE?asof=2030-01-01T00:00:00Z", "/v1/nothing-here",
        "/v1/records/account/ACC-NONE/colour"}) {
    Reply r = Request(port_, http::verb::get, target, "");
    ProblemPointers(r, 404);
  }
  ExpectNothingAppendedAndStillServing("reads of missing records");
}

TEST_F(ApiErrors, AVersionConflictIs409AndNamesTheCurrentVersion) {
  Append(RegisterAccount("ACC-V", "v-1"));
  Append(RenameAccount("ACC-V", "second", 1));
  Reply stale = Post(port_, RenameAccount("ACC-V", "from a stale read", 1));
  EXPECT_EQ(ProblemPointers(stale, 409), Pointers{"/events/0/expectedversion"}) << stale.body;
  EXPECT_EQ(stale.Json()["currentversion"], json::value(2)) << stale.body;
  ExpectNothingAppendedAndStillServing("a stale expectedversion");
  Reply must_be_new = Post(port_, RenameAccount("ACC-V", "x", 0));
  EXPECT_EQ(ProblemPointers(must_be_new, 409), Pointers{"/events/0/expectedversion"});
  EXPECT_EQ(must_be_new.Json()["currentversion"], json::value(2)) << must_be_new.body;
  ExpectNothingAppendedAndStillServing("expectedversion 0 on an existing record");
  Reply again = Post(port_, RegisterAccount("ACC-V"));
  EXPECT_EQ(ProblemPointers(again, 409), Pointers{"/events/0/subject"}) << again.body;
  ExpectNothingAppendedAndStillServing("a second creation");
  Reply reused = Post(port_, RenameAccount("ACC-V", "different content", -1, "v-1"));
  ProblemPointers(reused, 409);
  ExpectNothingAppendedAndStillServing("an id reused for other content");

  EXPECT_EQ(VersionOf("account/ACC-V"), 2u);
  EXPECT_EQ(Append(RenameAccount("ACC-V", "third", 2)).streamversion, 3u);
}

class ApiErrorsSmallBodies : public ApiErrors {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--body-bytes-max", "1024"}; }
};

TEST_F(ApiErrorsSmallBodies, ABodyOverBodyBytesMaxIs413) {
  // The same command with a description that takes it just under and then over 1024.
  auto command = [](size_t size) {
    std::string c =
        R"({"type":"account.registered","subject":"account/ACC-BIG","data":{"name":"Big","owner":"o","description":"")";
    c.insert(c.size() - 1, std::string(size - c.size() - 2, 'x'));
    return c + "}}";
  };
  ASSERT_EQ(command(1025).size(), 1025u);
  Reply over = Post(port_, command(1025));
  ProblemPointers(over, 413);
  EXPECT_NE(over.Json()["detail"].as_string().find("1024"), std::string::npos) << over.body;
  ExpectNothingAppendedAndStillServing("a body one byte over the limit");
  Reply large = Post(port_, command(16 * 1024));
  ProblemPointers(large, 413);
  ExpectNothingAppendedAndStillServing("a body 16 times the limit");
  EXPECT_EQ(Append(command(1024)).streamversion, 1u) << "1024 bytes is within the limit";
}

TEST_F(ApiErrors, AnythingButJsonIs415) {
  const std::string command = RegisterAccount("ACC-CT");
  for (const std::string type : {"text/plain", "", "application/x-www-form-urlencoded",
                                 "application/jsonx", "application/problem+json"}) {
    Reply r = Request(port_, http::verb::post, "/v1/events", command, {.content_type = type});
    ProblemPointers(r, 415);
    ExpectNothingAppendedAndStillServing("Content-Type: " + type);
  }
  Reply charset = Request(port_, http::verb::post, "/v1/events", command,
                          {.content_type = "application/json; charset=utf-8"});
  EXPECT_EQ(charset.status, 201) << charset.body;
}

TEST_F(ApiErrors, AnIllegalStateTransitionIs422) {
  Append(RegisterAccount("ACC-S"));
  Append(R"({"type":"opportunity.opened","subject":"opportunity/OPP-S","data":{"name":"Deal",
             "account":"ACC-S","owner":"u:li.wei","stage":"prospecting",
             "amount":{"amount":100000,"currency":"CNY"},"close_date":"2025-06-30"}})");
  Reply skip = Post(port_, R"({"type":"opportunity.stage_changed","subject":"opportunity/OPP-S",
                               "data":{"from":"proposal","to":"negotiation"}})");
  EXPECT_EQ(ProblemPointers(skip, 422), Pointers{"/events/0/data/from"}) << skip.body;
  ExpectNothingAppendedAndStillServing("a stage change from a stage it is not in");
  Append(R"({"type":"opportunity.won","subject":"opportunity/OPP-S",
             "data":{"amount":{"amount":90000,"currency":"CNY"},"close_date":"2025-05-30"}})");
  Reply after_won =
      Post(port_, R"({"type":"opportunity.stage_changed","subject":"opportunity/OPP-S",
                                    "data":{"from":"closed_won","to":"negotiation"}})");
  ProblemPointers(after_won, 422);
  ExpectNothingAppendedAndStillServing("a stage change of a won opportunity");
  Append(
      R"({"type":"account.deactivated","subject":"account/ACC-S","data":{"reason":"duplicate"}})");
  Reply twice = Post(
      port_,
      R"({"type":"account.deactivated","subject":"account/ACC-S","data":{"reason":"duplicate"}})");
  ProblemPointers(twice, 422);
  ExpectNothingAppendedAndStillServing("deactivating an inactive account");
  EXPECT_EQ(VersionOf("opportunity/OPP-S"), 2u);
  EXPECT_EQ(VersionOf("account/ACC-S"), 2u);
}

TEST_F(ApiErrors, AWrongMethodIs405) {
  Append(RegisterAccount("ACC-M"));
  const std::vector<std::pair<http::verb, std::string>> requests{
      {http::verb::delete_, "/v1/events"},
      {http::verb::put, "/v1/events"},
      {http::verb::patch, "/v1/events?partition=0"},
      {http::verb::put, "/healthz"},
      {http::verb::post, "/v1/keys"},
      {http::verb::post, "/metrics"},
      {http::verb::post, "/v1/records/account/ACC-M"},
      {http::verb::delete_, "/v1/records/account/ACC-M"},
      {http::verb::put, "/v1/records/account"},
      {http::verb::post, "/v1/records/account/ACC-M/history"},
  };
  for (const auto& [verb, target] : requests) {
    Reply r = Request(port_, verb, target, RegisterAccount("ACC-M2"));
    ProblemPointers(r, 405);
    ExpectNothingAppendedAndStillServing(std::string(http::to_string(verb)) + " " + target);
  }
  EXPECT_EQ(VersionOf("account/ACC-M"), 1u);
}

// /readyz answers any method as if it were GET (ingest/records_api.cc routes it before
// looking at the method), unlike every other route.
TEST_F(ApiErrors, AWrongMethodOnReadyzIs405) {
  for (http::verb verb : {http::verb::post, http::verb::delete_, http::verb::put}) {
    Reply r = Request(port_, verb, "/readyz", "{}");
    ProblemPointers(r, 405);
  }
}

TEST_F(ApiErrors, BadQueryParametersAre400ListingEachOne) {
  Append(RegisterAccount("ACC-Q"));
  WaitCaughtUp(port_);
  const std::vector<std::pair<std::string, Pointers>> queries{
      {"/v1/events", {"/query/partition"}},
      {"/v1/events?partition=99&limit=0&colour=red",
       {"/query/partition", "/query/limit", "/query/colour"}},
      {"/v1/events?partition=0&from=-1&limit=10001&follow=maybe",
       {"/query/from", "/query/limit", "/query/follow"}},
      {"/v1/records/account?limit=abc&colour=red&updated_since=yesterday",
       {"/query/limit", "/query/colour", "/query/updated_since"}},
      {"/v1/records/account?limit=1001", {"/query/limit"}},
      {"/v1/records/account/ACC-Q/history?after_version=-1&limit=x",
       {"/query/after_version", "/query/limit"}},
      {"/v1/records/account/ACC-Q?asof=yesterday&colour=red", {"/query/asof", "/query/colour"}},
      {"/v1/records/account/ACC-Q?asof=2025-01-01T00:00:00Z&asof_business=2025-01-01T00:00:00Z",
       {"/query/asof_business"}},
  };
  for (const auto& [target, pointers] : queries) {
    Reply r = Request(port_, http::verb::get, target, "");
    EXPECT_EQ(ProblemPointers(r, 400), pointers) << target << "\n" << r.body;
    ExpectNothingAppendedAndStillServing(target);
  }
}

// One keep-alive connection: requests answered with an error leave it open for the
// next request (only a body over the limit or malformed HTTP close it).
TEST_F(ApiErrors, ErrorsKeepTheConnectionOpen) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kRequestTimeout);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  beast::flat_buffer buffer;
  auto exchange = [&](http::verb verb, const std::string& target, const std::string& body,
                      const std::string& type) {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "localhost");
    req.set(http::field::content_type, type);
    req.set(http::field::authorization, "Bearer " + TokenFor(port_, verb, target));
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_TRUE(res.keep_alive()) << target << " closed the connection";
    return res.result_int();
  };
  const std::string json = "application/json";
  EXPECT_EQ(exchange(http::verb::post, "/v1/events", "{", json), 400u);
  EXPECT_EQ(exchange(http::verb::post, "/v1/events", RegisterAccount("ACC-KA"), "text/plain"),
            415u);
  EXPECT_EQ(exchange(http::verb::post, "/v1/events", RenameAccount("ACC-NONE", "x"), json), 404u);
  EXPECT_EQ(exchange(http::verb::delete_, "/v1/events", "", json), 405u);
  EXPECT_EQ(exchange(http::verb::get, "/v1/events?partition=9", "", json), 400u);
  EXPECT_EQ(exchange(http::verb::get, "/v1/records/account/ACC-NONE", "", json), 404u);
  EXPECT_EQ(exchange(http::verb::post, "/v1/events", RegisterAccount("ACC-KA"), json), 201u);
  EXPECT_EQ(exchange(http::verb::post, "/v1/events", RegisterAccount("ACC-KA"), json), 409u);
  EXPECT_EQ(exchange(http::verb::get, "/healthz", "", json), 200u);
  events_ = 1;
  ExpectNothingAppendedAndStillServing("errors on one connection");
}

// A batch of good events with one refused event in the middle (index 3), for each way an
// event can be refused, including a stale version that is only stale because of an
// earlier event of the same batch: none of the batch is appended or visible, and the same batch
// without the bad event is then appended from scratch (nothing of the refused batch
// was left in the writer's state either).
TEST_F(ApiErrors, ABatchWithOneBadEventInTheMiddleAppendsNoneOfIt) {
  Append(RegisterAccount("ACC-EXISTS"));
  Append(RegisterAccount("ACC-GONE"));
  Append(
      R"({"type":"account.deactivated","subject":"account/ACC-GONE","data":{"reason":"duplicate"}})");
  const std::vector<std::string> good{
      RegisterAccount("ACC-B1", "b1"), RegisterAccount("ACC-B2", "b2"),
      RenameAccount("ACC-B1", "B1 renamed in the same batch", 1, "b1-renamed"),
      R"({"type":"account.deactivated","subject":"account/ACC-B2","data":{"reason":"duplicate"}})",
      RegisterAccount("ACC-B3", "b3")};
  struct Bad {
    std::string command;
    int status;
    std::string pointer;
  };
  const std::vector<Bad> bad{
      {R"({"type":"account.registered","subject":"account/ACC-X","data":{"name":"X"}})", 400,
       "/events/3/data/owner"},
      {RenameAccount("ACC-NONE", "x"), 404, "/events/3/subject"},
      {RegisterAccount("ACC-EXISTS"), 409, "/events/3/subject"},
      {RenameAccount("ACC-B1", "stale", 1), 409, "/events/3/expectedversion"},
      {R"({"type":"account.deactivated","subject":"account/ACC-GONE","data":{"reason":"other"}})",
       422, ""},
  };
  auto batch = [&](const std::optional<std::string>& middle) {
    std::string body = "{\"events\":[";
    for (size_t i = 0; i < good.size(); ++i) {
      if (i == 3 && middle) body += *middle + ",";
      body += good[i] + (i + 1 < good.size() ? "," : "");
    }
    return body + "]}";
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.command);
    const std::string body = batch(b.command);
    Reply r = Post(port_, body);
    Pointers pointers = ProblemPointers(r, b.status);
    if (!b.pointer.empty()) {
      EXPECT_EQ(pointers, Pointers{b.pointer}) << r.body;
    } else {
      EXPECT_EQ(pointers.size(), 1u) << r.body;
      ASSERT_FALSE(pointers.empty());
      EXPECT_EQ(pointers.begin()->rfind("/events/3/", 0), 0u) << r.body;
    }
    EXPECT_EQ(TotalEvents(port_), events_) << r.body;
    for (const std::string subject : {"account/ACC-B1", "account/ACC-B2", "account/ACC-B3"})
      EXPECT_EQ(VersionOf(subject), 0u) << subject << " is visible";
  }
  std::vector<Appended> appended = AppendedEvents(Post(port_, batch(std::nullopt)));
  ASSERT_EQ(appended.size(), good.size());
  const std::vector<uint64_t> versions{1, 1, 2, 2, 1};
  for (size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ(appended[i].streamversion, versions[i]) << i;
    EXPECT_FALSE(appended[i].replayed) << i;
  }
}

}  // namespace
}  // namespace ledger_test
