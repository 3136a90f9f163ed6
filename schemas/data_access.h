// Internal to the schemas library: typed reads of event `data` objects that already
// passed validation (or, in Apply, came from the log). Each returns nullopt when the
// field is absent or not of the expected shape, never throws.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace schemas::internal {

struct MoneyValue {
  int64_t amount = 0;  // minor units
  std::string currency;
};

std::optional<std::string_view> GetString(const boost::json::object& data, std::string_view key);
std::optional<int64_t> GetInteger(const boost::json::object& data, std::string_view key);
std::optional<MoneyValue> GetMoney(const boost::json::object& data, std::string_view key);
const boost::json::array* GetArray(const boost::json::object& data, std::string_view key);
const boost::json::object* GetObject(const boost::json::object& data, std::string_view key);

// The record id in a subject: "ACC-1" for "account/ACC-1"; "" when there is no "/".
std::string_view SubjectId(std::string_view subject);
// The kind in a subject: "account" for "account/ACC-1"; "" when there is no "/".
std::string_view SubjectKind(std::string_view subject);

}  // namespace schemas::internal
