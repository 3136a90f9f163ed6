// The analytics reference: customers (lifetime value, RFM) and service (tickets), each a
// plain fold of docs/API.md's definitions.
#include <algorithm>

#include "tests/analytics_reference_internal.h"

namespace analytics_ref {

using namespace internal;

namespace {

struct Ticket {
  std::string id, account, product, handler = "(unassigned)", status;
  Micros opened_at = 0;
  std::optional<Micros> first_action, first_resolved;
  std::optional<int64_t> score;  // the latest before `to`
  bool exists = false;
};

// Every ticket folded from its facts before `to`.
std::vector<Ticket> TicketsAtTo(const std::vector<RefFact>& facts, const Window& window) {
  std::vector<Ticket> tickets;
  for (const auto& [subject, stream] : StreamsOfKind(facts, "ticket")) {
    Ticket ticket;
    ticket.id = RecordId(subject);
    for (const RefFact* fact : stream) {
      const Micros at = BusinessTime(*fact);
      if (!window.BeforeTo(at)) continue;
      const std::string& type = fact->type;
      if (type == "ticket.opened") {
        ticket.exists = true, ticket.opened_at = at, ticket.status = "open";
        ticket.account = Str(fact->data, "account");
        ticket.product = fact->data.contains("product") ? Str(fact->data, "product") : "(none)";
      }
      if (type == "ticket.assigned") ticket.handler = Str(fact->data, "handler");
      if (type == "ticket.assigned" || type == "ticket.reopened") ticket.status = "in_progress";
      if (type == "ticket.resolved") ticket.status = "resolved";
      if (type == "ticket.closed") ticket.status = "closed";
      if (type == "ticket.action_taken" && !ticket.first_action) ticket.first_action = at;
      if (type == "ticket.resolved" && !ticket.first_resolved) ticket.first_resolved = at;
      if (type == "ticket.satisfaction_rated") ticket.score = Int(fact->data, "score");
    }
    if (ticket.exists) tickets.push_back(ticket);
  }
  return tickets;
}

struct Customer {
  std::string account, owner;
  int64_t lifetime_value = 0, orders = 0, monetary = 0;
  const RefFact* last_purchase = nullptr;
  int64_t open_tickets = 0;
  std::vector<double> scores;
  int r = 0, f = 0, m = 0;
};

// payment id -> account, through invoice -> order -> account.
std::map<std::string, std::string> PaymentAccounts(const std::vector<RefFact>& facts) {
  std::map<std::string, std::string> order_account, invoice_account, payment_account;
  for (const RefFact& fact : facts) {
    const std::string id = RecordId(fact.subject);
    if (fact.type == "order.placed") order_account[id] = Str(fact.data, "account");
    if (fact.type == "invoice.issued") invoice_account[id] = order_account[Str(fact.data, "order")];
    if (fact.type == "payment.received") {
      payment_account[id] = invoice_account[Str(fact.data, "invoice")];
    }
  }
  return payment_account;
}

void AddLifetimeValues(const std::vector<RefFact>& facts, const Window& window,
                       const Converter& converter, Unconverted& unconverted,
                       std::map<std::string, Customer>& customers) {
  const auto payment_accounts = PaymentAccounts(facts);
  for (const RefFact& fact : facts) {
    const bool received = fact.type == "payment.received";
    if ((!received && fact.type != "payment.refunded") || !window.BeforeTo(BusinessTime(fact))) {
      continue;
    }
    auto customer = customers.find(payment_accounts.at(RecordId(fact.subject)));
    if (customer == customers.end()) continue;
    const int64_t amount = converter
                               .ConvertOrNote(fact.data.at("amount").as_object(),
                                              BusinessTime(fact), fact.id, unconverted)
                               .value_or(0);
    customer->second.lifetime_value += received ? amount : -amount;
  }
}

void AddOrders(const std::vector<RefFact>& facts, const Window& window, const Converter& converter,
               Unconverted& unconverted, std::map<std::string, Customer>& customers) {
  for (const Order& order : OrdersNotCancelled(facts)) {
    auto found = customers.find(order.account);
    const Micros at = BusinessTime(*order.placed);
    if (found == customers.end() || !window.BeforeTo(at)) continue;
    Customer& customer = found->second;
    if (!customer.last_purchase || BusinessTime(*customer.last_purchase) <= at) {
      customer.last_purchase = order.placed;
    }
    if (!window.In(at)) continue;
    ++customer.orders;
    json::object money{{"amount", order.value}, {"currency", order.currency}};
    customer.monetary +=
        converter.ConvertOrNote(money, at, order.placed->id, unconverted).value_or(0);
  }
}

// Scores ⌊5·i/n⌋ + 1 by ascending `measure`, ties by account id.
template <typename Measure>
void Score(std::vector<Customer*> ranked, Measure measure, int Customer::*score) {
  std::sort(ranked.begin(), ranked.end(), [&](const Customer* a, const Customer* b) {
    if (measure(*a) != measure(*b)) return measure(*a) < measure(*b);
    return a->account < b->account;
  });
  const size_t n = ranked.size();
  for (size_t i = 0; i < n; ++i) ranked[i]->*score = static_cast<int>(5 * i / n) + 1;
}

void ScoreRfm(std::map<std::string, Customer>& customers) {
  std::vector<Customer*> buyers;
  for (auto& [account, customer] : customers) {
    if (customer.orders >= 1) buyers.push_back(&customer);
  }
  Score(
      buyers, [](const Customer& c) { return BusinessTime(*c.last_purchase); }, &Customer::r);
  Score(
      buyers, [](const Customer& c) { return c.orders; }, &Customer::f);
  Score(
      buyers, [](const Customer& c) { return c.monetary; }, &Customer::m);
}

json::object CustomerRow(const Customer& c, const RefParams& params, Micros recency_from) {
  json::object row{{"account", c.account},
                   {"owner", c.owner},
                   {"lifetime_value", MoneyJson(c.lifetime_value, params.currency)},
                   {"orders", c.orders},
                   {"monetary", MoneyJson(c.monetary, params.currency)}};
  row["last_purchase"] = c.last_purchase ? json::value(c.last_purchase->occurredat) : nullptr;
  row["recency_days"] =
      c.last_purchase
          ? json::value(static_cast<double>(recency_from - BusinessTime(*c.last_purchase)) / 1e6 /
                        86400.0)
          : nullptr;
  const bool scored = c.orders >= 1;
  row["r"] = scored ? json::value(c.r) : nullptr;
  row["f"] = scored ? json::value(c.f) : nullptr;
  row["m"] = scored ? json::value(c.m) : nullptr;
  row["rfm"] = scored ? json::value(std::to_string(c.r) + std::to_string(c.f) + std::to_string(c.m))
                      : nullptr;
  row["open_tickets"] = c.open_tickets;
  row["avg_satisfaction"] = MeanOrNull(c.scores);
  return row;
}

}  // namespace

json::object Customers(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const Converter converter(facts, params.currency);
  const AccountOwners owners(facts);
  Unconverted unconverted;
  std::map<std::string, Customer> customers;
  for (const RefFact& fact : facts) {
    if (fact.type != "account.registered" || !window.BeforeTo(BusinessTime(fact))) continue;
    const std::string id = RecordId(fact.subject);
    customers[id].account = id;
    customers[id].owner =
        window.to ? owners.OwnerAt(id, *window.to, false) : owners.OwnerAt(id, INT64_MAX, true);
  }
  AddLifetimeValues(facts, window, converter, unconverted, customers);
  AddOrders(facts, window, converter, unconverted, customers);
  for (const Ticket& ticket : TicketsAtTo(facts, window)) {
    auto customer = customers.find(ticket.account);
    if (customer == customers.end()) continue;
    if (ticket.status == "open" || ticket.status == "in_progress") ++customer->second.open_tickets;
    if (ticket.score) customer->second.scores.push_back(static_cast<double>(*ticket.score));
  }
  ScoreRfm(customers);
  std::vector<const Customer*> ranked;
  for (const auto& [account, customer] : customers) ranked.push_back(&customer);
  std::stable_sort(ranked.begin(), ranked.end(), [](const Customer* a, const Customer* b) {
    return a->lifetime_value > b->lifetime_value;
  });
  if (params.top && ranked.size() > *params.top) ranked.resize(*params.top);
  const Micros recency_from = window.to.value_or(AsofTime(params).value_or(params.request_time_us));
  json::array rows;
  for (const Customer* customer : ranked)
    rows.push_back(CustomerRow(*customer, params, recency_from));
  json::object report = Header("customers", params);
  report["customers"] = std::move(rows);
  report["unconverted"] = unconverted.Json();
  return report;
}

namespace {

struct ServiceGroup {
  int64_t opened = 0, resolved = 0;
  std::vector<double> first_action_hours, resolution_hours, scores;

  json::object Json() const {
    auto timing = [](const std::vector<double>& hours) {
      return json::object{{"tickets", static_cast<int64_t>(hours.size())},
                          {"avg", MeanOrNull(hours)},
                          {"median", MedianOrNull(hours)}};
    };
    return json::object{
        {"opened", opened},
        {"resolved", resolved},
        {"first_action_hours", timing(first_action_hours)},
        {"resolution_hours", timing(resolution_hours)},
        {"satisfaction", json::object{{"ratings", static_cast<int64_t>(scores.size())},
                                      {"avg", MeanOrNull(scores)}}}};
  }
};

void AddOpenedTicket(const Ticket& ticket, ServiceGroup& group) {
  const double us_per_hour = 3600.0 * 1e6;
  ++group.opened;
  if (ticket.first_action) {
    group.first_action_hours.push_back(
        static_cast<double>(*ticket.first_action - ticket.opened_at) / us_per_hour);
  }
  if (ticket.first_resolved) {
    group.resolution_hours.push_back(
        static_cast<double>(*ticket.first_resolved - ticket.opened_at) / us_per_hour);
  }
  if (ticket.score) group.scores.push_back(static_cast<double>(*ticket.score));
}

}  // namespace

json::object Service(const std::vector<RefFact>& facts, const RefParams& params) {
  const Window window = WindowOf(params);
  const std::string by = params.by.empty() ? "product" : params.by;
  std::map<std::string, std::string> key_of;  // ticket id -> group key
  std::map<std::string, ServiceGroup> groups;
  ServiceGroup total;
  for (const Ticket& ticket : TicketsAtTo(facts, window)) {
    key_of[ticket.id] = by == "handler" ? ticket.handler : ticket.product;
    if (!window.In(ticket.opened_at)) continue;
    AddOpenedTicket(ticket, groups[key_of[ticket.id]]);
    AddOpenedTicket(ticket, total);
  }
  for (const RefFact& fact : facts) {
    if (fact.type != "ticket.resolved" || !window.In(BusinessTime(fact))) continue;
    ++groups[key_of.at(RecordId(fact.subject))].resolved;
    ++total.resolved;
  }
  json::object report = Header("service", params);
  report["by"] = by;
  json::array rows;
  for (const auto& [key, group] : groups) {
    json::object row{{"key", key}};
    for (auto& member : group.Json()) row[member.key()] = member.value();
    rows.push_back(std::move(row));
  }
  report["groups"] = std::move(rows);
  report["total"] = total.Json();
  return report;
}

}  // namespace analytics_ref
