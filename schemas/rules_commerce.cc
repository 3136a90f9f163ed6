// Stateful rules of products, contracts, orders, invoices and payments.
#include <boost/json/array.hpp>

#include "schemas/data_access.h"
#include "schemas/iso_codes.h"
#include "schemas/rules.h"
#include "schemas/states.h"

namespace schemas::internal {
namespace {

// The currency of the first line of data field "lines" ("" if none).
std::string_view LinesCurrency(const boost::json::object& data) {
  const boost::json::array* lines = GetArray(data, "lines");
  if (lines == nullptr || lines->empty() || !lines->front().is_object()) return {};
  auto price = GetObject(lines->front().get_object(), "unit_price");
  if (price == nullptr) return {};
  return GetString(*price, "currency").value_or("");
}

// --- product: status listed | discontinued ---

void CheckPriceChanged(Decision& d) {
  if (d.state().Str("status") == "discontinued") {
    d.Illegal("/type", d.Name() + " is discontinued; its price can no longer change");
  }
}

void CheckDiscontinued(Decision& d) {
  if (d.state().Str("status") == "discontinued") {
    d.Illegal("/type", d.Name() + " is already discontinued");
  }
  auto replacement = GetString(d.data(), "replacement");
  if (replacement && d.Exists("product", *replacement) &&
      d.StateOf("product", *replacement).Str("status") == "discontinued") {
    d.Illegal("/data/replacement", "product " + std::string(*replacement) +
                                       " is discontinued too and cannot replace it");
  }
}

void ApplyListed(Fold& f) { f.state.Set("status", "listed"); }
void ApplyDiscontinued(Fold& f) { f.state.Set("status", "discontinued"); }

// --- contract: status active | terminated, account, start ---

void CheckContractSigned(Decision& d) {
  RequireActiveAccount(d, "account");
  RequireListedProducts(d);
  auto opportunity = GetString(d.data(), "opportunity");
  if (!opportunity || !d.Exists("opportunity", *opportunity)) return;
  RecordState deal = d.StateOf("opportunity", *opportunity);
  if (deal.Str("stage") != "closed_won") {
    d.Illegal("/data/opportunity", "opportunity " + std::string(*opportunity) + " is " +
                                       std::string(deal.Str("stage")) +
                                       "; a contract is signed for a won opportunity");
  }
  auto account = GetString(d.data(), "account");
  if (account && deal.Str("account") != *account) {
    d.Invalid("/data/opportunity", "opportunity " + std::string(*opportunity) +
                                       " is with account " + std::string(deal.Str("account")) +
                                       ", not " + std::string(*account));
  }
}

void RequireNotTerminated(Decision& d, std::string_view what) {
  if (d.state().Str("status") == "terminated") {
    d.Illegal("/type", d.Name() + " is terminated; " + std::string(what));
  }
}

void NotBeforeStart(Decision& d, std::string_view key) {
  auto date = GetString(d.data(), key);
  std::string_view start = d.state().Str("start");
  if (date && !start.empty() && *date < start) {
    d.Invalid("/data/" + std::string(key),
              "must not be before the contract's start_date (" + std::string(start) + ")");
  }
}

void CheckAmended(Decision& d) {
  RequireNotTerminated(d, "it can no longer be amended");
  RequireListedProducts(d);
  NotBeforeStart(d, "end_date");
}

void CheckTerminated(Decision& d) {
  RequireNotTerminated(d, "it was terminated before");
  NotBeforeStart(d, "effective_on");
}

void ApplySigned(Fold& f) {
  f.state.Set("status", "active");
  f.state.Set("account", GetString(f.data(), "account").value_or(""));
  f.state.Set("start", GetString(f.data(), "start_date").value_or(""));
}
void ApplyTerminated(Fold& f) { f.state.Set("status", "terminated"); }

// --- order: status (states.h), account, currency ---

void CheckOrderPlaced(Decision& d) {
  RequireActiveAccount(d, "account");
  RequireListedProducts(d);
  auto contract = GetString(d.data(), "contract");
  if (!contract || !d.Exists("contract", *contract)) return;
  RecordState terms = d.StateOf("contract", *contract);
  if (terms.Str("status") == "terminated") {
    d.Illegal("/data/contract", "contract " + std::string(*contract) + " is terminated");
  }
  auto account = GetString(d.data(), "account");
  if (account && terms.Str("account") != *account) {
    d.Invalid("/data/contract", "contract " + std::string(*contract) + " is with account " +
                                    std::string(terms.Str("account")) + ", not " +
                                    std::string(*account));
  }
}

void CheckOrderStatus(Decision& d) {
  std::string_view status = d.state().Str("status");
  auto from = GetString(d.data(), "from");
  auto to = GetString(d.data(), "to");
  if (from && *from != status) {
    return d.Illegal("/data/from",
                     d.Name() + " is " + std::string(status) + ", not " + std::string(*from));
  }
  if (!to || IsOrderTransitionAllowed(status, *to)) return;
  std::string_view next = OrderNextStatuses(status);
  d.Illegal("/data/to", next.empty()
                            ? d.Name() + " is " + std::string(status) + ", which is final"
                            : d.Name() + " cannot go from " + std::string(status) + " to " +
                                  std::string(*to) + "; allowed: " + std::string(next));
}

void ApplyPlaced(Fold& f) {
  f.state.Set("status", "placed");
  f.state.Set("account", GetString(f.data(), "account").value_or(""));
  f.state.Set("currency", LinesCurrency(f.data()));
}
void ApplyOrderStatus(Fold& f) {
  if (auto to = GetString(f.data(), "to")) f.state.Set("status", *to);
}

// --- invoice: status issued | voided, currency, total, due (minor units) ---

void CheckInvoiceIssued(Decision& d) {
  auto order = GetString(d.data(), "order");
  if (!order || !d.Exists("order", *order)) return;
  RecordState sale = d.StateOf("order", *order);
  std::string_view status = sale.Str("status");
  if (status == "cancelled" || status == "returned") {
    d.Illegal("/data/order", "order " + std::string(*order) + " is " + std::string(status) +
                                 " and cannot be invoiced");
  }
  auto amount = GetMoney(d.data(), "amount");
  if (amount && !sale.Str("currency").empty() && amount->currency != sale.Str("currency")) {
    d.Invalid("/data/amount/currency", "must be " + std::string(sale.Str("currency")) +
                                           ", the currency of order " + std::string(*order));
  }
}

void CheckVoided(Decision& d) {
  if (d.state().Str("status") == "voided") {
    return d.Illegal("/type", d.Name() + " is already voided");
  }
  int64_t paid = d.state().Int("total") - d.state().Int("due");
  if (paid != 0) {
    d.Illegal("/type", d.Name() + " has received " + FormatMoney(paid, d.state().Str("currency")) +
                           "; refund the payments before voiding it");
  }
}

void ApplyIssued(Fold& f) {
  auto amount = GetMoney(f.data(), "amount");
  auto tax = GetMoney(f.data(), "tax");
  int64_t total = (amount ? amount->amount : 0) + (tax ? tax->amount : 0);
  f.state.Set("status", "issued");
  f.state.Set("currency", amount ? amount->currency : "");
  f.state.Set("total", total);
  f.state.Set("due", total);
}
void ApplyVoided(Fold& f) { f.state.Set("status", "voided"); }

// --- payment: invoice, currency, amount, refunded ---

void CheckReceived(Decision& d) {
  auto invoice = GetString(d.data(), "invoice");
  auto amount = GetMoney(d.data(), "amount");
  if (!invoice || !amount || !d.Exists("invoice", *invoice)) return;
  RecordState bill = d.StateOf("invoice", *invoice);
  std::string name = "invoice " + std::string(*invoice);
  if (bill.Str("status") == "voided") return d.Illegal("/data/invoice", name + " is voided");
  if (amount->currency != bill.Str("currency")) {
    return d.Invalid("/data/amount/currency",
                     "must be " + std::string(bill.Str("currency")) + ", the currency of " + name);
  }
  int64_t due = bill.Int("due");
  if (due <= 0) return d.Illegal("/data/amount", name + " is already paid in full");
  if (amount->amount > due) {
    d.Illegal("/data/amount", FormatMoney(amount->amount, amount->currency) +
                                  " is more than the amount due on " + name + " (" +
                                  FormatMoney(due, amount->currency) + ")");
  }
}

void CheckRefunded(Decision& d) {
  auto amount = GetMoney(d.data(), "amount");
  if (!amount) return;
  std::string_view currency = d.state().Str("currency");
  if (amount->currency != currency) {
    return d.Invalid("/data/amount/currency",
                     "must be " + std::string(currency) + ", the currency of " + d.Name());
  }
  int64_t refundable = d.state().Int("amount") - d.state().Int("refunded");
  if (amount->amount > refundable) {
    d.Illegal("/data/amount", FormatMoney(amount->amount, currency) +
                                  " is more than what is left to refund on " + d.Name() + " (" +
                                  FormatMoney(refundable, currency) + ")");
  }
}

// Moves `delta` minor units onto the amount due of the invoice `invoice`.
void AdjustDue(Fold& f, std::string_view invoice, int64_t delta) {
  std::string subject = "invoice/" + std::string(invoice);
  RecordState bill = LoadState(f.ctx, subject);
  bill.Set("due", bill.Int("due") + delta);
  StoreState(f.ctx, subject, bill);
}

void ApplyReceived(Fold& f) {
  auto amount = GetMoney(f.data(), "amount");
  std::string_view invoice = GetString(f.data(), "invoice").value_or("");
  f.state.Set("invoice", invoice);
  f.state.Set("currency", amount ? amount->currency : "");
  f.state.Set("amount", amount ? amount->amount : 0);
  f.state.Set("refunded", int64_t{0});
  if (amount && !invoice.empty()) AdjustDue(f, invoice, -amount->amount);
}

void ApplyRefunded(Fold& f) {
  auto amount = GetMoney(f.data(), "amount");
  if (!amount) return;
  f.state.Set("refunded", f.state.Int("refunded") + amount->amount);
  std::string invoice(f.state.Str("invoice"));
  if (!invoice.empty()) AdjustDue(f, invoice, amount->amount);
}

constexpr TypeRules kRules[] = {
    {"product.listed", nullptr, ApplyListed},
    {"product.price_changed", CheckPriceChanged, nullptr},
    {"product.discontinued", CheckDiscontinued, ApplyDiscontinued},
    {"contract.signed", CheckContractSigned, ApplySigned},
    {"contract.amended", CheckAmended, nullptr},
    {"contract.terminated", CheckTerminated, ApplyTerminated},
    {"order.placed", CheckOrderPlaced, ApplyPlaced},
    {"order.status_changed", CheckOrderStatus, ApplyOrderStatus},
    {"invoice.issued", CheckInvoiceIssued, ApplyIssued},
    {"invoice.voided", CheckVoided, ApplyVoided},
    {"payment.received", CheckReceived, ApplyReceived},
    {"payment.refunded", CheckRefunded, ApplyRefunded},
};

}  // namespace

std::span<const TypeRules> CommerceRules() { return kRules; }

}  // namespace schemas::internal
