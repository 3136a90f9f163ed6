// products (order lines by product, category and period) and customers (lifetime
// value, RFM, tickets).
#include <algorithm>
#include <map>
#include <set>

#include "analytics/derive.h"
#include "analytics/reports_internal.h"

namespace analytics::internal {
namespace {

namespace json = boost::json;

struct Sales {
  Sum revenue;
  int64_t quantity = 0;
  std::set<std::string> orders;
  json::object Json(const Converter& money) const {
    return {{"revenue", money.Money(revenue.minor)},
            {"quantity", quantity},
            {"orders", static_cast<int64_t>(orders.size())}};
  }
};

// Rows sorted by revenue (descending), then by key.
json::array Ranked(const std::map<std::string, Sales>& sales, std::string_view key_name,
                   const Converter& money, std::optional<size_t> top) {
  std::vector<const std::pair<const std::string, Sales>*> rows;
  for (const auto& entry : sales) rows.push_back(&entry);
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return a->second.revenue.minor > b->second.revenue.minor;
  });
  if (top && rows.size() > *top) rows.resize(*top);
  json::array out;
  for (const auto* row : rows) out.push_back(Keyed(key_name, row->first, row->second.Json(money)));
  return out;
}

}  // namespace

json::object Products(const Book& book, const Params& p, Converter& money) {
  std::map<std::string, Sales> products, categories;
  std::map<std::string, std::string> category_of;
  std::map<std::string, std::pair<Sales, std::map<std::string, Sales>>> periods;
  for (const Order& o : Orders(book)) {
    if (!InWindow(o.placed->at, p.from, p.to)) continue;
    std::string period = PeriodOf(o.placed->date, p.grain);
    for (size_t i = 0; i < o.lines.size(); ++i) {
      const Order::Line& line = o.lines[i];
      auto revenue = money.Convert(line.value, o.placed->at, o.placed, static_cast<int>(i));
      std::string category = CategoryOf(book, line.product);
      category_of[line.product] = category;
      auto& [period_total, period_categories] = periods[period];
      for (Sales* s : {&products[line.product], &categories[category], &period_total,
                       &period_categories[category]}) {
        s->revenue.Add(revenue);
        s->quantity += line.quantity;
        s->orders.insert(o.id);
      }
    }
  }
  json::array product_rows = Ranked(products, "product", money, p.top);
  for (json::value& row : product_rows) {
    json::object& r = row.as_object();
    json::object out{{"product", r["product"]},
                     {"category", category_of[std::string(r["product"].as_string())]}};
    for (const auto& field : r) out[field.key()] = field.value();
    r = std::move(out);
  }
  json::array period_rows;
  for (const auto& [period, entry] : periods) {
    json::object row = Keyed("period", period, entry.first.Json(money));
    row["categories"] = Ranked(entry.second, "category", money, std::nullopt);
    period_rows.push_back(std::move(row));
  }
  return {{"products", std::move(product_rows)},
          {"categories", Ranked(categories, "category", money, std::nullopt)},
          {"periods", std::move(period_rows)}};
}

namespace {

struct Customer {
  std::string account, owner;
  Sum lifetime;
  int64_t orders = 0;
  Sum monetary;
  const Fact* last_purchase = nullptr;
  int64_t open_tickets = 0;
  std::vector<int64_t> scores;
  int r = 0, f = 0, m = 0;
};

// The account an invoice bills, through its order.
std::string AccountOfInvoice(const Book& book, std::string_view invoice) {
  const Stream* inv = book.Find("invoice", invoice);
  if (inv == nullptr || inv->facts.empty()) return {};
  const Stream* order = book.Find("order", Str(inv->facts.front().data, "order"));
  if (order == nullptr || order->facts.empty()) return {};
  return std::string(Str(order->facts.front().data, "account"));
}

void AddPayments(const Book& book, const Params& p, Converter& money,
                 std::map<std::string, Customer>& customers) {
  for (const auto& [id, stream] : book.Of("payment")) {
    if (stream.facts.empty()) continue;
    auto it = customers.find(AccountOfInvoice(book, Str(stream.facts.front().data, "invoice")));
    if (it == customers.end()) continue;
    for (const Fact& f : stream.facts) {
      if (f.at >= p.to) continue;
      auto amount = AmountAt(f.data, "amount");
      if (!amount) continue;
      auto converted = money.Convert(*amount, f.at);
      if (f.type == "payment.received") it->second.lifetime.Add(converted);
      if (f.type == "payment.refunded") it->second.lifetime.Add(-converted.value_or(0));
    }
  }
}

void AddTickets(const Book& book, const Params& p, std::map<std::string, Customer>& customers) {
  for (const auto& [id, stream] : book.Of("ticket")) {
    if (stream.facts.empty()) continue;
    auto it = customers.find(std::string(Str(stream.facts.front().data, "account")));
    if (it == customers.end()) continue;
    std::string status;
    std::optional<int64_t> score;
    for (const Fact& f : stream.facts) {
      if (f.at >= p.to) continue;
      if (f.type == "ticket.opened") status = "open";
      if (f.type == "ticket.assigned" || f.type == "ticket.reopened") status = "in_progress";
      if (f.type == "ticket.resolved") status = "resolved";
      if (f.type == "ticket.closed") status = "closed";
      if (f.type == "ticket.satisfaction_rated") score = Int(f.data, "score");
    }
    if (status == "open" || status == "in_progress") it->second.open_tickets += 1;
    if (score) it->second.scores.push_back(*score);
  }
}

// Quintile scores 1..5 by ascending `measure`, ties by account id.
template <class Measure>
void Score(std::vector<Customer*> buyers, Measure measure, int Customer::*score) {
  std::stable_sort(buyers.begin(), buyers.end(), [&](const Customer* a, const Customer* b) {
    return std::tuple(measure(*a), a->account) < std::tuple(measure(*b), b->account);
  });
  const size_t n = buyers.size();
  for (size_t i = 0; i < n; ++i) buyers[i]->*score = static_cast<int>(5 * i / n) + 1;
}

}  // namespace

json::object Customers(const Book& book, const Params& p, Converter& money) {
  std::map<std::string, Customer> customers;
  for (const auto& [id, stream] : book.Of("account")) {
    if (stream.facts.empty() || stream.facts.front().at >= p.to) continue;
    customers[id] = Customer{id, AccountOwnerAt(book, id, p.to - 1)};
  }
  for (const Order& o : Orders(book)) {
    auto it = customers.find(o.account);
    if (it == customers.end() || o.placed->at >= p.to) continue;
    Customer& c = it->second;
    if (c.last_purchase == nullptr || o.placed->at > c.last_purchase->at)
      c.last_purchase = o.placed;
    if (!InWindow(o.placed->at, p.from, p.to)) continue;
    c.orders += 1;
    c.monetary.Add(money.Convert(o.value, o.placed->at));
  }
  AddPayments(book, p, money, customers);
  AddTickets(book, p, customers);
  std::vector<Customer*> buyers;
  for (auto& [id, c] : customers) {
    if (c.orders > 0) buyers.push_back(&c);
  }
  Score(
      buyers, [](const Customer& c) { return c.last_purchase->at; }, &Customer::r);
  Score(
      buyers, [](const Customer& c) { return c.orders; }, &Customer::f);
  Score(
      buyers, [](const Customer& c) { return c.monetary.minor; }, &Customer::m);
  const Micros reference = p.to != kTimeMax ? p.to : p.asof.value_or(p.now);
  std::vector<const Customer*> rows;
  for (const auto& [id, c] : customers) rows.push_back(&c);
  std::stable_sort(rows.begin(), rows.end(), [](const Customer* a, const Customer* b) {
    return a->lifetime.minor > b->lifetime.minor;
  });
  if (p.top && rows.size() > *p.top) rows.resize(*p.top);
  json::array out;
  for (const Customer* c : rows) {
    json::object row{{"account", c->account},
                     {"owner", c->owner},
                     {"lifetime_value", money.Money(c->lifetime.minor)},
                     {"orders", c->orders},
                     {"monetary", money.Money(c->monetary.minor)}};
    row["last_purchase"] = c->last_purchase ? json::value(c->last_purchase->occurredat) : nullptr;
    row["recency_days"] = c->last_purchase ? json::value((reference - c->last_purchase->at) / kDay)
                                           : json::value(nullptr);
    bool scored = c->orders > 0;
    row["r"] = scored ? json::value(c->r) : nullptr;
    row["f"] = scored ? json::value(c->f) : nullptr;
    row["m"] = scored ? json::value(c->m) : nullptr;
    row["rfm"] =
        scored ? json::value(std::to_string(c->r) + std::to_string(c->f) + std::to_string(c->m))
               : nullptr;
    row["open_tickets"] = c->open_tickets;
    std::vector<Micros> scores(c->scores.begin(), c->scores.end());
    row["avg_satisfaction"] = Mean(scores, 1.0);
    out.push_back(std::move(row));
  }
  return {{"customers", std::move(out)}};
}

}  // namespace analytics::internal
