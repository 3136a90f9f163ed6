#include "schemas/facts.h"

#include <span>

#include "schemas/catalog.h"

namespace schemas {
namespace {

void StripPersonal(boost::json::value& value, const FieldSpec& spec);

void StripPersonal(boost::json::object& object, std::span<const FieldSpec> fields) {
  for (const FieldSpec& field : fields) {
    auto it = object.find(field.name);
    if (it == object.end()) continue;
    if (field.personal) {
      object.erase(it);
    } else {
      StripPersonal(it->value(), field);
    }
  }
}

void StripPersonal(boost::json::value& value, const FieldSpec& spec) {
  if (spec.type == FieldType::kObject && value.is_object()) {
    StripPersonal(value.get_object(), spec.fields);
  } else if (spec.type == FieldType::kArray && value.is_array() && !spec.items.empty()) {
    for (boost::json::value& item : value.get_array()) StripPersonal(item, spec.items.front());
  }
}

}  // namespace

std::optional<boost::json::object> AnalyticsFactOf(const ledger::Event& event) {
  if (event.kind() == "contact") return std::nullopt;
  if (event.type == ledger::kRetractionType) return event.data;
  const EventTypeSpec* spec = FindEventType(event.type, event.schemaversion);
  if (spec == nullptr) return std::nullopt;
  boost::json::object data = event.data;
  StripPersonal(data, spec->fields);
  return data;
}

}  // namespace schemas
