// State rules of tickets, targets and forecasts (rules_service.cc).
#include <gtest/gtest.h>

#include <string>

#include "schemas/test_context.h"

namespace schemas {
namespace {

using ledger::Code;
using testing::ExpectRejected;
using testing::SalesWorld;

class ServiceRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
    world_.Given("ticket.opened", "ticket/TKT-1",
                 R"({"title":"终端无法同步","request":"三台终端无法上传","category":"defect",)"
                 R"("severity":"high","account":"ACC-1"})");
  }
  ledger::Status Do(const std::string& type, const std::string& data) {
    return world_.Append(type, "ticket/TKT-1", data);
  }
  ledger::Status Check(const std::string& type, const std::string& data) {
    return world_.Check(type, "ticket/TKT-1", data);
  }
  static constexpr const char* kAssign = R"({"handler":"u:wang.fang"})";
  static constexpr const char* kAction = R"({"action":"remote_support","details":"重启服务"})";
  static constexpr const char* kResolve = R"({"resolution_code":"fixed","resolution":"已修复"})";
  static constexpr const char* kRate = R"({"score":5})";
  static constexpr const char* kClose = R"({"close_code":"confirmed_by_customer"})";
  static constexpr const char* kReopen = R"({"reason":"再次出现"})";
  SalesWorld world_;
};

TEST_F(ServiceRulesTest, TicketLifeCycle) {
  ASSERT_TRUE(Do("ticket.assigned", kAssign).ok());
  ASSERT_TRUE(Do("ticket.action_taken", kAction).ok());
  ASSERT_TRUE(Do("ticket.resolved", kResolve).ok());
  ASSERT_TRUE(Do("ticket.reopened", kReopen).ok());
  ASSERT_TRUE(Do("ticket.action_taken", kAction).ok());
  ASSERT_TRUE(Do("ticket.resolved", kResolve).ok());
  ASSERT_TRUE(Do("ticket.satisfaction_rated", kRate).ok());
  ASSERT_TRUE(Do("ticket.closed", kClose).ok());
  ASSERT_TRUE(Do("ticket.reopened", kReopen).ok());  // closed tickets can come back too
}

TEST_F(ServiceRulesTest, WorkNeedsAHandler) {
  ExpectRejected(Check("ticket.action_taken", kAction), Code::kIllegalTransition, "/type",
                 "ticket TKT-1 is open and unassigned; actions are taken on a ticket in progress "
                 "(assign a handler first)");
  ExpectRejected(Check("ticket.resolved", kResolve), Code::kIllegalTransition, "/type",
                 "assign a handler first");
  ExpectRejected(Check("ticket.closed", kClose), Code::kIllegalTransition, "/type",
                 "only a resolved ticket can be closed");
  ExpectRejected(Check("ticket.reopened", kReopen), Code::kIllegalTransition, "/type",
                 "only a resolved or closed ticket can be reopened");
  ExpectRejected(Check("ticket.satisfaction_rated", kRate), Code::kIllegalTransition, "/type",
                 "it can be rated once resolved");
}

TEST_F(ServiceRulesTest, AssignmentRules) {
  ASSERT_TRUE(Do("ticket.assigned", kAssign).ok());
  ExpectRejected(Check("ticket.assigned", kAssign), Code::kIllegalTransition, "/data/handler",
                 "ticket TKT-1 is already assigned to u:wang.fang");
  ASSERT_TRUE(Do("ticket.assigned", R"({"handler":"u:zhou.lei"})").ok());
  ExpectRejected(Check("ticket.closed", kClose), Code::kIllegalTransition, "/type",
                 "ticket TKT-1 is in_progress; only a resolved ticket can be closed");
  ExpectRejected(Check("ticket.reopened", kReopen), Code::kIllegalTransition, "/type",
                 "is in_progress");
  ASSERT_TRUE(Do("ticket.resolved", kResolve).ok());
  ExpectRejected(Check("ticket.assigned", R"({"handler":"u:li.na"})"), Code::kIllegalTransition,
                 "/type", "ticket TKT-1 is resolved; reopen it before assigning it");
  ExpectRejected(Check("ticket.action_taken", kAction), Code::kIllegalTransition, "/type",
                 "(reopen it first)");
  ExpectRejected(Check("ticket.resolved", kResolve), Code::kIllegalTransition, "/type",
                 "is resolved");
}

TEST_F(ServiceRulesTest, SatisfactionOncePerResolution) {
  ASSERT_TRUE(Do("ticket.assigned", kAssign).ok());
  ExpectRejected(Check("ticket.satisfaction_rated", kRate), Code::kIllegalTransition, "/type",
                 "ticket TKT-1 is in_progress; it can be rated once resolved");
  ASSERT_TRUE(Do("ticket.resolved", kResolve).ok());
  ASSERT_TRUE(Do("ticket.satisfaction_rated", R"({"score":2,"comment":"太慢"})").ok());
  ExpectRejected(Check("ticket.satisfaction_rated", kRate), Code::kIllegalTransition, "/type",
                 "already rated for this resolution");
  ASSERT_TRUE(Do("ticket.closed", kClose).ok());
  ExpectRejected(Check("ticket.closed", kClose), Code::kIllegalTransition, "/type", "is closed");
  ASSERT_TRUE(Do("ticket.reopened", kReopen).ok());
  ASSERT_TRUE(Do("ticket.resolved", kResolve).ok());
  ASSERT_TRUE(Do("ticket.satisfaction_rated", kRate).ok());
}

TEST(PlanningRulesTest, TargetsKeepTheirUnitAndCurrency) {
  SalesWorld world;
  world.Given("target.set", "target/T-1",
              R"({"owner_type":"team","owner":"east","period":"2025-Q2","metric":"revenue",)"
              R"("amount":{"amount":300000000,"currency":"CNY"}})");
  world.Given("target.set", "target/T-2",
              R"({"owner_type":"rep","owner":"u:a","period":"2025-Q2","metric":"deals_won",)"
              R"("count":3})");
  ExpectRejected(world.Check("target.revised", "target/T-1", R"({"count":4,"reason":"r"})"),
                 Code::kInvalidArgument, "/data/count", "target T-1 is measured in money");
  ExpectRejected(world.Check("target.revised", "target/T-2",
                             R"({"amount":{"amount":1,"currency":"CNY"},"reason":"r"})"),
                 Code::kInvalidArgument, "/data/amount", "target T-2 is measured in units");
  ExpectRejected(world.Check("target.revised", "target/T-1",
                             R"({"amount":{"amount":1,"currency":"USD"},"reason":"r"})"),
                 Code::kInvalidArgument, "/data/amount/currency", "must be CNY");
  world.Given("target.revised", "target/T-1",
              R"({"amount":{"amount":350000000,"currency":"CNY"},"reason":"r"})");
  world.Given("target.revised", "target/T-2", R"({"count":4,"reason":"r"})");
}

TEST(PlanningRulesTest, ForecastRevisionsKeepBestCaseAboveCommit) {
  SalesWorld world;
  world.Given("forecast.submitted", "forecast/FC-1",
              R"({"owner":"u:a","period":"2025-Q2","commit":{"amount":600,"currency":"CNY"},)"
              R"("best_case":{"amount":1200,"currency":"CNY"}})");
  ExpectRejected(world.Check("forecast.revised", "forecast/FC-1",
                             R"({"commit":{"amount":1300,"currency":"CNY"},"reason":"r"})"),
                 Code::kInvalidArgument, "/data/commit",
                 "best_case (12.00 CNY) must be at least commit (13.00 CNY)");
  ExpectRejected(world.Check("forecast.revised", "forecast/FC-1",
                             R"({"best_case":{"amount":1300,"currency":"USD"},"reason":"r"})"),
                 Code::kInvalidArgument, "/data/best_case/currency", "must be CNY");
  world.Given("forecast.revised", "forecast/FC-1",
              R"({"commit":{"amount":1000,"currency":"CNY"},"reason":"r"})");
  ExpectRejected(world.Check("forecast.revised", "forecast/FC-1",
                             R"({"best_case":{"amount":900,"currency":"CNY"},"reason":"r"})"),
                 Code::kInvalidArgument, "/data/best_case", "must be at least commit (10.00 CNY)");
}

TEST(FxRulesTest, ARateIsBetweenTwoCurrencies) {
  SalesWorld world;
  ExpectRejected(world.Check("fx.rate_published", "fx/FX-1",
                             R"({"base":{"amount":100,"currency":"USD"},)"
                             R"("quote":{"amount":712,"currency":"USD"},)"
                             R"("effective_at":"2025-05-01T00:00:00Z"})"),
                 Code::kInvalidArgument, "/data/quote/currency", "must differ from the base");
  world.Given("fx.rate_published", "fx/FX-1",
              R"({"base":{"amount":100000000,"currency":"USD"},)"
              R"("quote":{"amount":712340000,"currency":"CNY"},)"
              R"("effective_at":"2025-05-01T00:00:00Z","source":"PBOC fixing"})");
}

TEST(TeamRulesTest, MembersJoinOnceAndLeaveOnce) {
  SalesWorld world;
  world.Given("team.formed", "team/east", R"({"name":"East China"})");
  world.Given("team.member_added", "team/east", R"({"user":"u:a"})");
  ExpectRejected(world.Check("team.member_added", "team/east", R"({"user":"u:a"})"),
                 Code::kIllegalTransition, "/data/user", "u:a is already a member of team east");
  ExpectRejected(world.Check("team.member_removed", "team/east", R"({"user":"u:b"})"),
                 Code::kIllegalTransition, "/data/user", "u:b is not a member of team east");
  world.Given("team.member_removed", "team/east", R"({"user":"u:a"})");
  world.Given("team.member_added", "team/east", R"({"user":"u:a","reason":"back"})");
}

}  // namespace
}  // namespace schemas
