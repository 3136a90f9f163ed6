#include "ledger/event.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ledger {
namespace {

Event SampleEvent() {
  Event e;
  e.id = "evt-1";
  e.source = "sales-ledger";
  e.type = "opportunity.stage_changed";
  e.subject = "opportunity/OPP-42";
  e.time = "2026-03-02T09:30:00.000000Z";
  e.data = boost::json::parse(R"({"from":"proposal","to":"negotiation","reason":"客户要求折扣"})")
               .as_object();
  e.occurredat = "2026-03-02T17:00:00+08:00";
  e.actor = "user:li.wei";
  e.streamversion = 2;
  e.streamprev = std::string(64, 'a');
  e.partition = 1;
  e.ledgerseq = 7;
  e.ledgerprev = std::string(64, 'b');
  return e;
}

TEST(Event, CanonicalRoundTrip) {
  Event e = SampleEvent();
  std::string bytes = e.Canonical();
  EXPECT_EQ(bytes.rfind("{\"actor\":\"user:li.wei\",\"data\":{\"from\":\"proposal\"", 0), 0u)
      << bytes;
  auto parsed = ParseEvent(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Canonical(), bytes);
  EXPECT_EQ(parsed->kind(), "opportunity");
  EXPECT_EQ(parsed->ledgerseq, 7u);
  EXPECT_TRUE(parsed->correlationid.empty());
}

// Every way stored bytes can be wrong gives a clear corruption error.
TEST(Event, ParseRejectsCorruptInputs) {
  std::string good = SampleEvent().Canonical();
  auto with = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::pair<std::string, std::string> cases[] = {
      {good.substr(0, good.size() - 1), "not valid JSON"},
      {"[]", "not a JSON object"},
      {with("\"actor\":\"user:li.wei\",", ""), "/actor"},
      {with("\"actor\":", "\"actor\" :"), "canonical"},
      {with("\"partition\":1", "\"partition\":1.5"), "/partition"},
      {with("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "/specversion"},
      // Present but empty is not the constant either (found by fuzz_event in CI).
      {with("\"specversion\":\"1.0\"", "\"specversion\":\"\""), "/specversion"},
      {with("\"datacontenttype\":\"application/json\"", "\"datacontenttype\":\"\""),
       "/datacontenttype"},
      {with("\"time\":\"2026-03-02T09:30:00.000000Z\"", "\"time\":\"yesterday\""), "/time"},
      {with("\"reason\"", "\"amount\":1.5,\"reason\""), "integers only"},
      {with("{\"actor\"", "{\"extra\":1,\"actor\""), "/extra"},
      // Omitted when empty, never "": both would parse to one event (caught by
      // tests/fuzz/fuzz_event's check that accepted bytes re-encode to themselves).
      {with("\"data\":", "\"correlationid\":\"\",\"data\":"), "/correlationid"},
      {with("\"data\":", "\"causationid\":\"\",\"data\":"), "/causationid"},
      {with("\"streamprev\":\"" + std::string(64, 'a') + "\"", "\"streamprev\":\"\""),
       "/streamprev"},
      {with("\"ledgerprev\":\"" + std::string(64, 'b') + "\"", "\"ledgerprev\":\"B\""),
       "/ledgerprev"},
      {with(R"("data":{"from":"proposal","reason":"客户要求折扣","to":"negotiation"})",
            R"("data":["x"])"),
       "/data"},
  };
  for (const auto& [bytes, expected] : cases) {
    auto r = ParseEvent(bytes);
    ASSERT_FALSE(r.ok()) << bytes;
    EXPECT_EQ(r.status().code(), Code::kCorruption);
    EXPECT_NE(r.status().ToString().find(expected), std::string::npos)
        << expected << " / " << r.status().ToString();
  }
}

TEST(Event, ParseCommandReportsEveryViolation) {
  auto v = boost::json::parse(
      R"({"type":7,"data":[],"expectedversion":-1,"occurredat":"soon","bogus":true,"id":""})");
  auto c = ParseCommand(v, "/events/3");
  ASSERT_FALSE(c.ok());
  std::vector<std::string> pointers;
  for (const auto& violation : c.status().violations()) pointers.push_back(violation.pointer);
  for (const char* expected :
       {"/events/3/type", "/events/3/subject", "/events/3/data", "/events/3/expectedversion",
        "/events/3/occurredat", "/events/3/bogus", "/events/3/id"}) {
    EXPECT_NE(std::find(pointers.begin(), pointers.end(), expected), pointers.end()) << expected;
  }
}

// Violation pointers are RFC 6901: a member name's "/" and "~" are escaped (found by
// tests/fuzz/fuzz_command; the name was copied into the pointer as it was).
TEST(Event, ViolationPointersEscapeMemberNames) {
  auto c = ParseCommand(boost::json::parse(R"({"type":"t","subject":"a/1","data":{},"a/b~c":1})"),
                        "/events/0");
  ASSERT_FALSE(c.ok());
  ASSERT_EQ(c.status().violations().size(), 1u);
  EXPECT_EQ(c.status().violations()[0].pointer, "/events/0/a~1b~0c");

  Event e = SampleEvent();
  e.data = boost::json::parse(R"({"x/y":{"~":1.5}})").as_object();
  auto parsed = ParseEvent(e.Canonical());
  ASSERT_FALSE(parsed.ok());
  ASSERT_EQ(parsed.status().violations().size(), 1u);
  EXPECT_EQ(parsed.status().violations()[0].pointer, "/data/x~1y/~0");
}

TEST(Event, ParseCommandAcceptsAFullCommand) {
  auto v = boost::json::parse(
      R"({"type":"account.registered","subject":"account/ACC-1","data":{"name":"上海精工"},
    "id":"cmd-1","occurredat":"2026-01-05T09:00:00+08:00","expectedversion":0,"correlationid":"c","causationid":"d"})");
  auto c = ParseCommand(v);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->expectedversion, 0u);
  EXPECT_EQ(c->id, "cmd-1");
  EXPECT_EQ(c->data.at("name").as_string(), "上海精工");
}

}  // namespace
}  // namespace ledger
