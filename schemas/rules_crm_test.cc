// State rules of accounts, opportunities and activities (rules_crm.cc).
#include <gtest/gtest.h>

#include <string>

#include "schemas/states.h"
#include "schemas/test_context.h"

namespace schemas {
namespace {

using ledger::Code;
using testing::ExpectRejected;
using testing::SalesWorld;

class CrmRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.Given("account.registered", "account/ACC-1",
                 R"({"name":"上海恒锐精密机械有限公司","owner":"u:zhang.wei"})");
  }
  void OpenOpportunity(const std::string& id, const std::string& stage) {
    world_.Given(
        "opportunity.opened", "opportunity/" + id,
        R"({"name":"MES","account":"ACC-1","owner":"u:zhang.wei","stage":")" + stage + R"("})");
  }
  ledger::Status ChangeStage(const std::string& id, const std::string& from,
                             const std::string& to) {
    return world_.Append("opportunity.stage_changed", "opportunity/" + id,
                         R"({"from":")" + from + R"(","to":")" + to + R"("})");
  }
  SalesWorld world_;
};

TEST_F(CrmRulesTest, OpportunityMovesThroughEveryOpenStageBothWays) {
  OpenOpportunity("OPP-1", "prospecting");
  for (size_t i = 1; i < kOpenStages.size(); ++i) {
    ledger::Status status =
        ChangeStage("OPP-1", std::string(kOpenStages[i - 1]), std::string(kOpenStages[i]));
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  // Deals slip back: negotiation -> proposal is allowed while open.
  ledger::Status back = ChangeStage("OPP-1", "negotiation", "proposal");
  EXPECT_TRUE(back.ok()) << back.ToString();
}

TEST_F(CrmRulesTest, StageChangeMustStartFromTheCurrentStage) {
  OpenOpportunity("OPP-1", "negotiation");
  ExpectRejected(world_.Check("opportunity.stage_changed", "opportunity/OPP-1",
                              R"({"from":"proposal","to":"qualification"})"),
                 Code::kIllegalTransition, "/data/from",
                 "opportunity OPP-1 is in stage negotiation, not proposal");
}

TEST_F(CrmRulesTest, StageChangeCannotClose) {
  OpenOpportunity("OPP-1", "negotiation");
  for (const char* closed : {"closed_won", "closed_lost"}) {
    ExpectRejected(world_.Check("opportunity.stage_changed", "opportunity/OPP-1",
                                R"({"from":"negotiation","to":")" + std::string(closed) + R"("})"),
                   Code::kIllegalTransition, "/data/to", "use opportunity.won or opportunity.lost");
  }
}

TEST_F(CrmRulesTest, WonIsFinal) {
  OpenOpportunity("OPP-1", "negotiation");
  world_.Given("opportunity.won", "opportunity/OPP-1",
               R"({"amount":{"amount":100,"currency":"CNY"},"close_date":"2025-04-28"})");
  ExpectRejected(world_.Check("opportunity.stage_changed", "opportunity/OPP-1",
                              R"({"from":"closed_won","to":"proposal"})"),
                 Code::kIllegalTransition, "/data/from", "a won opportunity cannot change stage");
  ExpectRejected(world_.Check("opportunity.stage_changed", "opportunity/OPP-1",
                              R"({"from":"negotiation","to":"proposal"})"),
                 Code::kIllegalTransition, "/data/from", "is closed_won");
  ExpectRejected(
      world_.Check("opportunity.won", "opportunity/OPP-1",
                   R"({"amount":{"amount":1,"currency":"CNY"},"close_date":"2025-04-29"})"),
      Code::kIllegalTransition, "/type", "only an open opportunity can be won");
  ExpectRejected(world_.Check("opportunity.lost", "opportunity/OPP-1",
                              R"({"reason":"price","close_date":"2025-04-29"})"),
                 Code::kIllegalTransition, "/type", "only an open opportunity can be lost");
  ExpectRejected(world_.Check("opportunity.reopened", "opportunity/OPP-1",
                              R"({"stage":"proposal","reason":"r"})"),
                 Code::kIllegalTransition, "/type", "only a lost opportunity can be reopened");
  ExpectRejected(
      world_.Check("opportunity.forecast_revised", "opportunity/OPP-1", R"({"probability":50})"),
      Code::kIllegalTransition, "/type", "only open opportunities can be revised");
}

TEST_F(CrmRulesTest, LostCanBeReopenedIntoAnOpenStage) {
  OpenOpportunity("OPP-1", "proposal");
  world_.Given("opportunity.lost", "opportunity/OPP-1",
               R"({"reason":"competitor","competitor":"Northwind","close_date":"2025-04-15"})");
  ExpectRejected(world_.Check("opportunity.stage_changed", "opportunity/OPP-1",
                              R"({"from":"closed_lost","to":"proposal"})"),
                 Code::kIllegalTransition, "/data/from", "reopen it with opportunity.reopened");
  ExpectRejected(
      world_.Check("opportunity.won", "opportunity/OPP-1",
                   R"({"amount":{"amount":1,"currency":"CNY"},"close_date":"2025-04-29"})"),
      Code::kIllegalTransition, "/type", "(reopen it first)");
  world_.Given("opportunity.reopened", "opportunity/OPP-1",
               R"({"stage":"needs_analysis","reason":"Northwind stalled"})");
  ledger::Status status = ChangeStage("OPP-1", "needs_analysis", "proposal");
  EXPECT_TRUE(status.ok()) << status.ToString();
  world_.Given("opportunity.won", "opportunity/OPP-1",
               R"({"amount":{"amount":100,"currency":"USD"},"close_date":"2025-06-01"})");
}

TEST_F(CrmRulesTest, ForecastAndOwnerOfAnOpenOpportunity) {
  OpenOpportunity("OPP-1", "proposal");
  world_.Given("opportunity.forecast_revised", "opportunity/OPP-1",
               R"({"amount":{"amount":92700000,"currency":"CNY"},"probability":70})");
  ExpectRejected(
      world_.Check("opportunity.owner_assigned", "opportunity/OPP-1", R"({"owner":"u:zhang.wei"})"),
      Code::kIllegalTransition, "/data/owner", "already owned by u:zhang.wei");
  world_.Given("opportunity.owner_assigned", "opportunity/OPP-1", R"({"owner":"u:emily.ross"})");
}

TEST_F(CrmRulesTest, DeactivatedAccountsTakeNoNewBusiness) {
  world_.Given("account.registered", "account/ACC-2", R"({"name":"明辉","owner":"u:li.na"})");
  ExpectRejected(world_.Check("account.reactivated", "account/ACC-2", "{}"),
                 Code::kIllegalTransition, "/type", "account ACC-2 is active already");
  world_.Given("account.deactivated", "account/ACC-2", R"({"reason":"no_longer_customer"})");
  ExpectRejected(world_.Check("account.deactivated", "account/ACC-2", R"({"reason":"other"})"),
                 Code::kIllegalTransition, "/type", "already deactivated");
  ExpectRejected(
      world_.Check("opportunity.opened", "opportunity/OPP-2",
                   R"({"name":"x","account":"ACC-2","owner":"u:a","stage":"prospecting"})"),
      Code::kIllegalTransition, "/data/account", "account ACC-2 is deactivated");
  ExpectRejected(world_.Check("account.deactivated", "account/ACC-1",
                              R"({"reason":"merged","merged_into":"ACC-2"})"),
                 Code::kIllegalTransition, "/data/merged_into", "account ACC-2 is deactivated");
  // Records about the company may still be kept up to date.
  world_.Given("account.profile_updated", "account/ACC-2", R"({"size":"small"})");
  world_.Given("contact.registered", "contact/CON-1", R"({"name":"陈静","account":"ACC-2"})");
  world_.Given("account.reactivated", "account/ACC-2", R"({"reason":"new plant"})");
  world_.Given("opportunity.opened", "opportunity/OPP-2",
               R"({"name":"x","account":"ACC-2","owner":"u:a","stage":"prospecting"})");
}

TEST_F(CrmRulesTest, AccountOwnerMustChange) {
  ExpectRejected(
      world_.Check("account.owner_assigned", "account/ACC-1", R"({"owner":"u:zhang.wei"})"),
      Code::kIllegalTransition, "/data/owner", "account ACC-1 is already owned by");
  world_.Given("account.owner_assigned", "account/ACC-1", R"({"owner":"u:li.na"})");
  world_.Given("account.owner_assigned", "account/ACC-1", R"({"owner":"u:zhang.wei"})");
}

TEST_F(CrmRulesTest, ScheduledActivitiesEndOnce) {
  const std::string scheduled =
      R"({"channel":"visit","subject":"现场调研","starts_at":"2025-03-18T14:00:00+08:00",)"
      R"("owner":"u:zhang.wei","account":"ACC-1"})";
  world_.Given("activity.scheduled", "activity/ACT-1", scheduled);
  world_.Given("activity.rescheduled", "activity/ACT-1",
               R"({"starts_at":"2025-03-20T14:00:00+08:00"})");
  world_.Given("activity.completed", "activity/ACT-1", R"({"outcome":"positive"})");
  for (const char* type : {"activity.completed", "activity.cancelled", "activity.rescheduled"}) {
    std::string data = std::string(type) == "activity.completed" ? R"({"outcome":"neutral"})"
                       : std::string(type) == "activity.cancelled"
                           ? R"({"reason":"r"})"
                           : R"({"starts_at":"2025-03-21T14:00:00+08:00"})";
    ExpectRejected(world_.Check(type, "activity/ACT-1", data), Code::kIllegalTransition, "/type",
                   "activity ACT-1 is completed; only a scheduled activity can be");
  }
  world_.Given("activity.scheduled", "activity/ACT-2", scheduled);
  world_.Given("activity.cancelled", "activity/ACT-2", R"({"reason":"停电检修"})");
  ExpectRejected(world_.Check("activity.completed", "activity/ACT-2", R"({"outcome":"positive"})"),
                 Code::kIllegalTransition, "/type", "is cancelled");
}

TEST_F(CrmRulesTest, LoggedActivitiesAreAlreadyDone) {
  world_.Given("activity.logged", "activity/ACT-1",
               R"({"channel":"call","subject":"首次电话","started_at":"2025-03-05T15:00:00+08:00",)"
               R"("owner":"u:zhang.wei","outcome":"no_answer"})");
  ExpectRejected(world_.Check("activity.completed", "activity/ACT-1", R"({"outcome":"positive"})"),
                 Code::kIllegalTransition, "/type", "is completed");
}

TEST_F(CrmRulesTest, ContactsRecordConsentBothWays) {
  world_.Given("contact.registered", "contact/CON-1", R"({"name":"王建国","account":"ACC-1"})");
  world_.Given("contact.consent_recorded", "contact/CON-1",
               R"({"purpose":"marketing_email","status":"granted"})");
  world_.Given("contact.consent_recorded", "contact/CON-1",
               R"({"purpose":"marketing_email","status":"withdrawn"})");
  world_.Given("contact.details_updated", "contact/CON-1", R"({"title":"总经理"})");
}

}  // namespace
}  // namespace schemas
