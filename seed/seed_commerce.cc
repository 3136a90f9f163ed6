// After a win: the contract (sometimes amended or terminated), its orders through their
// statuses (some cancelled or returned), invoices (some voided and reissued) and
// payments in the order's currency (partial, late, some refunded).
#include <algorithm>

#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

constexpr int kSecondOrderPercent = 40;
constexpr int kAmendPercent = 20;
constexpr int kTerminatePercent = 15;
constexpr int kCancelAtPlacedPercent = 5;
constexpr int kCancelAwaitingPercent = 4;
constexpr int kInvoiceVoidPercent = 10;
constexpr int kLatePaymentPercent = 15;
constexpr int kReturnPercent = 5;
constexpr int kGoodwillRefundPercent = 5;
constexpr int kCnyTaxPercent = 13;
constexpr int kPaymentTermDays = 30;

struct Order {
  std::string id;
  std::string subject;
  std::string currency;
  int64_t net = 0;
  std::vector<std::string> payments;  // PAY-..., with their amounts
  std::vector<int64_t> paid;
};

boost::json::object Status(std::string_view from, std::string_view to) {
  return {{"from", from}, {"to", to}};
}

std::string SignContract(World& world, Story& story, AccountCtx& account, const Deal& deal) {
  Rng& rng = world.rng;
  story.NextWorkTime(rng, 2, 14);
  const int year = YearOf(story.now());
  const int n = world.next_contract++;
  const std::string id = Sequenced("CTR", year, n, 5);
  boost::json::array lines = LinesJson(world, deal.lines, story.now(), account.currency);
  if (lines.empty()) return "";
  const int64_t start = story.now() + rng.Uniform(1, 10) * kMinutesPerDay;
  boost::json::object data = {
      {"number", Sequenced("HT", year, n, 5)},
      {"title",
       (account.chinese ? "销售合同 / sales contract " : "Sales contract ") + deal.opportunity},
      {"account", account.id},
      {"opportunity", deal.opportunity},
      {"lines", std::move(lines)},
      {"payment_terms",
       rng.Pick(std::vector<std::string>{"net_30", "net_60", "installments", "prepaid"})},
      {"start_date", FormatDate(start)},
      {"end_date", FormatDate(AddMonths(start, 12) - kMinutesPerDay)},
      {"auto_renew", rng.Chance(50)},
      {"our_signatory", deal.owner}};
  if (!account.contact_names.empty()) data["customer_signatory"] = account.contact_names.front();
  if (!story.Emit("contract.signed", "contract/" + id, std::move(data))) return "";
  account.NeedsActive(story.now());
  return id;
}

// Issues the invoice (voiding and reissuing a wrong one sometimes); "" when the story ended.
std::string Invoice(World& world, Story& story, const Order& order, int64_t& total) {
  Rng& rng = world.rng;
  const int tax_percent = order.currency == "CNY" ? kCnyTaxPercent : 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    story.Advance(rng.Uniform(30, 300));
    const int n = world.next_invoice++;
    const std::string id = Sequenced("INV", YearOf(story.now()), n, 5);
    const bool wrong = attempt == 0 && rng.Chance(kInvoiceVoidPercent);
    const int rate = wrong ? 6 : tax_percent;
    const int64_t tax = order.net * rate / 100;
    if (!story.Emit("invoice.issued", "invoice/" + id,
                    {{"number",
                      Sequenced(order.currency == "CNY" ? "FP" : "EXP", YearOf(story.now()), n, 6)},
                     {"order", order.id},
                     {"issue_date", FormatDate(story.now())},
                     {"due_date", FormatDate(story.now() + kPaymentTermDays * kMinutesPerDay)},
                     {"amount", Money(order.net, order.currency)},
                     {"tax", Money(tax, order.currency)},
                     {"tax_rate_percent", rate}}))
      return "";
    if (!wrong) {
      total = order.net + tax;
      return id;
    }
    story.Advance(rng.Uniform(30, 240));
    story.Emit("invoice.voided", "invoice/" + id, {{"reason", "税率错误 / wrong tax rate"}});
  }
  return "";
}

bool Pay(World& world, Story& story, Order& order, const std::string& invoice, int64_t total,
         const AccountCtx& account) {
  Rng& rng = world.rng;
  const int parts = static_cast<int>(rng.Weighted({60, 30, 10})) + 1;
  const bool late = rng.Chance(kLatePaymentPercent);
  story.NextWorkTime(rng, late ? kPaymentTermDays + 5 : 2, late ? kPaymentTermDays + 40 : 25);
  int64_t left = total;
  static const std::vector<std::string> cny = {"bank_transfer", "alipay", "wechat_pay"};
  static const std::vector<std::string> other = {"bank_transfer", "card", "cheque", "direct_debit"};
  for (int i = 0; i < parts && left > 0; ++i) {
    const int64_t amount =
        i + 1 == parts ? left : std::max<int64_t>(1, left * rng.Uniform(30, 60) / 100);
    const std::string id = Sequenced("PAY", YearOf(story.now()), world.next_payment++, 5);
    if (!story.Emit("payment.received", "payment/" + id,
                    {{"invoice", invoice},
                     {"amount", Money(amount, order.currency)},
                     {"method", rng.Pick(order.currency == "CNY" ? cny : other)},
                     {"received_at", FormatDateTime(story.now() - rng.Uniform(5, 120))},
                     {"reference", "BANK-" + id},
                     {"payer", account.name}}))
      return false;
    order.payments.push_back(id);
    order.paid.push_back(amount);
    left -= amount;
    story.NextWorkTime(rng, 5, 30);
  }
  return story.Emit("order.status_changed", order.subject, Status("awaiting_payment", "paid"));
}

void Refund(World& world, Story& story, const Order& order, bool all, const std::string& reason) {
  Rng& rng = world.rng;
  for (size_t i = 0; i < order.payments.size(); ++i) {
    const int64_t amount = all ? order.paid[i] : std::max<int64_t>(1, order.paid[i] / 10);
    story.Advance(rng.Uniform(60, 2 * kMinutesPerDay));
    story.Emit("payment.refunded", "payment/" + order.payments[i],
               {{"amount", Money(amount, order.currency)},
                {"reason", reason},
                {"refunded_at", FormatDateTime(story.now() - 5)}});
    if (!all) return;
  }
}

// Ships, delivers and sometimes returns a paid order; true when it stays delivered.
bool Deliver(World& world, Story& story, const Order& order) {
  Rng& rng = world.rng;
  story.NextWorkTime(rng, 1, 7);
  boost::json::object shipped = Status("paid", "shipped");
  shipped["carrier"] = order.currency == "CNY" ? "顺丰速运 SF Express" : "DHL Express";
  shipped["tracking_number"] = "SF" + std::to_string(rng.Uniform(100000000, 999999999));
  if (!story.Emit("order.status_changed", order.subject, std::move(shipped))) return false;
  story.NextWorkTime(rng, 1, 6);
  if (!story.Emit("order.status_changed", order.subject, Status("shipped", "delivered")))
    return false;
  if (rng.Chance(kReturnPercent)) {
    story.NextWorkTime(rng, 3, 20);
    boost::json::object returned = Status("delivered", "returned");
    returned["reason"] = "型号不符 / wrong model delivered";
    if (story.Emit("order.status_changed", order.subject, std::move(returned))) {
      Refund(world, story, order, true, "退货 / order returned");
    }
    return false;
  }
  if (rng.Chance(kGoodwillRefundPercent))
    Refund(world, story, order, false, "延迟交付补偿 / late delivery credit");
  return true;
}

// One order's whole life; fills `delivered` when it ends delivered.
void RunOrder(World& world, Story& story, AccountCtx& account, const std::string& contract,
              const std::vector<Line>& lines, std::vector<Delivered>& delivered) {
  Rng& rng = world.rng;
  story.NextWorkTime(rng, 1, 20);
  boost::json::array json = LinesJson(world, lines, story.now(), account.currency);
  if (json.empty()) return;
  Order order;
  order.id = Sequenced("ORD", YearOf(story.now()), world.next_order++, 5);
  order.subject = "order/" + order.id;
  order.currency = account.currency;
  order.net = LinesTotal(json);
  Delivered done{order.id, {}, account.contacts.empty() ? "" : account.contacts.front()};
  for (const auto& line : json)
    done.products.push_back(std::string(line.at("product").as_string()));
  boost::json::object data = {
      {"number", "SO-" + order.id.substr(4)},
      {"account", account.id},
      {"contract", contract},
      {"purchase_order", "PO-" + std::to_string(rng.Uniform(10000, 99999))},
      {"lines", std::move(json)},
      {"shipping_address",
       {{"line1", account.street},
        {"city", account.city},
        {"postal_code", account.postal_code},
        {"country", account.country}}},
      {"requested_delivery", FormatDate(story.now() + rng.Uniform(10, 40) * kMinutesPerDay)}};
  if (!account.contact_names.empty()) data["recipient"] = account.contact_names.front();
  if (order.net <= 0 || !story.Emit("order.placed", order.subject, std::move(data))) return;
  account.NeedsActive(story.now());
  story.NextWorkTime(rng, 0, 2);
  if (rng.Chance(kCancelAtPlacedPercent)) {
    boost::json::object cancel = Status("placed", "cancelled");
    cancel["reason"] = "客户预算冻结 / the customer froze the budget";
    story.Emit("order.status_changed", order.subject, std::move(cancel));
    return;
  }
  if (!story.Emit("order.status_changed", order.subject, Status("placed", "awaiting_payment")))
    return;
  int64_t total = 0;
  const std::string invoice = Invoice(world, story, order, total);
  if (invoice.empty()) return;
  if (rng.Chance(kCancelAwaitingPercent)) {
    story.NextWorkTime(rng, 1, 10);
    story.Emit("invoice.voided", "invoice/" + invoice, {{"reason", "订单取消 / order cancelled"}});
    boost::json::object cancel = Status("awaiting_payment", "cancelled");
    cancel["reason"] = "项目延期 / project postponed";
    story.Emit("order.status_changed", order.subject, std::move(cancel));
    return;
  }
  if (Pay(world, story, order, invoice, total, account) && Deliver(world, story, order)) {
    delivered.push_back(std::move(done));
  }
}

}  // namespace

std::vector<Delivered> FulfilDeal(World& world, Story& story, AccountCtx& account,
                                  const Deal& deal) {
  Rng& rng = world.rng;
  std::vector<Delivered> delivered;
  const std::string contract = SignContract(world, story, account, deal);
  if (contract.empty()) return delivered;
  RunOrder(world, story, account, contract, deal.lines, delivered);
  if (rng.Chance(kSecondOrderPercent)) {
    RunOrder(world, story, account, contract, PickLines(world, story.now(), 1), delivered);
  }
  if (rng.Chance(kAmendPercent)) {
    story.NextWorkTime(rng, 10, 60);
    std::vector<Line> more = deal.lines;
    for (Line& l : more) l.quantity += l.quantity / 5 + 1;
    boost::json::array lines = LinesJson(world, more, story.now(), account.currency);
    if (!lines.empty()) {
      story.Emit("contract.amended", "contract/" + contract,
                 {{"lines", std::move(lines)},
                  {"payment_terms", "installments"},
                  {"reason", "增加数量 / more units"}});
    }
  }
  if (rng.Chance(kTerminatePercent)) {
    story.NextWorkTime(rng, 30, 120);
    story.Emit("contract.terminated", "contract/" + contract,
               {{"reason", rng.Pick(std::vector<std::string>{"mutual_agreement", "customer_request",
                                                             "non_payment"})},
                {"effective_on", FormatDate(story.now() + 30 * kMinutesPerDay)},
                {"details", "双方协商提前终止 / ended early by agreement"}});
  }
  return delivered;
}

}  // namespace seed::internal
