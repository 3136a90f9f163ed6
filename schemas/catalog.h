// The catalogue of sales record kinds and their event types: every field of every
// event's `data`, with its type, limits, enum values, whether it is required and
// whether it holds personal data.
//
// The catalogue is declarative and read-only: the validator, the decider, the docs and
// (later) the OpenAPI / JSON Schema generators all read it. Built once on first use
// (thread-safe static initialization); references stay valid for the program's life.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace schemas {

// Integers in events must be exactly representable as IEEE doubles, so that every
// JSON reader agrees on them (RFC 8785 §3.2.2.3, I-JSON RFC 7493 §2.2).
inline constexpr int64_t kSafeIntegerMax = (int64_t{1} << 53) - 1;
inline constexpr int64_t kSafeIntegerMin = -kSafeIntegerMax;

// The schema version every event type of this catalogue has.
inline constexpr int64_t kSchemaVersionCurrent = 1;

enum class FieldType {
  kText,       // UTF-8 string: chars_max code points, bytes_max bytes, no controls
  kId,         // an identifier such as a SKU, a document number or a user id (IsRecordId)
  kEnum,       // one of `values`
  kInteger,    // an integer in [min, max]
  kBoolean,    // true or false
  kMoney,      // {"amount": <integer minor units in [min, max]>, "currency": "<ISO 4217>"}
  kDate,       // "YYYY-MM-DD"
  kDateTime,   // RFC 3339
  kPeriod,     // "2025", "2025-H1", "2025-Q3", "2025-07"
  kEmail,      // e-mail address
  kPhone,      // phone number
  kUrl,        // http(s) URL
  kCountry,    // ISO 3166-1 alpha-2
  kReference,  // id of a record of kind `kind` ("ACC-1" for subject "account/ACC-1")
  kArray,      // JSON array of items_min..items_max elements, each as `items[0]`
  kObject,     // JSON object with exactly the `fields` (unknown keys rejected)
};

// "text", "id", "enum", ... (lower case, for docs and messages).
std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string name;  // the key in the parent object; "" for an array's item spec
  FieldType type = FieldType::kText;
  bool required = true;
  // Holds personal data (people's names, phones, e-mails, addresses, free-text notes
  // about people); a later issue encrypts these fields.
  bool personal = false;
  std::string description;

  // kText
  size_t chars_max = 0;    // Unicode code points
  size_t bytes_max = 0;    // UTF-8 bytes
  bool multiline = false;  // tab, CR and LF allowed
  // kEnum
  std::vector<std::string> values;
  // kInteger; for kMoney the range of `amount`
  int64_t min = kSafeIntegerMin;
  int64_t max = kSafeIntegerMax;
  // kReference: the record kind referred to
  std::string kind;
  // kArray
  size_t items_min = 0;
  size_t items_max = 0;
  bool unique_items = false;     // scalar items must not repeat
  std::vector<FieldSpec> items;  // exactly one: the item spec
  // kObject
  std::vector<FieldSpec> fields;

  // Modifiers for building the catalogue: Text(...).Optional().Personal().
  FieldSpec&& Optional() && {
    required = false;
    return std::move(*this);
  }
  FieldSpec&& Personal() && {
    personal = true;
    return std::move(*this);
  }
  FieldSpec&& Unique() && {
    unique_items = true;
    return std::move(*this);
  }
};

struct EventTypeSpec {
  std::string type;  // "opportunity.stage_changed"
  std::string kind;  // "opportunity": the subject's kind, the prefix of `type`
  int64_t schema_version = kSchemaVersionCurrent;
  bool creates = false;  // the record's creation event (must be its first)
  std::string description;
  std::vector<FieldSpec> fields;
  // When not empty, `data` must hold at least one of these fields (update events).
  std::vector<std::string> at_least_one_of;
};

struct RecordKindSpec {
  std::string kind;                         // "opportunity"
  std::string description;                  // what one record of this kind is
  std::string id_example;                   // "OPP-2025-0042"
  std::vector<std::string> event_types;     // in catalogue order
  std::vector<std::string> creation_types;  // the event types that may start a record
};

// Every event type, grouped by kind in RecordKinds() order.
const std::vector<EventTypeSpec>& Catalog();

// Every record kind.
const std::vector<RecordKindSpec>& RecordKinds();

// The spec of `type` at `schema_version`; nullptr if the catalogue has none.
const EventTypeSpec* FindEventType(std::string_view type,
                                   int64_t schema_version = kSchemaVersionCurrent);

// Whether the catalogue knows `type` at any schema version.
bool IsKnownEventType(std::string_view type);

// The kind spec; nullptr if unknown.
const RecordKindSpec* FindRecordKind(std::string_view kind);

// JSON pointer templates of the personal fields of one event type, relative to the
// event ("/data/name", "/data/phones/*/number"; "*" stands for every array index).
std::vector<std::string> PersonalFieldPointers(const EventTypeSpec& spec);

}  // namespace schemas
