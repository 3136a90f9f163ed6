// An account's life: registration, contacts and their consents, owner changes, the
// opportunities it buys through (each handed to seed_commerce.cc when won), and a
// deactivation (sometimes undone) at the end.
#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

// Share of accounts per team, in percent of the weights' total.
const std::vector<int> kTeamWeights = {40, 30, 18, 12};
// Accounts register during the first part of the window, in percent of it.
constexpr int kRegistrationWindowPercent = 50;
constexpr int kProfileUpdatePercent = 30;
constexpr int kOwnerChangePercent = 12;
constexpr int kDeactivatePercent = 10;
constexpr int kReactivatePercent = 50;
constexpr int kChurnDeals = 1;
constexpr int kContactConsentPercent = 60;
constexpr int kConsentWithdrawnPercent = 15;
constexpr int kContactUpdatePercent = 25;
// Check-in interactions outside any deal, before each opportunity.
constexpr int kAccountTouchesMax = 2;
// Days between one opportunity's opening and the next one's first touch.
constexpr int kDealGapDaysMin = 15;
constexpr int kDealGapDaysMax = 90;

const std::vector<std::string> kSizes = {"micro", "small", "medium", "large", "enterprise"};
const std::vector<int> kSizeWeights = {5, 25, 35, 25, 10};
// Opportunities an account of each size opens over two years: min, max.
constexpr int kDealsBySize[][2] = {{2, 3}, {3, 5}, {4, 7}, {5, 9}, {6, 11}};

int RegisterAccount(World& world, Story& story, AccountCtx& account, int index) {
  Rng& rng = world.rng;
  const CompanyName company = MakeCompanyName(rng, index, account.currency);
  account.chinese = account.currency == "CNY";
  account.name = company.name;
  account.city = company.city;
  account.country = company.country;
  account.postal_code = company.postal_code;
  account.street = company.street;
  account.domain = company.domain;
  const size_t size = rng.Weighted(kSizeWeights);
  boost::json::object data = {
      {"name", company.name},
      {"owner", account.owner},
      {"legal_name", company.legal_name},
      {"industry", company.industry},
      {"size", kSizes[size]},
      {"address",
       {{"line1", company.street},
        {"city", company.city},
        {"region", company.region},
        {"postal_code", company.postal_code},
        {"country", company.country}}},
      {"website", "https://www." + company.domain},
      {"phone", account.chinese ? "+86 21 " + std::to_string(rng.Uniform(5000, 6999)) + " " +
                                      std::to_string(rng.Uniform(1000, 9999))
                                : "+1 (714) 555-0" + std::to_string(rng.Uniform(100, 199))},
      {"tags", boost::json::array{account.chinese ? "华东制造" : "export", kSizes[size]}},
  };
  if (account.chinese) {
    data["tax_id"] = "91310" + std::to_string(100000000 + index) + "MA1X";
    data["description"] =
        "制造企业，关注数字化车间与质量追溯。\nManufacturer looking at digital "
        "shop floors and traceability.";
  }
  story.Emit("account.registered", "account/" + account.id, std::move(data));
  return static_cast<int>(size);
}

void RegisterContact(World& world, Story& story, AccountCtx& account) {
  Rng& rng = world.rng;
  static const std::vector<std::string> roles = {
      "decision_maker", "economic_buyer", "technical_buyer", "influencer",
      "user",           "gatekeeper",     "champion"};
  static const std::vector<std::string> titles = {
      "生产总监 Production Director", "采购经理 Purchasing Manager", "IT 经理 IT Manager",
      "总经理 General Manager", "质量经理 Quality Manager"};
  static const std::vector<std::string> channels = {"phone", "email", "wechat",
                                                    "sms",   "visit", "video_call"};
  const PersonName person = MakePersonName(rng, account.chinese);
  const std::string id = "CON-" + std::to_string(world.next_contact++);
  boost::json::object data = {
      {"name", person.name},
      {"title", rng.Pick(titles)},
      {"account", account.id},
      {"role", rng.Pick(roles)},
      {"phones",
       boost::json::array{
           {{"kind", "mobile"},
            {"number", account.chinese
                           ? "+86 139 " + std::to_string(rng.Uniform(1000, 9999)) + " " +
                                 std::to_string(rng.Uniform(1000, 9999))
                           : "+1 (714) 555-" + std::to_string(rng.Uniform(1000, 9999))}}}},
      {"emails", boost::json::array{person.email_local + "@" + account.domain}},
      {"preferred_channel", rng.Pick(channels)},
      {"owner", account.owner},
  };
  if (account.chinese && rng.Chance(50)) data["wechat"] = "wx_" + person.email_local;
  if (rng.Chance(30))
    data["needs"] =
        "希望缩短月底对账时间，实时看到产线状态。Wants a faster month-end and live line status.";
  if (!story.Emit("contact.registered", "contact/" + id, std::move(data))) return;
  account.contacts.push_back(id);
  account.contact_names.push_back(person.name);
}

void ContactFollowUps(World& world, Story& story, const AccountCtx& account) {
  Rng& rng = world.rng;
  static const std::vector<std::string> purposes = {"marketing_email", "marketing_phone",
                                                    "marketing_sms",   "marketing_wechat",
                                                    "profiling",       "third_party_sharing"};
  static const std::vector<std::string> methods = {"web_form", "email", "phone", "paper_form",
                                                   "in_person"};
  for (const std::string& contact : account.contacts) {
    if (rng.Chance(kContactConsentPercent)) {
      story.Advance(rng.Uniform(10, 600));
      const std::string purpose = rng.Pick(purposes);
      story.Emit("contact.consent_recorded", "contact/" + contact,
                 {{"purpose", purpose},
                  {"status", "granted"},
                  {"method", rng.Pick(methods)},
                  {"evidence", "表单 / form " + contact}});
      if (rng.Chance(kConsentWithdrawnPercent)) {
        story.NextWorkTime(rng, 20, 120);
        story.Emit("contact.consent_recorded", "contact/" + contact,
                   {{"purpose", purpose}, {"status", "withdrawn"}, {"method", "email"}});
      }
    }
    if (rng.Chance(kContactUpdatePercent)) {
      story.NextWorkTime(rng, 1, 30);
      story.Emit("contact.details_updated", "contact/" + contact,
                 {{"title", account.chinese ? "副总经理 Deputy General Manager" : "COO"},
                  {"preferred_channel", "email"}});
    }
  }
}

void AccountChanges(World& world, Story& story, AccountCtx& account) {
  Rng& rng = world.rng;
  if (rng.Chance(kProfileUpdatePercent)) {
    story.NextWorkTime(rng, 1, 20);
    story.Emit(
        "account.profile_updated", "account/" + account.id,
        {{"size", rng.Pick(kSizes)},
         {"tags", boost::json::array{account.chinese ? "重点客户" : "key-account", "2nd-year"}}});
  }
  if (rng.Chance(kOwnerChangePercent)) {
    story.NextWorkTime(rng, 1, 10);
    const std::string owner = OtherRep(rng, account.team, account.owner);
    if (story.Emit("account.owner_assigned", "account/" + account.id,
                   {{"owner", owner}, {"reason", "区域调整 / territory rebalanced"}})) {
      account.owner = owner;
    }
  }
}

void Deactivation(World& world, Story& story, const AccountCtx& account, bool churns) {
  Rng& rng = world.rng;
  if (!churns) return;
  story.Advance(account.active_needed_until - story.now());
  story.NextWorkTime(rng, 10, 60);
  const bool merged = rng.Chance(25);
  boost::json::object data = {
      {"reason", merged ? "merged"
                        : rng.Pick(std::vector<std::string>{"out_of_business", "no_longer_customer",
                                                            "do_not_contact", "duplicate"})}};
  if (merged) data["merged_into"] = "ACC-1001";
  data["details"] = "客户业务调整 / the customer reorganised";
  if (!story.Emit("account.deactivated", "account/" + account.id, std::move(data))) return;
  if (!merged && rng.Chance(kReactivatePercent)) {
    story.NextWorkTime(rng, 30, 120);
    story.Emit("account.reactivated", "account/" + account.id,
               {{"reason", "新项目重新接洽 / talks resumed on a new project"}});
  }
}

}  // namespace

void AccountStory(World& world, int index) {
  Rng& rng = world.rng;
  AccountCtx account;
  account.id = "ACC-" + std::to_string(1001 + index);
  account.team = Teams()[rng.Weighted(kTeamWeights)];
  account.currency = TeamCurrency(account.team);
  account.owner = rng.Pick(TeamReps(account.team))->id;
  const int64_t window = (world.end - world.start) * kRegistrationWindowPercent / 100;
  const int64_t first = world.start + kMinutesPerDay;
  Story story(world.events, index == 0 ? first : first + rng.Uniform(0, window), world.end);
  story.NextWorkTime(rng, 0, 0);
  const int size = RegisterAccount(world, story, account, index);
  const int contacts = static_cast<int>(rng.Uniform(1, 4));
  for (int i = 0; i < contacts; ++i) {
    story.Advance(rng.Uniform(5, 240));
    RegisterContact(world, story, account);
  }
  ContactFollowUps(world, story, account);
  // ACC-1001 never churns: it is where merged accounts go. Churning accounts buy less.
  const bool churns = index != 0 && rng.Chance(kDeactivatePercent);
  const int deals =
      churns ? kChurnDeals
             : static_cast<int>(rng.Uniform(kDealsBySize[size][0], kDealsBySize[size][1]));
  for (int i = 0; i < deals && story.alive(); ++i) {
    story.NextWorkTime(rng, kDealGapDaysMin, kDealGapDaysMax);
    const int touches = static_cast<int>(rng.Uniform(0, kAccountTouchesMax));
    for (int t = 0; t < touches; ++t) {
      LogActivity(world, story, account, account.owner, "", false);
      story.NextWorkTime(rng, 3, 20);
    }
    story.NextWorkTime(rng, 1, 10);
    // Deals run side by side: each on its own clock from the day it opens.
    Story deal = story;
    RunOpportunity(world, deal, account);
    if (i == 0) AccountChanges(world, story, account);
  }
  Deactivation(world, story, account, churns);
}

}  // namespace seed::internal
