#include "ingest/query.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>

namespace ingest {

Response Fail(const Request& req, const ledger::Status& s) {
  auto status =
      s.code() == ledger::Code::kInvalidArgument ? http::status::bad_request : HttpStatus(s.code());
  Response res = Problem(req.version(), req.keep_alive(), status, http::obsolete_reason(status), s);
  if (status == http::status::service_unavailable) res.set(http::field::retry_after, "1");
  return res;
}

std::string_view TargetOf(const Request& req) {
  return std::string_view(req.target().data(), req.target().size());
}

bool ValidKind(std::string_view s) {
  return !s.empty() && s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool ValidId(std::string_view s) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  return !s.empty() && s.size() <= 64 && s[0] != '.' && s[0] != '_' && s[0] != ':' && s[0] != '-' &&
         std::all_of(s.begin(), s.end(), ok);
}

Query::Query(std::string_view target, std::initializer_list<std::string_view> allowed) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    violations.push_back({"/query", "is not a valid query string"});
    return;
  }
  for (const auto& p : url->params()) {
    if (std::find(allowed.begin(), allowed.end(), p.key) == allowed.end()) {
      violations.push_back({"/query/" + std::string(p.key), "is not a parameter of this endpoint"});
    } else {
      values[p.key] = p.value;
    }
  }
}
std::string Query::Get(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? "" : it->second;
}
uint64_t Query::Number(const std::string& key, uint64_t max) {
  std::string v = Get(key);
  uint64_t n = 0;
  if (v.empty()) return 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n > max) {
    violations.push_back(
        {"/query/" + key, "must be a whole number from 0 to " + std::to_string(max)});
  }
  return n;
}
std::optional<ledger::Micros> Query::Time(const std::string& key) {
  std::string v = Get(key);
  if (v.empty()) return std::nullopt;
  auto t = ledger::ParseRfc3339(v);
  if (!t) violations.push_back({"/query/" + key, "must be an RFC 3339 date-time"});
  return t;
}
std::vector<uint64_t> Query::Positions(uint32_t partitions) {
  const std::string v = Get("after");
  if (v.empty()) return {};
  auto next = ledger::ParsePositions(v, partitions);
  if (!next.ok()) {
    violations.push_back(
        {"/query/after", "must be PARTITION:LEDGERSEQ[,...]: " + next.status().message()});
    return {};
  }
  return std::move(*next);
}
ledger::Status Query::Status() const {
  return violations.empty() ? ledger::Status::Ok()
                            : ledger::Status::Invalid("the query is not valid", violations);
}

ledger::Status WaitForPositions(const projections::Generation& g, const std::vector<uint64_t>& next,
                                std::chrono::milliseconds wait) {
  if (next.empty()) return ledger::Status::Ok();
  std::vector<ledger::Violation> beyond;
  for (const auto& p : g.runner->Progress()) {
    if (next[p.partition] > p.end) {
      beyond.push_back({"/query/after", "partition " + std::to_string(p.partition) + " holds " +
                                            std::to_string(p.end) + " events; ledgerseq " +
                                            std::to_string(next[p.partition] - 1) +
                                            " has not been appended"});
    }
  }
  if (!beyond.empty()) return ledger::Status::Invalid("the query is not valid", beyond);
  return g.runner->WaitUntilPositions(next, wait);
}

std::optional<uint64_t> Query::Required(const std::string& key, uint64_t max) {
  if (!Has(key)) {
    violations.push_back({"/query/" + key, "is required"});
    return std::nullopt;
  }
  const size_t before = violations.size();
  const uint64_t n = Number(key, max);
  if (violations.size() != before) return std::nullopt;
  return n;
}

}  // namespace ingest
