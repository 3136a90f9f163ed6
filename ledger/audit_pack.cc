#include "ledger/audit_pack.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <set>

#include "ledger/canonical.h"
#include "ledger/merkle.h"

namespace ledger {
namespace json = boost::json;

Result<std::string> BuildAuditPack(const EventLog& log, const Keyring& keys,
                                   std::string_view subject, uint32_t partition,
                                   std::span<const uint64_t> ledgerseqs,
                                   const StoredCheckpoint& checkpoint) {
  auto opened = OpenNote(checkpoint.note, keys);
  if (!opened.ok()) return opened.status();
  std::set<KeyId> used(opened->signer_ids.begin(), opened->signer_ids.end());
  LogMerkleNodes nodes(log, partition);
  json::array events;
  for (uint64_t seq : ledgerseqs) {
    if (seq >= checkpoint.size) {
      return Status::Invalid("ledgerseq " + std::to_string(seq) + " is not covered by the " +
                             std::to_string(checkpoint.size) + "-leaf checkpoint");
    }
    auto records = ReadRecords(log, partition, seq, 1);
    if (!records.ok()) return records.status();
    if (records->size() != 1 || records->front().ledgerseq != seq) {
      return Status::Corruption("partition " + std::to_string(partition) + " ledgerseq " +
                                std::to_string(seq) + " is missing");
    }
    const SignedRecord& r = records->front();
    auto proof = InclusionProof(nodes, seq, checkpoint.size);
    if (!proof.ok()) return proof.status();
    json::array path;
    for (const Hash& h : *proof) path.push_back(json::string(Base64(std::span<const uint8_t>(h))));
    json::error_code ec;
    json::value event = json::parse(r.event, ec);
    if (ec) return Status::Corruption("an event in the log is not JSON: " + ec.message());
    events.push_back(json::object{{"event", std::move(event)},
                                  {"inclusion_path", std::move(path)},
                                  {"kid", KidHex(r.kid)},
                                  {"sig", Base64(std::span<const uint8_t>(r.signature))}});
    used.insert(r.kid);
  }
  json::array vkeys;
  for (KeyId id : used) {
    const PublicKey* key = keys.Find(id);
    if (key == nullptr) return Status::NotFound("no verifier key " + KidHex(id));
    vkeys.push_back(json::string(key->VerifierKey()));
  }
  json::object pack{{"checkpoint", checkpoint.note},
                    {"events", std::move(events)},
                    {"format", kAuditPackFormat},
                    {"keys", std::move(vkeys)},
                    {"subject", subject}};
  std::string out;
  AppendCanonical(pack, out);
  out.push_back('\n');
  return out;
}

namespace {

Status Bad(std::string what) { return Status::Corruption("audit pack: " + std::move(what)); }

// The object's members, exactly these names (in any order), or an error naming `what`.
Status ExpectMembers(const json::object& o, std::initializer_list<std::string_view> names,
                     const std::string& what) {
  if (o.size() != names.size()) return Bad(what + " must have exactly its documented members");
  for (std::string_view n : names) {
    if (!o.contains(n)) return Bad(what + " has no \"" + std::string(n) + "\"");
  }
  return Status::Ok();
}

const json::string* StringAt(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr ? v->if_string() : nullptr;
}

}  // namespace

Result<VerifiedPack> VerifyAuditPack(std::string_view bytes, const Keyring* trusted) {
  json::error_code ec;
  json::value root = json::parse(bytes, ec);
  if (ec) return Bad("not JSON: " + ec.message());
  if (!root.is_object()) return Bad("not a JSON object");
  std::string canonical;
  AppendCanonical(root, canonical);
  canonical.push_back('\n');
  if (canonical != bytes) {
    return Bad(
        "the file is not in its canonical form (RFC 8785 and one newline): it was "
        "altered or re-encoded");
  }
  const json::object& pack = root.as_object();
  if (Status s =
          ExpectMembers(pack, {"checkpoint", "events", "format", "keys", "subject"}, "the pack");
      !s.ok())
    return s;
  const json::string* format = StringAt(pack, "format");
  if (format == nullptr || *format != kAuditPackFormat)
    return Bad("unknown format; expected " + std::string(kAuditPackFormat));
  const json::string* subject = StringAt(pack, "subject");
  const json::string* note = StringAt(pack, "checkpoint");
  const json::array* events = pack.at("events").if_array();
  const json::array* keys = pack.at("keys").if_array();
  if (subject == nullptr || note == nullptr || events == nullptr || keys == nullptr)
    return Bad("subject and checkpoint must be strings, events and keys arrays");
  if (events->empty()) return Bad("has no events");

  VerifiedPack out;
  out.subject = std::string(*subject);
  Keyring ring;
  for (size_t i = 0; i < keys->size(); ++i) {
    const json::string* text = (*keys)[i].if_string();
    auto key = text != nullptr ? ParseVerifierKey(*text) : Result<PublicKey>(Bad("not a string"));
    if (!key.ok()) return Bad("key " + std::to_string(i) + ": " + key.status().message());
    if (ring.Find(key->id) != nullptr) return Bad("key " + key->KidHex() + " is listed twice");
    if (trusted != nullptr && trusted->FindSame(*key) == nullptr)
      return Bad("key " + key->VerifierKey() + " is not one of the trusted keys");
    ring.Add(*key);
    out.keys.push_back(*key);
  }
  std::set<KeyId> used;

  auto opened = OpenNote(*note, ring);
  if (!opened.ok()) return Bad("checkpoint: " + opened.status().message());
  used.insert(opened->signer_ids.begin(), opened->signer_ids.end());
  auto checkpoint = ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return Bad(checkpoint.status().message());
  out.checkpoint = *checkpoint;

  // Signatures are checked last: the hashes catch most alterations far more cheaply.
  struct PendingSignature {
    const PublicKey* key;
    Hash leaf;
    Signature signature;
  };
  std::vector<PendingSignature> signatures;
  std::string prev;  // hex leaf hash of the previous event of the stream
  for (size_t i = 0; i < events->size(); ++i) {
    const std::string where =
        "event " + std::to_string(i) + " (version " + std::to_string(i + 1) + ")";
    const json::object* item = (*events)[i].if_object();
    if (item == nullptr) return Bad(where + " is not an object");
    if (Status s = ExpectMembers(*item, {"event", "inclusion_path", "kid", "sig"}, where); !s.ok())
      return s;
    const json::object* event_json = item->at("event").if_object();
    const json::array* path_json = item->at("inclusion_path").if_array();
    const json::string* kid = StringAt(*item, "kid");
    const json::string* sig = StringAt(*item, "sig");
    if (event_json == nullptr || path_json == nullptr || kid == nullptr || sig == nullptr)
      return Bad(where + ": event must be an object, inclusion_path an array, kid and sig strings");
    std::string event_bytes;
    AppendCanonical(*event_json, event_bytes);
    auto event = ParseEvent(event_bytes);
    if (!event.ok()) return Bad(where + ": " + event.status().message());
    if (event->subject != out.subject)
      return Bad(where + " is of " + event->subject + ", not of " + out.subject);
    if (event->streamversion != i + 1 || event->streamprev != prev) {
      return Bad(where +
                 " does not continue the stream: an event is missing, added or out of "
                 "order");
    }
    if (checkpoint->origin != event->source + "/" + std::to_string(event->partition)) {
      return Bad(where + " is in partition " + std::to_string(event->partition) + " of " +
                 event->source + ", but the checkpoint is of " + checkpoint->origin);
    }
    if (event->ledgerseq >= checkpoint->size) {
      return Bad(where + " (ledgerseq " + std::to_string(event->ledgerseq) +
                 ") is not in the checkpoint's " + std::to_string(checkpoint->size) + " leaves");
    }
    const Hash leaf = LeafHash(event_bytes);
    KeyId id = 0;
    const PublicKey* key = nullptr;
    auto [end, ec] = std::from_chars(kid->data(), kid->data() + kid->size(), id, 16);
    if (ec == std::errc() && end == kid->data() + kid->size() && KidHex(id) == *kid)
      key = ring.Find(id);
    if (key == nullptr) return Bad(where + ": kid " + std::string(*kid) + " is not a pack key");
    auto sig_bytes = FromBase64(*sig);
    Signature signature{};
    if (!sig_bytes || sig_bytes->size() != signature.size())
      return Bad(where + ": sig is not a base64 Ed25519 signature");
    std::memcpy(signature.data(), sig_bytes->data(), signature.size());
    signatures.push_back({key, leaf, signature});
    used.insert(id);
    std::vector<Hash> path;
    for (const json::value& h : *path_json) {
      const json::string* text = h.if_string();
      auto raw = text != nullptr ? FromBase64(*text) : std::nullopt;
      Hash hash{};
      if (!raw || raw->size() != hash.size())
        return Bad(where + ": inclusion_path holds something that is not a base64 hash");
      std::memcpy(hash.data(), raw->data(), hash.size());
      path.push_back(hash);
    }
    if (!VerifyInclusion(event->ledgerseq, checkpoint->size, leaf, path, checkpoint->root)) {
      return Bad(where + ": the inclusion proof does not lead to the checkpoint's root");
    }
    prev = Hex(leaf);
    out.events.push_back(std::move(event).value());
  }
  for (const PublicKey& k : out.keys) {
    if (!used.contains(k.id)) return Bad("key " + k.KidHex() + " signs nothing in the pack");
  }
  for (size_t i = 0; i < signatures.size(); ++i) {
    const PendingSignature& p = signatures[i];
    if (!p.key->Verify(p.leaf, p.signature)) {
      return Bad("event " + std::to_string(i) + " (version " + std::to_string(i + 1) +
                 "): the signature does not verify with key " + p.key->KidHex());
    }
  }
  return out;
}

}  // namespace ledger
