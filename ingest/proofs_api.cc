#include "ingest/proofs_api.h"

#include <boost/json.hpp>
#include <charconv>

#include "ingest/query.h"
#include "ledger/audit_pack.h"
#include "ledger/merkle.h"
#include "ledger/partition.h"

namespace ingest {
namespace json = boost::json;

namespace {

json::array HashesJson(const std::vector<ledger::Hash>& hashes) {
  json::array out;
  for (const ledger::Hash& h : hashes) out.push_back(json::string(ledger::Base64(h)));
  return out;
}

// Reading the trees failed: a query node keeps none (kUnavailable), anything else is
// the node's own fault.
Response TreeFailure(const Request& req, const ledger::Status& s) {
  if (s.code() == ledger::Code::kUnavailable) {
    return Fail(req, ledger::Status::Unavailable(
                         "this ledgerd keeps no Merkle trees or checkpoints (a query node): ask "
                         "the writer node (" +
                         s.message() + ")"));
  }
  return Fail(req, s);
}

}  // namespace

std::optional<Response> ProofsApi::Handle(const Request& req) const {
  const std::string_view target = TargetOf(req);
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kCheckpoints = "/v1/checkpoints/";
  constexpr std::string_view kRecords = "/v1/records/";
  constexpr std::string_view kAuditPack = "/auditpack";
  std::optional<std::string> subject;
  if (path.starts_with(kRecords) && path.ends_with(kAuditPack)) {
    const std::string_view rest =
        path.substr(kRecords.size(), path.size() - kRecords.size() - kAuditPack.size());
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos || !ValidKind(rest.substr(0, slash)) ||
        !ValidId(rest.substr(slash + 1))) {
      return std::nullopt;  // the records routes answer 404
    }
    subject = std::string(rest);
  }
  const bool ours = subject || path.starts_with(kCheckpoints) || path == "/v1/proofs/inclusion" ||
                    path == "/v1/proofs/consistency";
  if (!ours) return std::nullopt;
  if (req.method() != http::verb::get) {
    Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                           "Method not allowed", ledger::Status::Invalid("read with GET"));
    res.set(http::field::allow, "GET");
    return res;
  }
  if (subject) return AuditPack(req, *subject);
  if (path.starts_with(kCheckpoints)) return Checkpoint(req, path.substr(kCheckpoints.size()));
  return path == "/v1/proofs/inclusion" ? Inclusion(req) : Consistency(req);
}

std::optional<uint32_t> ProofsApi::PartitionOf(std::string_view text, const std::string& pointer,
                                               std::vector<ledger::Violation>& violations) const {
  uint32_t p = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      p >= log_.partitions()) {
    violations.push_back(
        {pointer, "must be a partition, 0 to " + std::to_string(log_.partitions() - 1)});
    return std::nullopt;
  }
  return p;
}

ledger::Status ProofsApi::TreeHas(uint32_t partition, uint64_t size) const {
  const uint64_t stored = log_.StateEnd(partition);
  if (size <= stored) return ledger::Status::Ok();
  return ledger::Status::NotFound("the tree of partition " + std::to_string(partition) + " has " +
                                  std::to_string(stored) + " leaves, not " + std::to_string(size));
}

ledger::Result<std::optional<std::pair<ledger::StoredCheckpoint, ledger::Checkpoint>>>
ProofsApi::LatestCheckpoint(uint32_t partition) const {
  using Opened = std::optional<std::pair<ledger::StoredCheckpoint, ledger::Checkpoint>>;
  auto stored = ledger::FindCheckpoint(log_, partition);
  if (!stored.ok()) return stored.status();
  if (!*stored) return Opened();
  auto checkpoint = ledger::OpenCheckpoint((*stored)->note, keys_);
  if (!checkpoint.ok()) {
    return ledger::Status::Corruption("the checkpoint of partition " + std::to_string(partition) +
                                      " at " + std::to_string((*stored)->size) +
                                      " does not verify: " + checkpoint.status().message());
  }
  return Opened(std::pair{std::move(**stored), std::move(checkpoint).value()});
}

Response ProofsApi::Checkpoint(const Request& req, std::string_view partition) const {
  Query q(TargetOf(req), {"size"});
  const bool sized = q.Has("size");
  const uint64_t size = q.Number("size", UINT64_MAX - 1);
  std::vector<ledger::Violation> violations;
  auto p = PartitionOf(partition, "/path/partition", violations);
  q.violations.insert(q.violations.end(), violations.begin(), violations.end());
  if (!q.Status().ok()) return Fail(req, q.Status());
  auto found = ledger::FindCheckpoint(log_, *p, sized ? size : UINT64_MAX);
  if (!found.ok()) return TreeFailure(req, found.status());
  if (!*found || (sized && (*found)->size != size)) {
    std::string detail = sized ? "no checkpoint of " + std::to_string(size) +
                                     " leaves was kept for partition " + std::to_string(*p)
                               : "partition " + std::to_string(*p) + " has no checkpoint yet";
    if (*found) detail += "; the largest kept below it has " + std::to_string((*found)->size);
    return Fail(req, ledger::Status::NotFound(detail));
  }
  Response res(http::status::ok, req.version());
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set("Ledger-Tree-Size", std::to_string((*found)->size));
  res.keep_alive(req.keep_alive());
  res.body() = (*found)->note;
  res.prepare_payload();
  return res;
}

Response ProofsApi::Inclusion(const Request& req) const {
  Query q(TargetOf(req), {"partition", "seq", "size"});
  auto p = PartitionOf(q.Get("partition"), "/query/partition", q.violations);
  auto seq = q.Required("seq", UINT64_MAX - 1);
  std::optional<uint64_t> size;
  if (q.Has("size")) size = q.Required("size", UINT64_MAX);
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (!size) {
    auto latest = ledger::FindCheckpoint(log_, *p);
    if (!latest.ok()) return TreeFailure(req, latest.status());
    if (!*latest || (*latest)->size <= *seq) {
      return Fail(req, ledger::Status::NotFound(
                           "no checkpoint of partition " + std::to_string(*p) +
                           " covers ledgerseq " + std::to_string(*seq) +
                           " yet; pass size= for a proof into a tree you hold a root of"));
    }
    size = (*latest)->size;
  }
  if (*seq >= *size) {
    return Fail(req, ledger::Status::Invalid(
                         "the query is not valid",
                         {{"/query/seq", "must be below size (" + std::to_string(*size) + ")"}}));
  }
  if (auto s = TreeHas(*p, *size); !s.ok()) return Fail(req, s);
  ledger::LogMerkleNodes nodes(log_, *p);
  auto leaf = nodes.Node(0, *seq);
  if (!leaf.ok()) return TreeFailure(req, leaf.status());
  auto proof = ledger::InclusionProof(nodes, *seq, *size);
  if (!proof.ok()) return TreeFailure(req, proof.status());
  return JsonResponse(req, http::status::ok,
                      {{"partition", *p},
                       {"leaf_index", *seq},
                       {"tree_size", *size},
                       {"leaf_hash", ledger::Base64(*leaf)},
                       {"inclusion_path", HashesJson(*proof)}});
}

Response ProofsApi::Consistency(const Request& req) const {
  Query q(TargetOf(req), {"partition", "from", "to"});
  auto p = PartitionOf(q.Get("partition"), "/query/partition", q.violations);
  auto from = q.Required("from", UINT64_MAX);
  auto to = q.Required("to", UINT64_MAX);
  if (from && *from == 0) q.violations.push_back({"/query/from", "must be at least 1"});
  if (from && to && *from > *to)
    q.violations.push_back({"/query/from", "must not be greater than to"});
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (auto s = TreeHas(*p, *to); !s.ok()) return Fail(req, s);
  auto proof = ledger::ConsistencyProof(ledger::LogMerkleNodes(log_, *p), *from, *to);
  if (!proof.ok()) return TreeFailure(req, proof.status());
  return JsonResponse(req, http::status::ok,
                      {{"partition", *p},
                       {"tree_size_1", *from},
                       {"tree_size_2", *to},
                       {"consistency_path", HashesJson(*proof)}});
}

Response ProofsApi::AuditPack(const Request& req, const std::string& subject) const {
  const std::shared_ptr<const projections::Generation> g = views_.Current();
  Query q(TargetOf(req), {"after", "purpose"});
  auto after = q.Positions(g->store->partitions());
  if (!q.Status().ok()) return Fail(req, q.Status());
  if (after.empty()) {
    // A pack holds every event of the record the log has when it is asked for: wait
    // until the views include the record's partition up to there.
    after.assign(g->store->partitions(), 0);
    const uint32_t p = ledger::PartitionOf(subject, g->store->partitions());
    after[p] = log_.End(p);
  }
  if (auto s = WaitForPositions(*g, after, options_.read_wait); !s.ok()) return Fail(req, s);
  std::vector<uint64_t> seqs;
  uint32_t partition = 0;
  for (uint64_t next = 0;;) {
    auto page = g->reader->History(subject, next, projections::kHistoryLimitMax);
    if (!page.ok()) return Fail(req, page.status());
    for (const auto& e : page->entries) {
      partition = e.partition;
      seqs.push_back(e.ledgerseq);
    }
    if (page->next_after == 0) break;
    next = page->next_after;
  }
  if (seqs.empty()) return Fail(req, ledger::Status::NotFound("no record " + subject));
  if (PrunedBelow(partition, seqs.front())) {
    return Problem(req.version(), req.keep_alive(), http::status::gone, "Archived",
                   ledger::Status::NotFound(
                       "the events of " + subject +
                       " were pruned from the log into an archive "
                       "bundle, which proves them (ledgerctl verify-archive); its history "
                       "still answers"));
  }
  auto checkpoint = ledger::FindCheckpoint(log_, partition);
  if (!checkpoint.ok()) return TreeFailure(req, checkpoint.status());
  if (!*checkpoint || (*checkpoint)->size <= seqs.back()) {
    if (writer_ == nullptr) {
      return Fail(req, ledger::Status::Unavailable("no checkpoint covers the record's last event "
                                                   "yet; the writer signs one within its "
                                                   "checkpoint interval"));
    }
    auto now = writer_->CheckpointNow(partition);
    if (!now.ok()) return TreeFailure(req, now.status());
    *checkpoint = std::move(now).value();
  }
  auto pack = ledger::BuildAuditPack(log_, keys_, subject, partition, seqs, **checkpoint);
  if (!pack.ok()) return TreeFailure(req, pack.status());
  // What we hand out must verify: if it does not, the stored data was altered.
  if (auto verified = ledger::VerifyAuditPack(*pack, &keys_); !verified.ok()) {
    return Fail(req,
                ledger::Status::Corruption("the ledger's stored data for " + subject +
                                           " does not verify: " + verified.status().message()));
  }
  std::string file = subject;
  std::replace(file.begin(), file.end(), '/', '-');
  Response res(http::status::ok, req.version());
  res.set(http::field::content_type, "application/json");
  res.set(http::field::content_disposition, "attachment; filename=\"" + file + ".auditpack.json\"");
  res.set("Ledger-Tree-Size", std::to_string((*checkpoint)->size));
  res.keep_alive(req.keep_alive());
  res.body() = std::move(pack).value();
  res.prepare_payload();
  return res;
}

bool ProofsApi::PrunedBelow(uint32_t partition, uint64_t ledgerseq) const {
  // A pruned log (ledgerctl archive --prune) starts above 0; a hole elsewhere is a loss.
  auto first = ledger::ReadRecords(log_, partition, 0, 1);
  return first.ok() && !first->empty() && first->front().ledgerseq > ledgerseq;
}

json::array ProofsApi::Verify(std::span<const projections::HistoryEntry> entries) const {
  json::array out;
  if (entries.empty()) return out;
  auto failed = [](std::string reason) {
    return json::object{{"status", "failed"}, {"reason", std::move(reason)}};
  };
  const uint32_t partition = entries.front().partition;
  auto latest = LatestCheckpoint(partition);
  ledger::LogMerkleNodes nodes(log_, partition);
  for (const auto& e : entries) {
    const std::string at =
        "partition " + std::to_string(e.partition) + " ledgerseq " + std::to_string(e.ledgerseq);
    auto records = ledger::ReadRecords(log_, e.partition, e.ledgerseq, 1);
    if (!records.ok()) {
      out.push_back(failed("cannot read " + at + ": " + records.status().message()));
      continue;
    }
    if (records->size() != 1 || records->front().ledgerseq != e.ledgerseq) {
      out.push_back(PrunedBelow(e.partition, e.ledgerseq)
                        ? json::object{{"status", "archived"},
                                       {"reason", "the log keeps no event at " + at +
                                                      ": its prefix was pruned into an archive "
                                                      "bundle, which ledgerctl verify-archive "
                                                      "checks"}}
                        : failed("the log has no event at " + at));
      continue;
    }
    const ledger::SignedRecord& r = records->front();
    const ledger::Hash leaf = r.leaf_hash();
    if (ledger::Hex(leaf) != e.hash) {
      out.push_back(failed("the event at " + at +
                           " is not the one the history shows (its hash is " + ledger::Hex(leaf) +
                           ")"));
      continue;
    }
    const ledger::PublicKey* key = keys_.Find(r.kid);
    if (key == nullptr || !key->Verify(leaf, r.signature)) {
      out.push_back(failed("the signature of the event at " + at + " does not verify"));
      continue;
    }
    if (!latest.ok()) {
      out.push_back(
          latest.status().code() == ledger::Code::kUnavailable
              ? json::object{{"status", "signed"}, {"reason", "this node keeps no checkpoints"}}
              : failed(latest.status().message()));
      continue;
    }
    if (!*latest || (*latest)->first.size <= e.ledgerseq) {
      out.push_back({{"status", "signed"}, {"reason", "not covered by a checkpoint yet"}});
      continue;
    }
    const ledger::Checkpoint& c = (*latest)->second;
    auto proof = ledger::InclusionProof(nodes, e.ledgerseq, c.size);
    if (!proof.ok() || !ledger::VerifyInclusion(e.ledgerseq, c.size, leaf, *proof, c.root)) {
      out.push_back(failed("the event at " + at + " is not proven in the signed checkpoint of " +
                           std::to_string(c.size) + " leaves" +
                           (proof.ok() ? "" : ": " + proof.status().message())));
      continue;
    }
    out.push_back({{"status", "verified"}, {"checkpoint", c.size}});
  }
  return out;
}

}  // namespace ingest
