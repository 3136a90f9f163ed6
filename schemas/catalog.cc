#include "schemas/catalog.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "ledger/status.h"
#include "schemas/catalog_builders.h"

namespace schemas {
namespace build {
namespace {

FieldSpec Make(std::string name, FieldType type, std::string description) {
  FieldSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.description = std::move(description);
  return spec;
}

EventTypeSpec MakeEvent(std::string type, std::string description, std::vector<FieldSpec> fields) {
  EventTypeSpec spec;
  spec.kind = type.substr(0, type.find('.'));
  spec.type = std::move(type);
  spec.description = std::move(description);
  spec.fields = std::move(fields);
  return spec;
}

}  // namespace

FieldSpec Text(std::string name, size_t chars_max, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kText, std::move(description));
  spec.chars_max = chars_max;
  spec.bytes_max = 3 * chars_max;
  return spec;
}

FieldSpec Note(std::string name, size_t chars_max, std::string description) {
  FieldSpec spec = Text(std::move(name), chars_max, std::move(description));
  spec.multiline = true;
  return spec;
}

FieldSpec Id(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kId, std::move(description));
}

FieldSpec UserId(std::string name, std::string description) {
  return Id(std::move(name), std::move(description));
}

FieldSpec Enum(std::string name, std::vector<std::string> values, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kEnum, std::move(description));
  spec.values = std::move(values);
  return spec;
}

FieldSpec Integer(std::string name, int64_t min, int64_t max, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kInteger, std::move(description));
  spec.min = min;
  spec.max = max;
  return spec;
}

FieldSpec Percent(std::string name, std::string description) {
  return Integer(std::move(name), 0, 100, std::move(description));
}

FieldSpec Boolean(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kBoolean, std::move(description));
}

FieldSpec Money(std::string name, int64_t amount_min, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kMoney, std::move(description));
  spec.min = amount_min;
  return spec;
}

FieldSpec Date(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kDate, std::move(description));
}

FieldSpec DateTime(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kDateTime, std::move(description));
}

FieldSpec Period(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kPeriod, std::move(description));
}

FieldSpec Email(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kEmail, std::move(description));
}

FieldSpec Phone(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kPhone, std::move(description));
}

FieldSpec Url(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kUrl, std::move(description));
}

FieldSpec Country(std::string name, std::string description) {
  return Make(std::move(name), FieldType::kCountry, std::move(description));
}

FieldSpec Ref(std::string name, std::string kind, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kReference, std::move(description));
  spec.kind = std::move(kind);
  return spec;
}

FieldSpec Array(std::string name, size_t items_max, FieldSpec item, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kArray, std::move(description));
  spec.items_max = items_max;
  item.name.clear();
  item.required = true;
  spec.items.push_back(std::move(item));
  return spec;
}

FieldSpec Object(std::string name, std::vector<FieldSpec> fields, std::string description) {
  FieldSpec spec = Make(std::move(name), FieldType::kObject, std::move(description));
  spec.fields = std::move(fields);
  return spec;
}

FieldSpec Address(std::string name, std::string description) {
  return Object(std::move(name),
                {
                    Text("line1", 200, "Street and number"),
                    Text("line2", 200, "Building, floor, unit").Optional(),
                    Text("city", 100, "City"),
                    Text("region", 100, "Province, state or region").Optional(),
                    Text("postal_code", 20, "Postal code").Optional(),
                    Country("country", "ISO 3166-1 alpha-2 country code"),
                },
                std::move(description));
}

FieldSpec Lines(std::string name, std::string description) {
  FieldSpec line =
      Object("",
             {
                 Ref("product", "product", "The product sold"),
                 Integer("quantity", 1, 1'000'000, "Units sold"),
                 Money("unit_price", 0, "Price of one unit before discount"),
                 Percent("discount_percent", "Discount on this line, 0-100").Optional(),
                 Text("description", 200, "Line text on the document").Optional(),
             },
             "One line");
  FieldSpec lines = Array(std::move(name), kLinesMax, std::move(line), std::move(description));
  lines.items_min = 1;
  return lines;
}

EventTypeSpec Creation(std::string type, std::string description, std::vector<FieldSpec> fields) {
  EventTypeSpec spec = MakeEvent(std::move(type), std::move(description), std::move(fields));
  spec.creates = true;
  return spec;
}

EventTypeSpec Change(std::string type, std::string description, std::vector<FieldSpec> fields) {
  return MakeEvent(std::move(type), std::move(description), std::move(fields));
}

EventTypeSpec Update(std::string type, std::string description, std::vector<FieldSpec> fields,
                     std::vector<FieldSpec> context) {
  EventTypeSpec spec = MakeEvent(std::move(type), std::move(description), std::move(fields));
  for (FieldSpec& field : spec.fields) {
    field.required = false;
    spec.at_least_one_of.push_back(field.name);
  }
  for (FieldSpec& field : context) spec.fields.push_back(std::move(field));
  return spec;
}

}  // namespace build

namespace {

std::vector<RecordKindSpec> MakeRecordKinds() {
  std::vector<RecordKindSpec> kinds = {
      {"account", "A customer or prospect company", "ACC-1001", {}, {}},
      {"contact", "A person at an account", "CON-2001", {}, {}},
      {"opportunity",
       "A potential deal moving through the sales pipeline",
       "OPP-2025-0042",
       {},
       {}},
      {"activity",
       "A call, e-mail, meeting, visit, message or demo with customers",
       "ACT-30001",
       {},
       {}},
      {"product", "A product or service in the price list", "PRD-ERP-STD", {}, {}},
      {"contract", "A signed sales contract with its lines and terms", "CTR-2025-007", {}, {}},
      {"order", "A customer order and its fulfilment status", "ORD-2025-0001", {}, {}},
      {"invoice", "An invoice for an order, with tax and the amount due", "INV-2025-0001", {}, {}},
      {"payment", "Money received against an invoice, and its refunds", "PAY-2025-0001", {}, {}},
      {"ticket", "An after-sales service request", "TKT-5001", {}, {}},
      {"target", "A sales target for a rep or a team over a period", "TGT-2025-Q2-EAST", {}, {}},
      {"forecast", "A rep's sales forecast for a period", "FC-2025-Q2-ZHANGWEI", {}, {}},
      {"fx", "A published exchange rate between two currencies", "FX-USD-CNY-20250501", {}, {}},
      {"team", "A sales team and its members over time", "east-china", {}, {}},
  };
  return kinds;
}

struct Catalogue {
  std::vector<EventTypeSpec> event_types;
  std::vector<RecordKindSpec> kinds;
  std::unordered_map<std::string_view, const EventTypeSpec*> by_type;
  std::unordered_map<std::string_view, const RecordKindSpec*> by_kind;
};

const Catalogue& TheCatalogue() {
  static const Catalogue* catalogue = [] {
    auto* c = new Catalogue;
    for (auto* part :
         {&build::CrmEventTypes, &build::CommerceEventTypes, &build::ServiceEventTypes}) {
      for (EventTypeSpec& spec : part()) c->event_types.push_back(std::move(spec));
    }
    c->kinds = MakeRecordKinds();
    for (const EventTypeSpec& spec : c->event_types) {
      auto kind = std::find_if(c->kinds.begin(), c->kinds.end(),
                               [&](const RecordKindSpec& k) { return k.kind == spec.kind; });
      LEDGER_ASSERT(kind != c->kinds.end());
      kind->event_types.push_back(spec.type);
      if (spec.creates) kind->creation_types.push_back(spec.type);
      bool inserted = c->by_type.emplace(spec.type, &spec).second;
      LEDGER_ASSERT(inserted);  // one spec per type while every type is at version 1
    }
    for (const RecordKindSpec& kind : c->kinds) c->by_kind.emplace(kind.kind, &kind);
    return c;
  }();
  return *catalogue;
}

void CollectPersonal(const FieldSpec& field, const std::string& pointer,
                     std::vector<std::string>& out) {
  if (field.personal) {
    out.push_back(pointer);
    return;
  }
  if (field.type == FieldType::kArray && !field.items.empty()) {
    CollectPersonal(field.items.front(), pointer + "/*", out);
  } else if (field.type == FieldType::kObject) {
    for (const FieldSpec& child : field.fields) {
      CollectPersonal(child, pointer + "/" + child.name, out);
    }
  }
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kId:
      return "id";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kMoney:
      return "money";
    case FieldType::kDate:
      return "date";
    case FieldType::kDateTime:
      return "datetime";
    case FieldType::kPeriod:
      return "period";
    case FieldType::kEmail:
      return "email";
    case FieldType::kPhone:
      return "phone";
    case FieldType::kUrl:
      return "url";
    case FieldType::kCountry:
      return "country";
    case FieldType::kReference:
      return "reference";
    case FieldType::kArray:
      return "array";
    case FieldType::kObject:
      return "object";
  }
  return "unknown";
}

const std::vector<EventTypeSpec>& Catalog() { return TheCatalogue().event_types; }

const std::vector<RecordKindSpec>& RecordKinds() { return TheCatalogue().kinds; }

const EventTypeSpec* FindEventType(std::string_view type, int64_t schema_version) {
  const auto& by_type = TheCatalogue().by_type;
  auto it = by_type.find(type);
  if (it == by_type.end() || it->second->schema_version != schema_version) return nullptr;
  return it->second;
}

bool IsKnownEventType(std::string_view type) { return TheCatalogue().by_type.contains(type); }

const RecordKindSpec* FindRecordKind(std::string_view kind) {
  const auto& by_kind = TheCatalogue().by_kind;
  auto it = by_kind.find(kind);
  return it == by_kind.end() ? nullptr : it->second;
}

std::vector<std::string> PersonalFieldPointers(const EventTypeSpec& spec) {
  std::vector<std::string> pointers;
  for (const FieldSpec& field : spec.fields) {
    CollectPersonal(field, "/data/" + field.name, pointers);
  }
  return pointers;
}

}  // namespace schemas
