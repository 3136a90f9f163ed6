#include "schemas/catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace schemas {
namespace {

// Checks the invariants every field spec must keep, recursively.
void ExpectWellFormed(const FieldSpec& field, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_FALSE(field.description.empty());
  switch (field.type) {
    case FieldType::kText:
      EXPECT_GT(field.chars_max, 0u);
      EXPECT_GE(field.bytes_max, field.chars_max);
      break;
    case FieldType::kEnum: {
      EXPECT_FALSE(field.values.empty());
      std::set<std::string> unique(field.values.begin(), field.values.end());
      EXPECT_EQ(unique.size(), field.values.size());
      break;
    }
    case FieldType::kInteger:
    case FieldType::kMoney:
      EXPECT_LE(field.min, field.max);
      EXPECT_GE(field.min, kSafeIntegerMin);
      EXPECT_LE(field.max, kSafeIntegerMax);
      break;
    case FieldType::kReference:
      EXPECT_NE(FindRecordKind(field.kind), nullptr) << field.kind;
      break;
    case FieldType::kArray:
      EXPECT_GT(field.items_max, 0u);
      EXPECT_LE(field.items_min, field.items_max);
      ASSERT_EQ(field.items.size(), 1u);
      ExpectWellFormed(field.items.front(), where + "/*");
      break;
    case FieldType::kObject: {
      std::set<std::string> names;
      for (const FieldSpec& child : field.fields) {
        EXPECT_TRUE(names.insert(child.name).second) << "duplicate field " << child.name;
        ExpectWellFormed(child, where + "/" + child.name);
      }
      break;
    }
    default:
      break;
  }
}

TEST(CatalogTest, EveryEventTypeIsWellFormed) {
  std::set<std::string> types;
  for (const EventTypeSpec& spec : Catalog()) {
    SCOPED_TRACE(spec.type);
    EXPECT_TRUE(types.insert(spec.type).second);
    EXPECT_EQ(spec.type.substr(0, spec.type.find('.')), spec.kind);
    EXPECT_EQ(spec.schema_version, kSchemaVersionCurrent);
    EXPECT_FALSE(spec.description.empty());
    std::set<std::string> names;
    for (const FieldSpec& field : spec.fields) {
      EXPECT_TRUE(names.insert(field.name).second) << "duplicate field " << field.name;
      ExpectWellFormed(field, "/data/" + field.name);
    }
    for (const std::string& name : spec.at_least_one_of) {
      EXPECT_TRUE(names.contains(name)) << name;
    }
    EXPECT_EQ(FindEventType(spec.type), &spec);
  }
}

TEST(CatalogTest, EveryKindHasItsEventsAndCreationEvents) {
  const std::map<std::string, std::set<std::string>> creations = {
      {"account", {"account.registered"}},
      {"contact", {"contact.registered"}},
      {"opportunity", {"opportunity.opened"}},
      {"activity", {"activity.scheduled", "activity.logged"}},
      {"product", {"product.listed"}},
      {"contract", {"contract.signed"}},
      {"order", {"order.placed"}},
      {"invoice", {"invoice.issued"}},
      {"payment", {"payment.received"}},
      {"ticket", {"ticket.opened"}},
      {"target", {"target.set"}},
      {"forecast", {"forecast.submitted"}},
      {"fx", {"fx.rate_published"}},
      {"team", {"team.formed"}},
  };
  ASSERT_EQ(RecordKinds().size(), creations.size());
  size_t types = 0;
  for (const RecordKindSpec& kind : RecordKinds()) {
    SCOPED_TRACE(kind.kind);
    EXPECT_EQ(FindRecordKind(kind.kind), &kind);
    std::set<std::string> actual(kind.creation_types.begin(), kind.creation_types.end());
    EXPECT_EQ(actual, creations.at(kind.kind));
    for (const std::string& type : kind.event_types)
      EXPECT_EQ(FindEventType(type)->kind, kind.kind);
    types += kind.event_types.size();
  }
  EXPECT_EQ(types, Catalog().size());
}

TEST(CatalogTest, NamesTheStateChangesOfTheIssue) {
  for (const char* type : {"account.registered",
                           "account.profile_updated",
                           "account.owner_assigned",
                           "contact.registered",
                           "contact.details_updated",
                           "contact.consent_recorded",
                           "opportunity.opened",
                           "opportunity.stage_changed",
                           "opportunity.forecast_revised",
                           "opportunity.owner_assigned",
                           "opportunity.won",
                           "opportunity.lost",
                           "opportunity.reopened",
                           "activity.scheduled",
                           "activity.logged",
                           "activity.completed",
                           "activity.cancelled",
                           "product.listed",
                           "product.price_changed",
                           "product.discontinued",
                           "contract.signed",
                           "contract.amended",
                           "contract.terminated",
                           "order.placed",
                           "order.status_changed",
                           "invoice.issued",
                           "invoice.voided",
                           "payment.received",
                           "payment.refunded",
                           "ticket.opened",
                           "ticket.assigned",
                           "ticket.action_taken",
                           "ticket.resolved",
                           "ticket.reopened",
                           "ticket.closed",
                           "ticket.satisfaction_rated",
                           "target.set",
                           "target.revised",
                           "forecast.submitted",
                           "forecast.revised"}) {
    EXPECT_NE(FindEventType(type), nullptr) << type;
  }
}

TEST(CatalogTest, HasTheNumberOfTypesTheReadmeStates) {
  EXPECT_EQ(Catalog().size(), 48u) << "update schemas/README.md with the catalogue";
}

TEST(CatalogTest, LookupsOfUnknownTypesVersionsAndKinds) {
  EXPECT_EQ(FindEventType("account.deleted"), nullptr);
  EXPECT_EQ(FindEventType("account.registered", 2), nullptr);
  EXPECT_EQ(FindEventType("account.registered", 0), nullptr);
  EXPECT_TRUE(IsKnownEventType("account.registered"));
  EXPECT_FALSE(IsKnownEventType("Account.Registered"));
  EXPECT_EQ(FindRecordKind("lead"), nullptr);
}

TEST(CatalogTest, PersonalFieldsAreMarked) {
  auto pointers = [](std::string_view type) {
    const EventTypeSpec* spec = FindEventType(type);
    EXPECT_NE(spec, nullptr) << type;
    return spec == nullptr ? std::vector<std::string>() : PersonalFieldPointers(*spec);
  };
  EXPECT_EQ(
      pointers("contact.registered"),
      (std::vector<std::string>{"/data/name", "/data/phones/*/number", "/data/emails",
                                "/data/wechat", "/data/purchase_preferences", "/data/needs"}));
  EXPECT_EQ(pointers("activity.completed"),
            (std::vector<std::string>{"/data/content", "/data/customer_feedback"}));
  EXPECT_EQ(pointers("ticket.satisfaction_rated"), (std::vector<std::string>{"/data/comment"}));
  EXPECT_EQ(pointers("order.placed"),
            (std::vector<std::string>{"/data/recipient", "/data/recipient_phone"}));
  EXPECT_TRUE(pointers("product.listed").empty());
  EXPECT_TRUE(pointers("opportunity.stage_changed").empty());
}

TEST(CatalogTest, MoneyAndPercentFieldsAreIntegers) {
  const EventTypeSpec* opened = FindEventType("opportunity.opened");
  ASSERT_NE(opened, nullptr);
  auto field = std::find_if(opened->fields.begin(), opened->fields.end(),
                            [](const FieldSpec& f) { return f.name == "probability"; });
  ASSERT_NE(field, opened->fields.end());
  EXPECT_EQ(field->type, FieldType::kInteger);
  EXPECT_EQ(field->min, 0);
  EXPECT_EQ(field->max, 100);
  EXPECT_EQ(FieldTypeName(FieldType::kMoney), "money");
}

}  // namespace
}  // namespace schemas
