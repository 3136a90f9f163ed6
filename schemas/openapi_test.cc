#include "schemas/openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
// GCC 12 with the sanitizers reports -Wmaybe-uninitialized inside <regex> (a false
// positive in std::function's move constructor); the warning is not about this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/time.h"
#include "schemas/catalog.h"
#include "schemas/formats.h"
#include "schemas/iso_codes.h"

namespace schemas {
namespace {

namespace json = boost::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const json::object& Document() {
  static const json::object* document = new json::object(OpenApiJson());
  return *document;
}

const json::object& Schemas() { return Document().at("components").at("schemas").as_object(); }

std::string Pattern(std::string_view component) {
  return std::string(Schemas().at(component).at("pattern").as_string());
}

std::string SchemaName(std::string_view type) {
  std::string name;
  bool upper = true;
  for (char c : type) {
    if (c == '.' || c == '_') {
      upper = true;
    } else {
      name += upper ? static_cast<char>(std::toupper(c)) : c;
      upper = false;
    }
  }
  return name;
}

TEST(OpenApiTest, CommittedDocumentIsCurrent) {
  const std::string committed = ReadFile(SCHEMAS_DIR "/openapi.json");
  const std::string generated = OpenApiDocument();
  if (committed == generated) return;
  std::istringstream a(committed), b(generated);
  std::string line_a, line_b;
  int line = 1;
  while (std::getline(a, line_a) && std::getline(b, line_b) && line_a == line_b) ++line;
  ADD_FAILURE() << "schemas/openapi.json is not what the catalogue generates; first "
                << "difference at line " << line << ":\n  committed: " << line_a
                << "\n  generated: " << line_b << "\nRegenerate it with:\n  " << kOpenApiRegenerate;
}

TEST(OpenApiTest, PrettyJsonRoundTrips) {
  const std::string text = OpenApiDocument();
  EXPECT_EQ(json::parse(text), json::value(Document()));
  EXPECT_EQ(text, OpenApiDocument());  // deterministic
  EXPECT_EQ(PrettyJson(json::parse(R"({"a":[1,2],"b":{},"c":[{"d":null}]})")),
            "{\n  \"a\": [1, 2],\n  \"b\": {},\n  \"c\": [\n    {\"d\": null}\n  ]\n}");
}

// The schema of the field at `pointer` ("/data/phones/*/number") of a command.
const json::object* FieldAt(const json::object& data_schema, const std::string& pointer) {
  const json::object* at = &data_schema;
  std::istringstream parts(pointer.substr(std::string("/data/").size()));
  for (std::string part; std::getline(parts, part, '/');) {
    const json::value* next =
        part == "*" ? at->if_contains("items") : at->at("properties").as_object().if_contains(part);
    if (next == nullptr) return nullptr;
    at = &next->as_object();
  }
  return at;
}

TEST(OpenApiTest, EveryEventTypeHasItsSchemas) {
  const json::object& mapping =
      Schemas().at("Command").at("discriminator").at("mapping").as_object();
  // Every type of the catalogue, and the ledger's own retraction.
  EXPECT_EQ(mapping.size(), Catalog().size() + 1);
  EXPECT_EQ(mapping.at("event.retracted"), json::value("#/components/schemas/RetractionCommand"));
  for (const EventTypeSpec& spec : Catalog()) {
    SCOPED_TRACE(spec.type);
    const std::string name = SchemaName(spec.type);
    ASSERT_TRUE(Schemas().contains(name));
    ASSERT_TRUE(Schemas().contains(name + "Command"));
    EXPECT_EQ(mapping.at(spec.type), json::value("#/components/schemas/" + name + "Command"));
    const json::object& data = Schemas().at(name).as_object();
    EXPECT_EQ(data.at("additionalProperties"), json::value(false));
    std::set<std::string> required;
    if (const json::value* list = data.if_contains("required")) {
      for (const json::value& field : list->as_array()) required.emplace(field.as_string());
    }
    std::set<std::string> expected;
    for (const FieldSpec& field : spec.fields) {
      EXPECT_TRUE(data.at("properties").as_object().contains(field.name)) << field.name;
      if (field.required) expected.insert(field.name);
    }
    EXPECT_EQ(required, expected);
    for (const std::string& pointer : PersonalFieldPointers(spec)) {
      const json::object* field = FieldAt(data, pointer);
      ASSERT_NE(field, nullptr) << pointer;
      EXPECT_TRUE(field->contains("x-personal") && field->at("x-personal").as_bool()) << pointer;
    }
  }
}

TEST(OpenApiTest, EveryRouteOfTheApiDocIsAPath) {
  const std::string api = ReadFile(SCHEMAS_DIR "/../docs/API.md");
  ASSERT_FALSE(api.empty());
  const std::regex heading(R"(^#{2,3} (GET|POST) (/[^ ?\n]*))", std::regex::multiline);
  int routes = 0;
  for (std::sregex_iterator it(api.begin(), api.end(), heading), end; it != end; ++it) {
    ++routes;
    std::string method = (*it)[1];
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const std::string path = (*it)[2];
    const json::value* item = Document().at("paths").as_object().if_contains(path);
    ASSERT_NE(item, nullptr) << path << " of docs/API.md is not in the document";
    EXPECT_TRUE(item->as_object().contains(method)) << method << " " << path;
  }
  EXPECT_GE(routes, 10);
}

// Each format's pattern, read as ECMAScript (what JSON Schema specifies), accepts
// exactly what its C++ predicate accepts.
void ExpectPatternIs(std::string_view component, const std::function<bool(std::string)>& accepts,
                     const std::vector<std::string>& samples) {
  const std::regex pattern(Pattern(component), std::regex::ECMAScript);
  for (const std::string& sample : samples) {
    EXPECT_EQ(std::regex_search(sample, pattern), accepts(sample))
        << component << " on \"" << sample << "\"";
  }
}

std::vector<std::string> Dates() {
  std::vector<std::string> dates;
  for (const char* year : {"0000", "0001", "0004", "1600", "1700", "1900", "2000", "2001", "2002",
                           "2004", "2023", "2024", "2096", "2100", "2400", "9996", "9999"}) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        char text[16];
        std::snprintf(text, sizeof text, "%s-%02d-%02d", year, month, day);
        dates.emplace_back(text);
      }
    }
  }
  for (const char* bad : {"2025-1-01", "2025-01-1", "20250101", "2025/01/01", "", "2025-01-01 "}) {
    dates.emplace_back(bad);
  }
  return dates;
}

TEST(OpenApiTest, DatePatternsMatchThePredicates) {
  ExpectPatternIs(
      "Date", [](const std::string& s) { return IsDate(s); }, Dates());
  std::vector<std::string> times;
  for (const char* time :
       {"T09:30:00Z", "t09:30:00z", "T23:59:60Z", "T24:00:00Z", "T09:60:00Z", "T09:30:61Z",
        "T09:30:00.1+08:00", "T09:30:00.123456789-05:30", "T09:30:00.1234567890Z", "T09:30:00.Z",
        "T09:30:00+24:00", "T09:30:00+08:60", "T09:30:00+0800", "T09:30:00", " 09:30:00Z",
        "T9:30:00Z", "T09:30:00Z "}) {
    for (const char* date : {"2024-02-29", "2023-02-29", "2025-12-31"}) {
      times.push_back(std::string(date) + time);
    }
  }
  ExpectPatternIs(
      "DateTime", [](const std::string& s) { return IsDateTime(s); }, times);
  ExpectPatternIs(
      "OccurredAt",
      [](const std::string& s) { return IsDateTime(s) && ledger::ParseRfc3339(s).has_value(); },
      times);
  ExpectPatternIs("Period", [](const std::string& s) { return IsPeriod(s); },
                  {"2025", "2025-H1", "2025-H2", "2025-H3", "2025-Q1", "2025-Q4", "2025-Q0",
                   "2025-Q5", "2025-01", "2025-12", "2025-00", "2025-13", "202", "20255", "2025-h1",
                   "2025-1", "2025-", "abcd"});
}

TEST(OpenApiTest, StringPatternsMatchThePredicates) {
  ExpectPatternIs(
      "Id", [](const std::string& s) { return IsRecordId(s); },
      {"ACC-1001", "u:zhang.wei", "a", "A.b_c:d-e", std::string(64, 'x'), std::string(65, 'x'), "",
       "-ACC", ".a", "_a", ":a", "ACC 1", "ACC/1", "é", "ACC-1\n"});
  ExpectPatternIs(
      "Phone", [](const std::string& s) { return IsPhone(s); },
      {"+86 21 6888 1234", "(021) 6888-1234", "123", "12", "+", "", "1+2", "++123", "123 ext 4",
       std::string(20, '1'), std::string(21, '1'), "+" + std::string(31, '1'), "1.2.3", " 123 "});
  ExpectPatternIs("Email", [](const std::string& s) { return IsEmail(s); },
                  {"li.wei@example.com",
                   "a@b.c",
                   "a@b",
                   "@b.cn",
                   "a@.cn",
                   "a@b..cn",
                   "a@b.cn.",
                   "a.@b.cn",
                   ".a@b.cn",
                   "a..b@b.cn",
                   "a b@b.cn",
                   "a@b@c.cn",
                   "a(b)@c.cn",
                   "a@-b.cn",
                   "a@b-.cn",
                   "a@b-c.cn",
                   "a@b_c.cn",
                   "a+tag@b.cn",
                   std::string(64, 'a') + "@b.cn",
                   std::string(65, 'a') + "@b.cn",
                   "a@" + std::string(63, 'b') + ".cn",
                   "a@" + std::string(64, 'b') + ".cn"});
  ExpectPatternIs(
      "Url", [](const std::string& s) { return IsUrl(s); },
      {"https://example.com", "http://example.com/a?b#c", "https://u:p@h:8443/x", "https://",
       "https:///path", "https://:80", "http://::", "https://h:", "https://u@", "https://u@:1",
       "ftp://example.com", "HTTPS://example.com", "https://exa mple.com",
       "https://example.com/a b", "https://a@b@c/", "https://?q", "https://h?q"});
  ExpectPatternIs("Text",
                  [](const std::string& s) {
                    return s.find_first_not_of(" \t\r\n") != std::string::npos &&
                           !HasControlCharacters(s, false);
                  },
                  {"Acme", " Acme ", "", " ", "\t", "a\tb", "a\nb", "a\x7f", "a\x01", "a\n"});
  ExpectPatternIs("Note",
                  [](const std::string& s) {
                    return s.find_first_not_of(" \t\r\n") != std::string::npos &&
                           !HasControlCharacters(s, true);
                  },
                  {"Acme", "a\tb\r\nc", "\n\n", " \t", "", "a\x01", "a\x7f", "a\n"});
}

TEST(OpenApiTest, CodeListsAreTheValidators) {
  std::set<std::string> countries;
  for (const json::value& code : Schemas().at("Country").at("enum").as_array()) {
    countries.emplace(code.as_string());
  }
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code{a, b};
      EXPECT_EQ(countries.contains(code), IsCountryCode(code)) << code;
    }
  }
  std::set<std::string> currencies;
  for (const json::value& code : Schemas().at("Currency").at("enum").as_array()) {
    currencies.emplace(code.as_string());
  }
  size_t money = 0;
  for (const Currency& c : Currencies()) {
    EXPECT_EQ(currencies.contains(std::string(c.code)), c.minor_digits != kNoMinorUnit) << c.code;
    money += c.minor_digits != kNoMinorUnit;
  }
  EXPECT_EQ(currencies.size(), money);
  EXPECT_TRUE(currencies.contains("CNY"));
  EXPECT_FALSE(currencies.contains("XAU"));
}

}  // namespace
}  // namespace schemas
