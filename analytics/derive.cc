#include "analytics/derive.h"

namespace analytics {
namespace {

std::vector<std::string> Strings(const boost::json::object& data, std::string_view key) {
  std::vector<std::string> out;
  const boost::json::value* v = data.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const boost::json::value& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

void Apply(Deal& d, const Fact& f) {
  const auto& data = f.data;
  if (f.type == "opportunity.opened") {
    d.exists = true;
    d.stage = Str(data, "stage").empty() ? "prospecting" : std::string(Str(data, "stage"));
    d.owner = Str(data, "owner");
    d.source = Str(data, "source");
    d.amount = AmountAt(data, "amount");
    d.probability = Int(data, "probability");
    d.products = Strings(data, "products");
    d.opened_at = f.at;
  } else if (f.type == "opportunity.stage_changed") {
    d.stage = Str(data, "to");
    if (auto p = Int(data, "probability")) d.probability = p;
  } else if (f.type == "opportunity.forecast_revised") {
    if (auto a = AmountAt(data, "amount")) d.amount = a;
    if (auto p = Int(data, "probability")) d.probability = p;
    if (data.contains("products")) d.products = Strings(data, "products");
  } else if (f.type == "opportunity.owner_assigned") {
    d.owner = Str(data, "owner");
  } else if (f.type == "opportunity.won" || f.type == "opportunity.lost") {
    d.stage = f.type == "opportunity.won" ? "won" : "lost";
    d.close = &f;
    d.close_owner = d.owner;
    d.close_products = d.products;
  } else if (f.type == "opportunity.reopened") {
    d.stage = Str(data, "stage");
    d.close = nullptr;
  }
}

}  // namespace

Deal DealAt(const Stream& opportunity, Micros to) {
  Deal d;
  d.id = opportunity.id;
  for (const Fact& f : opportunity.facts) {
    if (f.at < to) Apply(d, f);
  }
  return d;
}

std::vector<Touch> Touches(const Book& book) {
  std::vector<Touch> out;
  for (const auto& [id, stream] : book.Of("activity")) {
    Touch t;
    t.id = id;
    for (const Fact& f : stream.facts) {
      if (f.type == "activity.scheduled" || f.type == "activity.logged") {
        t.owner = Str(f.data, "owner");
        t.channel = Str(f.data, "channel");
        t.opportunity = Str(f.data, "opportunity");
      }
      if (f.type == "activity.logged" || f.type == "activity.completed") {
        t.outcome = Str(f.data, "outcome");
        t.fact = &f;
      }
    }
    if (t.fact != nullptr) out.push_back(std::move(t));
  }
  return out;
}

std::vector<Order> Orders(const Book& book) {
  std::vector<Order> out;
  for (const auto& [id, stream] : book.Of("order")) {
    Order o;
    o.id = id;
    bool cancelled = false;
    for (const Fact& f : stream.facts) {
      if (f.type == "order.placed") o.placed = &f;
      if (f.type == "order.status_changed" && Str(f.data, "to") == "cancelled") cancelled = true;
    }
    if (o.placed == nullptr || cancelled) continue;
    o.account = Str(o.placed->data, "account");
    const boost::json::value* lines = o.placed->data.if_contains("lines");
    if (lines == nullptr || !lines->is_array()) continue;
    for (const boost::json::value& item : lines->get_array()) {
      if (!item.is_object()) continue;
      const auto& line = item.get_object();
      auto price = AmountAt(line, "unit_price");
      int64_t quantity = Int(line, "quantity").value_or(0);
      if (!price) continue;
      int64_t discount = Int(line, "discount_percent").value_or(0);
      __int128 gross = static_cast<__int128>(quantity) * price->minor * (100 - discount);
      Amount value{RoundHalfEven(gross, 100), price->currency};
      o.value.currency = price->currency;
      o.value.minor += value.minor;
      o.lines.push_back({std::string(Str(line, "product")), quantity, value});
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::string AccountOwnerAt(const Book& book, std::string_view account, Micros at) {
  const Stream* stream = book.Find("account", account);
  std::string owner;
  if (stream == nullptr) return owner;
  for (const Fact& f : stream->facts) {
    if (f.at > at) continue;
    if (f.type == "account.registered" || f.type == "account.owner_assigned")
      owner = Str(f.data, "owner");
  }
  return owner;
}

std::string CategoryOf(const Book& book, std::string_view product) {
  const Stream* stream = book.Find("product", product);
  if (stream == nullptr || stream->facts.empty()) return "(unknown)";
  for (const Fact& f : stream->facts) {
    if (f.type == "product.listed") return std::string(Str(f.data, "category"));
  }
  return "(unknown)";
}

bool MemberAt(const Book& book, std::string_view team, std::string_view user, Micros at) {
  if (team.starts_with("team:")) team.remove_prefix(5);
  const Stream* stream = book.Find("team", team);
  if (stream == nullptr) return false;
  bool member = false;
  for (const Fact& f : stream->facts) {
    if (f.at > at || Str(f.data, "user") != user) continue;
    if (f.type == "team.member_added") member = true;
    if (f.type == "team.member_removed") member = false;
  }
  return member;
}

}  // namespace analytics
