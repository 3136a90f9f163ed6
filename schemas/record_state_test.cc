// The record-state fold: every event type's effect (one case per type), the index
// fields of every kind, and the whole story of examples/lifecycle.ndjson folded per
// subject.
#include "schemas/record_state.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "schemas/catalog.h"
#include "schemas/test_context.h"

namespace schemas {

// Readable failure messages.
void PrintTo(const IndexFields& f, std::ostream* os) {
  *os << "{owner=" << f.owner << " stage=" << f.stage << " status=" << f.status
      << " account=" << f.account << "}";
}

namespace {

constexpr std::string_view kWhen = "2025-06-01T09:00:00+08:00";

boost::json::object Json(std::string_view text) { return boost::json::parse(text).as_object(); }

ledger::Event MakeEvent(std::string_view type, std::string_view subject, std::string_view data) {
  ledger::Event event;
  event.type = type;
  event.subject = subject;
  event.data = Json(data);
  event.occurredat = kWhen;
  return event;
}

// --- one case per event type: state before, event data, state after ---

struct FoldCase {
  std::string type;
  std::string subject;
  std::string before;
  std::string data;
  std::string after;
};

const std::vector<FoldCase>& FoldCases() {
  static const std::vector<FoldCase> cases = {
      {"account.registered", "account/ACC-1", "{}", R"({"name":"Acme","owner":"u:a","tags":["x"]})",
       R"({"name":"Acme","owner":"u:a","tags":["x"],"id":"ACC-1","status":"active"})"},
      {"account.profile_updated", "account/ACC-1",
       R"({"id":"ACC-1","name":"Acme","status":"active","tags":["a","b"],
           "address":{"line1":"Old","city":"X","country":"CN"}})",
       R"({"address":{"line1":"New","country":"US"},"tags":["c"]})",
       R"({"id":"ACC-1","name":"Acme","status":"active","tags":["c"],
           "address":{"line1":"New","country":"US"}})"},
      {"account.owner_assigned", "account/ACC-1", R"({"owner":"u:a","status":"active"})",
       R"({"owner":"u:b","reason":"moved"})", R"({"owner":"u:b","status":"active"})"},
      {"account.deactivated", "account/ACC-1", R"({"status":"active"})",
       R"({"reason":"merged","merged_into":"ACC-2","details":"d"})",
       R"({"status":"inactive","deactivated_reason":"merged","merged_into":"ACC-2",
           "deactivated_details":"d"})"},
      {"account.reactivated", "account/ACC-1",
       R"({"name":"A","status":"inactive","deactivated_reason":"merged","merged_into":"ACC-2",
           "deactivated_details":"d"})",
       R"({"reason":"back"})", R"({"name":"A","status":"active"})"},
      {"contact.registered", "contact/CON-1", "{}", R"({"name":"Wang","account":"ACC-1"})",
       R"({"name":"Wang","account":"ACC-1","id":"CON-1"})"},
      {"contact.details_updated", "contact/CON-1",
       R"({"name":"W","wechat":"a","phones":[{"kind":"work","number":"+86 1"}]})",
       R"({"phones":[{"kind":"mobile","number":"+86 2"}]})",
       R"({"name":"W","wechat":"a","phones":[{"kind":"mobile","number":"+86 2"}]})"},
      {"contact.consent_recorded", "contact/CON-1",
       R"({"name":"W","consent":{
           "profiling":{"status":"granted","at":"2025-01-01T00:00:00Z"},
           "marketing_email":{"status":"granted","evidence":"form 1","at":"2025-01-01T00:00:00Z"}}})",
       R"({"purpose":"marketing_email","status":"withdrawn","method":"email"})",
       R"({"name":"W","consent":{
           "profiling":{"status":"granted","at":"2025-01-01T00:00:00Z"},
           "marketing_email":{"status":"withdrawn","method":"email",
                              "at":"2025-06-01T09:00:00+08:00"}}})"},
      {"contact.erased", "contact/CON-1", R"({"name":"W"})", R"({"reason":"GDPR request 7"})",
       R"({"name":"W","erased":{"at":"2025-06-01T09:00:00+08:00","reason":"GDPR request 7"}})"},
      {"opportunity.opened", "opportunity/OPP-1", "{}",
       R"({"name":"Deal","account":"ACC-1","owner":"u:a","stage":"qualification",
           "amount":{"amount":100,"currency":"CNY"}})",
       R"({"name":"Deal","account":"ACC-1","owner":"u:a","stage":"qualification",
           "amount":{"amount":100,"currency":"CNY"},"id":"OPP-1"})"},
      {"opportunity.stage_changed", "opportunity/OPP-1",
       R"({"stage":"prospecting","probability":10})",
       R"({"from":"prospecting","to":"proposal","probability":60,"reason":"r"})",
       R"({"stage":"proposal","probability":60})"},
      {"opportunity.forecast_revised", "opportunity/OPP-1",
       R"({"stage":"proposal","amount":{"amount":100,"currency":"CNY"},"probability":60})",
       R"({"amount":{"amount":90,"currency":"CNY"},"forecast_category":"commit","reason":"r"})",
       R"({"stage":"proposal","amount":{"amount":90,"currency":"CNY"},"probability":60,
           "forecast_category":"commit"})"},
      {"opportunity.owner_assigned", "opportunity/OPP-1", R"({"owner":"u:a","stage":"proposal"})",
       R"({"owner":"u:b"})", R"({"owner":"u:b","stage":"proposal"})"},
      {"opportunity.won", "opportunity/OPP-1",
       R"({"stage":"negotiation","amount":{"amount":100,"currency":"CNY"},
           "close_date":"2025-06-30"})",
       R"({"amount":{"amount":95,"currency":"CNY"},"close_date":"2025-04-28","reason":"r"})",
       R"({"stage":"closed_won","amount":{"amount":95,"currency":"CNY"},
           "close_date":"2025-04-28","won_reason":"r"})"},
      {"opportunity.lost", "opportunity/OPP-1", R"({"stage":"proposal","close_date":"2025-06-30"})",
       R"({"reason":"competitor","competitor":"N","details":"d","close_date":"2025-04-15"})",
       R"({"stage":"closed_lost","close_date":"2025-04-15","lost_reason":"competitor",
           "competitor":"N","lost_details":"d"})"},
      {"opportunity.reopened", "opportunity/OPP-1",
       R"({"stage":"closed_lost","close_date":"2025-04-15","lost_reason":"price",
           "competitor":"N","lost_details":"d"})",
       R"({"stage":"needs_analysis","reason":"r"})",
       R"({"stage":"needs_analysis","close_date":"2025-04-15"})"},
      {"activity.scheduled", "activity/ACT-1", "{}",
       R"({"channel":"visit","subject":"S","starts_at":"2025-03-18T14:00:00+08:00","owner":"u:a"})",
       R"({"channel":"visit","subject":"S","starts_at":"2025-03-18T14:00:00+08:00","owner":"u:a",
           "id":"ACT-1","status":"scheduled"})"},
      {"activity.logged", "activity/ACT-1", "{}",
       R"({"channel":"call","subject":"S","started_at":"2025-03-05T15:00:00+08:00",
           "owner":"u:a","outcome":"positive"})",
       R"({"channel":"call","subject":"S","started_at":"2025-03-05T15:00:00+08:00",
           "owner":"u:a","outcome":"positive","id":"ACT-1","status":"completed"})"},
      {"activity.rescheduled", "activity/ACT-1",
       R"({"status":"scheduled","starts_at":"2025-03-18T14:00:00+08:00","duration_minutes":60})",
       R"({"starts_at":"2025-03-20T14:00:00+08:00","reason":"r"})",
       R"({"status":"scheduled","starts_at":"2025-03-20T14:00:00+08:00","duration_minutes":60})"},
      {"activity.completed", "activity/ACT-1", R"({"status":"scheduled","duration_minutes":60})",
       R"({"outcome":"positive","duration_minutes":90,
           "next_follow_up":{"date":"2025-04-02","action":"demo"}})",
       R"({"status":"completed","outcome":"positive","duration_minutes":90,
           "next_follow_up":{"date":"2025-04-02","action":"demo"}})"},
      {"activity.cancelled", "activity/ACT-1", R"({"status":"scheduled"})", R"({"reason":"r"})",
       R"({"status":"cancelled","cancelled_reason":"r"})"},
      {"product.listed", "product/PRD-1", "{}",
       R"({"sku":"S","name":"N","category":"C","list_price":{"amount":100,"currency":"CNY"}})",
       R"({"sku":"S","name":"N","category":"C","list_price":{"amount":100,"currency":"CNY"},
           "id":"PRD-1","status":"listed"})"},
      {"product.price_changed", "product/PRD-1",
       R"({"status":"listed","list_price":{"amount":100,"currency":"CNY"}})",
       R"({"list_price":{"amount":120,"currency":"CNY"},"effective_on":"2025-03-01","reason":"r"})",
       R"({"status":"listed","list_price":{"amount":120,"currency":"CNY"},
           "price_effective_on":"2025-03-01"})"},
      {"product.discontinued", "product/PRD-1", R"({"status":"listed"})",
       R"({"reason":"eol","replacement":"PRD-2","effective_on":"2025-02-28"})",
       R"({"status":"discontinued","discontinued_reason":"eol","replacement":"PRD-2",
           "discontinued_on":"2025-02-28"})"},
      {"contract.signed", "contract/CTR-1", "{}",
       R"({"number":"HT-1","account":"ACC-1","payment_terms":"net_30","start_date":"2025-05-01",
           "lines":[{"product":"PRD-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"}}]})",
       R"({"number":"HT-1","account":"ACC-1","payment_terms":"net_30","start_date":"2025-05-01",
           "lines":[{"product":"PRD-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"}}],
           "id":"CTR-1","status":"active"})"},
      {"contract.amended", "contract/CTR-1",
       R"({"status":"active","payment_terms":"net_30",
           "lines":[{"product":"PRD-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"}}]})",
       R"({"reason":"r",
           "lines":[{"product":"PRD-2","quantity":2,"unit_price":{"amount":3,"currency":"CNY"}}]})",
       R"({"status":"active","payment_terms":"net_30",
           "lines":[{"product":"PRD-2","quantity":2,"unit_price":{"amount":3,"currency":"CNY"}}]})"},
      {"contract.terminated", "contract/CTR-1", R"({"status":"active"})",
       R"({"reason":"replaced","effective_on":"2025-05-31","details":"d"})",
       R"({"status":"terminated","terminated_reason":"replaced","terminated_on":"2025-05-31",
           "terminated_details":"d"})"},
      {"order.placed", "order/ORD-1", "{}",
       R"({"number":"SO-1","account":"ACC-1",
           "lines":[{"product":"PRD-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"}}]})",
       R"({"number":"SO-1","account":"ACC-1",
           "lines":[{"product":"PRD-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"}}],
           "id":"ORD-1","status":"placed"})"},
      {"order.status_changed", "order/ORD-1", R"({"status":"paid","status_reason":"deposit"})",
       R"({"from":"paid","to":"shipped","carrier":"SF","tracking_number":"T1"})",
       R"({"status":"shipped","carrier":"SF","tracking_number":"T1"})"},
      {"invoice.issued", "invoice/INV-1", "{}",
       R"({"number":"FP-1","order":"ORD-1","issue_date":"2025-05-07","due_date":"2025-06-06",
           "amount":{"amount":1000,"currency":"CNY"},"tax":{"amount":130,"currency":"CNY"}})",
       R"({"number":"FP-1","order":"ORD-1","issue_date":"2025-05-07","due_date":"2025-06-06",
           "amount":{"amount":1000,"currency":"CNY"},"tax":{"amount":130,"currency":"CNY"},
           "id":"INV-1","status":"issued","total":{"amount":1130,"currency":"CNY"},
           "amount_due":{"amount":1130,"currency":"CNY"}})"},
      {"invoice.voided", "invoice/INV-1",
       R"({"status":"issued","total":{"amount":1130,"currency":"CNY"},
           "amount_due":{"amount":1130,"currency":"CNY"}})",
       R"({"reason":"r"})",
       R"({"status":"voided","voided_reason":"r","total":{"amount":1130,"currency":"CNY"},
           "amount_due":{"amount":0,"currency":"CNY"}})"},
      {"payment.received", "payment/PAY-1", "{}",
       R"({"invoice":"INV-1","amount":{"amount":500,"currency":"CNY"},"method":"card",
           "received_at":"2025-05-10T22:15:00+08:00"})",
       R"({"invoice":"INV-1","amount":{"amount":500,"currency":"CNY"},"method":"card",
           "received_at":"2025-05-10T22:15:00+08:00","id":"PAY-1","status":"received",
           "refunded":{"amount":0,"currency":"CNY"}})"},
      {"payment.refunded", "payment/PAY-1",
       R"({"status":"received","amount":{"amount":500,"currency":"CNY"},
           "refunded":{"amount":0,"currency":"CNY"}})",
       R"({"amount":{"amount":200,"currency":"CNY"},"reason":"r",
           "refunded_at":"2025-05-23T01:00:00+08:00"})",
       R"({"status":"partially_refunded","amount":{"amount":500,"currency":"CNY"},
           "refunded":{"amount":200,"currency":"CNY"},
           "refunds":[{"amount":{"amount":200,"currency":"CNY"},"reason":"r",
                       "refunded_at":"2025-05-23T01:00:00+08:00"}]})"},
      {"ticket.opened", "ticket/TKT-1", "{}",
       R"({"title":"T","request":"R","category":"defect","severity":"high","account":"ACC-1"})",
       R"({"title":"T","request":"R","category":"defect","severity":"high","account":"ACC-1",
           "id":"TKT-1","status":"open"})"},
      {"ticket.assigned", "ticket/TKT-1", R"({"status":"open"})",
       R"({"handler":"u:h","team":"East"})",
       R"({"status":"in_progress","handler":"u:h","team":"East"})"},
      {"ticket.action_taken", "ticket/TKT-1",
       R"({"status":"in_progress","minutes_spent":10,
           "actions":[{"action":"repair","details":"a","at":"2025-05-01T00:00:00Z"}]})",
       R"({"action":"onsite_visit","details":"b","minutes_spent":30,"by":"u:z"})",
       R"({"status":"in_progress","minutes_spent":40,
           "actions":[{"action":"repair","details":"a","at":"2025-05-01T00:00:00Z"},
                      {"action":"onsite_visit","details":"b","minutes_spent":30,"by":"u:z",
                       "at":"2025-06-01T09:00:00+08:00"}]})"},
      {"ticket.resolved", "ticket/TKT-1", R"({"status":"in_progress"})",
       R"({"resolution_code":"fixed","resolution":"done"})",
       R"({"status":"resolved","resolution_code":"fixed","resolution":"done"})"},
      {"ticket.reopened", "ticket/TKT-1",
       R"({"status":"closed","handler":"u:h","resolution_code":"fixed","resolution":"done",
           "close_code":"by_policy","satisfaction":{"score":2,"at":"2025-05-01T00:00:00Z"}})",
       R"({"reason":"again"})",
       R"({"status":"in_progress","handler":"u:h",
           "satisfaction":{"score":2,"at":"2025-05-01T00:00:00Z"}})"},
      {"ticket.closed", "ticket/TKT-1", R"({"status":"resolved","resolution_code":"fixed"})",
       R"({"close_code":"confirmed_by_customer"})",
       R"({"status":"closed","resolution_code":"fixed","close_code":"confirmed_by_customer"})"},
      {"ticket.satisfaction_rated", "ticket/TKT-1", R"({"status":"resolved"})",
       R"({"score":4,"comment":"ok"})",
       R"({"status":"resolved",
           "satisfaction":{"score":4,"comment":"ok","at":"2025-06-01T09:00:00+08:00"}})"},
      {"target.set", "target/TGT-1", "{}",
       R"({"owner_type":"rep","owner":"u:a","period":"2025-Q2","metric":"deals_won","count":3})",
       R"({"owner_type":"rep","owner":"u:a","period":"2025-Q2","metric":"deals_won","count":3,
           "id":"TGT-1"})"},
      {"target.revised", "target/TGT-1", R"({"metric":"deals_won","count":3})",
       R"({"count":5,"reason":"r"})", R"({"metric":"deals_won","count":5})"},
      {"forecast.submitted", "forecast/FC-1", "{}",
       R"({"owner":"u:a","period":"2025-Q2","commit":{"amount":0,"currency":"USD"},
           "best_case":{"amount":100,"currency":"USD"}})",
       R"({"owner":"u:a","period":"2025-Q2","commit":{"amount":0,"currency":"USD"},
           "best_case":{"amount":100,"currency":"USD"},"id":"FC-1"})"},
      {"forecast.revised", "forecast/FC-1",
       R"({"commit":{"amount":0,"currency":"USD"},"best_case":{"amount":100,"currency":"USD"}})",
       R"({"commit":{"amount":50,"currency":"USD"},"reason":"r"})",
       R"({"commit":{"amount":50,"currency":"USD"},"best_case":{"amount":100,"currency":"USD"}})"},
      {"fx.rate_published", "fx/FX-1", "{}",
       R"({"base":{"amount":100,"currency":"USD"},"quote":{"amount":712,"currency":"CNY"},
           "effective_at":"2025-05-01T00:00:00Z"})",
       R"({"base":{"amount":100,"currency":"USD"},"quote":{"amount":712,"currency":"CNY"},
           "effective_at":"2025-05-01T00:00:00Z","id":"FX-1"})"},
      {"team.formed", "team/east", "{}", R"({"name":"East China","manager":"u:zhou.min"})",
       R"({"name":"East China","manager":"u:zhou.min","id":"east","members":[]})"},
      {"team.member_added", "team/east", R"({"members":["u:a"]})", R"({"user":"u:b"})",
       R"({"members":["u:a","u:b"]})"},
      {"team.member_removed", "team/east", R"({"members":["u:a","u:b"]})",
       R"({"user":"u:a","reason":"moved"})", R"({"members":["u:b"]})"},
  };
  return cases;
}

void PrintTo(const FoldCase& c, std::ostream* os) { *os << c.type; }

class EventTypeFoldTest : public ::testing::TestWithParam<FoldCase> {};

TEST_P(EventTypeFoldTest, ChangesTheStateAsDocumented) {
  const FoldCase& c = GetParam();
  boost::json::object state = Json(c.before);
  ApplyToRecordState(state, MakeEvent(c.type, c.subject, c.data));
  EXPECT_EQ(state, Json(c.after)) << c.type;
}

INSTANTIATE_TEST_SUITE_P(EveryType, EventTypeFoldTest, ::testing::ValuesIn(FoldCases()),
                         [](const ::testing::TestParamInfo<FoldCase>& info) {
                           std::string name = info.param.type;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

TEST(RecordStateTest, TheTableHasOneCasePerEventTypeOfTheCatalogue) {
  std::multiset<std::string> covered;
  for (const FoldCase& c : FoldCases()) covered.insert(c.type);
  ASSERT_EQ(covered.size(), Catalog().size());
  for (const EventTypeSpec& spec : Catalog()) {
    EXPECT_EQ(covered.count(spec.type), 1u) << spec.type;
  }
}

TEST(RecordStateTest, AnOpportunityOpenedWithoutStageIsProspecting) {
  boost::json::object state;
  ApplyToRecordState(state, MakeEvent("opportunity.opened", "opportunity/OPP-1",
                                      R"({"name":"D","account":"ACC-1","owner":"u:a"})"));
  EXPECT_EQ(state.at("stage"), "prospecting");
}

TEST(RecordStateTest, UnknownTypesAndSchemaVersionsLeaveTheStateUnchanged) {
  const boost::json::object before = Json(R"({"id":"OPP-1","stage":"proposal"})");
  boost::json::object state = before;
  ApplyToRecordState(state, MakeEvent("opportunity.teleported", "opportunity/OPP-1", "{}"));
  EXPECT_EQ(state, before);
  ledger::Event future = MakeEvent("opportunity.stage_changed", "opportunity/OPP-1",
                                   R"({"from":"proposal","to":"negotiation"})");
  future.schemaversion = 2;
  ApplyToRecordState(state, future);
  EXPECT_EQ(state, before);
}

TEST(RecordStateTest, ACreationEventReplacesTheWholeState) {
  boost::json::object state = Json(R"({"leftover":true})");
  ApplyToRecordState(state, MakeEvent("contact.registered", "contact/CON-9", R"({"name":"N"})"));
  EXPECT_EQ(state, Json(R"({"name":"N","id":"CON-9"})"));
}

TEST(RecordStateTest, TicketReopenedWithoutHandlerIsOpenAgain) {
  boost::json::object state = Json(R"({"status":"resolved","resolution_code":"duplicate"})");
  ApplyToRecordState(state, MakeEvent("ticket.reopened", "ticket/TKT-1", R"({"reason":"r"})"));
  EXPECT_EQ(state, Json(R"({"status":"open"})"));
}

TEST(RecordStateTest, ActionsKeepTheLastFiftyAndCountEveryMinute) {
  boost::json::object state;
  ApplyToRecordState(state, MakeEvent("ticket.opened", "ticket/TKT-1",
                                      R"({"title":"T","request":"R","category":"defect",
                                          "severity":"low","account":"ACC-1"})"));
  for (int i = 0; i < 60; ++i) {
    std::string data =
        R"({"action":"other","minutes_spent":2,"details":"step )" + std::to_string(i) + R"("})";
    ApplyToRecordState(state, MakeEvent("ticket.action_taken", "ticket/TKT-1", data));
  }
  const boost::json::array& actions = state.at("actions").as_array();
  ASSERT_EQ(actions.size(), kRecordActionsMax);
  EXPECT_EQ(actions.front().at("details"), "step 10");
  EXPECT_EQ(actions.back().at("details"), "step 59");
  EXPECT_EQ(state.at("minutes_spent"), 120);
}

TEST(RecordStateTest, RefundsKeepTheLastFiftyAndSumEveryOne) {
  boost::json::object state;
  ApplyToRecordState(state, MakeEvent("payment.received", "payment/PAY-1",
                                      R"({"invoice":"INV-1","amount":{"amount":100,
                                          "currency":"CNY"},"method":"cash",
                                          "received_at":"2025-05-10T22:15:00+08:00"})"));
  for (int i = 0; i < 60; ++i) {
    ApplyToRecordState(state, MakeEvent("payment.refunded", "payment/PAY-1",
                                        R"({"amount":{"amount":1,"currency":"CNY"},"reason":"r",
                                            "refunded_at":"2025-05-23T01:00:00+08:00"})"));
  }
  EXPECT_EQ(state.at("refunds").as_array().size(), kRecordRefundsMax);
  EXPECT_EQ(state.at("refunded"), Json(R"({"amount":60,"currency":"CNY"})"));
  EXPECT_EQ(state.at("status"), "partially_refunded");
}

// --- index fields ---

struct IndexCase {
  std::string kind;
  std::string state;
  IndexFields expected;
};

TEST(RecordStateTest, IndexFieldsOfEveryKind) {
  const std::vector<IndexCase> cases = {
      {"account",
       R"({"id":"ACC-1","owner":"u:a","status":"inactive"})",
       {"u:a", "", "inactive", "ACC-1"}},
      {"contact", R"({"id":"CON-1","owner":"u:a","account":"ACC-1"})", {"u:a", "", "", "ACC-1"}},
      {"contact", R"({"id":"CON-2","name":"N"})", {"", "", "", ""}},
      {"opportunity",
       R"({"id":"OPP-1","owner":"u:a","stage":"proposal","account":"ACC-1"})",
       {"u:a", "proposal", "", "ACC-1"}},
      {"activity",
       R"({"id":"ACT-1","owner":"u:a","status":"scheduled","account":"ACC-1"})",
       {"u:a", "", "scheduled", "ACC-1"}},
      {"product", R"({"id":"PRD-1","status":"listed"})", {"", "", "listed", ""}},
      {"contract",
       R"({"id":"CTR-1","status":"active","account":"ACC-1"})",
       {"", "", "active", "ACC-1"}},
      {"order", R"({"id":"ORD-1","status":"paid","account":"ACC-1"})", {"", "", "paid", "ACC-1"}},
      {"invoice", R"({"id":"INV-1","status":"issued","order":"ORD-1"})", {"", "", "issued", ""}},
      {"payment",
       R"({"id":"PAY-1","status":"received","invoice":"INV-1"})",
       {"", "", "received", ""}},
      {"ticket",
       R"({"id":"TKT-1","handler":"u:h","status":"in_progress","account":"ACC-1"})",
       {"u:h", "", "in_progress", "ACC-1"}},
      {"target", R"({"id":"TGT-1","owner":"team:east"})", {"team:east", "", "", ""}},
      {"forecast", R"({"id":"FC-1","owner":"u:a"})", {"u:a", "", "", ""}},
      {"fx", R"({"id":"FX-1","owner":"u:a","status":"x"})", {"", "", "", ""}},
      {"team", R"({"id":"east","manager":"u:m"})", {"u:m", "", "", ""}},
      {"unknown", R"({"owner":"u:a","status":"x"})", {"", "", "", ""}},
      {"order", R"({"status":7,"account":null})", {"", "", "", ""}},
  };
  std::set<std::string> kinds;
  for (const IndexCase& c : cases) {
    kinds.insert(c.kind);
    IndexFields got = IndexFieldsOf(c.kind, Json(c.state));
    EXPECT_EQ(got.owner, c.expected.owner) << c.kind << " " << c.state;
    EXPECT_EQ(got.stage, c.expected.stage) << c.kind << " " << c.state;
    EXPECT_EQ(got.status, c.expected.status) << c.kind << " " << c.state;
    EXPECT_EQ(got.account, c.expected.account) << c.kind << " " << c.state;
  }
  for (const RecordKindSpec& kind : RecordKinds()) EXPECT_TRUE(kinds.contains(kind.kind));
}

// --- the story of examples/lifecycle.ndjson ---

using States = std::map<std::string, boost::json::object>;

// Folds the story per subject, up to and including the event with id `until` ("" = all).
States FoldStory(std::string_view until = "") {
  std::ifstream in(std::string(SCHEMAS_DIR) + "/examples/lifecycle.ndjson");
  States states;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ledger::Command command = testing::CommandFromJson(line);
    ledger::Event event;
    event.type = command.type;
    event.subject = command.subject;
    event.data = command.data;
    event.occurredat = command.occurredat;
    event.schemaversion = command.schemaversion;
    ApplyToRecordState(states[command.subject], event);
    if (command.id == until) break;
  }
  return states;
}

bool HasDouble(const boost::json::value& value) {
  if (value.is_double()) return true;
  if (const auto* object = value.if_object()) {
    for (const auto& field : *object) {
      if (HasDouble(field.value())) return true;
    }
  }
  if (const auto* array = value.if_array()) {
    for (const auto& item : *array) {
      if (HasDouble(item)) return true;
    }
  }
  return false;
}

TEST(RecordStateStoryTest, EveryRecordHasItsIdAndNoFloats) {
  States states = FoldStory();
  EXPECT_EQ(states.size(), 40u);
  for (const auto& [subject, state] : states) {
    EXPECT_EQ(state.at("id"), boost::json::value(subject.substr(subject.find('/') + 1))) << subject;
    EXPECT_FALSE(HasDouble(state)) << subject;
  }
}

TEST(RecordStateStoryTest, TheWonOpportunity) {
  boost::json::object deal = FoldStory().at("opportunity/OPP-2025-0042");
  EXPECT_EQ(deal.at("stage"), "closed_won");
  EXPECT_EQ(deal.at("amount"), Json(R"({"amount":92700000,"currency":"CNY"})"));
  EXPECT_EQ(deal.at("close_date"), "2025-04-28");
  EXPECT_EQ(deal.at("won_reason"),
            "试点方案与本地实施团队 / pilot plan and local implementation team");
  EXPECT_EQ(deal.at("forecast_category"), "commit");
  EXPECT_EQ(deal.at("probability"), 85);
  EXPECT_EQ(IndexFieldsOf("opportunity", deal),
            (IndexFields{"u:zhang.wei", "closed_won", "", "ACC-1001"}));
}

TEST(RecordStateStoryTest, TheLostOpportunityThenReopened) {
  boost::json::object lost = FoldStory("lifecycle-043").at("opportunity/OPP-2025-0051");
  EXPECT_EQ(lost.at("stage"), "closed_lost");
  EXPECT_EQ(lost.at("lost_reason"), "competitor");
  EXPECT_EQ(lost.at("competitor"), "Northwind MES");
  EXPECT_EQ(lost.at("lost_details"), "Chose a vendor with a US support centre.");
  EXPECT_EQ(lost.at("close_date"), "2025-04-15");
  EXPECT_EQ(lost.at("owner"), "u:emily.ross");

  boost::json::object reopened = FoldStory().at("opportunity/OPP-2025-0051");
  EXPECT_EQ(reopened.at("stage"), "needs_analysis");
  EXPECT_FALSE(reopened.contains("lost_reason"));
  EXPECT_FALSE(reopened.contains("competitor"));
  EXPECT_EQ(IndexFieldsOf("opportunity", reopened),
            (IndexFields{"u:emily.ross", "needs_analysis", "", "ACC-1002"}));
}

TEST(RecordStateStoryTest, OrdersReachTheirFinalStatus) {
  States states = FoldStory();
  const boost::json::object& delivered = states.at("order/ORD-2025-0001");
  EXPECT_EQ(delivered.at("status"), "delivered");
  EXPECT_EQ(delivered.at("carrier"), "顺丰速运 SF Express");
  EXPECT_EQ(delivered.at("tracking_number"), "SF1402938475610");
  EXPECT_FALSE(delivered.contains("status_reason"));
  EXPECT_EQ(states.at("order/ORD-2025-0002").at("status"), "returned");
  EXPECT_EQ(states.at("order/ORD-2025-0002").at("status_reason"),
            "Wrong voltage model (220 V instead of 110 V)");
  EXPECT_EQ(states.at("order/ORD-2025-0003").at("status"), "cancelled");
  EXPECT_EQ(IndexFieldsOf("order", delivered), (IndexFields{"", "", "delivered", "ACC-1001"}));
}

TEST(RecordStateStoryTest, InvoicesAndPaymentsStayInTheirOwnStreams) {
  States states = FoldStory();
  const boost::json::object& voided = states.at("invoice/INV-2025-0001");
  EXPECT_EQ(voided.at("status"), "voided");
  EXPECT_EQ(voided.at("amount_due"), Json(R"({"amount":0,"currency":"CNY"})"));
  // Paid in full by PAY-2025-0001 and -0002, but those are other records' events.
  const boost::json::object& paid = states.at("invoice/INV-2025-0002");
  EXPECT_EQ(paid.at("status"), "issued");
  EXPECT_EQ(paid.at("total"), Json(R"({"amount":87801000,"currency":"CNY"})"));
  EXPECT_EQ(paid.at("amount_due"), paid.at("total"));
  const boost::json::object& refunded = states.at("payment/PAY-2025-0003");
  EXPECT_EQ(refunded.at("status"), "refunded");
  EXPECT_EQ(refunded.at("refunded"), Json(R"({"amount":370000,"currency":"USD"})"));
  EXPECT_EQ(refunded.at("refunds").as_array().size(), 1u);
  EXPECT_EQ(states.at("payment/PAY-2025-0001").at("status"), "received");
}

TEST(RecordStateStoryTest, TheTicket) {
  boost::json::object ticket = FoldStory().at("ticket/TKT-5001");
  EXPECT_EQ(ticket.at("status"), "closed");
  EXPECT_EQ(ticket.at("handler"), "u:wang.fang");
  EXPECT_EQ(ticket.at("resolution_code"), "fixed");
  EXPECT_EQ(ticket.at("close_code"), "confirmed_by_customer");
  EXPECT_EQ(ticket.at("satisfaction").at("score"), 5);
  EXPECT_EQ(ticket.at("satisfaction").at("at"), "2025-06-14T10:00:00+08:00");
  const boost::json::array& actions = ticket.at("actions").as_array();
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].at("action"), "remote_support");
  EXPECT_EQ(actions[1].at("action"), "onsite_visit");
  EXPECT_EQ(actions[1].at("by"), "u:zhou.lei");
  EXPECT_EQ(actions[1].at("at"), "2025-06-11T15:00:00+08:00");
  EXPECT_EQ(ticket.at("minutes_spent"), 285);
  EXPECT_EQ(IndexFieldsOf("ticket", ticket),
            (IndexFields{"u:wang.fang", "", "closed", "ACC-1001"}));
}

TEST(RecordStateStoryTest, ContactConsents) {
  States states = FoldStory();
  EXPECT_EQ(states.at("contact/CON-2001").at("consent"),
            Json(R"({"marketing_email":{"status":"granted","method":"paper_form",
                     "evidence":"2025 智能制造展会登记表 #A-0317 / trade show form A-0317",
                     "at":"2025-03-05T10:10:00+08:00"}})"));
  EXPECT_EQ(states.at("contact/CON-2003").at("consent").at("marketing_phone").at("status"),
            "withdrawn");
  EXPECT_FALSE(states.at("contact/CON-2002").contains("consent"));
  EXPECT_EQ(states.at("contact/CON-2002").at("wechat"), "xiaoyan_buyer");
}

TEST(RecordStateStoryTest, AccountsAfterUpdatesAndReactivation) {
  States states = FoldStory();
  const boost::json::object& account = states.at("account/ACC-1001");
  EXPECT_EQ(account.at("name"), "上海恒锐精密机械有限公司");
  EXPECT_EQ(account.at("website"), "https://www.hengrui-precision.example.cn");
  EXPECT_EQ(account.at("size"), "enterprise");
  EXPECT_EQ(account.at("tags"),
            Json(R"({"t":["汽车零部件","MES 目标客户","key-account","新能源"]})").at("t"));
  EXPECT_EQ(account.at("address").at("postal_code"), "201805");
  EXPECT_EQ(IndexFieldsOf("account", account),
            (IndexFields{"u:zhang.wei", "", "active", "ACC-1001"}));
  EXPECT_EQ(states.at("account/ACC-1002").at("owner"), "u:emily.ross");
  const boost::json::object& back = states.at("account/ACC-1003");
  EXPECT_EQ(back.at("status"), "active");
  EXPECT_FALSE(back.contains("deactivated_reason"));
}

TEST(RecordStateStoryTest, TheRestOfTheStory) {
  States states = FoldStory();
  EXPECT_EQ(states.at("product/PRD-GW-V1").at("status"), "discontinued");
  EXPECT_EQ(states.at("product/PRD-GW-V1").at("replacement"), "PRD-GW-V2");
  EXPECT_EQ(states.at("product/PRD-MES-SEAT").at("list_price").at("amount"), 380000);
  EXPECT_EQ(states.at("contract/CTR-2025-003").at("status"), "terminated");
  EXPECT_EQ(states.at("contract/CTR-2025-007").at("lines").as_array().size(), 4u);
  EXPECT_EQ(states.at("activity/ACT-30002").at("status"), "completed");
  EXPECT_EQ(states.at("activity/ACT-30002").at("starts_at"), "2025-03-20T14:00:00+08:00");
  EXPECT_EQ(states.at("activity/ACT-30002").at("duration_minutes"), 200);
  EXPECT_EQ(states.at("activity/ACT-30004").at("status"), "cancelled");
  EXPECT_EQ(states.at("activity/ACT-30001").at("status"), "completed");
  EXPECT_EQ(states.at("target/TGT-2025-Q2-EAST").at("amount").at("amount"), 350000000);
  EXPECT_EQ(states.at("forecast/FC-2025-Q2-ZHANGWEI").at("commit").at("amount"), 92700000);
}

TEST(RecordStateStoryTest, FoldingIsDeterministic) {
  States first = FoldStory();
  States second = FoldStory();
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [subject, state] : first) {
    EXPECT_EQ(state, second.at(subject)) << subject;
    EXPECT_EQ(boost::json::serialize(state), boost::json::serialize(second.at(subject))) << subject;
  }
}

}  // namespace
}  // namespace schemas
