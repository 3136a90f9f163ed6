#include "analytics/reports.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "analytics/reports_internal.h"

namespace analytics {
namespace internal {

namespace json = boost::json;

json::object Keyed(std::string_view key, json::value value, json::object rest) {
  json::object out;
  out.reserve(rest.size() + 1);
  out[key] = std::move(value);
  for (auto& field : rest) out[field.key()] = std::move(field.value());
  return out;
}

json::value Ratio(double a, double b) {
  if (b == 0) return nullptr;
  return a / b;
}

json::value Mean(const std::vector<Micros>& durations, double unit) {
  if (durations.empty()) return nullptr;
  long double sum = 0;
  for (Micros d : durations) sum += d;
  return static_cast<double>(sum / durations.size() / unit);
}

json::value Median(std::vector<Micros> durations, double unit) {
  if (durations.empty()) return nullptr;
  std::sort(durations.begin(), durations.end());
  size_t n = durations.size();
  long double middle =
      n % 2 == 1 ? durations[n / 2]
                 : (static_cast<long double>(durations[n / 2 - 1]) + durations[n / 2]) / 2;
  return static_cast<double>(middle / unit);
}

}  // namespace internal

namespace {

namespace json = boost::json;
using namespace internal;

// Which member of each report is its main table (CSV).
std::string_view MainTable(std::string_view report) {
  if (report == "pipeline") return "stages";
  if (report == "funnel") return "steps";
  if (report == "activities") return "rows";
  if (report == "targets") return "targets";
  if (report == "products") return "products";
  if (report == "customers") return "customers";
  return "groups";  // win-loss, service
}

bool HasMoney(std::string_view report) {
  return report != "funnel" && report != "activities" && report != "service";
}

}  // namespace

ledger::Result<json::object> Compute(std::vector<projections::Fact> facts, const Params& p) {
  auto book = Book::Build(std::move(facts));
  if (!book.ok()) return book.status();
  Converter money(*book, p.currency);
  json::object answer = p.echo;
  json::object body;
  if (p.report == "pipeline")
    body = Pipeline(*book, p, money);
  else if (p.report == "funnel")
    body = Funnel(*book, p);
  else if (p.report == "win-loss")
    body = WinLoss(*book, p, money);
  else if (p.report == "activities")
    body = Activities(*book, p);
  else if (p.report == "targets")
    body = Targets(*book, p, money);
  else if (p.report == "products")
    body = Products(*book, p, money);
  else if (p.report == "customers")
    body = Customers(*book, p, money);
  else if (p.report == "service")
    body = Service(*book, p);
  else
    return ledger::Status::NotFound("no report " + p.report);
  for (auto& field : body) answer[field.key()] = std::move(field.value());
  if (HasMoney(p.report)) answer["unconverted"] = money.Unconverted();
  return answer;
}

namespace {

void Flatten(const json::object& o, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& cells) {
  for (const auto& field : o) {
    std::string name =
        prefix.empty() ? std::string(field.key()) : prefix + "." + std::string(field.key());
    const json::value& v = field.value();
    if (v.is_object()) {
      Flatten(v.get_object(), name, cells);
    } else if (v.is_string()) {
      cells.emplace_back(name, std::string(v.get_string()));
    } else if (v.is_null()) {
      cells.emplace_back(name, "");
    } else if (v.is_double()) {
      char text[32];  // the shortest text that reads back as the same double
      auto end = std::to_chars(text, text + sizeof text, v.get_double()).ptr;
      cells.emplace_back(name, std::string(text, end));
    } else {
      cells.emplace_back(name, json::serialize(v));
    }
  }
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string ToCsv(std::string_view report, const json::object& answer) {
  const json::value* table = answer.if_contains(MainTable(report));
  std::vector<std::string> header;
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  if (table != nullptr && table->is_array()) {
    for (const json::value& row : table->get_array()) {
      if (!row.is_object()) continue;
      rows.emplace_back();
      Flatten(row.get_object(), "", rows.back());
      for (const auto& [name, value] : rows.back()) {
        if (std::find(header.begin(), header.end(), name) == header.end()) header.push_back(name);
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + CsvField(header[i]);
  out += "\r\n";
  for (const auto& cells : rows) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (i) out += ',';
      for (const auto& [name, value] : cells) {
        if (name == header[i]) out += CsvField(value);
      }
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace analytics
