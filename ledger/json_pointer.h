// RFC 6901 JSON pointers, as every violation names its place in a request.
#pragma once

#include <string>
#include <string_view>

namespace ledger {

// An object member's name as one RFC 6901 reference token: "~" -> "~0", "/" -> "~1".
inline std::string PointerToken(std::string_view name) {
  std::string token;
  token.reserve(name.size());
  for (char c : name) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

}  // namespace ledger
