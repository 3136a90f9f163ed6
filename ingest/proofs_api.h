// The verifiable-audit routes, over the writer's stored Merkle trees and checkpoints
// (ledger/tree_store.h):
//   GET /v1/checkpoints/{partition}[?size=N]                  the C2SP signed note, text/plain
//   GET /v1/proofs/inclusion?partition=P&seq=S[&size=N]        RFC 9162 §2.1.3, JSON
//   GET /v1/proofs/consistency?partition=P&from=M&to=N         RFC 9162 §2.1.4, JSON
//   GET /v1/records/{kind}/{id}/auditpack[?after=P:SEQ]        ledger/audit_pack.h
// and the verification status of history entries. A query node (ledgerd --group) keeps
// no trees: these answer 503 there. Thread-safe. docs/API.md describes the routes.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <span>

#include "ingest/api.h"
#include "ingest/records_api.h"
#include "ledger/tree_store.h"
#include "projections/views.h"

namespace ingest {

class ProofsApi {
 public:
  // All references must outlive this. `writer` may be null (a query node); with one, an
  // audit pack of events no checkpoint covers yet gets a checkpoint signed at once.
  ProofsApi(const ledger::EventLog& log, const ledger::Keyring& keys,
            const projections::LiveViews& views, const ledger::Writer* writer,
            RecordsOptions options = {})
      : log_(log), keys_(keys), views_(views), writer_(writer), options_(options) {}

  // The response when the request is one of the routes above; nullopt otherwise.
  std::optional<Response> Handle(const Request& request) const;

  // For each history entry (all of one partition), its verification against the log:
  //   {"status": "verified", "checkpoint": N}  signed, the log holds exactly the event the
  //                                            views show, and it is proven in the latest
  //                                            checkpoint (of N leaves)
  //   {"status": "signed", "reason": ...}      all that, but no checkpoint covers it yet
  //   {"status": "archived", "reason": ...}    the log was pruned below it (ledgerctl archive
  //                                            --prune): its proof is in the archive bundle
  //   {"status": "failed", "reason": ...}      something does not verify: the reason says what
  boost::json::array Verify(std::span<const projections::HistoryEntry> entries) const;

 private:
  Response Checkpoint(const Request& req, std::string_view partition) const;
  Response Inclusion(const Request& req) const;
  Response Consistency(const Request& req) const;
  Response AuditPack(const Request& req, const std::string& subject) const;
  // The partition named by `text`, or a violation at `pointer`.
  std::optional<uint32_t> PartitionOf(std::string_view text, const std::string& pointer,
                                      std::vector<ledger::Violation>& violations) const;
  // kNotFound unless the partition's stored tree has at least `size` leaves.
  ledger::Status TreeHas(uint32_t partition, uint64_t size) const;
  // Whether the log's first kept event of `partition` is beyond `ledgerseq` (pruned).
  bool PrunedBelow(uint32_t partition, uint64_t ledgerseq) const;
  // The latest kept checkpoint of `partition`, opened with the ledger's keys.
  ledger::Result<std::optional<std::pair<ledger::StoredCheckpoint, ledger::Checkpoint>>>
  LatestCheckpoint(uint32_t partition) const;

  const ledger::EventLog& log_;
  const ledger::Keyring& keys_;
  const projections::LiveViews& views_;
  const ledger::Writer* writer_;
  const RecordsOptions options_;
};

}  // namespace ingest
