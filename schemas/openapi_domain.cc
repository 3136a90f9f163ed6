// The catalogue as JSON Schema 2020-12: what a client may send to POST /v1/events.
//
// Field types map one to one onto schema keywords. String formats are regular
// expressions (ECMA-262, as JSON Schema specifies) that accept exactly what the C++
// predicates in formats.h accept; `format` is added as an annotation for tools.
// What JSON Schema cannot say (byte limits, comparisons between fields) is listed in
// `x-max-bytes` and `x-server-rules`, and schemas/README.md explains it.
#include <boost/json/array.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ledger/event.h"
#include "schemas/catalog.h"
#include "schemas/iso_codes.h"
#include "schemas/openapi_internal.h"

namespace schemas::openapi {
namespace json = boost::json;
namespace {

// IsRecordId.
constexpr std::string_view kIdPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";

// IsDate: a day that exists (leap years by the Gregorian rule, year 0000 included).
constexpr std::string_view kDate =
    R"re((?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29))re";
// IsDateTime allows a leap second (:60); ParseRfc3339, which also reads `occurredat`,
// does not.
constexpr std::string_view kTimeLeap =
    R"re([Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))re";
constexpr std::string_view kTime =
    R"re([Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))re";

constexpr std::string_view kPeriodPattern = "^[0-9]{4}(?:-(?:H[12]|Q[1-4]|0[1-9]|1[0-2]))?$";

// IsPhone: an optional leading "+", then digits, spaces, "-", ".", "(", ")"; 3 to 20
// digits.
constexpr std::string_view kPhonePattern = R"re(^\+?[-(). ]*(?:[0-9][-(). ]*){3,20}$)re";

// IsEmail: a local part of 1 to 64 characters without spaces, controls or
// ()<>,;[]\" and not starting or ending with "."; a domain of at least two labels of
// letters, digits, "-" and non-ASCII characters, 1 to 63 long, not starting or ending
// with "-".
constexpr std::string_view kEmailPattern =
    R"re(^[^\u0000-\u0020\u007f()<>,;\[\]\\"@.](?:[^\u0000-\u0020\u007f()<>,;\[\]\\"@]{0,62}[^\u0000-\u0020\u007f()<>,;\[\]\\"@.])?@[^\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f](?:[^\u0000-\u002c\u002e\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]{0,61}[^\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f])?(?:\.[^\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f](?:[^\u0000-\u002c\u002e\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]{0,61}[^\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f])?)+$)re";

// IsUrl: http(s), no spaces or controls anywhere, and a host: the authority (up to the
// first "/", "?" or "#") after its last "@" and before its last ":" is not empty.
constexpr std::string_view kUrlPattern =
    R"re(^https?://(?:[^\u0000-\u0020\u007f/?#]*@)?(?:[^\u0000-\u0020\u007f/?#@:][^\u0000-\u0020\u007f/?#@]*|:[^\u0000-\u0020\u007f/?#@]*:[^\u0000-\u0020\u007f/?#@]*)(?:[/?#][^\u0000-\u0020\u007f]*)?$)re";

// Text: no control characters (notes allow tab, CR and LF) and not blank (something
// other than space, tab, CR and LF).
constexpr std::string_view kSingleLinePattern =
    R"re(^[^\u0000-\u001f\u007f]*[^\u0000-\u0020\u007f][^\u0000-\u001f\u007f]*$)re";
constexpr std::string_view kMultiLinePattern =
    R"re(^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*[^\u0000-\u0020\u007f][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$)re";

// Visible ASCII, as ParseCommand requires of a client's idempotency key.
constexpr std::string_view kCommandIdPattern = "^[!-~]{1,128}$";
static_assert(ledger::kIdBytesMax == 128, "kCommandIdPattern spells out kIdBytesMax");

// The batch limit of POST /v1/events (ledger::WriterOptions::batch_commands_max).
constexpr int64_t kBatchEventsMax = 1000;

json::object StringPattern(std::string_view pattern) {
  return {{"type", "string"}, {"pattern", pattern}};
}

json::array Strings(const std::vector<std::string>& values) {
  json::array out;
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

std::string MoneyName(int64_t amount_min) {
  if (amount_min == 0) return "Money";
  if (amount_min == 1) return "PositiveMoney";
  return "MoneyAtLeast" + std::to_string(amount_min);
}

json::object MoneySchema(int64_t amount_min) {
  json::object amount{{"type", "integer"},
                      {"minimum", amount_min},
                      {"maximum", kSafeIntegerMax},
                      {"description", "Minor units: 1999 is 19.99 in a currency with 2 decimals"}};
  return {{"type", "object"},
          {"description",
           "Money: integer minor units and an ISO 4217 code; {\"amount\": 92700000, "
           "\"currency\": \"CNY\"} is 927,000.00 CNY. Never a floating-point number."},
          {"required", {"amount", "currency"}},
          {"properties", {{"amount", std::move(amount)}, {"currency", RefTo("Currency")}}},
          {"additionalProperties", false}};
}

// Schemas that fields refer to, collected while the fields are converted.
struct Shared {
  json::object schemas;
};

json::object FieldSchema(const FieldSpec& field, Shared& shared);

// The shared Text or Note schema (characters allowed) and this field's limits.
json::object TextSchema(const FieldSpec& field) {
  json::object s = RefTo(field.multiline ? "Note" : "Text");
  s["maxLength"] = field.chars_max;
  s["x-max-bytes"] = field.bytes_max;
  return s;
}

json::object ArraySchema(const FieldSpec& field, Shared& shared) {
  json::object s{{"type", "array"}};
  if (field.items_min > 0) s["minItems"] = field.items_min;
  s["maxItems"] = field.items_max;
  // The validator compares only string items; every unique array holds strings.
  if (field.unique_items) s["uniqueItems"] = true;
  s["items"] = FieldSchema(field.items.front(), shared);
  return s;
}

json::object ObjectSchema(const std::vector<FieldSpec>& fields, Shared& shared) {
  json::array required;
  json::object properties;
  for (const FieldSpec& f : fields) {
    if (f.required) required.emplace_back(f.name);
    properties[f.name] = FieldSchema(f, shared);
  }
  json::object s{{"type", "object"}};
  if (!required.empty()) s["required"] = std::move(required);
  s["properties"] = std::move(properties);
  s["additionalProperties"] = false;
  return s;
}

json::object TypeSchema(const FieldSpec& field, Shared& shared) {
  switch (field.type) {
    case FieldType::kText:
      return TextSchema(field);
    case FieldType::kId:
      return RefTo("Id");
    case FieldType::kReference: {
      json::object s = RefTo("Id");
      s["x-references"] = field.kind;
      return s;
    }
    case FieldType::kEnum:
      return {{"type", "string"}, {"enum", Strings(field.values)}};
    case FieldType::kInteger:
      return {{"type", "integer"}, {"minimum", field.min}, {"maximum", field.max}};
    case FieldType::kBoolean:
      return {{"type", "boolean"}};
    case FieldType::kMoney: {
      std::string name = MoneyName(field.min);
      if (!shared.schemas.contains(name)) shared.schemas[name] = MoneySchema(field.min);
      return RefTo(name);
    }
    case FieldType::kDate:
      return RefTo("Date");
    case FieldType::kDateTime:
      return RefTo("DateTime");
    case FieldType::kPeriod:
      return RefTo("Period");
    case FieldType::kEmail:
      return RefTo("Email");
    case FieldType::kPhone:
      return RefTo("Phone");
    case FieldType::kUrl:
      return RefTo("Url");
    case FieldType::kCountry:
      return RefTo("Country");
    case FieldType::kArray:
      return ArraySchema(field, shared);
    case FieldType::kObject:
      return ObjectSchema(field.fields, shared);
  }
  return {};
}

json::object FieldSchema(const FieldSpec& field, Shared& shared) {
  json::object s = TypeSchema(field, shared);
  if (!field.description.empty()) s["description"] = field.description;
  if (field.personal) s["x-personal"] = true;
  return s;
}

// The string formats, each matching its predicate in formats.h or iso_codes.h.
void AddFormats(json::object& out) {
  json::object text = StringPattern(kSingleLinePattern);
  text["description"] =
      "Single-line text: not blank, no control characters. Each field adds its maxLength "
      "(Unicode code points) and x-max-bytes (UTF-8 bytes, 3 per code point).";
  out["Text"] = std::move(text);
  json::object note = StringPattern(kMultiLinePattern);
  note["description"] =
      "Free text that may span lines: not blank, no control characters other than tab, CR "
      "and LF. Each field adds its maxLength and x-max-bytes.";
  out["Note"] = std::move(note);
  json::object id = StringPattern(kIdPattern);
  id["maxLength"] = 64;
  id["description"] =
      "A record id or identifier: a letter or digit, then up to 63 letters, digits, "
      "'.', '_', ':' or '-'. References hold the id without the \"<kind>/\" prefix.";
  out["Id"] = std::move(id);
  json::object date = StringPattern("^" + std::string(kDate) + "$");
  date["format"] = "date";
  date["description"] = "A calendar date, YYYY-MM-DD, that exists";
  out["Date"] = std::move(date);
  json::object datetime = StringPattern("^" + std::string(kDate) + std::string(kTimeLeap) + "$");
  datetime["format"] = "date-time";
  datetime["description"] = "An RFC 3339 date-time such as 2025-03-14T09:30:00+08:00";
  out["DateTime"] = std::move(datetime);
  json::object period = StringPattern(kPeriodPattern);
  period["description"] = "A period: 2025, 2025-H1, 2025-Q2 or 2025-07";
  out["Period"] = std::move(period);
  json::object email = StringPattern(kEmailPattern);
  email["maxLength"] = 254;
  email["format"] = "email";
  email["x-max-bytes"] = 254;
  email["description"] = "An e-mail address (a practical check, not all of RFC 5322)";
  out["Email"] = std::move(email);
  json::object phone = StringPattern(kPhonePattern);
  phone["maxLength"] = 32;
  phone["description"] =
      "A phone number: an optional +, then 3 to 20 digits with spaces, '-', '.', '(' or ')'";
  out["Phone"] = std::move(phone);
  json::object url = StringPattern(kUrlPattern);
  url["maxLength"] = 2048;
  url["format"] = "uri";
  url["x-max-bytes"] = 2048;
  url["description"] = "An absolute http or https URL";
  out["Url"] = std::move(url);
}

void AddCodeLists(json::object& out) {
  json::array countries;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      std::string code{a, b};
      if (IsCountryCode(code)) countries.emplace_back(code);
    }
  }
  out["Country"] = {{"type", "string"},
                    {"description", "An ISO 3166-1 alpha-2 country code"},
                    {"enum", std::move(countries)}};
  json::array currencies;
  for (const Currency& c : Currencies()) {
    if (c.minor_digits != kNoMinorUnit) currencies.emplace_back(c.code);
  }
  out["Currency"] = {{"type", "string"},
                     {"description",
                      "An active ISO 4217 currency code with a minor unit (funds and metals "
                      "such as XAU, XDR cannot hold money)"},
                     {"enum", std::move(currencies)}};
}

}  // namespace

std::string SchemaRef(std::string_view name) { return "#/components/schemas/" + std::string(name); }

json::object RefTo(std::string_view name) { return {{"$ref", SchemaRef(name)}}; }

std::string SchemaName(std::string_view event_type) {
  std::string name;
  bool upper = true;
  for (char c : event_type) {
    if (c == '.' || c == '_') {
      upper = true;
      continue;
    }
    name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return name;
}

// Defined in openapi_rules.cc.
void AddCrossFieldRules(const EventTypeSpec& spec, json::object& schema);

namespace {

json::object EventDataSchema(const EventTypeSpec& spec, Shared& shared) {
  json::object s{{"title", spec.type + " data"}, {"description", spec.description}};
  for (auto& [key, value] : ObjectSchema(spec.fields, shared)) s[key] = value;
  if (!spec.at_least_one_of.empty()) {
    json::array any;
    for (const std::string& name : spec.at_least_one_of)
      any.push_back(json::object{{"required", json::array{name}}});
    s["anyOf"] = std::move(any);
  }
  AddCrossFieldRules(spec, s);
  s["x-event-type"] = spec.type;
  s["x-record-kind"] = spec.kind;
  s["x-schema-version"] = spec.schema_version;
  if (spec.creates) s["x-creates-record"] = true;
  return s;
}

json::object CommandSchema(const EventTypeSpec& spec) {
  json::object schemaversion{{"type", "integer"},
                             {"const", spec.schema_version},
                             {"description", "Version of the data schema"}};
  json::array required{"type", "subject", "data"};
  if (spec.schema_version == kSchemaVersionCurrent) {
    schemaversion["default"] = kSchemaVersionCurrent;
  } else {
    required.emplace_back("schemaversion");
  }
  json::object subject = StringPattern("^" + spec.kind + "/" + std::string(kIdPattern.substr(1)));
  subject["description"] = "The " + spec.kind + ": " + spec.kind + "/<id>";
  json::object properties{
      {"type", {{"const", spec.type}}},           {"subject", std::move(subject)},
      {"data", RefTo(SchemaName(spec.type))},     {"id", RefTo("CommandId")},
      {"occurredat", RefTo("OccurredAt")},        {"expectedversion", RefTo("ExpectedVersion")},
      {"correlationid", RefTo("CorrelationId")},  {"causationid", RefTo("CorrelationId")},
      {"schemaversion", std::move(schemaversion)}};
  return {{"title", spec.type + " command"},
          {"description", "Appends " + spec.type + ": " + spec.description},
          {"type", "object"},
          {"required", std::move(required)},
          {"properties", std::move(properties)},
          {"additionalProperties", false}};
}

void AddEnvelope(json::object& out) {
  out["CommandId"] = {
      {"type", "string"},
      {"pattern", kCommandIdPattern},
      {"description",
       "Idempotency key, visible ASCII, at most 128 bytes; becomes the event's id. A retry "
       "with the same content returns the original result with replayed: true."}};
  out["OccurredAt"] = {
      {"type", "string"},
      {"pattern", "^" + std::string(kDate) + std::string(kTime) + "$"},
      {"format", "date-time"},
      {"description", "Business time, RFC 3339 (no leap second); defaults to the recorded time"}};
  out["ExpectedVersion"] = {
      {"type", "integer"},
      {"minimum", 0},
      {"maximum", kSafeIntegerMax},
      {"description",
       "The record's current streamversion (0: must not exist yet); a mismatch is a 409"}};
  out["CorrelationId"] = {{"type", "string"},
                          {"maxLength", ledger::kCorrelationBytesMax},
                          {"x-max-bytes", ledger::kCorrelationBytesMax},
                          {"description", "Carried into the event as is"}};
}

void AddCommandUnion(json::object& out) {
  json::array one_of;
  json::object mapping;
  for (const EventTypeSpec& spec : Catalog()) {
    std::string ref = SchemaRef(SchemaName(spec.type) + "Command");
    one_of.push_back(json::object{{"$ref", ref}});
    mapping[spec.type] = ref;
  }
  // The ledger's own event type, for any kind (ledger/event.h kRetractionType).
  const std::string retraction = std::string(ledger::kRetractionType);
  json::object retraction_data{{"type", "object"},
                               {"required", {"event", "reason"}},
                               {"properties",
                                {{"event", RefTo("CommandId")},
                                 {"reason",
                                  {{"type", "string"},
                                   {"minLength", 1},
                                   {"x-max-bytes", ledger::kRetractionReasonBytesMax},
                                   {"description", "Why the event is retracted"}}}}},
                               {"additionalProperties", false}};
  json::object retraction_subject = StringPattern("^[a-z_]+/" + std::string(kIdPattern.substr(1)));
  retraction_subject["description"] = "The retracted event's record, <kind>/<id>";
  out["RetractionCommand"] = {
      {"title", retraction + " command"},
      {"description",
       "Retracts an erroneous event of the same record: it stays in the ledger, the read "
       "models ignore its effect, and the history shows both. Refused (422) for a "
       "record's creation and for events that change its lifecycle, which are corrected "
       "with the domain's own events, and for an event retracted already."},
      {"type", "object"},
      {"required", {"type", "subject", "data"}},
      {"properties",
       {{"type", {{"const", retraction}}},
        {"subject", std::move(retraction_subject)},
        {"data", std::move(retraction_data)},
        {"id", RefTo("CommandId")},
        {"occurredat", RefTo("OccurredAt")},
        {"expectedversion", RefTo("ExpectedVersion")},
        {"correlationid", RefTo("CorrelationId")},
        {"causationid", RefTo("CorrelationId")}}},
      {"additionalProperties", false}};
  one_of.push_back(json::object{{"$ref", SchemaRef("RetractionCommand")}});
  mapping[retraction] = SchemaRef("RetractionCommand");
  out["Command"] = {{"description",
                     "One event command: the event type, the record it is about and the "
                     "event's data, validated against the type's schema"},
                    {"oneOf", std::move(one_of)},
                    {"discriminator", {{"propertyName", "type"}, {"mapping", std::move(mapping)}}}};
  json::object events{{"type", "array"},
                      {"minItems", 1},
                      {"maxItems", kBatchEventsMax},
                      {"items", RefTo("Command")}};
  out["Batch"] = {{"description", "Commands appended atomically: all of them or none"},
                  {"type", "object"},
                  {"required", {"events"}},
                  {"properties", {{"events", std::move(events)}}},
                  {"additionalProperties", false}};
  json::array kinds;
  for (const RecordKindSpec& kind : RecordKinds()) kinds.emplace_back(kind.kind);
  out["RecordKind"] = {
      {"type", "string"}, {"description", "A kind of sales record"}, {"enum", std::move(kinds)}};
}

}  // namespace

json::object DomainSchemas() {
  Shared shared;
  json::object out;
  for (const EventTypeSpec& spec : Catalog()) {
    out[SchemaName(spec.type)] = EventDataSchema(spec, shared);
    out[SchemaName(spec.type) + "Command"] = CommandSchema(spec);
  }
  for (auto& [name, schema] : shared.schemas) out[name] = schema;
  AddFormats(out);
  AddCodeLists(out);
  AddEnvelope(out);
  AddCommandUnion(out);
  return out;
}

}  // namespace schemas::openapi
