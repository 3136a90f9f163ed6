// Retractions against the real ledgerd: an erroneous event is never deleted; an
// event.retracted on its record makes the read models ignore its effect, the history
// shows both, replay gives the same answers, and the ledger still verifies. Lifecycle
// events and creations are corrected with domain events instead, and say so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

std::string Retraction(const std::string& subject, const std::string& event,
                       const std::string& reason) {
  return json::serialize(json::object{{"type", "event.retracted"},
                                      {"subject", subject},
                                      {"data", {{"event", event}, {"reason", reason}}}});
}

std::string Update(const std::string& id, const std::string& event_id, json::object data) {
  return json::serialize(json::object{{"type", "account.profile_updated"},
                                      {"subject", "account/" + id},
                                      {"id", event_id},
                                      {"data", std::move(data)}});
}

TEST(Retraction, TheViewsIgnoreARetractedEventAndTheHistoryShowsBoth) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  AppendOne(port, RegisterAccount("ACC-1", "reg-1"));
  const Appended wrong =
      AppendOne(port, Update("ACC-1", "upd-name", {{"name", "Wrong Name 错误"}}));
  AppendOne(port, Update("ACC-1", "upd-phone", {{"phone", "+86 21 5555 0100"}}));
  const Appended undo =
      AppendOne(port, Retraction("account/ACC-1", "upd-name", "name typed into the wrong record"));
  EXPECT_EQ(undo.streamversion, 4u);
  const std::string after =
      "?after=" + std::to_string(undo.partition) + ":" + std::to_string(undo.ledgerseq);

  // The state as if the wrong name had never been recorded; the later phone stays.
  json::object record = Get(port, "/v1/records/account/ACC-1" + after);
  EXPECT_EQ(record["version"].as_int64(), 4);
  EXPECT_EQ(record["state"].at("name"), "客户 Account ACC-1");
  EXPECT_EQ(record["state"].at("phone"), "+86 21 5555 0100");
  // As of before the retraction was recorded, the views said what was known then.
  json::object then = Get(port, "/v1/records/account/ACC-1?asof=" + wrong.time);
  EXPECT_EQ(then["state"].at("name"), "Wrong Name 错误");

  // Both are in the history: the retracted event marked, the retraction with its changes.
  json::object history = Get(port, "/v1/records/account/ACC-1/history");
  const json::array& entries = history["entries"].as_array();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].at("id"), "upd-name");
  EXPECT_EQ(entries[1].at("retracted").at("by").as_string(), undo.id);
  EXPECT_EQ(entries[1].at("retracted").at("reason"), "name typed into the wrong record");
  EXPECT_FALSE(entries[2].as_object().contains("retracted"));
  EXPECT_EQ(entries[3].at("type"), "event.retracted");
  EXPECT_EQ(json::serialize(entries[3].at("changes")),
            R"([{"path":"/name","old":"Wrong Name 错误","new":"客户 Account ACC-1"}])");

  // Refused, each with the reason: twice, a creation, an unknown id, another subject.
  AppendOne(port, RegisterAccount("ACC-2", "reg-2"));
  Reply twice = Post(port, Retraction("account/ACC-1", "upd-name", "again"));
  EXPECT_EQ(twice.status, 422);
  EXPECT_THAT(twice.body, HasSubstr("retracted already"));
  Reply creation = Post(port, Retraction("account/ACC-1", "reg-1", "oops"));
  EXPECT_EQ(creation.status, 422);
  EXPECT_THAT(creation.body, HasSubstr("created the record"));
  EXPECT_EQ(Post(port, Retraction("account/ACC-1", "no-such-event", "x")).status, 422);
  EXPECT_THAT(ProblemPointers(Post(port, Retraction("account/ACC-2", "upd-phone", "x")), 400),
              ::testing::ElementsAre("/events/0/data/event"));
  EXPECT_THAT(ProblemPointers(Post(port, R"({"type":"event.retracted","subject":"account/ACC-1",
                                            "data":{"reason":""}})"),
                              400),
              ::testing::UnorderedElementsAre("/events/0/data/event", "/events/0/data/reason"));
  json::object deactivate{{"type", "account.deactivated"},
                          {"subject", "account/ACC-2"},
                          {"id", "deact-2"},
                          {"data", {{"reason", "duplicate"}}}};
  AppendOne(port, json::serialize(deactivate));
  Reply lifecycle = Post(port, Retraction("account/ACC-2", "deact-2", "mistake"));
  EXPECT_EQ(lifecycle.status, 422);
  EXPECT_THAT(lifecycle.body, HasSubstr("record the correction as a domain event"));

  // Replay from the log answers the same; the ledger verifies end to end.
  WaitCaughtUp(port);
  const std::string live = ViewsDigestOf(data);
  EXPECT_EQ(server.Stop().exit_code, 0);
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data);
  ASSERT_TRUE(rebuilt.serving());
  WaitCaughtUp(rebuilt.port());
  EXPECT_EQ(ViewsDigestOf(data), live);
  EXPECT_EQ(Get(rebuilt.port(), "/v1/records/account/ACC-1")["state"].at("name"),
            "客户 Account ACC-1");
  EXPECT_EQ(rebuilt.Stop().exit_code, 0);
  EXPECT_EQ(VerifiedEvents(data), 6u);
}

}  // namespace
}  // namespace ledger_test
