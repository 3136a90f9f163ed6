// The money side of the catalogue: products, contracts, orders, invoices, payments.
#include "schemas/catalog_builders.h"
#include "schemas/states.h"

namespace schemas::build {
namespace {

std::vector<std::string> PaymentTerms() {
  return {"prepaid", "due_on_receipt", "net_15",     "net_30",      "net_45",
          "net_60",  "net_90",         "milestones", "installments"};
}

std::vector<EventTypeSpec> ProductEvents() {
  return {
      Creation(
          "product.listed", "A product or service was added to the price list",
          {Id("sku", "Stock keeping unit"), Text("name", 200, "Product name"),
           Text("category", 100, "Product category"), Money("list_price", 0, "Price of one unit"),
           Enum("unit",
                {"each", "set", "seat", "license", "hour", "day", "month", "year", "kg", "meter"},
                "Unit of sale")
               .Optional(),
           Note("description", 2000, "Description").Optional()}),
      Change("product.price_changed", "The list price changed",
             {Money("list_price", 0, "New price of one unit"),
              Date("effective_on", "First day of the new price").Optional(),
              Text("reason", 500, "Why").Optional()}),
      Change("product.discontinued", "The product can no longer be sold",
             {Text("reason", 500, "Why").Optional(),
              Ref("replacement", "product", "The product to sell instead").Optional(),
              Date("effective_on", "Last day it can be sold").Optional()}),
  };
}

std::vector<EventTypeSpec> ContractEvents() {
  return {
      Creation(
          "contract.signed", "Both parties signed a sales contract",
          {Id("number", "Contract number"), Text("title", 200, "Title").Optional(),
           Ref("account", "account", "The customer"),
           Ref("opportunity", "opportunity", "The won deal it closes").Optional(),
           Lines("lines", "What is sold"), Enum("payment_terms", PaymentTerms(), "Payment terms"),
           Date("start_date", "First day of the term"),
           Date("end_date", "Last day of the term").Optional(),
           Boolean("auto_renew", "Renews automatically at the end").Optional(),
           Text("customer_signatory", 100, "Who signed for the customer").Optional().Personal(),
           UserId("our_signatory", "Who signed for us").Optional()}),
      Update("contract.amended", "The contract's lines or terms changed",
             {Lines("lines", "The full new list of lines"),
              Enum("payment_terms", PaymentTerms(), "New payment terms"),
              Date("end_date", "New last day of the term"),
              Boolean("auto_renew", "Renews automatically at the end")},
             {Text("reason", 500, "Why")}),
      Change("contract.terminated", "The contract ended",
             {Enum("reason",
                   {"expired", "mutual_agreement", "customer_request", "breach", "non_payment",
                    "replaced", "other"},
                   "Why"),
              Date("effective_on", "Last day in force"),
              Note("details", 1000, "More detail").Optional()}),
  };
}

std::vector<EventTypeSpec> OrderEvents() {
  return {
      Creation("order.placed", "The customer placed an order",
               {Id("number", "Order number"), Ref("account", "account", "The customer"),
                Ref("contract", "contract", "The contract it is placed under").Optional(),
                Text("purchase_order", 64, "The customer's purchase order number").Optional(),
                Lines("lines", "What is ordered"),
                Address("shipping_address", "Where to deliver").Optional(),
                Text("recipient", 100, "Who receives the delivery").Optional().Personal(),
                Phone("recipient_phone", "Recipient's phone").Optional().Personal(),
                Date("requested_delivery", "Delivery date the customer asked for").Optional()}),
      Change("order.status_changed", "The order moved in its fulfilment life cycle",
             {Enum("from", Values(kOrderStatuses), "Current status"),
              Enum("to", Values(kOrderStatuses), "New status"),
              Text("reason", 500, "Why; required when the new status is cancelled or returned")
                  .Optional(),
              Text("carrier", 100, "Carrier, when shipped").Optional(),
              Text("tracking_number", 64, "Carrier's tracking number").Optional()}),
  };
}

std::vector<EventTypeSpec> BillingEvents() {
  return {
      Creation("invoice.issued", "An invoice was issued for an order",
               {Id("number", "Invoice number (fapiao number in China)"),
                Ref("order", "order", "The order billed"), Date("issue_date", "Issue date"),
                Date("due_date", "Payment due date"), Money("amount", 1, "Net amount before tax"),
                Money("tax", 0, "Tax amount, in the same currency"),
                Percent("tax_rate_percent", "Tax rate, 0-100").Optional(),
                Text("notes", 500, "Notes printed on the invoice").Optional()}),
      Change("invoice.voided", "The invoice was cancelled before any payment",
             {Text("reason", 500, "Why")}),
      Creation("payment.received", "Money was received against an invoice",
               {Ref("invoice", "invoice", "The invoice paid"),
                Money("amount", 1, "Amount received, in the invoice's currency"),
                Enum("method",
                     {"bank_transfer", "card", "cash", "cheque", "alipay", "wechat_pay",
                      "direct_debit", "other"},
                     "Payment method"),
                DateTime("received_at", "When the money arrived"),
                Text("reference", 100, "Bank or processor reference").Optional(),
                Text("payer", 200, "Who paid, as on the bank statement").Optional().Personal()}),
      Change("payment.refunded", "Part or all of a payment was returned",
             {Money("amount", 1, "Amount refunded, in the payment's currency"),
              Text("reason", 500, "Why"), DateTime("refunded_at", "When the money left"),
              Text("reference", 100, "Bank or processor reference").Optional()}),
  };
}

}  // namespace

std::vector<EventTypeSpec> CommerceEventTypes() {
  std::vector<EventTypeSpec> all;
  for (auto* part : {&ProductEvents, &ContractEvents, &OrderEvents, &BillingEvents}) {
    for (EventTypeSpec& spec : part()) all.push_back(std::move(spec));
  }
  return all;
}

}  // namespace schemas::build
