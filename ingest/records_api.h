// The query routes over the read models (projections/):
//   GET /v1/records/{kind}/{id}[?asof=RFC3339 | ?asof_business=RFC3339]
//   GET /v1/records/{kind}/{id}/history[?after_version=VERSION&limit=N]
//   GET /v1/records/{kind}?owner=&stage=&status=&account=&updated_since=&limit=&cursor=
//   GET /v1/records/account/{id}/related[?limit=N]
//   GET /readyz
// Every /v1/records route takes after=P:SEQ[,P:SEQ...] (read-your-writes): the answer
// waits, at most RecordsOptions::read_wait, until the views include those positions.
// Each request reads the generation of views served when it arrived
// (projections/views.h). Thread-safe. docs/API.md describes the routes.
#pragma once

#include <chrono>
#include <optional>

#include "ingest/api.h"
#include "projections/views.h"

namespace ingest {

// /readyz answers 503 while any partition's projection lags the log by more than this.
inline constexpr uint64_t kReadyLagEventsMax = 1000;

struct RecordsOptions {
  std::chrono::milliseconds read_wait{5000};  // longest wait for ?after=, then 503
  // A point-in-time copy (ledgerd --read-only): pinned views are ready once every
  // partition reached its pin, and /readyz says "read_only": true.
  bool read_only = false;
};

class ProofsApi;
class SubjectKeys;

class RecordsApi {
 public:
  // `views` must outlive this.
  explicit RecordsApi(const projections::LiveViews& views, RecordsOptions options = {})
      : views_(views), options_(options) {}

  // The response when the request is one of the routes above; nullopt otherwise. A
  // grant scoped to the caller's own or team's records (ingest/authz.h) answers 403 for
  // any other record, and leaves other records out of lists.
  std::optional<Response> Handle(const Request& request, const Grant& grant) const;

  // Marks each history entry with its verification status (ProofsApi::Verify).
  void AttachProofs(const ProofsApi* proofs) { proofs_ = proofs; }
  // Opens sealed personal fields with these keys (ingest/sealing.h); without them, they
  // answer {"withheld": ...}. Before serving.
  void AttachSubjectKeys(const SubjectKeys* keys) { subject_keys_ = keys; }

  // Projection lag lines for /metrics.
  std::string MetricsText() const;

 private:
  using Generation = projections::Generation;
  // The record as the hot views show it, or with `archive_view` as an archive bundle
  // sealed it (projections/archive_model.h): each answers for the other kind with 410
  // Gone or 404, naming the route that has it.
  Response Record(const Request& req, const Generation& g, const std::string& subject,
                  bool archive_view = false) const;
  Response History(const Request& req, const Generation& g, const std::string& subject) const;
  Response List(const Request& req, const Generation& g, const std::string& kind,
                const Grant& grant) const;
  Response Related(const Request& req, const Generation& g, const std::string& id,
                   const Grant& grant) const;
  Response Ready(const Request& req) const;
  // A 200 with `body`, its sealed fields opened for the caller.
  Response Answer(const Request& req, boost::json::object body) const;

  const projections::LiveViews& views_;
  const RecordsOptions options_;
  const ProofsApi* proofs_ = nullptr;
  const SubjectKeys* subject_keys_ = nullptr;
};

}  // namespace ingest
