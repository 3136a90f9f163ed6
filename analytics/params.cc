#include "analytics/params.h"

#include <algorithm>
#include <cstdio>

#include "schemas/iso_codes.h"

namespace analytics {
namespace {

using ledger::Result;
using ledger::Status;
using ledger::Violation;

// A date "YYYY-MM-DD" as T00:00:00Z that day, or an RFC 3339 date-time.
std::optional<Micros> ParseWhen(std::string_view text) {
  if (text.size() == 10) return ledger::ParseRfc3339(std::string(text) + "T00:00:00Z");
  return ledger::ParseRfc3339(text);
}

void ParseTimes(const std::map<std::string, std::string>& query, Params& p,
                std::vector<Violation>& v) {
  for (const char* key : {"from", "to", "asof"}) {
    auto it = query.find(key);
    if (it == query.end()) {
      p.echo[key] = nullptr;
      continue;
    }
    p.echo[key] = it->second;
    bool date_ok = std::string_view(key) != "asof";
    auto when = date_ok ? ParseWhen(it->second) : ledger::ParseRfc3339(it->second);
    if (!when) {
      v.push_back({"/query/" + std::string(key), date_ok
                                                     ? "must be YYYY-MM-DD or an RFC 3339 date-time"
                                                     : "must be an RFC 3339 date-time"});
    } else if (std::string_view(key) == "from") {
      p.from = *when;
    } else if (std::string_view(key) == "to") {
      p.to = *when;
    } else {
      p.asof = *when;
    }
  }
  if (p.from != kTimeMin && p.to != kTimeMax && p.from >= p.to)
    v.push_back({"/query/from", "must be before to"});
}

std::optional<Grain> GrainNamed(std::string_view name) {
  if (name == "month") return Grain::kMonth;
  if (name == "quarter") return Grain::kQuarter;
  if (name == "half") return Grain::kHalf;
  if (name == "year") return Grain::kYear;
  return std::nullopt;
}

void ParseShape(const std::map<std::string, std::string>& query, Params& p,
                std::vector<Violation>& v) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = query.find(key);
    return it == query.end() ? nullptr : &it->second;
  };
  if (p.report == "targets") {
    const std::string* period = get("period");
    if (period == nullptr) {
      v.push_back({"/query/period", "is required: the target period, e.g. 2025-Q2"});
    } else if (!GrainOfPeriod(*period)) {
      v.push_back({"/query/period", "must be YYYY, YYYY-H1, YYYY-Q1 to YYYY-Q4 or YYYY-MM"});
    } else {
      p.period = *period;
    }
    p.echo["period"] = period ? boost::json::value(*period) : boost::json::value(nullptr);
  } else if (const std::string* grain = get("period")) {
    if (auto g = GrainNamed(*grain))
      p.grain = *g;
    else
      v.push_back({"/query/period", "must be month, quarter, half or year"});
    p.echo["period"] = *grain;
  } else {
    p.echo["period"] = "quarter";
  }
  if (p.report == "win-loss" || p.report == "service") {
    const std::string* by = get("by");
    p.by = by ? *by : (p.report == "win-loss" ? "owner" : "product");
    bool ok = p.report == "win-loss"
                  ? (p.by == "owner" || p.by == "source" || p.by == "category" || p.by == "period")
                  : (p.by == "product" || p.by == "handler");
    if (!ok) {
      v.push_back({"/query/by", p.report == "win-loss" ? "must be owner, source, category or period"
                                                       : "must be product or handler"});
    }
    p.echo["by"] = p.by;
  }
  if (const std::string* top = get("top")) {
    unsigned long long n = 0;
    int used = 0;
    if (std::sscanf(top->c_str(), "%llu%n", &n, &used) != 1 ||
        used != static_cast<int>(top->size()) || n == 0 || n > kTopMax || (*top)[0] == '+') {
      v.push_back({"/query/top", "must be a whole number 1.." + std::to_string(kTopMax)});
    } else {
      p.top = n;
    }
  }
  if (const std::string* format = get("format")) {
    if (*format == "csv")
      p.csv = true;
    else if (*format != "json")
      v.push_back({"/query/format", "must be json or csv"});
  }
}

}  // namespace

const std::vector<std::string_view>& Reports() {
  static const std::vector<std::string_view> kReports = {"pipeline",   "funnel",  "win-loss",
                                                         "activities", "targets", "products",
                                                         "customers",  "service"};
  return kReports;
}

bool IsReport(std::string_view report) {
  const auto& all = Reports();
  return std::find(all.begin(), all.end(), report) != all.end();
}

std::vector<std::string_view> ParameterNames(std::string_view report) {
  std::vector<std::string_view> names = {"from", "to", "asof", "currency", "period", "format"};
  if (report == "win-loss" || report == "service") names.push_back("by");
  if (report == "products" || report == "customers") names.push_back("top");
  return names;
}

Result<Params> ParseParams(std::string_view report, const std::map<std::string, std::string>& query,
                           std::string_view default_currency, Micros now) {
  Params p;
  p.report = std::string(report);
  p.now = now;
  p.echo["report"] = p.report;
  std::vector<Violation> v;
  ParseTimes(query, p, v);
  auto currency = query.find("currency");
  p.currency = currency == query.end() ? std::string(default_currency) : currency->second;
  if (schemas::FindCurrency(p.currency) == nullptr)
    v.push_back({"/query/currency", "must be an ISO 4217 currency code"});
  p.echo["currency"] = p.currency;
  ParseShape(query, p, v);
  if (!v.empty()) return Status::Invalid("bad analytics parameters", std::move(v));
  return p;
}

std::string PeriodOf(std::string_view date, Grain grain) {
  std::string year(date.substr(0, 4));
  int month = std::atoi(std::string(date.substr(5, 2)).c_str());
  switch (grain) {
    case Grain::kMonth:
      return std::string(date.substr(0, 7));
    case Grain::kQuarter:
      return year + "-Q" + std::to_string((month - 1) / 3 + 1);
    case Grain::kHalf:
      return year + "-H" + std::to_string((month - 1) / 6 + 1);
    case Grain::kYear:
      return year;
  }
  return year;
}

std::optional<Grain> GrainOfPeriod(std::string_view p) {
  auto digits = [&](size_t from, size_t n) {
    return std::all_of(p.begin() + from, p.begin() + from + n,
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (p.size() < 4 || !digits(0, 4)) return std::nullopt;
  if (p.size() == 4) return Grain::kYear;
  if (p.size() != 7 || p[4] != '-') return std::nullopt;
  if (p[5] == 'Q' && p[6] >= '1' && p[6] <= '4') return Grain::kQuarter;
  if (p[5] == 'H' && (p[6] == '1' || p[6] == '2')) return Grain::kHalf;
  if (digits(5, 2)) {
    int month = (p[5] - '0') * 10 + (p[6] - '0');
    if (month >= 1 && month <= 12) return Grain::kMonth;
  }
  return std::nullopt;
}

std::optional<Micros> PeriodEnd(std::string_view p) {
  auto grain = GrainOfPeriod(p);
  if (!grain) return std::nullopt;
  int year = std::atoi(std::string(p.substr(0, 4)).c_str());
  int last_month = 12;  // the period's last month
  if (*grain == Grain::kMonth) last_month = std::atoi(std::string(p.substr(5, 2)).c_str());
  if (*grain == Grain::kQuarter) last_month = (p[6] - '0') * 3;
  if (*grain == Grain::kHalf) last_month = (p[6] - '0') * 6;
  int next_year = last_month == 12 ? year + 1 : year;
  int next_month = last_month == 12 ? 1 : last_month + 1;
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-01T00:00:00Z", next_year, next_month);
  auto start = ledger::ParseRfc3339(text);
  if (!start) return std::nullopt;
  return *start - 1;
}

}  // namespace analytics
