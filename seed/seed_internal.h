// The generator's parts, shared by seed_*.cc; not part of the library's API.
//
// Time is minutes since 1970-01-01T00:00Z (int64). Each story (an account's life, the
// price list, the exchange rates, the plans) runs on its own Story clock that only moves
// forward, and emits events at its current time; GenerateCommands sorts every story's
// events by time (stable, so a story's events stay in order). A story whose clock passed
// the end of the window drops its remaining events, which keeps every dependent event
// out too.
#pragma once

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "seed/seed.h"

namespace seed::internal {

inline constexpr int64_t kMinutesPerHour = 60;
inline constexpr int64_t kMinutesPerDay = 24 * kMinutesPerHour;
inline constexpr int64_t kLocalOffsetMinutes = 8 * kMinutesPerHour;  // every time is +08:00
inline constexpr int64_t kNever = INT64_MAX / 4;

// Deterministic random numbers: mt19937_64 and integer arithmetic only.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in [lo, hi], both included; lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi);
  // True with probability percent / 100.
  bool Chance(int percent) { return Uniform(0, 99) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Uniform(0, static_cast<int64_t>(items.size()) - 1))];
  }
  // An index into `weights` with probability proportional to its weight.
  size_t Weighted(const std::vector<int>& weights);

 private:
  std::mt19937_64 engine_;
};

// --- time ---
int64_t DaysFromCivil(int year, int month, int day);
// Minutes of local midnight of YYYY-MM-DD; false when the text is not a real date.
bool ParseStartDate(std::string_view text, int64_t& minutes);
std::string FormatDateTime(int64_t minutes);  // 2025-05-01T09:15:00+08:00
std::string FormatDate(int64_t minutes);      // local date 2025-05-01
std::string Compact(int64_t minutes);         // 20250501
int YearOf(int64_t minutes);
int MonthOf(int64_t minutes);  // 1..12
int64_t AddMonths(int64_t minutes, int months);
int64_t LocalMidnight(int64_t minutes);
int64_t MonthStart(int64_t minutes);  // local midnight of the month's first day

// --- events ---
struct Event {
  int64_t at = 0;
  std::string type;
  std::string subject;
  boost::json::object data;
};

class Story {
 public:
  Story(std::vector<Event>& out, int64_t now, int64_t end) : out_(out), now_(now), end_(end) {}
  int64_t now() const { return now_; }
  bool alive() const { return now_ < end_; }
  // Moves the clock forward by at least a minute.
  void Advance(int64_t minutes) { now_ += minutes > 0 ? minutes : 1; }
  // Moves to a working time (Mon-Fri, 09:00-17:59 local) days_min..days_max days later.
  void NextWorkTime(Rng& rng, int days_min, int days_max);
  // Emits at the current time; false (and nothing emitted) once the window has ended.
  bool Emit(std::string type, std::string subject, boost::json::object data);

 private:
  std::vector<Event>& out_;
  int64_t now_;
  int64_t end_;
};

boost::json::object Money(int64_t minor, std::string_view currency);

// --- the company ---
struct Rep {
  std::string id;    // u:zhang.wei
  std::string team;  // team:east-china
  std::string currency;
};
const std::vector<Rep>& Reps();
std::vector<std::string> Teams();
std::vector<const Rep*> TeamReps(std::string_view team);
std::string TeamCurrency(std::string_view team);
// Another rep of `team` than `current`, for owner reassignments.
std::string OtherRep(Rng& rng, std::string_view team, std::string_view current);
const std::vector<std::string>& SupportHandlers();

struct Product {
  std::string id;
  std::string sku;
  std::string name;
  std::string category;
  std::string unit;
  int64_t price_cny = 0;      // list price in fen before the price change
  int64_t new_price_cny = 0;  // after the price change (0: none)
  int qty_min = 1, qty_max = 1;
  int64_t listed_at = 0;
  int64_t price_changed_at = kNever;
  int64_t discontinued_at = kNever;
};

// The whole generation's shared facts.
struct World {
  SeedOptions options;
  Rng rng;
  int64_t start = 0;  // local midnight of start_date, in minutes
  int64_t end = 0;    // start + months
  std::vector<Event> events;
  std::vector<Product> products;
  // Won amounts (minor units, rep's currency) and deals per rep and quarter ("2025-Q2").
  std::map<std::pair<std::string, std::string>, int64_t> won_amount;
  std::map<std::pair<std::string, std::string>, int> won_deals;
  int next_contact = 2001, next_opportunity = 1, next_activity = 30001, next_contract = 1;
  int next_order = 1, next_invoice = 1, next_payment = 1, next_ticket = 5001;

  explicit World(const SeedOptions& o) : options(o), rng(o.seed) {}
  bool Sellable(const Product& p, int64_t at) const {
    return at > p.listed_at && at < p.discontinued_at;
  }
  int64_t PriceCny(const Product& p, int64_t at) const {
    return at >= p.price_changed_at ? p.new_price_cny : p.price_cny;
  }
};

std::string Quarter(int64_t minutes);                                        // 2025-Q2
std::string Sequenced(std::string_view prefix, int year, int n, int width);  // OPP-2025-00042

// Story parts, one per file area.
void ListProducts(World& world);             // seed_catalog.cc
void PublishRates(World& world);             // seed_catalog.cc
void FormTeams(World& world);                // seed_catalog.cc
void PlanTargetsAndForecasts(World& world);  // seed_plans.cc (after the accounts)
void AccountStory(World& world, int index);  // seed_crm.cc

// The account's facts that its later parts need.
struct AccountCtx {
  std::string id;  // ACC-1001
  std::string owner;
  std::string team;
  std::string currency;
  bool chinese = true;
  std::string name;
  std::string city;
  std::string country;
  std::string postal_code;
  std::string street;
  std::string domain;
  std::vector<std::string> contacts;       // CON-2001
  std::vector<std::string> contact_names;  // beside contacts
  // The latest event that needs the account active (opportunity.opened, contract.signed,
  // order.placed): a deactivation comes after it.
  int64_t active_needed_until = 0;
  void NeedsActive(int64_t at) { active_needed_until = std::max(active_needed_until, at); }
};

// What a deal sells; PickLines chooses 1..count distinct products sellable at `at`.
struct Line {
  const Product* product = nullptr;
  int64_t quantity = 1;
  int discount_percent = 0;
};

struct Deal {  // a won opportunity
  std::string opportunity;
  std::string owner;
  std::vector<Line> lines;
};

// seed_activities.cc: one interaction by `owner`, logged or scheduled then completed or
// cancelled; `warm` interactions (deals heading for a win) go better.
void LogActivity(World& world, Story& story, const AccountCtx& account, const std::string& owner,
                 const std::string& opportunity, bool warm);
// seed_pipeline.cc: an opportunity from opened to won or lost (and maybe reopened); a win
// goes on to FulfilDeal and ServiceTickets.
void RunOpportunity(World& world, Story& story, AccountCtx& account);
std::vector<Line> PickLines(World& world, int64_t at, int count);
// The lines as contract/order JSON at `at`, in `currency`: a product discontinued by then
// is replaced by a sellable one of its category, prices are the list prices of `at`.
boost::json::array LinesJson(const World& world, const std::vector<Line>& lines, int64_t at,
                             std::string_view currency);
int64_t LinesTotal(const boost::json::array& lines);  // after discounts, minor units
// seed_commerce.cc: contract, orders, invoices, payments; returns delivered orders.
struct Delivered {
  std::string order;
  std::vector<std::string> products;  // PRD-... of its lines
  std::string contact;                // CON-... who asks for service
};
std::vector<Delivered> FulfilDeal(World& world, Story& story, AccountCtx& account,
                                  const Deal& deal);
// seed_service.cc
void ServiceTickets(World& world, Story& story, const AccountCtx& account,
                    const std::vector<Delivered>& delivered);
// seed_names.cc
struct CompanyName {
  std::string name;
  std::string legal_name;
  std::string city;
  std::string region;
  std::string country;
  std::string postal_code;
  std::string street;
  std::string domain;
  std::string industry;  // a catalogue industry
};
CompanyName MakeCompanyName(Rng& rng, int index, std::string_view currency);
struct PersonName {
  std::string name;
  std::string email_local;  // ascii, e.g. wang.jianguo
};
PersonName MakePersonName(Rng& rng, bool chinese);
const std::vector<std::string>& Competitors();
const std::vector<std::string>& Industries();

}  // namespace seed::internal
