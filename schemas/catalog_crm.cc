// The customer side of the catalogue: accounts, contacts, opportunities, activities.
#include "schemas/catalog_builders.h"
#include "schemas/states.h"

namespace schemas::build {
namespace {

std::vector<std::string> Industries() {
  return {
      "agriculture",        "automotive",     "banking",    "chemicals",          "construction",
      "consulting",         "consumer_goods", "education",  "electronics",        "energy",
      "financial_services", "government",     "healthcare", "hospitality",        "insurance",
      "logistics",          "manufacturing",  "media",      "non_profit",         "pharmaceuticals",
      "real_estate",        "retail",         "software",   "telecommunications", "transportation",
      "utilities",          "wholesale",      "other"};
}

// Fields an account is registered with and may later update.
std::vector<FieldSpec> AccountProfile() {
  return {
      Text("name", 200, "Trading name of the company"),
      Text("legal_name", 200, "Registered legal name").Optional(),
      Enum("industry", Industries(), "Industry").Optional(),
      Enum("size", {"micro", "small", "medium", "large", "enterprise"},
           "Headcount band: micro 1-9, small 10-49, medium 50-249, large 250-999, "
           "enterprise 1000+")
          .Optional(),
      Address("address", "Head office address").Optional(),
      Url("website", "Company website").Optional(),
      Phone("phone", "Switchboard number").Optional(),
      Text("tax_id", 50, "Tax registration number (unified social credit code, VAT id)").Optional(),
      Ref("parent", "account", "Parent company").Optional(),
      Array("tags", 20, Text("", 40, "A tag"), "Free labels for segmentation").Unique().Optional(),
      Note("description", 2000, "What the company does and why it matters to us").Optional(),
  };
}

std::vector<FieldSpec> ContactDetails() {
  FieldSpec phone =
      Object("",
             {
                 Enum("kind", {"work", "mobile", "home", "fax", "other"}, "Kind of number"),
                 Phone("number", "The number").Personal(),
             },
             "A phone number");
  return {
      Text("name", 100, "Full name as the person writes it").Personal(),
      Text("title", 100, "Job title").Optional(),
      Text("department", 100, "Department").Optional(),
      Ref("account", "account", "The company the person works for").Optional(),
      Enum("role",
           {"decision_maker", "economic_buyer", "technical_buyer", "influencer", "user",
            "gatekeeper", "champion"},
           "Role in buying decisions")
          .Optional(),
      Array("phones", 5, std::move(phone), "Phone numbers").Optional(),
      Array("emails", 5, Email("", "An address"), "E-mail addresses")
          .Unique()
          .Optional()
          .Personal(),
      Text("wechat", 64, "WeChat id").Optional().Personal(),
      Enum("preferred_channel", {"phone", "email", "wechat", "sms", "visit", "video_call"},
           "How the person prefers to be contacted")
          .Optional(),
      Note("purchase_preferences", 1000, "Buying habits, budget cycle, preferred terms")
          .Optional()
          .Personal(),
      Note("needs", 2000, "Needs and pain points the person described").Optional().Personal(),
      UserId("owner", "Rep who owns the relationship").Optional(),
  };
}

std::vector<EventTypeSpec> AccountEvents() {
  return {
      Creation("account.registered", "A company became a prospect or customer",
               [] {
                 auto fields = AccountProfile();
                 fields.insert(fields.begin() + 1, UserId("owner", "Sales rep who owns it"));
                 return fields;
               }()),
      Update("account.profile_updated", "Company details changed (only the fields given)",
             AccountProfile()),
      Change("account.owner_assigned", "The account moved to another sales rep",
             {UserId("owner", "The new owner"), Text("reason", 500, "Why it moved").Optional()}),
      Change("account.deactivated", "The company is no longer to be sold to",
             {Enum("reason",
                   {"duplicate", "merged", "out_of_business", "no_longer_customer",
                    "do_not_contact", "other"},
                   "Why"),
              Ref("merged_into", "account",
                  "The surviving account; required when the reason is merged")
                  .Optional(),
              Note("details", 500, "More detail").Optional()}),
      Change("account.reactivated", "A deactivated company may be sold to again",
             {Text("reason", 500, "Why").Optional()}),
  };
}

std::vector<EventTypeSpec> ContactEvents() {
  return {
      Creation("contact.registered", "A person became known to sales", ContactDetails()),
      Update("contact.details_updated", "A person's details changed (only the fields given)",
             ContactDetails()),
      Change(
          "contact.consent_recorded", "The person granted or withdrew a consent",
          {Enum("purpose",
                {"marketing_email", "marketing_phone", "marketing_sms", "marketing_wechat",
                 "profiling", "third_party_sharing"},
                "What the consent covers"),
           Enum("status", {"granted", "withdrawn"}, "Granted or withdrawn"),
           Enum("method", {"web_form", "email", "phone", "paper_form", "in_person"},
                "How it was given")
               .Optional(),
           Text("evidence", 200, "Reference of the signed form, recording or message").Optional(),
           Date("expires_on", "When a granted consent lapses").Optional()}),
      Change("contact.erased",
             "The person's personal data was erased: the key sealing it was destroyed, so its "
             "fields read as erased everywhere while the history stays verifiable (appended by "
             "POST /v1/subjects/{id}/erase only)",
             {Text("reason", 500, "Why: the request's reference, the legal ground")}),
  };
}

// What a deal is about, for win/loss by product category (analytics).
FieldSpec Products() {
  return Array("products", 20, Ref("", "product", "A product"), "Products the deal is about")
      .Unique()
      .Optional();
}

std::vector<EventTypeSpec> OpportunityEvents() {
  std::vector<std::string> sources = {"inbound_web",       "referral",    "partner",
                                      "trade_show",        "cold_call",   "email_campaign",
                                      "existing_customer", "advertising", "other"};
  return {
      Creation("opportunity.opened", "A potential deal entered the pipeline",
               {Text("name", 200, "Deal name"), Ref("account", "account", "The buying company"),
                UserId("owner", "Rep who owns the deal"),
                Enum("stage", Values(kOpenStages), "Starting stage"),
                Money("amount", 0, "Expected deal amount").Optional(),
                Date("close_date", "Expected close date").Optional(),
                Percent("probability", "Win probability, 0-100").Optional(),
                Enum("source", std::move(sources), "Lead source").Optional(),
                Array("contacts", 20, Ref("", "contact", "A contact"), "People involved")
                    .Unique()
                    .Optional(),
                Products(),
                Note("description", 2000, "What the customer wants to buy and why").Optional()}),
      Change("opportunity.stage_changed", "The deal moved between open stages",
             {Enum("from", Values(kOpportunityStages), "Current stage"),
              Enum("to", Values(kOpportunityStages), "New stage (an open one)"),
              Text("reason", 500, "Why").Optional(),
              Percent("probability", "Win probability in the new stage").Optional()}),
      Update("opportunity.forecast_revised", "Expected amount, close date or probability changed",
             {Money("amount", 0, "Expected deal amount"), Date("close_date", "Expected close date"),
              Percent("probability", "Win probability, 0-100"),
              Enum("forecast_category", {"pipeline", "best_case", "commit", "omitted"},
                   "Forecast category"),
              Products()},
             {Text("reason", 500, "Why").Optional()}),
      Change("opportunity.owner_assigned", "The deal moved to another rep",
             {UserId("owner", "The new owner"), Text("reason", 500, "Why").Optional()}),
      Change("opportunity.won", "The customer agreed to buy",
             {Money("amount", 0, "Final deal amount"), Date("close_date", "Date won"),
              Text("reason", 500, "Why we won").Optional()}),
      Change("opportunity.lost", "The deal was lost",
             {Enum("reason",
                   {"price", "competitor", "no_budget", "no_decision", "timing", "product_fit",
                    "relationship", "lost_contact", "other"},
                   "Main loss reason"),
              Text("competitor", 100, "Who won instead; required when the reason is competitor")
                  .Optional(),
              Note("details", 1000, "What happened").Optional(), Date("close_date", "Date lost")}),
      Change(
          "opportunity.reopened", "A lost deal is being pursued again",
          {Enum("stage", Values(kOpenStages), "Stage it restarts in"), Text("reason", 500, "Why")}),
  };
}

std::vector<FieldSpec> Participants() {
  return {
      Ref("account", "account", "Customer company").Optional(),
      Array("contacts", 20, Ref("", "contact", "A contact"), "Customer people taking part")
          .Unique()
          .Optional(),
      Ref("opportunity", "opportunity", "Deal it belongs to").Optional(),
  };
}

FieldSpec NextFollowUp() {
  return Object("next_follow_up", {Date("date", "When"), Text("action", 200, "What to do next")},
                "The agreed next step")
      .Optional();
}

std::vector<std::string> Channels() {
  return {"call", "email", "meeting", "visit", "message", "demo"};
}

std::vector<std::string> Outcomes() {
  return {"positive", "neutral", "negative", "no_answer", "left_message"};
}

std::vector<FieldSpec> Concat(std::vector<FieldSpec> head, std::vector<FieldSpec> tail) {
  for (FieldSpec& field : tail) head.push_back(std::move(field));
  return head;
}

std::vector<EventTypeSpec> ActivityEvents() {
  FieldSpec duration = Integer("duration_minutes", 1, 1440, "Length in minutes").Optional();
  return {
      Creation("activity.scheduled", "A customer interaction was planned",
               Concat({Enum("channel", Channels(), "Channel"), Text("subject", 200, "Subject"),
                       DateTime("starts_at", "Planned start"), duration,
                       UserId("owner", "Rep who runs it")},
                      Concat(Participants(),
                             {Text("location", 200, "Where, or the meeting link").Optional(),
                              Note("agenda", 2000, "Agenda").Optional()}))),
      Creation("activity.logged", "A customer interaction that already happened was recorded",
               Concat({Enum("channel", Channels(), "Channel"), Text("subject", 200, "Subject"),
                       DateTime("started_at", "When it started"), duration,
                       UserId("owner", "Rep who took part"),
                       Enum("direction", {"inbound", "outbound"}, "Who initiated it").Optional()},
                      Concat(Participants(),
                             {Note("content", 10000, "What was said or done").Optional().Personal(),
                              Enum("outcome", Outcomes(), "Outcome"),
                              Note("customer_feedback", 2000, "What the customer said about us")
                                  .Optional()
                                  .Personal(),
                              NextFollowUp()}))),
      Change("activity.rescheduled", "A planned interaction moved",
             {DateTime("starts_at", "New start"), duration, Text("reason", 500, "Why").Optional()}),
      Change(
          "activity.completed", "A planned interaction took place",
          {Enum("outcome", Outcomes(), "Outcome"), duration,
           Note("content", 10000, "What was said or done").Optional().Personal(),
           Note("customer_feedback", 2000, "What the customer said about us").Optional().Personal(),
           NextFollowUp()}),
      Change("activity.cancelled", "A planned interaction will not take place",
             {Text("reason", 500, "Why")}),
  };
}

}  // namespace

std::vector<EventTypeSpec> CrmEventTypes() {
  std::vector<EventTypeSpec> all;
  for (auto* part : {&AccountEvents, &ContactEvents, &OpportunityEvents, &ActivityEvents}) {
    for (EventTypeSpec& spec : part()) all.push_back(std::move(spec));
  }
  return all;
}

}  // namespace schemas::build
