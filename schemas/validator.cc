#include "schemas/validator.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <utility>

#include "schemas/data_access.h"
#include "schemas/formats.h"
#include "schemas/iso_codes.h"
#include "schemas/validator_rules.h"

namespace schemas {
namespace {

using ledger::Violation;

std::string Join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

std::string JsonKindName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a floating-point number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

// Walks one value against its spec, appending violations.
class Checker {
 public:
  explicit Checker(std::vector<Violation>& out) : out_(out) {}

  void Add(std::string pointer, std::string reason) {
    // One past the limit is kept so that the caller knows the list was cut.
    if (out_.size() > kViolationsMax) return;
    out_.push_back({std::move(pointer), std::move(reason)});
  }

  void Fields(const boost::json::object& object, const std::vector<FieldSpec>& fields,
              const std::string& pointer, bool personal) {
    for (const auto& entry : object) {
      bool known = false;
      for (const FieldSpec& field : fields) known = known || field.name == entry.key();
      if (!known) {
        Add(pointer + "/" + PointerToken(entry.key()),
            "unknown field; allowed fields are: " + FieldNames(fields));
      }
    }
    for (const FieldSpec& field : fields) {
      std::string child = pointer + "/" + PointerToken(field.name);
      const boost::json::value* value = object.if_contains(field.name);
      if (value == nullptr) {
        if (field.required) Add(child, "is required");
      } else {
        Value(*value, field, child, personal || field.personal);
      }
    }
  }

  void Value(const boost::json::value& v, const FieldSpec& spec, const std::string& pointer,
             bool personal) {
    switch (spec.type) {
      case FieldType::kText:
        return Text(v, spec, pointer);
      case FieldType::kInteger:
        return Integer(v, spec.min, spec.max, pointer, "");
      case FieldType::kBoolean:
        if (!v.is_bool()) WrongType(v, "true or false", pointer);
        return;
      case FieldType::kMoney:
        return Money(v, spec, pointer);
      case FieldType::kArray:
        return Array(v, spec, pointer, personal);
      case FieldType::kObject:
        if (!v.is_object()) return WrongType(v, "an object", pointer);
        return Fields(v.get_object(), spec.fields, pointer, personal);
      default:
        return Formatted(v, spec, pointer, personal);
    }
  }

 private:
  static std::string FieldNames(const std::vector<FieldSpec>& fields) {
    std::vector<std::string> names;
    for (const FieldSpec& field : fields) names.push_back(field.name);
    return Join(names);
  }

  void WrongType(const boost::json::value& v, std::string_view expected,
                 const std::string& pointer) {
    std::string reason = "must be " + std::string(expected) + ", not " + JsonKindName(v);
    if (v.is_null()) reason += "; leave an optional field out instead of sending null";
    Add(pointer, std::move(reason));
  }

  void Text(const boost::json::value& v, const FieldSpec& spec, const std::string& pointer) {
    if (!v.is_string()) return WrongType(v, "a string", pointer);
    std::string_view text = v.get_string();
    std::optional<size_t> chars = Utf8CodePoints(text);
    if (!chars) return Add(pointer, "must be valid UTF-8");
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Add(pointer, "must not be empty or blank");
    }
    if (HasControlCharacters(text, spec.multiline)) {
      Add(pointer, spec.multiline ? "must not contain control characters other than tab and "
                                    "line breaks"
                                  : "must be a single line without control characters");
    }
    if (*chars > spec.chars_max) {
      Add(pointer, "must be at most " + std::to_string(spec.chars_max) + " characters (got " +
                       std::to_string(*chars) + ")");
    } else if (text.size() > spec.bytes_max) {
      Add(pointer, "must be at most " + std::to_string(spec.bytes_max) + " bytes of UTF-8 (got " +
                       std::to_string(text.size()) + ")");
    }
  }

  // `what` names the unit for messages about money amounts.
  void Integer(const boost::json::value& v, int64_t min, int64_t max, const std::string& pointer,
               std::string_view what) {
    if (v.is_double()) {
      return Add(pointer, "must be an integer" + std::string(what) +
                              "; floating-point numbers are not allowed in events");
    }
    if (!v.is_int64() && !v.is_uint64()) return WrongType(v, "an integer", pointer);
    bool safe = v.is_int64()
                    ? (v.get_int64() >= kSafeIntegerMin && v.get_int64() <= kSafeIntegerMax)
                    : v.get_uint64() <= static_cast<uint64_t>(kSafeIntegerMax);
    if (!safe) {
      return Add(pointer,
                 "must be between -(2^53-1) and 2^53-1 so that every JSON reader "
                 "reads it exactly");
    }
    int64_t value = v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
    if (value < min || value > max) {
      std::string range = max == kSafeIntegerMax
                              ? "at least " + std::to_string(min)
                              : "between " + std::to_string(min) + " and " + std::to_string(max);
      Add(pointer, "must be " + range + " (got " + std::to_string(value) + ")");
    }
  }

  void Money(const boost::json::value& v, const FieldSpec& spec, const std::string& pointer) {
    if (!v.is_object()) {
      return WrongType(
          v, "money: {\"amount\": <integer minor units>, \"currency\": \"<ISO 4217>\"}", pointer);
    }
    const boost::json::object& money = v.get_object();
    for (const auto& entry : money) {
      if (entry.key() != "amount" && entry.key() != "currency") {
        Add(pointer + "/" + PointerToken(entry.key()),
            "unknown field; money has only amount and currency");
      }
    }
    if (const boost::json::value* amount = money.if_contains("amount")) {
      Integer(*amount, spec.min, kSafeIntegerMax, pointer + "/amount",
              " number of minor units (1999 for 19.99)");
    } else {
      Add(pointer + "/amount", "is required");
    }
    const boost::json::value* currency = money.if_contains("currency");
    if (currency == nullptr) return Add(pointer + "/currency", "is required");
    if (!currency->is_string()) return WrongType(*currency, "a string", pointer + "/currency");
    std::string_view code = currency->get_string();
    const Currency* known = FindCurrency(code);
    if (known == nullptr) {
      Add(pointer + "/currency",
          QuoteForMessage(code) + " is not an active ISO 4217 currency code (such as CNY, USD)");
    } else if (known->minor_digits == kNoMinorUnit) {
      Add(pointer + "/currency", std::string(code) + " has no minor unit and cannot hold money");
    }
  }

  void Array(const boost::json::value& v, const FieldSpec& spec, const std::string& pointer,
             bool personal) {
    if (!v.is_array()) return WrongType(v, "an array", pointer);
    const boost::json::array& items = v.get_array();
    if (items.size() > spec.items_max) {
      Add(pointer, "must have at most " + std::to_string(spec.items_max) + " items (got " +
                       std::to_string(items.size()) + ")");
    } else if (items.size() < spec.items_min) {
      Add(pointer, "must have at least " + std::to_string(spec.items_min) +
                       (spec.items_min == 1 ? " item" : " items"));
    }
    // Items past the limit are not examined: the array is rejected anyway.
    size_t count = std::min(items.size(), spec.items_max);
    for (size_t i = 0; i < count; ++i) {
      std::string child = pointer + "/" + std::to_string(i);
      Value(items[i], spec.items.front(), child, personal);
      if (!spec.unique_items || !items[i].is_string()) continue;
      for (size_t j = 0; j < i; ++j) {
        if (items[j] == items[i]) {
          Add(child, "duplicates item " + std::to_string(j));
          break;
        }
      }
    }
  }

  void Formatted(const boost::json::value& v, const FieldSpec& spec, const std::string& pointer,
                 bool personal);

  std::vector<Violation>& out_;
};

// Strings with a format: ids, references, enums, dates, e-mail, phone, URL, country.
void Checker::Formatted(const boost::json::value& v, const FieldSpec& spec,
                        const std::string& pointer, bool personal) {
  if (!v.is_string()) return WrongType(v, "a string", pointer);
  std::string_view text = v.get_string();
  // Personal values are not echoed into messages, which end up in logs.
  std::string got = personal ? "" : " (got " + QuoteForMessage(text) + ")";
  switch (spec.type) {
    case FieldType::kId:
      if (IsRecordId(text)) return;
      return Add(pointer,
                 "must be an identifier: a letter or digit, then up to 63 letters, "
                 "digits, '.', '_', ':' or '-'" +
                     got);
    case FieldType::kReference:
      if (IsRecordId(text)) return;
      if (text.starts_with(spec.kind + "/")) {
        return Add(pointer, "must be the " + spec.kind + " id without the \"" + spec.kind +
                                "/\" prefix" + got);
      }
      return Add(pointer, "must be the id of the " + spec.kind +
                              ": a letter or digit, then up "
                              "to 63 letters, digits, '.', '_', ':' or '-'" +
                              got);
    case FieldType::kEnum:
      for (const std::string& value : spec.values) {
        if (value == text) return;
      }
      return Add(pointer, "must be one of: " + Join(spec.values) + got);
    case FieldType::kDate:
      if (IsDate(text)) return;
      return Add(pointer, "must be a calendar date as YYYY-MM-DD" + got);
    case FieldType::kDateTime:
      if (IsDateTime(text)) return;
      return Add(pointer, "must be an RFC 3339 date-time such as 2025-03-14T09:30:00+08:00" + got);
    case FieldType::kPeriod:
      if (IsPeriod(text)) return;
      return Add(pointer, "must be a period: YYYY, YYYY-H1, YYYY-Q1 to YYYY-Q4 or YYYY-MM" + got);
    case FieldType::kEmail:
      if (IsEmail(text)) return;
      return Add(pointer, "must be an e-mail address" + got);
    case FieldType::kPhone:
      if (IsPhone(text)) return;
      return Add(pointer,
                 "must be a phone number: an optional +, then 3 to 20 digits with "
                 "spaces, '-', '.', '(' or ')'" +
                     got);
    case FieldType::kUrl:
      if (IsUrl(text)) return;
      return Add(pointer, "must be an http or https URL" + got);
    case FieldType::kCountry:
      if (IsCountryCode(text)) return;
      return Add(pointer, "must be an ISO 3166-1 alpha-2 country code such as CN" + got);
    default:
      return Add(pointer, "has a field type the validator does not know");
  }
}

void ValidateSubject(const ledger::Command& command, const EventTypeSpec* known_type,
                     std::vector<Violation>& out) {
  std::string_view subject = command.subject;
  if (subject.empty()) return out.push_back({"/subject", "is required"});
  std::string_view kind = internal::SubjectKind(subject);
  std::string_view id = internal::SubjectId(subject);
  if (subject.find('/') == std::string_view::npos) {
    return out.push_back({"/subject", "must be <kind>/<id> such as account/ACC-1001 (got " +
                                          QuoteForMessage(subject) + ")"});
  }
  if (known_type != nullptr && kind != known_type->kind) {
    out.push_back({"/subject", "must be " + known_type->kind + "/<id> for event type " +
                                   known_type->type + ", not " + QuoteForMessage(subject)});
  } else if (known_type == nullptr && FindRecordKind(kind) == nullptr) {
    out.push_back({"/subject", "unknown record kind " + QuoteForMessage(kind)});
  }
  if (!IsRecordId(id)) {
    out.push_back({"/subject",
                   "the record id after \"/\" must be a letter or digit, then up to "
                   "63 letters, digits, '.', '_', ':' or '-' (got " +
                       QuoteForMessage(id) + ")"});
  }
}

// Checks type, subject, schema version and business time; returns the spec to check
// `data` against, or nullptr when the type or its version is unknown.
const EventTypeSpec* ValidateEnvelope(const ledger::Command& command, std::vector<Violation>& out) {
  const EventTypeSpec* known_type = FindEventType(command.type, kSchemaVersionCurrent);
  if (command.type.empty()) {
    out.push_back({"/type", "is required"});
  } else if (known_type == nullptr) {
    std::string reason = "unknown event type " + QuoteForMessage(command.type);
    std::string_view prefix = std::string_view(command.type).substr(0, command.type.find('.'));
    if (const RecordKindSpec* kind = FindRecordKind(prefix); kind != nullptr) {
      reason += "; " + kind->kind + " events are: " + Join(kind->event_types);
    }
    out.push_back({"/type", std::move(reason)});
  }
  ValidateSubject(command, known_type, out);
  const EventTypeSpec* spec = nullptr;
  if (known_type != nullptr) {
    spec = FindEventType(command.type, command.schemaversion);
    if (spec == nullptr) {
      out.push_back({"/schemaversion", "schema version " + std::to_string(command.schemaversion) +
                                           " of " + command.type + " is not known; supported: " +
                                           std::to_string(known_type->schema_version)});
    }
  }
  if (!command.occurredat.empty() && !IsDateTime(command.occurredat)) {
    out.push_back({"/occurredat",
                   "must be an RFC 3339 date-time such as "
                   "2025-03-14T09:30:00+08:00 (got " +
                       QuoteForMessage(command.occurredat) + ")"});
  }
  return spec;
}

}  // namespace

std::vector<Violation> ValidateData(const EventTypeSpec& spec, const boost::json::object& data,
                                    std::string_view subject) {
  std::vector<Violation> out;
  Checker checker(out);
  checker.Fields(data, spec.fields, "/data", false);
  if (!spec.at_least_one_of.empty()) {
    bool any = false;
    for (const std::string& name : spec.at_least_one_of) any = any || data.contains(name);
    if (!any) checker.Add("/data", "must contain at least one of: " + Join(spec.at_least_one_of));
  }
  internal::CheckCrossFieldRules(spec, data, subject, out);
  return out;
}

std::vector<Violation> ValidateCommand(const ledger::Command& command) {
  std::vector<Violation> out;
  if (const EventTypeSpec* spec = ValidateEnvelope(command, out); spec != nullptr) {
    for (Violation& v : ValidateData(*spec, command.data, command.subject)) {
      out.push_back(std::move(v));
    }
  }
  if (out.size() > kViolationsMax) {
    out.resize(kViolationsMax);
    out.push_back({"", "more than " + std::to_string(kViolationsMax) +
                           " violations; the rest are not listed"});
  }
  return out;
}

}  // namespace schemas
