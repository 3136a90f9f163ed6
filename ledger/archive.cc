#include "ledger/archive.h"

#include <boost/json.hpp>
#include <set>

#include "ledger/bundle_file.h"
#include "ledger/canonical.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

namespace ledger {
namespace json = boost::json;

namespace {

std::string EventsMember(uint32_t partition) {
  return "partitions/" + std::to_string(partition) + ".ndjson";
}
std::string CheckpointMember(uint32_t partition) {
  return "partitions/" + std::to_string(partition) + ".checkpoint";
}

// The feed lines of [first, end) and the last record's hash; checks the chain from
// `first_prev` as it reads.
Status ReadRange(const EventLog& log, const ArchivePartitionRequest& range,
                 const std::string& first_prev, std::string& ndjson, Hash& last,
                 std::set<KeyId>& signers) {
  std::string prev = first_prev;
  for (uint64_t seq = range.first; seq < range.end;) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(kArchiveReadChunkEvents, range.end - seq));
    auto records = ReadRecords(log, range.partition, seq, want);
    if (!records.ok()) return records.status();
    if (records->empty()) {
      return Status::NotFound("partition " + std::to_string(range.partition) + " ledgerseq " +
                              std::to_string(seq) + " is not in the log (pruned?)");
    }
    for (const SignedRecord& r : *records) {
      auto event = ParseEvent(r.event);
      if (!event.ok()) return event.status();
      if (r.ledgerseq != seq || event->ledgerprev != prev) {
        return Status::Corruption("partition " + std::to_string(range.partition) + " ledgerseq " +
                                  std::to_string(seq) + " does not continue the chain");
      }
      ndjson += FeedLine(r);
      ndjson.push_back('\n');
      last = r.leaf_hash();
      prev = Hex(last);
      signers.insert(r.kid);
      ++seq;
    }
  }
  return Status::Ok();
}

json::array PathJson(const std::vector<Hash>& path) {
  json::array out;
  for (const Hash& h : path) out.push_back(json::string(Base64(std::span<const uint8_t>(h))));
  return out;
}

// One partition's members and manifest entry.
Result<json::object> SealPartition(const EventLog& log, const Keyring& keys,
                                   const ArchivePartitionRequest& range, std::string first_prev,
                                   std::vector<BundleMember>& members, std::set<KeyId>& signers) {
  if (range.checkpoint.size < range.end) {
    return Status::Invalid("the checkpoint of partition " + std::to_string(range.partition) +
                           " covers " + std::to_string(range.checkpoint.size) +
                           " events, not the " + std::to_string(range.end) + " to archive");
  }
  auto opened = OpenNote(range.checkpoint.note, keys);
  if (!opened.ok()) return opened.status();
  signers.insert(opened->signer_ids.begin(), opened->signer_ids.end());
  std::string ndjson;
  Hash last{};
  if (Status s = ReadRange(log, range, first_prev, ndjson, last, signers); !s.ok()) return s;
  LogMerkleNodes nodes(log, range.partition);
  auto proof = InclusionProof(nodes, range.end - 1, range.checkpoint.size);
  if (!proof.ok()) return proof.status();
  members.push_back({EventsMember(range.partition), std::move(ndjson)});
  members.push_back({CheckpointMember(range.partition), range.checkpoint.note});
  return json::object{{"checkpoint", CheckpointMember(range.partition)},
                      {"end", range.end},
                      {"events", EventsMember(range.partition)},
                      {"first", range.first},
                      {"first_prev", std::move(first_prev)},
                      {"inclusion_path", PathJson(*proof)},
                      {"last_hash", Hex(last)},
                      {"partition", range.partition}};
}

json::array RecordsJson(const std::vector<ArchivedRecord>& records) {
  json::array out;
  for (const ArchivedRecord& r : records) {
    out.push_back(json::object{{"last_hash", r.last_hash},
                               {"ledgerseq", r.ledgerseq},
                               {"partition", r.partition},
                               {"subject", r.subject},
                               {"version", r.version}});
  }
  return out;
}

}  // namespace

Result<uint64_t> CutBefore(const EventLog& log, uint32_t partition, Micros before) {
  uint64_t lo = 0, hi = log.End(partition);
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    auto records = ReadRecords(log, partition, mid, 1);
    if (!records.ok()) return records.status();
    // A record pruned after an earlier archive lies below that archive's cut: older.
    bool older = records->empty() || records->front().ledgerseq != mid;
    if (!older) {
      auto event = ParseEvent(records->front().event);
      if (!event.ok()) return event.status();
      older = ParseRfc3339(event->time).value_or(0) < before;
    }
    if (older) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<std::string> BuildArchive(const EventLog& log, const Keyring& keys,
                                 const ArchiveRequest& request) {
  std::vector<BundleMember> members(1);  // the manifest first, filled in last
  json::array partitions;
  std::set<KeyId> signers;
  uint64_t events = 0;
  std::set<uint32_t> seen;
  for (const ArchivePartitionRequest& range : request.partitions) {
    if (range.first >= range.end) continue;
    if (!seen.insert(range.partition).second || range.partition >= log.partitions())
      return Status::Invalid("partition " + std::to_string(range.partition) + " given twice");
    std::string first_prev = range.first > 0 ? range.first_prev : "";
    if (range.first > 0 && first_prev.empty()) {
      auto before = ReadRecords(log, range.partition, range.first - 1, 1);
      if (!before.ok()) return before.status();
      if (before->empty()) return Status::NotFound("the event before the range is not in the log");
      first_prev = Hex(before->front().leaf_hash());
    }
    auto entry = SealPartition(log, keys, range, std::move(first_prev), members, signers);
    if (!entry.ok()) return entry.status();
    partitions.push_back(std::move(*entry));
    events += range.end - range.first;
  }
  json::object digests;
  for (size_t i = 1; i < members.size(); ++i)
    digests[members[i].name] = Hex(Sha256(members[i].bytes));
  json::array vkeys;
  for (KeyId id : signers) {
    const PublicKey* key = keys.Find(id);
    if (key == nullptr) return Status::NotFound("no verifier key " + KidHex(id));
    vkeys.push_back(json::string(key->VerifierKey()));
  }
  json::object manifest{
      {"before", request.before},
      {"counts", json::object{{"events", events}, {"records", request.records.size()}}},
      {"created", request.created},
      {"format", kArchiveFormat},
      {"keys", std::move(vkeys)},
      {"ledger", request.ledger_name},
      {"members", std::move(digests)},
      {"partitions", std::move(partitions)},
      {"records", RecordsJson(request.records)}};
  members[0].name = std::string(kManifestMember);
  AppendCanonical(manifest, members[0].bytes);
  members[0].bytes.push_back('\n');
  return PackBundle(members);
}

}  // namespace ledger
