#include "schemas/data_access.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace schemas::internal {

std::optional<std::string_view> GetString(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

std::optional<int64_t> GetInteger(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  // Validated integers are at most 2^53-1, so a uint64 here is small enough.
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<MoneyValue> GetMoney(const boost::json::object& data, std::string_view key) {
  const boost::json::object* money = GetObject(data, key);
  if (money == nullptr) return std::nullopt;
  auto amount = GetInteger(*money, "amount");
  auto currency = GetString(*money, "currency");
  if (!amount || !currency) return std::nullopt;
  return MoneyValue{*amount, std::string(*currency)};
}

const boost::json::array* GetArray(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  return v == nullptr ? nullptr : v->if_array();
}

const boost::json::object* GetObject(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

std::string_view SubjectId(std::string_view subject) {
  size_t slash = subject.find('/');
  return slash == std::string_view::npos ? std::string_view() : subject.substr(slash + 1);
}

std::string_view SubjectKind(std::string_view subject) {
  size_t slash = subject.find('/');
  return slash == std::string_view::npos ? std::string_view() : subject.substr(0, slash);
}

}  // namespace schemas::internal
