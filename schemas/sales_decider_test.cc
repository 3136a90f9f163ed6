// SalesDecider: record creation order, references, and the properties every rule
// shares (Check never writes, Apply is deterministic and bounded).
#include <gtest/gtest.h>

#include "schemas/catalog.h"
#include "schemas/sales.h"
#include "schemas/test_context.h"

namespace schemas {
namespace {

using ledger::Code;
using testing::ExampleCommand;
using testing::ExpectRejected;
using testing::MemoryContext;
using testing::SalesWorld;

// A context where "<kind>/REF-1" exists for every kind (with no state), so that the
// generated examples' references resolve.
void AddReferencedRecords(MemoryContext& ctx) {
  for (const RecordKindSpec& kind : RecordKinds()) ctx.SetVersion(kind.kind + "/REF-1", 1);
}

TEST(SalesDeciderTest, OtherEventsOnAMissingRecordAreNotFound) {
  SalesDecider decider;
  MemoryContext ctx;
  AddReferencedRecords(ctx);
  for (const EventTypeSpec& spec : Catalog()) {
    if (spec.creates) continue;
    ledger::Status status = decider.Check(ExampleCommand(spec, false), ctx);
    ASSERT_EQ(status.violations().size(), 1u) << spec.type << ": " << status.ToString();
    ExpectRejected(status, Code::kNotFound, "/subject", "does not exist; its first event must be");
  }
}

TEST(SalesDeciderTest, CreationEventsOnAnExistingRecordAreConflicts) {
  SalesDecider decider;
  MemoryContext ctx;
  AddReferencedRecords(ctx);
  for (const EventTypeSpec& spec : Catalog()) {
    if (!spec.creates) continue;
    ctx.SetVersion(spec.kind + "/EX-1", 3);
    ledger::Status status = decider.Check(ExampleCommand(spec, true), ctx);
    ASSERT_EQ(status.violations().size(), 1u) << spec.type << ": " << status.ToString();
    ExpectRejected(status, Code::kConflict, "/subject", "already exists (version 3)");
  }
}

TEST(SalesDeciderTest, NotFoundNamesTheCreationEvents) {
  SalesWorld world;
  ExpectRejected(world.Check("activity.completed", "activity/ACT-1", R"({"outcome":"positive"})"),
                 Code::kNotFound, "/subject",
                 "activity ACT-1 does not exist; its first event must be activity.scheduled or "
                 "activity.logged");
}

TEST(SalesDeciderTest, RegisteringTwiceIsAConflict) {
  SalesWorld world;
  world.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
  ledger::Status status =
      world.Check("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
  ExpectRejected(status, Code::kConflict, "/subject", "account ACC-1 already exists");
  EXPECT_NE(status.message().find("account.registered on account/ACC-1"), std::string::npos);
}

TEST(SalesDeciderTest, EveryMissingReferenceIsReported) {
  SalesWorld world;
  world.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
  world.Given("contact.registered", "contact/CON-1", R"({"name":"王建国","account":"ACC-1"})");
  ledger::Status status =
      world.Check("opportunity.opened", "opportunity/OPP-1",
                  R"({"name":"MES","account":"ACC-9","owner":"u:a","stage":"prospecting",)"
                  R"("contacts":["CON-1","CON-7"]})");
  ASSERT_EQ(status.violations().size(), 2u) << status.ToString();
  ExpectRejected(status, Code::kNotFound, "/data/account", "account ACC-9 does not exist");
  ExpectRejected(status, Code::kNotFound, "/data/contacts/1", "contact CON-7 does not exist");
}

TEST(SalesDeciderTest, ReferencesInsideLinesAndEveryKindAreChecked) {
  SalesWorld world;
  world.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
  world.Given("product.listed", "product/P-1",
              R"({"sku":"S1","name":"MES","category":"software",)"
              R"("list_price":{"amount":100,"currency":"CNY"}})");
  ledger::Status order = world.Check(
      "order.placed", "order/ORD-1",
      R"({"number":"SO-1","account":"ACC-1","contract":"CTR-404","lines":[)"
      R"({"product":"P-1","quantity":1,"unit_price":{"amount":100,"currency":"CNY"}},)"
      R"({"product":"P-404","quantity":1,"unit_price":{"amount":100,"currency":"CNY"}}]})");
  ASSERT_EQ(order.violations().size(), 2u) << order.ToString();
  ExpectRejected(order, Code::kNotFound, "/data/contract", "contract CTR-404 does not exist");
  ExpectRejected(order, Code::kNotFound, "/data/lines/1/product", "product P-404 does not exist");

  ledger::Status ticket = world.Check(
      "ticket.opened", "ticket/TKT-1",
      R"({"title":"t","request":"r","category":"defect","severity":"low","account":"ACC-2",)"
      R"("contact":"CON-2","order":"ORD-2","product":"P-2"})");
  ASSERT_EQ(ticket.violations().size(), 4u) << ticket.ToString();
  ExpectRejected(ticket, Code::kNotFound, "/data/account", "account ACC-2");
  ExpectRejected(ticket, Code::kNotFound, "/data/contact", "contact CON-2");
  ExpectRejected(ticket, Code::kNotFound, "/data/order", "order ORD-2");
  ExpectRejected(ticket, Code::kNotFound, "/data/product", "product P-2");

  ExpectRejected(world.Check("invoice.issued", "invoice/INV-1",
                             R"({"number":"F1","order":"ORD-9","issue_date":"2025-05-01",)"
                             R"("due_date":"2025-05-31","amount":{"amount":100,"currency":"CNY"},)"
                             R"("tax":{"amount":13,"currency":"CNY"}})"),
                 Code::kNotFound, "/data/order", "order ORD-9 does not exist");
  ExpectRejected(world.Check("payment.received", "payment/PAY-1",
                             R"({"invoice":"INV-9","amount":{"amount":100,"currency":"CNY"},)"
                             R"("method":"cash","received_at":"2025-05-01T10:00:00+08:00"})"),
                 Code::kNotFound, "/data/invoice", "invoice INV-9 does not exist");
  ExpectRejected(
      world.Check("contact.registered", "contact/CON-5", R"({"name":"刘晓燕","account":"ACC-5"})"),
      Code::kNotFound, "/data/account", "account ACC-5 does not exist");
  ExpectRejected(world.Check("contract.signed", "contract/CTR-1",
                             R"({"number":"HT-1","account":"ACC-1","opportunity":"OPP-9",)"
                             R"("lines":[{"product":"P-1","quantity":1,)"
                             R"("unit_price":{"amount":100,"currency":"CNY"}}],)"
                             R"("payment_terms":"net_30","start_date":"2025-05-01"})"),
                 Code::kNotFound, "/data/opportunity", "opportunity OPP-9 does not exist");
}

TEST(SalesDeciderTest, NotFoundOutranksOtherViolations) {
  SalesWorld world;
  world.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
  world.Given("account.deactivated", "account/ACC-1", R"({"reason":"duplicate"})");
  ledger::Status status = world.Check(
      "opportunity.opened", "opportunity/OPP-1",
      R"({"name":"MES","account":"ACC-1","owner":"u:a","stage":"proposal","contacts":["C-9"]})");
  EXPECT_EQ(status.code(), Code::kNotFound);
  ASSERT_EQ(status.violations().size(), 2u) << status.ToString();
  EXPECT_EQ(status.violations()[0].pointer, "/data/contacts/0");  // missing: not found
  EXPECT_EQ(status.violations()[1].pointer, "/data/account");     // deactivated: illegal
}

TEST(SalesDeciderTest, CheckWithoutValidationStillRefusesMalformedCommands) {
  SalesWorld world;
  MemoryContext& ctx = world.ctx();
  ledger::Command command = testing::MakeCommand("account.deleted", "account/ACC-1", "{}");
  EXPECT_EQ(world.decider().Check(command, ctx).code(), Code::kInvalidArgument);
  command = testing::MakeCommand("account.registered", "contact/ACC-1", "{}");
  EXPECT_EQ(world.decider().Check(command, ctx).code(), Code::kInvalidArgument);
}

TEST(SalesDeciderTest, ApplyIgnoresUnknownTypesAndSurvivesForeignState) {
  SalesDecider decider;
  MemoryContext ctx;
  ledger::Event event;
  event.type = "lead.created";
  event.subject = "lead/L-1";
  decider.Apply(event, ctx);
  EXPECT_EQ(ctx.puts(), 0);

  ctx.PutState("opportunity/OPP-1", "not json at all");
  event.type = "opportunity.won";
  event.subject = "opportunity/OPP-1";
  decider.Apply(event, ctx);  // the log is the truth: fold it anyway
  EXPECT_EQ(ctx.State("opportunity/OPP-1"), R"({"stage":"closed_won"})");

  event.type = "payment.refunded";  // no amount, no known invoice: nothing to move
  event.subject = "payment/PAY-1";
  decider.Apply(event, ctx);
  EXPECT_EQ(ctx.State("invoice/"), "");
}

TEST(SalesDeciderTest, ApplyIsDeterministicAndStateStaysSmall) {
  auto fold = [] {
    SalesDecider decider;
    MemoryContext ctx;
    AddReferencedRecords(ctx);
    std::string states;
    for (const EventTypeSpec& spec : Catalog()) {
      ledger::Command command = ExampleCommand(spec, true);
      ledger::Event event;
      event.type = command.type;
      event.subject = command.subject;
      event.data = command.data;
      decider.Apply(event, ctx);
      states += ctx.State(command.subject) + "\n";
    }
    EXPECT_LT(ctx.state_bytes_max(), 512u);
    return states;
  };
  EXPECT_EQ(fold(), fold());
}

}  // namespace
}  // namespace schemas
