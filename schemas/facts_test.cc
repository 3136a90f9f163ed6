// What the analytics read model keeps of an event (facts.cc).
#include "schemas/facts.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace schemas {
namespace {

ledger::Event MakeEvent(std::string type, std::string subject, std::string_view data) {
  ledger::Event e;
  e.type = std::move(type);
  e.subject = std::move(subject);
  e.schemaversion = 1;
  e.data = boost::json::parse(data).as_object();
  return e;
}

TEST(AnalyticsFactTest, KeepsTheFiguresAndDropsWhatIsAboutAPerson) {
  auto fact = AnalyticsFactOf(
      MakeEvent("activity.logged", "activity/ACT-1",
                R"({"channel":"call","subject":"s","started_at":"2025-03-05T15:00:00+08:00",)"
                R"("owner":"u:a","outcome":"positive","content":{"sealed":{"v":1}},)"
                R"("customer_feedback":"likes it","opportunity":"OPP-1"})"));
  ASSERT_TRUE(fact);
  EXPECT_EQ(*fact,
            boost::json::parse(R"({"channel":"call","subject":"s",)"
                               R"("started_at":"2025-03-05T15:00:00+08:00",)"
                               R"("owner":"u:a","outcome":"positive","opportunity":"OPP-1"})")
                .as_object());
}

TEST(AnalyticsFactTest, AnOrderKeepsItsLinesButNotItsRecipient) {
  auto fact = AnalyticsFactOf(MakeEvent(
      "order.placed", "order/ORD-1",
      R"({"number":"SO-1","account":"ACC-1","lines":[{"product":"P-1","quantity":1,)"
      R"("unit_price":{"amount":100,"currency":"CNY"}}],"recipient":"Wang",)"
      R"("recipient_phone":"+86 139 1234 5678","shipping_address":{"line1":"l","city":"c",)"
      R"("country":"CN"}})"));
  ASSERT_TRUE(fact);
  EXPECT_FALSE(fact->contains("recipient"));
  EXPECT_FALSE(fact->contains("recipient_phone"));
  EXPECT_TRUE(fact->contains("shipping_address"));
  EXPECT_EQ(fact->at("lines").as_array().size(), 1u);
}

TEST(AnalyticsFactTest, ContactsAndUnknownTypesLeaveNoFact) {
  EXPECT_FALSE(AnalyticsFactOf(
      MakeEvent("contact.registered", "contact/CON-1", R"({"name":"Wang","account":"ACC-1"})")));
  EXPECT_FALSE(AnalyticsFactOf(MakeEvent("contact.retracted_nothing", "contact/CON-1", "{}")));
  EXPECT_FALSE(AnalyticsFactOf(MakeEvent("widget.made", "widget/W-1", "{}")));
}

TEST(AnalyticsFactTest, RetractionsAreKeptWhole) {
  auto fact = AnalyticsFactOf(
      MakeEvent("event.retracted", "target/T-1", R"({"event":"e-7","reason":"typo"})"));
  ASSERT_TRUE(fact);
  EXPECT_EQ(fact->at("event"), "e-7");
}

}  // namespace
}  // namespace schemas
