// VerifyArchive (archive.h): the offline check of a bundle.
#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

#include "ledger/archive.h"
#include "ledger/bundle_file.h"
#include "ledger/canonical.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/record.h"

namespace ledger {
namespace json = boost::json;

namespace {

// before, counts, created, format, keys, ledger, members, partitions, records
constexpr size_t kManifestMembers = 9;

Status Bad(std::string what) { return Status::Corruption("archive: " + std::move(what)); }

std::string At(uint32_t partition, uint64_t seq) {
  return "partition " + std::to_string(partition) + " ledgerseq " + std::to_string(seq);
}

const json::string* StringAt(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr ? v->if_string() : nullptr;
}

std::optional<uint64_t> NumberAt(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return std::nullopt;
}

// The manifest, checked canonical, and the other members by name, each matching its
// digest; every member is listed.
Result<json::object> OpenMembers(std::string_view bundle,
                                 std::map<std::string, std::string>& members) {
  auto unpacked = UnpackBundle(bundle);
  if (!unpacked.ok()) return unpacked.status();
  for (BundleMember& m : *unpacked) members[m.name] = std::move(m.bytes);
  auto manifest_it = members.find(std::string(kManifestMember));
  if (manifest_it == members.end()) return Bad("member manifest.json is missing");
  json::error_code ec;
  json::value root = json::parse(manifest_it->second, ec);
  if (ec || !root.is_object()) return Bad("member manifest.json is not a JSON object");
  std::string canonical;
  AppendCanonical(root, canonical);
  canonical.push_back('\n');
  if (canonical != manifest_it->second)
    return Bad("member manifest.json is not in its canonical form (RFC 8785 and a newline)");
  json::object& manifest = root.as_object();
  const json::string* format = StringAt(manifest, "format");
  if (format == nullptr || *format != kArchiveFormat)
    return Bad("member manifest.json: unknown format; expected " + std::string(kArchiveFormat));
  const json::object* digests =
      manifest.contains("members") ? manifest["members"].if_object() : nullptr;
  if (digests == nullptr) return Bad("member manifest.json: \"members\" must be an object");
  for (const auto& [name, digest] : *digests) {
    auto it = members.find(std::string(name));
    if (it == members.end()) return Bad("member " + std::string(name) + " is missing");
    if (!digest.is_string() || digest.get_string() != Hex(Sha256(it->second)))
      return Bad("member " + std::string(name) + ": its SHA-256 differs from the manifest's");
  }
  for (const auto& [name, bytes] : members) {
    if (name != kManifestMember && !digests->contains(name))
      return Bad("member " + name + " is not listed in the manifest");
  }
  return std::move(manifest);
}

Status LoadKeys(const json::object& manifest, const Keyring* trusted, VerifiedArchive& out,
                Keyring& ring) {
  const json::value* keys = manifest.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return Bad("manifest: \"keys\" must be an array");
  for (const json::value& k : keys->get_array()) {
    auto key = k.is_string() ? ParseVerifierKey(k.get_string())
                             : Result<PublicKey>(Status::Invalid("not a string"));
    if (!key.ok()) return Bad("manifest: a key: " + key.status().message());
    if (ring.Find(key->id) != nullptr)
      return Bad("manifest: key " + key->KidHex() + " is listed twice");
    if (trusted != nullptr) {
      const PublicKey* t = trusted->FindSame(*key);
      if (t == nullptr) return Bad("key " + key->VerifierKey() + " is not one of the trusted keys");
      *key = *t;  // with its validity
    }
    ring.Add(*key);
    out.keys.push_back(*key);
  }
  return Status::Ok();
}

struct RangeSpec {
  uint32_t partition = 0;
  uint64_t first = 0, end = 0;
  std::string first_prev, last_hash, events, checkpoint;
  std::vector<Hash> path;
};

Result<RangeSpec> ParseRangeSpec(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr || o->size() != 8) return Bad("manifest: a partition entry is malformed");
  RangeSpec r;
  auto p = NumberAt(*o, "partition");
  auto first = NumberAt(*o, "first");
  auto end = NumberAt(*o, "end");
  const json::string* fp = StringAt(*o, "first_prev");
  const json::string* lh = StringAt(*o, "last_hash");
  const json::string* ev = StringAt(*o, "events");
  const json::string* cp = StringAt(*o, "checkpoint");
  const json::value* path = o->if_contains("inclusion_path");
  if (!p || *p > UINT32_MAX || !first || !end || *first >= *end || !fp || !lh || !ev || !cp ||
      path == nullptr || !path->is_array())
    return Bad("manifest: a partition entry is malformed");
  r.partition = static_cast<uint32_t>(*p);
  r.first = *first;
  r.end = *end;
  r.first_prev = std::string(*fp);
  r.last_hash = std::string(*lh);
  r.events = std::string(*ev);
  r.checkpoint = std::string(*cp);
  for (const json::value& h : path->get_array()) {
    auto raw = h.is_string() ? FromBase64(h.get_string()) : std::nullopt;
    Hash hash{};
    if (!raw || raw->size() != hash.size())
      return Bad("partition " + std::to_string(r.partition) + ": inclusion_path is malformed");
    std::memcpy(hash.data(), raw->data(), hash.size());
    r.path.push_back(hash);
  }
  return r;
}

// One line of a range: parsed, at its place, chained from `prev`, signed by a ring key.
Status CheckLine(std::string_view line, const std::string& ledger, const RangeSpec& spec,
                 uint64_t seq, const Keyring& ring, std::string& prev, SignedRecord& out) {
  const std::string where = "member " + spec.events + ": " + At(spec.partition, seq);
  auto record = ParseFeedLine(line);
  if (!record.ok()) return Bad(where + ": " + record.status().message());
  auto event = ParseEvent(record->event);
  if (!event.ok()) return Bad(where + ": " + event.status().message());
  if (event->partition != spec.partition || event->ledgerseq != seq)
    return Bad(where + ": the event names " + At(event->partition, event->ledgerseq));
  if (event->source != ledger) return Bad(where + ": the event is of ledger " + event->source);
  if (event->ledgerprev != prev)
    return Bad(where + ": ledgerprev does not link to the previous event (broken chain)");
  const PublicKey* key = ring.Find(record->kid);
  if (key == nullptr) return Bad(where + ": signed by key " + KidHex(record->kid) + ", not listed");
  const Hash leaf = record->leaf_hash();
  if (!key->Verify(leaf, record->signature))
    return Bad(where + ": the signature does not verify with key " + key->KidHex());
  if (auto why = key->OutsideValidity(event->time))
    return Bad(where + ": signed with a key not valid then: " + *why);
  prev = Hex(leaf);
  out = std::move(*record);
  return Status::Ok();
}

Result<ArchivedRange> CheckRange(const RangeSpec& spec, const std::string& ledger,
                                 const std::map<std::string, std::string>& members,
                                 const Keyring& ring) {
  const std::string where = "partition " + std::to_string(spec.partition);
  auto events = members.find(spec.events);
  auto note = members.find(spec.checkpoint);
  if (events == members.end()) return Bad(where + ": member " + spec.events + " is missing");
  if (note == members.end()) return Bad(where + ": member " + spec.checkpoint + " is missing");
  if ((spec.first == 0) != spec.first_prev.empty())
    return Bad(where + ": first_prev must be empty exactly when first is 0");
  ArchivedRange range{spec.partition, spec.first, spec.end, spec.first_prev, {}, {}};
  std::string prev = spec.first_prev;
  std::string_view text = events->second;
  for (uint64_t seq = spec.first; seq < spec.end; ++seq) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos)
      return Bad("member " + spec.events + ": " + At(spec.partition, seq) + " is missing");
    SignedRecord record;
    if (Status s = CheckLine(text.substr(0, nl), ledger, spec, seq, ring, prev, record); !s.ok())
      return s;
    range.records.push_back(std::move(record));
    text.remove_prefix(nl + 1);
  }
  if (!text.empty()) return Bad("member " + spec.events + " holds lines beyond its range");
  if (prev != spec.last_hash) return Bad(where + ": last_hash is not the range's last event");
  range.last_hash = range.records.back().leaf_hash();
  auto checkpoint = OpenCheckpoint(note->second, ring);
  if (!checkpoint.ok())
    return Bad("member " + spec.checkpoint + ": " + checkpoint.status().message());
  if (checkpoint->origin != CheckpointOrigin(ledger, spec.partition))
    return Bad("member " + spec.checkpoint + " is of " + checkpoint->origin);
  if (checkpoint->size < spec.end)
    return Bad("member " + spec.checkpoint + " does not cover the range's end");
  if (!VerifyInclusion(spec.end - 1, checkpoint->size, range.last_hash, spec.path,
                       checkpoint->root))
    return Bad(where + ": the inclusion proof of " + At(spec.partition, spec.end - 1) +
               " does not lead to the checkpoint's root");
  return range;
}

Status CheckRecords(const json::object& manifest, VerifiedArchive& out) {
  const json::value* records = manifest.if_contains("records");
  if (records == nullptr || !records->is_array()) return Bad("manifest: \"records\" is malformed");
  for (const json::value& v : records->get_array()) {
    const json::object* o = v.if_object();
    ArchivedRecord r;
    auto p = o ? NumberAt(*o, "partition") : std::nullopt;
    auto seq = o ? NumberAt(*o, "ledgerseq") : std::nullopt;
    auto version = o ? NumberAt(*o, "version") : std::nullopt;
    const json::string* subject = o ? StringAt(*o, "subject") : nullptr;
    const json::string* hash = o ? StringAt(*o, "last_hash") : nullptr;
    if (!p || !seq || !version || !subject || !hash || o->size() != 5)
      return Bad("manifest: a record entry is malformed");
    r = {std::string(*subject), *version, std::string(*hash), static_cast<uint32_t>(*p), *seq};
    const ArchivedRange* range = nullptr;
    for (const ArchivedRange& c : out.ranges)
      if (c.partition == r.partition && r.ledgerseq >= c.first && r.ledgerseq < c.end) range = &c;
    if (range == nullptr) return Bad("record " + r.subject + ": its last event is not archived");
    const SignedRecord& rec = range->records[r.ledgerseq - range->first];
    auto event = ParseEvent(rec.event);
    if (!event.ok() || event->subject != r.subject || event->streamversion != r.version ||
        Hex(rec.leaf_hash()) != r.last_hash)
      return Bad("record " + r.subject + " does not match " + At(r.partition, r.ledgerseq));
    out.records.push_back(std::move(r));
  }
  return Status::Ok();
}

// "counts" must say what the ranges and records hold.
Result<VerifiedArchive> CheckCounts(const json::object& manifest, VerifiedArchive& out) {
  const json::value* counts = manifest.if_contains("counts");
  const json::object* o = counts != nullptr ? counts->if_object() : nullptr;
  uint64_t events = 0;
  for (const ArchivedRange& r : out.ranges) events += r.records.size();
  if (o == nullptr || o->size() != 2 || NumberAt(*o, "events") != events ||
      NumberAt(*o, "records") != out.records.size())
    return Bad("manifest: \"counts\" does not match the ranges and records");
  return std::move(out);
}

}  // namespace

Result<VerifiedArchive> VerifyArchive(std::string_view bundle, const Keyring* trusted) {
  std::map<std::string, std::string> members;
  auto manifest = OpenMembers(bundle, members);
  if (!manifest.ok()) return manifest.status();
  VerifiedArchive out;
  const json::string* ledger = StringAt(*manifest, "ledger");
  const json::string* before = StringAt(*manifest, "before");
  const json::string* created = StringAt(*manifest, "created");
  const json::value* partitions = manifest->if_contains("partitions");
  if (manifest->size() != kManifestMembers)
    return Bad("manifest: must have exactly its documented members");
  if (!ledger || !before || !created || !partitions || !partitions->is_array())
    return Bad("manifest: ledger, before, created or partitions is missing or malformed");
  out.ledger_name = std::string(*ledger);
  out.before = std::string(*before);
  out.created = std::string(*created);
  Keyring ring;
  if (Status s = LoadKeys(*manifest, trusted, out, ring); !s.ok()) return s;
  std::set<uint32_t> seen;
  for (const json::value& v : partitions->get_array()) {
    auto spec = ParseRangeSpec(v);
    if (!spec.ok()) return spec.status();
    if (!seen.insert(spec->partition).second ||
        (seen.size() > 1 && *seen.rbegin() != spec->partition))
      return Bad("manifest: partitions must be listed once each, ascending");
    auto range = CheckRange(*spec, out.ledger_name, members, ring);
    if (!range.ok()) return range.status();
    out.ranges.push_back(std::move(*range));
  }
  if (Status s = CheckRecords(*manifest, out); !s.ok()) return s;
  return CheckCounts(*manifest, out);
}

}  // namespace ledger
