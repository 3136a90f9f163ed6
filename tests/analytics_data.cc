// The analytics data set: every record's story laid out on a business-time line, then
// emitted in business-time order so each command meets the state its rules expect.
#include "tests/analytics_data.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "ledger/time.h"

namespace analytics_data {
namespace {

namespace json = boost::json;
using Micros = int64_t;

constexpr Micros kDay = 86400LL * 1000000;
constexpr Micros kHour = 3600LL * 1000000;

const std::vector<std::string> kReps = {"u:zhang.wei", "u:li.na", "u:chen.jie", "u:emily.ross",
                                        "u:sam.lee"};
const std::vector<std::string> kStages = {"prospecting", "qualification", "needs_analysis",
                                          "proposal", "negotiation"};
const std::vector<std::string> kProducts = {"PRD-MES-STD", "PRD-MES-SEAT", "PRD-IMPL", "PRD-MAINT",
                                            "PRD-GW-V2"};
const std::vector<std::string> kCurrencies = {"CNY", "USD", "EUR", "GBP"};
const std::vector<int> kOffsets = {480, 0, -300};  // minutes east of UTC

Micros Utc(const std::string& text) { return ledger::ParseRfc3339(text).value(); }

// RFC 3339 of `utc` written in the offset `minutes` east of UTC.
std::string At(Micros utc, int minutes) {
  const std::string local = ledger::FormatRfc3339(utc + minutes * 60LL * 1000000).substr(0, 19);
  if (minutes == 0) return local + "Z";
  char offset[16];
  const int m = std::abs(minutes);
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", minutes < 0 ? '-' : '+', m / 60, m % 60);
  return local + offset;
}

json::object Money(int64_t amount, const std::string& currency) {
  return json::object{{"amount", amount}, {"currency", currency}};
}

class Timeline {
 public:
  // Adds a command at business time `utc` written with offset `minutes`; returns its id.
  std::string Add(Micros utc, int minutes, const std::string& type, const std::string& subject,
                  json::object data) {
    const std::string id = "gen-" + std::to_string(entries_.size() + 1);
    json::object command{{"type", type},
                         {"subject", subject},
                         {"data", std::move(data)},
                         {"occurredat", At(utc, minutes)},
                         {"id", id}};
    entries_.push_back(Entry{utc, entries_.size(), json::serialize(command)});
    return id;
  }
  std::vector<std::string> Lines() {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const Entry& a, const Entry& b) { return a.utc < b.utc; });
    std::vector<std::string> lines;
    for (const Entry& entry : entries_) lines.push_back(entry.line);
    return lines;
  }

 private:
  struct Entry {
    Micros utc;
    size_t order;
    std::string line;
  };
  std::vector<Entry> entries_;
};

void AddRates(Timeline& t) {
  for (int month = 1; month <= 12; ++month) {
    char date[32];
    std::snprintf(date, sizeof date, "2025-%02d-01T00:00:00+08:00", month);
    const std::string tag = std::string(date).substr(0, 7);
    t.Add(Utc(date), 480, "fx.rate_published", "fx/FX-G-USD-CNY-" + tag,
          {{"base", Money(100000000, "USD")},
           {"quote", Money(718000000 + month * 123457, "CNY")},
           {"effective_at", date}});
    t.Add(Utc(date), 480, "fx.rate_published", "fx/FX-G-EUR-CNY-" + tag,
          {{"base", Money(1000000, "EUR")},
           {"quote", Money(7800000 + month * 31111, "CNY")},
           {"effective_at", date}});
  }
  // An inverse rate with the same effective_at as a direct one: the direct one wins.
  t.Add(Utc("2025-07-01T00:00:00+08:00"), 480, "fx.rate_published", "fx/FX-G-CNY-EUR-2025-07",
        {{"base", Money(100000000, "CNY")},
         {"quote", Money(12700001, "EUR")},
         {"effective_at", "2025-07-01T00:00:00+08:00"}});
  // An inverse USD rate alone in its month's second half.
  t.Add(Utc("2025-09-15T00:00:00Z"), 0, "fx.rate_published", "fx/FX-G-CNY-USD-2025-09-15",
        {{"base", Money(1000000000, "CNY")},
         {"quote", Money(139000003, "USD")},
         {"effective_at", "2025-09-15T00:00:00Z"}});
}

void AddTeams(Timeline& t) {
  t.Add(Utc("2025-01-06T10:00:00+08:00"), 480, "team.formed", "team/north-america",
        {{"name", "North America"}, {"manager", "u:sam.lee"}});
  t.Add(Utc("2025-01-06T10:05:00+08:00"), 480, "team.member_added", "team/north-america",
        {{"user", "u:sam.lee"}});
  t.Add(Utc("2025-03-10T10:00:00+08:00"), 480, "team.member_added", "team/north-america",
        {{"user", "u:emily.ross"}});
  t.Add(Utc("2025-04-01T09:00:00+08:00"), 480, "team.member_added", "team/east-china",
        {{"user", "u:chen.jie"}});
  t.Add(Utc("2025-08-01T09:00:00+08:00"), 480, "team.member_removed", "team/east-china",
        {{"user", "u:chen.jie"}});
  t.Add(Utc("2025-10-01T09:00:00+08:00"), 480, "team.member_added", "team/east-china",
        {{"user", "u:chen.jie"}});
  t.Add(Utc("2025-01-06T10:10:00+08:00"), 480, "team.member_added", "team/east-china",
        {{"user", "u:li.na"}});
}

void AddAccounts(Timeline& t) {
  const Micros start = Utc("2025-01-10T09:00:00+08:00");
  for (int i = 0; i < 30; ++i) {
    const std::string id = "ACC-" + std::to_string(3001 + i);
    t.Add(start + i * kDay + i * kHour, kOffsets[i % 3], "account.registered", "account/" + id,
          {{"name", "Customer " + id}, {"owner", kReps[i % 5]}});
    if (i % 7 == 0) {
      t.Add(Utc("2025-06-15T09:00:00+08:00") + i * kHour, 480, "account.owner_assigned",
            "account/" + id, {{"owner", kReps[(i + 2) % 5]}});
    }
  }
}

struct Deal {
  int index = 0;
  std::string id, account, currency, owner;
  Micros at = 0;  // business time of the latest event
  bool won = false;
};

// Stage walk, forecast revisions and activities of one opportunity; returns the deal.
Deal AddOpportunity(Timeline& t, int i, std::vector<std::string>& forecast_revisions) {
  Deal deal{i, "OPP-G-" + std::to_string(100 + i), "ACC-" + std::to_string(3001 + i % 30),
            kCurrencies[i % 4], kReps[(i + i / 5) % 5]};
  const std::string subject = "opportunity/" + deal.id;
  const int offset = kOffsets[i % 3];
  deal.at = Utc("2025-01-15T10:00:00+08:00") + i * 7 * kDay + (i % 5) * kHour;
  json::object opened{{"name", "Deal " + deal.id},
                      {"account", deal.account},
                      {"owner", deal.owner},
                      {"stage", kStages[i % 2]},
                      {"probability", 10 + i % 3}};
  if (i % 9 != 4) opened["amount"] = Money((i + 1) * 1000003 + 17, deal.currency);
  if (i % 6 != 0) opened["source"] = i % 2 ? "referral" : "inbound_web";
  if (i % 5 != 0) opened["products"] = json::array{kProducts[i % 5], kProducts[(i + 2) % 5]};
  t.Add(deal.at, offset, "opportunity.opened", subject, opened);
  t.Add(deal.at + kDay, offset, "activity.logged", "activity/ACT-G-" + std::to_string(i) + "-1",
        {{"channel", i % 2 ? "call" : "email"},
         {"subject", "First contact"},
         {"started_at", At(deal.at + kDay, offset)},
         {"owner", deal.owner},
         {"account", deal.account},
         {"opportunity", deal.id},
         {"outcome", i % 3 ? "positive" : "neutral"}});
  const std::string visit = "activity/ACT-G-" + std::to_string(i) + "-2";
  t.Add(deal.at + 2 * kDay, offset, "activity.scheduled", visit,
        {{"channel", i % 2 ? "visit" : "meeting"},
         {"subject", "On-site meeting"},
         {"starts_at", At(deal.at + 4 * kDay, offset)},
         {"owner", deal.owner},
         {"account", deal.account},
         {"opportunity", deal.id}});
  if (i % 4 == 1) {
    t.Add(deal.at + 3 * kDay, offset, "activity.cancelled", visit, {{"reason", "postponed"}});
  } else if (i % 4 != 2) {
    t.Add(deal.at + 4 * kDay + 2 * kHour, offset, "activity.completed", visit,
          {{"outcome", i % 5 == 3 ? "negative" : "positive"}});
  }
  int stage = i % 2;
  const int steps = i % 5;
  for (int s = 0; s < steps && stage < 4; ++s) {
    deal.at += (5 + (i + s) % 4) * kDay + 3 * kHour;
    t.Add(deal.at, offset, "opportunity.stage_changed", subject,
          {{"from", kStages[stage]}, {"to", kStages[stage + 1]}, {"probability", 20 + 15 * stage}});
    ++stage;
    if (s == 0 && i % 3 == 0) {
      deal.at += kDay;
      forecast_revisions.push_back(
          t.Add(deal.at, offset, "opportunity.forecast_revised", subject,
                {{"amount", Money((i + 2) * 900007, deal.currency)}, {"probability", 35}}));
    }
  }
  if (i % 7 == 2 && stage >= 2) {  // a step back, then forward again
    deal.at += 2 * kDay;
    t.Add(deal.at, offset, "opportunity.stage_changed", subject,
          {{"from", kStages[stage]}, {"to", kStages[stage - 1]}});
    deal.at += 3 * kDay;
    t.Add(deal.at, offset, "opportunity.stage_changed", subject,
          {{"from", kStages[stage - 1]}, {"to", kStages[stage]}});
  }
  return deal;
}

void Win(Timeline& t, Deal& deal, int offset) {
  deal.at += 6 * kDay + 90LL * 60 * 1000000;
  t.Add(deal.at, offset, "opportunity.won", "opportunity/" + deal.id,
        {{"amount", Money((deal.index + 1) * 987659 + 3, deal.currency)},
         {"close_date", At(deal.at, offset).substr(0, 10)}});
  deal.won = true;
}

void Close(Timeline& t, Deal& deal) {
  const int i = deal.index, offset = kOffsets[i % 3];
  const std::string subject = "opportunity/" + deal.id;
  const int outcome = i % 6;
  if (outcome <= 2) return Win(t, deal, offset);
  if (outcome == 5) return;
  deal.at += 4 * kDay;
  t.Add(deal.at, offset, "opportunity.lost", subject,
        {{"reason", outcome == 3 ? "price" : "competitor"},
         {"competitor", "Rival Co"},
         {"close_date", At(deal.at, offset).substr(0, 10)}});
  if (i % 4 != 3) return;
  deal.at += 10 * kDay;
  t.Add(deal.at, offset, "opportunity.reopened", subject,
        {{"stage", "qualification"}, {"reason", "budget came back"}});
  if (i % 8 == 3) Win(t, deal, offset);
}

json::array OrderLines(const Deal& deal) {
  const int i = deal.index;
  json::array lines{json::object{{"product", kProducts[i % 5]},
                                 {"quantity", 1 + i % 4},
                                 {"unit_price", Money(123457 + i * 1001, deal.currency)},
                                 {"discount_percent", 5 * (i % 3)}}};
  if (i % 2) {
    lines.push_back(json::object{{"product", kProducts[(i + 3) % 5]},
                                 {"quantity", 10 + i},
                                 {"unit_price", Money(33335, deal.currency)},
                                 {"discount_percent", 15}});
  }
  return lines;
}

int64_t LinesValue(const json::array& lines) {
  int64_t total = 0;
  for (const json::value& item : lines) {
    const json::object& line = item.as_object();
    const __int128 raw = static_cast<__int128>(line.at("quantity").as_int64()) *
                         line.at("unit_price").at("amount").as_int64() *
                         (100 - line.at("discount_percent").as_int64());
    __int128 q = raw / 100, r = raw % 100;
    if (2 * r > 100 || (2 * r == 100 && q % 2 == 1)) ++q;
    total += static_cast<int64_t>(q);
  }
  return total;
}

std::string Status(Timeline& t, const std::string& order, Micros at, const std::string& from,
                   const std::string& to, json::object extra = {}) {
  extra["from"] = from;
  extra["to"] = to;
  return t.Add(at, 480, "order.status_changed", order, std::move(extra));
}

// An order of a won deal, billed and paid; some cancelled, returned or refunded.
void AddOrder(Timeline& t, const Deal& deal, std::vector<std::string>& actions) {
  const int i = deal.index, offset = kOffsets[i % 3];
  const std::string id = "ORD-G-" + std::to_string(100 + i);
  const std::string order = "order/" + id;
  Micros at = deal.at + 5 * kDay;
  const json::array lines = OrderLines(deal);
  t.Add(at, offset, "order.placed", order,
        {{"number", id}, {"account", deal.account}, {"lines", lines}});
  if (i % 12 == 1) {
    Status(t, order, at + kDay, "placed", "cancelled", {{"reason", "customer withdrew"}});
    return;
  }
  Status(t, order, at + kDay, "placed", "awaiting_payment");
  const std::string invoice = "INV-G-" + std::to_string(100 + i);
  const int64_t value = LinesValue(lines);
  t.Add(at + kDay + kHour, offset, "invoice.issued", "invoice/" + invoice,
        {{"number", invoice},
         {"order", id},
         {"issue_date", At(at + kDay, offset).substr(0, 10)},
         {"due_date", At(at + 31 * kDay, offset).substr(0, 10)},
         {"amount", Money(value, deal.currency)},
         {"tax", Money(0, deal.currency)}});
  const std::string payment = "payment/PAY-G-" + std::to_string(100 + i);
  t.Add(at + 3 * kDay, offset, "payment.received", payment,
        {{"invoice", invoice},
         {"amount", Money(value, deal.currency)},
         {"method", "bank_transfer"},
         {"received_at", At(at + 3 * kDay, offset)}});
  Status(t, order, at + 3 * kDay + kHour, "awaiting_payment", "paid");
  Status(t, order, at + 4 * kDay, "paid", "shipped");
  if (i % 4 == 0) {
    Status(t, order, at + 9 * kDay, "shipped", "returned", {{"reason", "wrong model"}});
    t.Add(at + 10 * kDay, offset, "payment.refunded", payment,
          {{"amount", Money(value / 3, deal.currency)},
           {"reason", "partial return"},
           {"refunded_at", At(at + 10 * kDay, offset)}});
  } else {
    Status(t, order, at + 6 * kDay, "shipped", "delivered");
  }
  if (i % 3 != 0) return;
  const std::string ticket = "ticket/TKT-G-" + std::to_string(100 + i);
  at += 12 * kDay + (i % 5) * kHour;
  json::object opened{{"title", "Terminal issue"},
                      {"request", "Terminals stopped syncing."},
                      {"category", "defect"},
                      {"severity", "medium"},
                      {"account", deal.account}};
  if (i % 2) opened["product"] = kProducts[i % 5];
  t.Add(at, offset, "ticket.opened", ticket, opened);
  if (i % 9 == 6) return;  // stays open, unassigned
  t.Add(at + kHour, offset, "ticket.assigned", ticket,
        {{"handler", i % 2 ? "u:wang.fang" : "u:zhou.lei"}});
  actions.push_back(t.Add(at + 3 * kHour + i * 60LL * 1000000, offset, "ticket.action_taken",
                          ticket, {{"action", "remote_support"}, {"details", "Restarted sync"}}));
  t.Add(at + 5 * kHour, offset, "ticket.action_taken", ticket,
        {{"action", "onsite_visit"}, {"details", "Replaced the switch"}});
  if (i % 5 == 4) return;  // in progress
  t.Add(at + 20 * kHour + (i % 10) * kHour, offset, "ticket.resolved", ticket,
        {{"resolution_code", "fixed"}, {"resolution", "Fixed on site"}});
  t.Add(at + 2 * kDay, offset, "ticket.satisfaction_rated", ticket, {{"score", 1 + i % 5}});
  if (i % 2) return;
  t.Add(at + 3 * kDay, offset, "ticket.reopened", ticket, {{"reason", "failed again"}});
  t.Add(at + 4 * kDay, offset, "ticket.resolved", ticket,
        {{"resolution_code", "replaced"}, {"resolution", "Replaced the terminal"}});
  t.Add(at + 5 * kDay, offset, "ticket.satisfaction_rated", ticket, {{"score", 5 - i % 3}});
  t.Add(at + 6 * kDay, offset, "ticket.closed", ticket, {{"close_code", "confirmed_by_customer"}});
}

// Targets and forecasts for 2025-Q2 and 2025-Q3; returns the target.revised ids.
std::vector<std::string> AddPlans(Timeline& t) {
  std::vector<std::string> revisions;
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"revenue", "amount"},     {"bookings", "amount"}, {"deals_won", "count"},
      {"activities", "count"},   {"meetings", "count"},  {"new_accounts", "count"},
      {"gross_margin", "amount"}};
  for (const std::string quarter : {"2025-Q2", "2025-Q3"}) {
    const Micros at =
        Utc(quarter == "2025-Q2" ? "2025-03-20T09:00:00+08:00" : "2025-06-20T09:00:00+08:00");
    for (size_t r = 0; r < kReps.size(); ++r) {
      const auto& [metric, unit] = metrics[r % metrics.size() + (quarter == "2025-Q3" ? 2 : 0)];
      const std::string id = "TGT-G-" + quarter + "-" + std::to_string(r);
      json::object data{
          {"owner_type", "rep"}, {"owner", kReps[r]}, {"period", quarter}, {"metric", metric}};
      if (unit == "amount")
        data["amount"] = Money(50000000 + 7 * r, r % 2 ? "USD" : "CNY");
      else
        data["count"] = 3 + static_cast<int64_t>(r);
      t.Add(at + r * kHour, 480, "target.set", "target/" + id, data);
      json::object revised{{"reason", "re-planned"}};
      if (unit == "amount")
        revised["amount"] = Money(60000000 + r, r % 2 ? "USD" : "CNY");
      else
        revised["count"] = 5 + static_cast<int64_t>(r);
      revisions.push_back(t.Add(at + 10 * kDay, 480, "target.revised", "target/" + id, revised));
    }
    t.Add(at, 480, "target.set", "target/TGT-G-" + quarter + "-NA",
          {{"owner_type", "team"},
           {"owner", "team:north-america"},
           {"period", quarter},
           {"metric", "bookings"},
           {"amount", Money(2000000, "USD")}});
    t.Add(at, 480, "target.set", "target/TGT-G-" + quarter + "-EAST",
          {{"owner_type", "team"},
           {"owner", "east-china"},
           {"period", quarter},
           {"metric", "revenue"},
           {"amount", Money(90000000, "CNY")}});
    for (size_t r = 0; r < kReps.size(); ++r) {
      const std::string currency = r == 3 ? "USD" : r == 4 ? "EUR" : "CNY";
      const std::string subject = "forecast/FC-G-" + quarter + "-" + std::to_string(r);
      t.Add(at + 2 * kDay, 480, "forecast.submitted", subject,
            {{"owner", kReps[r]},
             {"period", quarter},
             {"commit", Money(3000000 * (r + 1), currency)},
             {"best_case", Money(5000000 * (r + 1), currency)}});
      if (r % 2 == 0) {
        t.Add(at + 40 * kDay, 480, "forecast.revised", subject,
              {{"commit", Money(3500001 * (r + 1), currency)},
               {"best_case", Money(6000000 * (r + 1), currency)},
               {"reason", "update"}});
      }
    }
  }
  return revisions;
}

json::object Retraction(const std::string& event) {
  return json::object{{"event", event}, {"reason", "entered in error"}};
}

}  // namespace

std::vector<std::string> GenerateCommands(uint32_t opportunities) {
  Timeline t;
  AddRates(t);
  AddTeams(t);
  AddAccounts(t);
  std::vector<std::string> forecast_revisions, actions;
  const std::vector<std::string> target_revisions = AddPlans(t);
  for (uint32_t i = 0; i < opportunities; ++i) {
    Deal deal = AddOpportunity(t, static_cast<int>(i), forecast_revisions);
    Close(t, deal);
    if (deal.won) AddOrder(t, deal, actions);
  }
  std::vector<std::string> lines = t.Lines();
  // Retractions after everything else: they must follow the events they name.
  auto retract = [&](const std::string& subject, const std::string& event) {
    json::object command{{"type", "event.retracted"},
                         {"subject", subject},
                         {"data", Retraction(event)},
                         {"id", "retract-" + event}};
    lines.push_back(json::serialize(command));
  };
  auto subject_of = [&](const std::string& id) {
    for (const std::string& line : lines) {
      json::value v = json::parse(line);
      if (v.at("id") == id.c_str()) return std::string(v.at("subject").as_string());
    }
    return std::string();
  };
  for (const std::string& id : {target_revisions.at(0), target_revisions.at(6),
                                forecast_revisions.at(1), actions.at(0), actions.at(2)}) {
    retract(subject_of(id), id);
  }
  lines.push_back(json::serialize(json::object{{"type", "event.retracted"},
                                               {"subject", "target/TGT-2025-Q2-EAST"},
                                               {"data", Retraction("lifecycle-029")},
                                               {"id", "retract-lifecycle-029"}}));
  return lines;
}

}  // namespace analytics_data
