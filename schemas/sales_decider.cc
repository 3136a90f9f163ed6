#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <unordered_map>

#include "ledger/status.h"
#include "schemas/catalog.h"
#include "schemas/data_access.h"
#include "schemas/rules.h"
#include "schemas/sales.h"
#include "schemas/validator.h"

namespace schemas {
namespace internal {
namespace {

// Lower is more basic: a missing record explains more than a forbidden transition.
int Rank(ledger::Code code) {
  switch (code) {
    case ledger::Code::kNotFound:
      return 0;
    case ledger::Code::kConflict:
      return 1;
    case ledger::Code::kIllegalTransition:
      return 2;
    default:
      return 3;
  }
}

}  // namespace

Decision::Decision(const ledger::Command& command, const EventTypeSpec& spec,
                   ledger::DecisionContext& ctx)
    : command_(command),
      spec_(spec),
      ctx_(ctx),
      id_(SubjectId(command.subject)),
      state_(LoadState(ctx, command.subject)) {}

std::string Decision::Name() const { return spec_.kind + " " + id_; }

bool Decision::Exists(std::string_view kind, std::string_view id) const {
  return ctx_.StreamVersion(std::string(kind) + "/" + std::string(id)) > 0;
}

RecordState Decision::StateOf(std::string_view kind, std::string_view id) const {
  return LoadState(ctx_, std::string(kind) + "/" + std::string(id));
}

void Decision::NotFound(std::string pointer, std::string reason) {
  Add(ledger::Code::kNotFound, std::move(pointer), std::move(reason));
}
void Decision::Conflict(std::string pointer, std::string reason) {
  Add(ledger::Code::kConflict, std::move(pointer), std::move(reason));
}
void Decision::Illegal(std::string pointer, std::string reason) {
  Add(ledger::Code::kIllegalTransition, std::move(pointer), std::move(reason));
}
void Decision::Invalid(std::string pointer, std::string reason) {
  Add(ledger::Code::kInvalidArgument, std::move(pointer), std::move(reason));
}

void Decision::Add(ledger::Code code, std::string pointer, std::string reason) {
  if (code_ == ledger::Code::kOk || Rank(code) < Rank(code_)) code_ = code;
  violations_.push_back({std::move(pointer), std::move(reason)});
}

ledger::Status Decision::ToStatus() const {
  if (violations_.empty()) return ledger::Status::Ok();
  std::string message =
      command_.type + " on " + command_.subject + ": " + violations_.front().reason;
  if (violations_.size() > 1) {
    message += " (and " + std::to_string(violations_.size() - 1) + " more)";
  }
  return ledger::Status(code_, std::move(message), violations_);
}

void RequireActiveAccount(Decision& d, std::string_view key) {
  auto account = GetString(d.data(), key);
  if (!account || !d.Exists("account", *account)) return;
  if (d.StateOf("account", *account).Str("status") == "inactive") {
    d.Illegal("/data/" + std::string(key),
              "account " + std::string(*account) + " is deactivated; reactivate it first");
  }
}

void RequireListedProducts(Decision& d) {
  const boost::json::array* lines = GetArray(d.data(), "lines");
  if (lines == nullptr) return;
  for (size_t i = 0; i < lines->size(); ++i) {
    const boost::json::object* line = (*lines)[i].if_object();
    auto product = line == nullptr ? std::nullopt : GetString(*line, "product");
    if (!product || !d.Exists("product", *product)) continue;
    if (d.StateOf("product", *product).Str("status") == "discontinued") {
      d.Illegal("/data/lines/" + std::to_string(i) + "/product",
                "product " + std::string(*product) + " is discontinued and cannot be sold");
    }
  }
}

namespace {

// Every reference in `value` (per `spec`) must name an existing record.
void CheckReferences(Decision& d, const FieldSpec& spec, const boost::json::value& value,
                     const std::string& pointer) {
  if (spec.type == FieldType::kReference && value.is_string()) {
    std::string_view id = value.get_string();
    if (!d.Exists(spec.kind, id)) {
      d.NotFound(pointer, spec.kind + " " + std::string(id) + " does not exist");
    }
  } else if (spec.type == FieldType::kArray && value.is_array() && !spec.items.empty()) {
    const boost::json::array& items = value.get_array();
    for (size_t i = 0; i < items.size(); ++i) {
      CheckReferences(d, spec.items.front(), items[i], pointer + "/" + std::to_string(i));
    }
  } else if (spec.type == FieldType::kObject && value.is_object()) {
    for (const FieldSpec& field : spec.fields) {
      if (const boost::json::value* child = value.get_object().if_contains(field.name)) {
        CheckReferences(d, field, *child, pointer + "/" + field.name);
      }
    }
  }
}

const TypeRules* FindRules(std::string_view type) {
  static const auto* by_type = [] {
    auto* map = new std::unordered_map<std::string_view, const TypeRules*>;
    for (auto part : {CrmRules(), CommerceRules(), ServiceRules()}) {
      for (const TypeRules& rules : part) map->emplace(rules.type, &rules);
    }
    // Every event type of the catalogue has its entry, even when it has no rule.
    for (const EventTypeSpec& spec : Catalog()) LEDGER_ASSERT(map->contains(spec.type));
    LEDGER_ASSERT(map->size() == Catalog().size());
    return map;
  }();
  auto it = by_type->find(type);
  return it == by_type->end() ? nullptr : it->second;
}

// Creation events start a record; every other event needs one.
bool CheckExistence(Decision& d, uint64_t version) {
  const RecordKindSpec* kind = FindRecordKind(d.spec().kind);
  if (d.spec().creates && version > 0) {
    d.Conflict("/subject", d.Name() + " already exists (version " + std::to_string(version) +
                               "); " + d.spec().type + " can only start a record");
    return false;
  }
  if (!d.spec().creates && version == 0) {
    std::string first = kind == nullptr || kind->creation_types.empty()
                            ? std::string("its creation event")
                            : kind->creation_types.front();
    for (size_t i = 1; kind != nullptr && i < kind->creation_types.size(); ++i) {
      first += " or " + kind->creation_types[i];
    }
    d.NotFound("/subject", d.Name() + " does not exist; its first event must be " + first);
    return false;
  }
  return true;
}

}  // namespace
}  // namespace internal

std::vector<ledger::Violation> SalesDecider::Validate(const ledger::Command& command) const {
  return ValidateCommand(command);
}

ledger::Status SalesDecider::Check(const ledger::Command& command,
                                   ledger::DecisionContext& ctx) const {
  const EventTypeSpec* spec = FindEventType(command.type, command.schemaversion);
  if (spec == nullptr || internal::SubjectKind(command.subject) != spec->kind) {
    // The writer validates first; this guards a caller that did not.
    return ledger::Status::Invalid("command does not pass validation", ValidateCommand(command));
  }
  internal::Decision d(command, *spec, ctx);
  bool exists_as_expected = internal::CheckExistence(d, ctx.StreamVersion(command.subject));
  for (const FieldSpec& field : spec->fields) {
    if (const boost::json::value* value = command.data.if_contains(field.name)) {
      internal::CheckReferences(d, field, *value, "/data/" + field.name);
    }
  }
  const internal::TypeRules* rules = internal::FindRules(spec->type);
  if (exists_as_expected && rules != nullptr && rules->check != nullptr) rules->check(d);
  return d.ToStatus();
}

void SalesDecider::Apply(const ledger::Event& event, ledger::DecisionContext& ctx) const {
  const internal::TypeRules* rules = internal::FindRules(event.type);
  if (rules == nullptr || rules->apply == nullptr) return;
  internal::RecordState state = internal::LoadState(ctx, event.subject);
  internal::Fold fold{event, ctx, state};
  rules->apply(fold);
  internal::StoreState(ctx, event.subject, state);
}

std::optional<std::string> SalesDecider::Unretractable(const ledger::Event& target) const {
  const EventTypeSpec* spec = FindEventType(target.type, target.schemaversion);
  if (spec == nullptr) return "its type " + target.type + " is not in the catalogue";
  if (spec->creates) {
    return "it created the record; a record's creation is never retracted (deactivate, close "
           "or cancel the record instead)";
  }
  const internal::TypeRules* rules = internal::FindRules(target.type);
  if (rules != nullptr && rules->apply != nullptr) {
    return target.type +
           " changes the record's lifecycle, which later rules depend on; record the "
           "correction as a domain event instead";
  }
  return std::nullopt;
}

}  // namespace schemas
