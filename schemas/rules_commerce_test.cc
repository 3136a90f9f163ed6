// State rules of products, contracts, orders, invoices and payments (rules_commerce.cc).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "schemas/states.h"
#include "schemas/test_context.h"

namespace schemas {
namespace {

using ledger::Code;
using testing::ExpectRejected;
using testing::SalesWorld;

std::string Cny(int64_t amount) {
  return R"({"amount":)" + std::to_string(amount) + R"(,"currency":"CNY"})";
}

std::string Lines(const std::string& product) {
  return R"([{"product":")" + product + R"(","quantity":2,"unit_price":)" + Cny(50000) + "}]";
}

class CommerceRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.Given("account.registered", "account/ACC-1", R"({"name":"恒锐","owner":"u:a"})");
    world_.Given("account.registered", "account/ACC-2", R"({"name":"PCT","owner":"u:b"})");
    world_.Given(
        "product.listed", "product/P-1",
        R"({"sku":"MES","name":"MES","category":"software","list_price":)" + Cny(50000) + "}");
  }
  void PlaceOrder(const std::string& id, const std::string& extra = "") {
    world_.Given(
        "order.placed", "order/" + id,
        R"({"number":")" + id + R"(","account":"ACC-1","lines":)" + Lines("P-1") + extra + "}");
  }
  ledger::Status MoveOrder(const std::string& id, std::string_view from, std::string_view to) {
    return world_.Append("order.status_changed", "order/" + id,
                         R"({"from":")" + std::string(from) + R"(","to":")" + std::string(to) +
                             R"(","reason":"r"})");
  }
  // An order ORD-1 awaiting payment and its invoice INV-1 of 1000.00 + 130.00 CNY.
  void Invoice() {
    PlaceOrder("ORD-1");
    ASSERT_TRUE(MoveOrder("ORD-1", "placed", "awaiting_payment").ok());
    world_.Given("invoice.issued", "invoice/INV-1",
                 R"({"number":"FP-1","order":"ORD-1","issue_date":"2025-05-07",)"
                 R"("due_date":"2025-06-06","amount":)" +
                     Cny(100000) + R"(,"tax":)" + Cny(13000) + "}");
  }
  ledger::Status Pay(const std::string& id, const std::string& invoice, int64_t amount,
                     const std::string& currency = "CNY") {
    return world_.Append(
        "payment.received", "payment/" + id,
        R"({"invoice":")" + invoice + R"(","amount":{"amount":)" + std::to_string(amount) +
            R"(,"currency":")" + currency +
            R"("},"method":"bank_transfer","received_at":"2025-05-12T10:00:00Z"})");
  }
  ledger::Status Refund(const std::string& id, int64_t amount) {
    return world_.Append("payment.refunded", "payment/" + id,
                         R"({"amount":)" + Cny(amount) +
                             R"(,"reason":"returned","refunded_at":"2025-05-23T01:00:00Z"})");
  }
  SalesWorld world_;
};

TEST_F(CommerceRulesTest, DiscontinuedProductsCannotBeRepricedOrSold) {
  world_.Given("product.listed", "product/P-2",
               R"({"sku":"GW2","name":"Gateway V2","category":"hw","list_price":)" + Cny(1) + "}");
  world_.Given("product.discontinued", "product/P-2", "{}");
  ExpectRejected(
      world_.Check("product.price_changed", "product/P-2", R"({"list_price":)" + Cny(2) + "}"),
      Code::kIllegalTransition, "/type", "product P-2 is discontinued");
  ExpectRejected(world_.Check("product.discontinued", "product/P-2", "{}"),
                 Code::kIllegalTransition, "/type", "already discontinued");
  ExpectRejected(world_.Check("product.discontinued", "product/P-1", R"({"replacement":"P-2"})"),
                 Code::kIllegalTransition, "/data/replacement", "product P-2 is discontinued too");
  ExpectRejected(world_.Check("order.placed", "order/ORD-1",
                              R"({"number":"SO-1","account":"ACC-1","lines":[)"
                              R"({"product":"P-1","quantity":1,"unit_price":)" +
                                  Cny(1) +
                                  "},"
                                  R"({"product":"P-2","quantity":1,"unit_price":)" +
                                  Cny(1) + "}]}"),
                 Code::kIllegalTransition, "/data/lines/1/product",
                 "product P-2 is discontinued and cannot be sold");
  world_.Given("product.price_changed", "product/P-1", R"({"list_price":)" + Cny(60000) + "}");
}

TEST_F(CommerceRulesTest, ContractsCloseWonOpportunitiesOfTheSameAccount) {
  world_.Given("opportunity.opened", "opportunity/OPP-1",
               R"({"name":"MES","account":"ACC-1","owner":"u:a","stage":"negotiation"})");
  const std::string contract = R"({"number":"HT-1","account":"ACC-1","opportunity":"OPP-1",)"
                               R"("lines":)" +
                               Lines("P-1") +
                               R"(,"payment_terms":"net_30","start_date":"2025-05-01"})";
  ExpectRejected(world_.Check("contract.signed", "contract/CTR-1", contract),
                 Code::kIllegalTransition, "/data/opportunity",
                 "opportunity OPP-1 is negotiation; a contract is signed for a won opportunity");
  world_.Given("opportunity.won", "opportunity/OPP-1",
               R"({"amount":)" + Cny(100000) + R"(,"close_date":"2025-04-28"})");
  std::string other_account = contract;
  other_account.replace(other_account.find("ACC-1"), 5, "ACC-2");
  ExpectRejected(world_.Check("contract.signed", "contract/CTR-1", other_account),
                 Code::kInvalidArgument, "/data/opportunity",
                 "opportunity OPP-1 is with account ACC-1, not ACC-2");
  world_.Given("contract.signed", "contract/CTR-1", contract);
}

TEST_F(CommerceRulesTest, TerminatedContractsCannotBeAmendedOrOrderedUnder) {
  world_.Given("contract.signed", "contract/CTR-1",
               R"({"number":"HT-1","account":"ACC-1","lines":)" + Lines("P-1") +
                   R"(,"payment_terms":"prepaid","start_date":"2025-05-01"})");
  ExpectRejected(world_.Check("contract.amended", "contract/CTR-1",
                              R"({"end_date":"2025-04-30","reason":"r"})"),
                 Code::kInvalidArgument, "/data/end_date",
                 "must not be before the contract's start_date (2025-05-01)");
  world_.Given("contract.amended", "contract/CTR-1", R"({"end_date":"2026-04-30","reason":"r"})");
  ExpectRejected(world_.Check("order.placed", "order/ORD-1",
                              R"({"number":"SO-1","account":"ACC-2","contract":"CTR-1","lines":)" +
                                  Lines("P-1") + "}"),
                 Code::kInvalidArgument, "/data/contract",
                 "contract CTR-1 is with account ACC-1, not ACC-2");
  world_.Given("contract.terminated", "contract/CTR-1",
               R"({"reason":"mutual_agreement","effective_on":"2025-06-30"})");
  ExpectRejected(world_.Check("contract.amended", "contract/CTR-1",
                              R"({"payment_terms":"net_60","reason":"r"})"),
                 Code::kIllegalTransition, "/type",
                 "contract CTR-1 is terminated; it can no longer be amended");
  ExpectRejected(world_.Check("contract.terminated", "contract/CTR-1",
                              R"({"reason":"other","effective_on":"2025-07-01"})"),
                 Code::kIllegalTransition, "/type", "is terminated");
  ExpectRejected(world_.Check("order.placed", "order/ORD-1",
                              R"({"number":"SO-1","account":"ACC-1","contract":"CTR-1","lines":)" +
                                  Lines("P-1") + "}"),
                 Code::kIllegalTransition, "/data/contract", "contract CTR-1 is terminated");
}

// Walks each order status to each other status; only the machine's edges pass.
TEST_F(CommerceRulesTest, OrderStatusMachine) {
  const std::map<std::string, std::vector<std::string>> path_to = {
      {"placed", {}},
      {"awaiting_payment", {"awaiting_payment"}},
      {"paid", {"awaiting_payment", "paid"}},
      {"shipped", {"awaiting_payment", "paid", "shipped"}},
      {"delivered", {"awaiting_payment", "paid", "shipped", "delivered"}},
      {"cancelled", {"cancelled"}},
      {"returned", {"awaiting_payment", "paid", "shipped", "returned"}},
  };
  const std::set<std::pair<std::string, std::string>> allowed = {
      {"placed", "awaiting_payment"},    {"placed", "cancelled"}, {"awaiting_payment", "paid"},
      {"awaiting_payment", "cancelled"}, {"paid", "shipped"},     {"paid", "cancelled"},
      {"shipped", "delivered"},          {"shipped", "returned"}, {"delivered", "returned"},
  };
  int order = 0;
  for (std::string_view from : kOrderStatuses) {
    for (std::string_view to : kOrderStatuses) {
      if (from == to) continue;
      std::string id = "ORD-" + std::to_string(++order);
      PlaceOrder(id);
      std::string current = "placed";
      for (const std::string& step : path_to.at(std::string(from))) {
        ASSERT_TRUE(MoveOrder(id, current, step).ok()) << current << " -> " << step;
        current = step;
      }
      ledger::Status status = MoveOrder(id, from, to);
      bool expected = allowed.contains({std::string(from), std::string(to)});
      EXPECT_EQ(status.ok(), expected) << from << " -> " << to << ": " << status.ToString();
      EXPECT_EQ(IsOrderTransitionAllowed(from, to), expected);
      if (!expected) {
        EXPECT_EQ(status.code(), Code::kIllegalTransition);
      }
    }
  }
}

TEST_F(CommerceRulesTest, OrderTransitionsNameTheCurrentStatus) {
  PlaceOrder("ORD-1");
  ExpectRejected(
      world_.Check("order.status_changed", "order/ORD-1", R"({"from":"paid","to":"shipped"})"),
      Code::kIllegalTransition, "/data/from", "order ORD-1 is placed, not paid");
  ExpectRejected(
      world_.Check("order.status_changed", "order/ORD-1", R"({"from":"placed","to":"shipped"})"),
      Code::kIllegalTransition, "/data/to",
      "cannot go from placed to shipped; allowed: awaiting_payment, cancelled");
  ASSERT_TRUE(MoveOrder("ORD-1", "placed", "cancelled").ok());
  ExpectRejected(
      world_.Check("order.status_changed", "order/ORD-1", R"({"from":"cancelled","to":"placed"})"),
      Code::kIllegalTransition, "/data/to", "order ORD-1 is cancelled, which is final");
}

TEST_F(CommerceRulesTest, InvoicesNeedALiveOrderInItsCurrency) {
  PlaceOrder("ORD-1");
  std::string usd = R"({"number":"FP-1","order":"ORD-1","issue_date":"2025-05-07",)"
                    R"("due_date":"2025-06-06","amount":{"amount":100,"currency":"USD"},)"
                    R"("tax":{"amount":0,"currency":"USD"}})";
  ExpectRejected(world_.Check("invoice.issued", "invoice/INV-1", usd), Code::kInvalidArgument,
                 "/data/amount/currency", "must be CNY, the currency of order ORD-1");
  ASSERT_TRUE(MoveOrder("ORD-1", "placed", "cancelled").ok());
  std::string cny = usd;
  while (cny.find("USD") != std::string::npos) cny.replace(cny.find("USD"), 3, "CNY");
  ExpectRejected(world_.Check("invoice.issued", "invoice/INV-1", cny), Code::kIllegalTransition,
                 "/data/order", "order ORD-1 is cancelled and cannot be invoiced");
}

TEST_F(CommerceRulesTest, PartialThenFullPaymentThenNoMore) {
  Invoice();
  ASSERT_TRUE(Pay("PAY-1", "INV-1", 33900).ok());
  ExpectRejected(Pay("PAY-2", "INV-1", 79101), Code::kIllegalTransition, "/data/amount",
                 "791.01 CNY is more than the amount due on invoice INV-1 (791.00 CNY)");
  ASSERT_TRUE(Pay("PAY-2", "INV-1", 79100).ok());
  ExpectRejected(Pay("PAY-3", "INV-1", 1), Code::kIllegalTransition, "/data/amount",
                 "invoice INV-1 is already paid in full");
}

TEST_F(CommerceRulesTest, PaymentsMatchTheInvoiceCurrency) {
  Invoice();
  ExpectRejected(Pay("PAY-1", "INV-1", 100, "USD"), Code::kInvalidArgument, "/data/amount/currency",
                 "must be CNY, the currency of invoice INV-1");
}

TEST_F(CommerceRulesTest, VoidedInvoicesTakeNoPayment) {
  Invoice();
  world_.Given("invoice.voided", "invoice/INV-1", R"({"reason":"wrong tax rate"})");
  ExpectRejected(Pay("PAY-1", "INV-1", 100), Code::kIllegalTransition, "/data/invoice",
                 "invoice INV-1 is voided");
  ExpectRejected(world_.Check("invoice.voided", "invoice/INV-1", R"({"reason":"again"})"),
                 Code::kIllegalTransition, "/type", "already voided");
}

TEST_F(CommerceRulesTest, PaidInvoicesCannotBeVoidedUntilRefunded) {
  Invoice();
  ASSERT_TRUE(Pay("PAY-1", "INV-1", 10000).ok());
  ExpectRejected(world_.Check("invoice.voided", "invoice/INV-1", R"({"reason":"r"})"),
                 Code::kIllegalTransition, "/type",
                 "invoice INV-1 has received 100.00 CNY; refund the payments before voiding it");
  ASSERT_TRUE(Refund("PAY-1", 10000).ok());
  world_.Given("invoice.voided", "invoice/INV-1", R"({"reason":"r"})");
}

TEST_F(CommerceRulesTest, RefundsAreBoundedAndReopenTheAmountDue) {
  Invoice();
  ASSERT_TRUE(Pay("PAY-1", "INV-1", 113000).ok());
  ASSERT_TRUE(Refund("PAY-1", 3000).ok());
  ExpectRejected(Refund("PAY-1", 110001), Code::kIllegalTransition, "/data/amount",
                 "1100.01 CNY is more than what is left to refund on payment PAY-1 (1100.00 CNY)");
  ExpectRejected(world_.Check("payment.refunded", "payment/PAY-1",
                              R"({"amount":{"amount":1,"currency":"USD"},"reason":"r",)"
                              R"("refunded_at":"2025-05-23T01:00:00Z"})"),
                 Code::kInvalidArgument, "/data/amount/currency", "must be CNY");
  // The refunded 30.00 CNY is due again, and only that.
  ExpectRejected(Pay("PAY-2", "INV-1", 3001), Code::kIllegalTransition, "/data/amount",
                 "amount due on invoice INV-1 (30.00 CNY)");
  ASSERT_TRUE(Pay("PAY-2", "INV-1", 3000).ok());
}

}  // namespace
}  // namespace schemas

namespace schemas {
namespace {

// The closed records an archive may seal: exactly the terminal states of the three
// archived kinds (delivered orders were paid before they shipped).
TEST(ClosedRecordsTest, OnlyTerminalOpportunitiesOrdersAndTicketsAreClosed) {
  for (std::string_view stage : kOpportunityStages)
    EXPECT_EQ(IsClosedRecord("opportunity", stage, ""), !IsOpenStage(stage)) << stage;
  for (std::string_view status : kOrderStatuses) {
    const bool closed = status == "delivered" || status == "cancelled" || status == "returned";
    EXPECT_EQ(IsClosedRecord("order", "", status), closed) << status;
  }
  EXPECT_TRUE(IsClosedRecord("ticket", "", kTicketResolved));
  EXPECT_TRUE(IsClosedRecord("ticket", "", kTicketClosed));
  EXPECT_FALSE(IsClosedRecord("ticket", "", kTicketInProgress));
  EXPECT_FALSE(IsClosedRecord("ticket", "", kTicketOpen));
  EXPECT_FALSE(IsClosedRecord("invoice", "", "voided"));
  EXPECT_FALSE(IsClosedRecord("account", "", "inactive"));
}

}  // namespace
}  // namespace schemas
