// Request helpers shared by the read routes: query parameters checked against what an
// endpoint takes (every problem reported), record paths, read-your-writes waits, and
// problem responses.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/api.h"
#include "ledger/time.h"
#include "projections/views.h"

namespace ingest {

// The problem response for `s` (kInvalidArgument as 400; 503 with Retry-After).
Response Fail(const Request& req, const ledger::Status& s);

std::string_view TargetOf(const Request& req);

// Record kinds and ids as paths may name them.
bool ValidKind(std::string_view s);
bool ValidId(std::string_view s);

// Query parameters by name; every name not in `allowed` is a violation.
struct Query {
  std::map<std::string, std::string> values;
  std::vector<ledger::Violation> violations;

  // `target` is the request target (path and query), decoded by Boost.URL.
  Query(std::string_view target, std::initializer_list<std::string_view> allowed);
  std::string Get(const std::string& key) const;
  bool Has(const std::string& key) const { return values.contains(key); }
  // A whole number 0..max (0 when absent); a violation otherwise.
  uint64_t Number(const std::string& key, uint64_t max);
  // The parameter when given; a violation when it is missing.
  std::optional<uint64_t> Required(const std::string& key, uint64_t max);
  std::optional<ledger::Micros> Time(const std::string& key);
  // after=P:SEQ[,P:SEQ...]: per partition, the events to wait for (next ledgerseq);
  // empty when the parameter is absent.
  std::vector<uint64_t> Positions(uint32_t partitions);
  ledger::Status Status() const;
};

// Read-your-writes: waits until the views include `next` (Query::Positions).
ledger::Status WaitForPositions(const projections::Generation& g, const std::vector<uint64_t>& next,
                                std::chrono::milliseconds wait);

}  // namespace ingest
