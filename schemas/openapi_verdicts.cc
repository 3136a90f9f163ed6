// openapi_verdicts: the C++ side of openapi_check.py. Reads event commands, one JSON
// object a line, from stdin and writes one line per command to stdout:
//   {"valid":true}  or  {"valid":false,"violations":[{"pointer":..,"reason":..},..]}
// A command is valid when ledger::ParseCommand and schemas::ValidateCommand both
// accept it: the stateless checks of POST /v1/events, which the OpenAPI document's
// Command schema describes.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "schemas/validator.h"

namespace {

std::vector<ledger::Violation> Check(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(line, ec);
  if (ec) return {{"", "not JSON: " + ec.message()}};
  auto command = ledger::ParseCommand(json);
  if (!command.ok()) {
    std::vector<ledger::Violation> violations = command.status().violations();
    if (violations.empty()) violations.push_back({"", command.status().message()});
    return violations;
  }
  return schemas::ValidateCommand(*command);
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<ledger::Violation> violations = Check(line);
    boost::json::object verdict{{"valid", violations.empty()}};
    if (!violations.empty()) {
      boost::json::array list;
      for (const auto& v : violations)
        list.push_back({{"pointer", v.pointer}, {"reason", v.reason}});
      verdict["violations"] = std::move(list);
    }
    std::cout << boost::json::serialize(verdict) << '\n';
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}
