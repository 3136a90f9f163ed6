#include "schemas/openapi.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <utility>
#include <vector>

#include "schemas/catalog.h"
#include "schemas/openapi_internal.h"

namespace schemas {
namespace json = boost::json;
namespace {

// Objects and arrays of scalars at most this long are written on one line.
constexpr size_t kOneLineCharsMax = 80;

json::object Info() {
  std::string description =
      "The sales ledger keeps a company's sales records as an immutable, signed, verifiable "
      "event ledger. Clients append event commands (POST /v1/events); downstream systems "
      "read the signed feed (GET /v1/events) and verify it with the keys (GET /v1/keys); "
      "the read models answer record, history and list queries (GET /v1/records/...).\n\n"
      "Generated from the event catalogue (schemas/catalog_*.cc): " +
      std::to_string(Catalog().size()) + " event types of " + std::to_string(RecordKinds().size()) +
      " record kinds. Each `<Type>` schema is one event type's `data`; fields marked "
      "`x-personal` hold personal data; `x-server-rules` lists the rules the server also "
      "checks that JSON Schema cannot state, and `x-max-bytes` a UTF-8 byte limit beside "
      "`maxLength`. Events carry no floating-point numbers: money is integer minor units "
      "and an ISO 4217 code. Regular expressions are ECMA-262, as JSON Schema specifies.";
  return {{"title", "Sales ledger HTTP API"},
          {"version", "1.0.0"},
          {"description", std::move(description)}};
}

json::array Tags() {
  return {{{"name", "events"}, {"description", "Appending events and reading the signed feed"}},
          {{"name", "records"}, {"description", "The read models: records, history, lists"}},
          {{"name", "analytics"}, {"description", "Reports folded from the facts, as of any time"}},
          {{"name", "operations"}, {"description", "Health, readiness and metrics"}}};
}

// Component schemas sorted by name, so that their order does not depend on how the
// generator builds them.
json::object SortedSchemas() {
  json::object all = openapi::DomainSchemas();
  for (auto& [name, schema] : openapi::HttpSchemas()) all[name] = schema;
  std::vector<std::string> names;
  for (const auto& entry : all) names.emplace_back(entry.key());
  std::sort(names.begin(), names.end());
  json::object sorted;
  for (const std::string& name : names) sorted[name] = all.at(name);
  return sorted;
}

bool IsScalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

// Scalars, and objects and arrays of scalars that fit in kOneLineCharsMax as
// {"a": 1, "b": 2} or [1, 2], are written on one line.
bool OneLine(const json::value& value, std::string& line) {
  if (IsScalar(value)) return line = json::serialize(value), true;
  line = value.is_object() ? "{" : "[";
  if (const json::object* object = value.if_object()) {
    for (const auto& [key, member] : *object) {
      if (!IsScalar(member)) return false;
      if (line.size() > 1) line += ", ";
      line += json::serialize(json::string(key)) + ": " + json::serialize(member);
    }
  } else {
    for (const json::value& item : value.get_array()) {
      if (!IsScalar(item)) return false;
      if (line.size() > 1) line += ", ";
      line += json::serialize(item);
    }
  }
  line += value.is_object() ? "}" : "]";
  return line.size() <= kOneLineCharsMax;
}

void Write(const json::value& value, size_t indent, std::string& out) {
  const std::string inner(indent + 2, ' ');
  if (std::string line; OneLine(value, line)) return out.append(line), void();
  if (const json::object* object = value.if_object()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : *object) {
      if (!first) out += ",\n";
      first = false;
      out += inner + json::serialize(json::string(key)) + ": ";
      Write(member, indent + 2, out);
    }
    out += "\n" + std::string(indent, ' ') + "}";
    return;
  }
  if (const json::array* array = value.if_array()) {
    out += "[\n";
    bool first = true;
    for (const json::value& item : *array) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      Write(item, indent + 2, out);
    }
    out += "\n" + std::string(indent, ' ') + "]";
    return;
  }
  out += json::serialize(value);
}

}  // namespace

json::object OpenApiJson() {
  json::object bearer{{"type", "http"},
                      {"scheme", "bearer"},
                      {"description",
                       "A token from ledgerctl tokens create; its role decides what it may do "
                       "and its actor is recorded as the actor of what it appends"}};
  json::object components{{"schemas", SortedSchemas()},
                          {"parameters", openapi::HttpParameters()},
                          {"responses", openapi::HttpResponses()},
                          {"securitySchemes", {{"bearerAuth", std::move(bearer)}}}};
  return {{"openapi", "3.1.0"},
          {"info", Info()},
          {"servers",
           {{{"url", "http://127.0.0.1:8080"}, {"description", "ledgerd's default --listen"}}}},
          {"tags", Tags()},
          {"security", {{{"bearerAuth", json::array()}}}},
          {"paths", openapi::HttpPaths()},
          {"components", std::move(components)}};
}

std::string PrettyJson(const json::value& value) {
  std::string out;
  Write(value, 0, out);
  return out;
}

std::string OpenApiDocument() { return PrettyJson(OpenApiJson()) + "\n"; }

}  // namespace schemas
