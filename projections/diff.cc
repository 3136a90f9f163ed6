#include "projections/diff.h"

#include <algorithm>
#include <boost/json.hpp>

namespace projections {
namespace json = boost::json;

namespace {

std::vector<std::string_view> SortedUnionOfKeys(const json::object& a, const json::object& b) {
  std::vector<std::string_view> keys;
  keys.reserve(a.size() + b.size());
  for (const auto& kv : a) keys.push_back(kv.key());
  for (const auto& kv : b) keys.push_back(kv.key());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void DiffInto(const json::object& before, const json::object& after, const std::string& prefix,
              std::vector<Change>& out) {
  for (std::string_view key : SortedUnionOfKeys(before, after)) {
    const json::value* old_value = before.if_contains(key);
    const json::value* new_value = after.if_contains(key);
    std::string path = prefix + "/" + EscapePointerToken(key);
    if (old_value != nullptr && new_value != nullptr) {
      if (old_value->is_object() && new_value->is_object()) {
        DiffInto(old_value->get_object(), new_value->get_object(), path, out);
      } else if (*old_value != *new_value) {
        out.push_back({std::move(path), *old_value, *new_value});
      }
    } else if (old_value != nullptr) {
      out.push_back({std::move(path), *old_value, std::nullopt});
    } else {
      out.push_back({std::move(path), std::nullopt, *new_value});
    }
  }
}

}  // namespace

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<Change> DiffStates(const json::object& before, const json::object& after) {
  std::vector<Change> out;
  DiffInto(before, after, "", out);
  return out;
}

}  // namespace projections
