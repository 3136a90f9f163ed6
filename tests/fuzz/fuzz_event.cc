// Fuzzes every decoder of a stored or served event, on the same input bytes:
//  - ledger::ParseEvent (canonical event bytes: the embedded log, Kafka values, packs);
//  - ledger::EventFromJson (an event object that the caller canonicalizes);
//  - ledger::ParseFeedLine (a line of the NDJSON feed, ledgerctl verify --ndjson);
//  - ledger::DecodeRecordValue (the embedded log's cereal value);
//  - ledger::SignedRecordFromKafka, on the input read as ledgerctl verify reads a kcat -J
//    capture line ({"key":..,"payload":..,"headers":[name, value, ...]}).
//
// Properties, beyond "no crash, no sanitizer report":
//  - an event ParseEvent accepts re-encodes to exactly its bytes, and reads back the same;
//  - an event EventFromJson accepts has the canonical bytes of the JSON it came from (what
//    a verifier hashes), and ParseEvent accepts those bytes and gives the same event;
//  - each record encoding round-trips: record value, feed line and Kafka message
//    (KafkaMessageOf then SignedRecordFromKafka), and a Kafka message with one header
//    or the key changed is refused;
//  - decoders fail only with kCorruption.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/canonical.h"
#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/kafka_log.h"
#include "ledger/record.h"
#include "tests/fuzz/fuzz_util.h"

namespace {
namespace json = boost::json;

bool SameRecord(const ledger::SignedRecord& a, const ledger::SignedRecord& b) {
  return a.partition == b.partition && a.ledgerseq == b.ledgerseq && a.event == b.event &&
         a.signature == b.signature && a.kid == b.kid;
}

void CheckRefused(const ledger::Status& s, const char* decoder) {
  FUZZ_CHECK(s.code() == ledger::Code::kCorruption,
             std::string(decoder) + " failed with another code: " + s.ToString());
}

// A record of a well-formed event, with a signature and key ID made from the bytes (no
// decoder here checks signatures: VerifyLog does).
ledger::SignedRecord RecordOf(const ledger::Event& e, std::string_view bytes) {
  ledger::SignedRecord r;
  r.partition = e.partition;
  r.ledgerseq = e.ledgerseq;
  r.event = std::string(bytes);
  const ledger::Hash h = ledger::Sha256(bytes);
  for (size_t i = 0; i < r.signature.size(); ++i) r.signature[i] = h[i % h.size()] ^ i;
  r.kid = static_cast<ledger::KeyId>(h[0]) << 24 | h[1] << 16 | h[2] << 8 | h[3];
  return r;
}

void CheckKafkaRoundTrip(const ledger::SignedRecord& r, size_t variant) {
  auto m = ledger::KafkaMessageOf(r);
  FUZZ_CHECK(m.ok(), "KafkaMessageOf refused a well-formed event: " + m.status().ToString());
  const auto offset = static_cast<int64_t>(r.ledgerseq);
  auto back = ledger::SignedRecordFromKafka(r.partition, offset, m->key, m->value, m->headers);
  FUZZ_CHECK(back.ok(), "a Kafka message of a record is refused: " + back.status().ToString());
  FUZZ_CHECK(SameRecord(*back, r), "a record read back from Kafka differs");

  // One change, chosen by the input: a header dropped, repeated or altered, or the key.
  ledger::kafka::Headers headers = m->headers;
  std::string key = m->key;
  const size_t header = variant / 3 % headers.size();
  switch (variant % 3) {
    case 0:
      headers.erase(headers.begin() + static_cast<ptrdiff_t>(header));
      break;
    case 1:
      headers.push_back(headers[header]);
      break;
    default:
      if (variant % 2 == 0) {
        headers[header].second += "0";
      } else {
        key += "/";
      }
  }
  auto changed = ledger::SignedRecordFromKafka(r.partition, offset, key, m->value, headers);
  FUZZ_CHECK(!changed.ok(), "a Kafka message with header " + headers[header].first +
                                " or the key changed is accepted (variant " +
                                std::to_string(variant) + ")");
  CheckRefused(changed.status(), "SignedRecordFromKafka");
}

// Bytes ParseEvent accepts are a fixed point of decode -> encode.
void CheckCanonicalEvent(std::string_view bytes) {
  auto e = ledger::ParseEvent(bytes);
  if (!e.ok()) return CheckRefused(e.status(), "ParseEvent");
  const std::string canonical = e->Canonical();
  FUZZ_CHECK(canonical == bytes, "ParseEvent accepted bytes its event does not encode to:\n  " +
                                     std::string(bytes) + "\n  " + canonical);
  auto again = ledger::ParseEvent(canonical);
  FUZZ_CHECK(again.ok() && fuzz::SameEvent(*again, *e), "re-encoded event reads back different");

  const ledger::SignedRecord r = RecordOf(*e, bytes);
  auto value = ledger::DecodeRecordValue(ledger::EncodeRecordValue(r), r.partition, r.ledgerseq);
  FUZZ_CHECK(value.ok() && SameRecord(*value, r), "record value round trip");
  auto line = ledger::ParseFeedLine(ledger::FeedLine(r));
  FUZZ_CHECK(line.ok(), "a feed line of a record is refused: " + line.status().ToString());
  FUZZ_CHECK(SameRecord(*line, r), "feed line round trip");
  CheckKafkaRoundTrip(r, bytes.size() + static_cast<uint8_t>(bytes[bytes.size() / 2]));
}

// A JSON event object: its event's canonical bytes are the JSON's canonical bytes.
void CheckEventJson(const json::value& v) {
  auto e = ledger::EventFromJson(v);
  if (!e.ok()) return CheckRefused(e.status(), "EventFromJson");
  const std::string canonical = ledger::Canonical(v);
  FUZZ_CHECK(e->Canonical() == canonical,
             "EventFromJson accepted an event whose bytes differ from its JSON's canonical "
             "bytes:\n  " +
                 canonical + "\n  " + e->Canonical());
  if (canonical.size() > ledger::kEventBytesMax) return;
  auto parsed = ledger::ParseEvent(canonical);
  FUZZ_CHECK(parsed.ok(), "ParseEvent refuses what EventFromJson accepted: " +
                              parsed.status().ToString() + "\n  " + canonical);
  FUZZ_CHECK(fuzz::SameEvent(*parsed, *e), "ParseEvent and EventFromJson disagree");
}

void CheckFeedLine(std::string_view bytes) {
  auto r = ledger::ParseFeedLine(bytes);
  if (!r.ok()) return CheckRefused(r.status(), "ParseFeedLine");
  auto e = ledger::ParseEvent(r->event);
  if (r->event.size() <= ledger::kEventBytesMax) {
    FUZZ_CHECK(e.ok(), "a feed line's event bytes do not parse: " + e.status().ToString());
    FUZZ_CHECK(e->partition == r->partition && e->ledgerseq == r->ledgerseq, "feed position");
  }
  auto again = ledger::ParseFeedLine(ledger::FeedLine(*r));
  FUZZ_CHECK(again.ok() && SameRecord(*again, *r), "feed line round trip");
}

// ledgerctl verify's reading of a kcat -J line (ops/ledgerctl_verify.cc ParseKcatLine).
void CheckKcatLine(const json::object& o) {
  const auto* key = o.if_contains("key");
  const auto* payload = o.if_contains("payload");
  const auto* headers = o.if_contains("headers");
  if (key == nullptr || !key->is_string() || payload == nullptr || !payload->is_string() ||
      headers == nullptr || !headers->is_array() || headers->get_array().size() % 2 != 0) {
    return;
  }
  ledger::kafka::Headers list;
  const json::array& h = headers->get_array();
  for (size_t i = 0; i < h.size(); i += 2) {
    if (!h[i].is_string() || !h[i + 1].is_string()) return;
    list.emplace_back(std::string(h[i].get_string()), std::string(h[i + 1].get_string()));
  }
  const std::string_view value = payload->get_string();
  auto r = ledger::SignedRecordFromKafka(2, 17, key->get_string(), value, list);
  if (!r.ok()) return CheckRefused(r.status(), "SignedRecordFromKafka");
  FUZZ_CHECK(r->event == value && r->partition == 2 && r->ledgerseq == 17, "Kafka record fields");
  auto e = ledger::ParseEvent(value);
  FUZZ_CHECK(e.ok() && e->subject == key->get_string(), "Kafka record of a malformed event");
  auto m = ledger::KafkaMessageOf(*r);
  FUZZ_CHECK(m.ok() && m->key == key->get_string() && m->value == value, "Kafka message");
}

// The embedded log's value: the writer's encoding (flag byte 1, little-endian) is the
// only one re-encoding gives back; cereal also reads other byte orders.
void CheckRecordValue(std::string_view bytes) {
  auto r = ledger::DecodeRecordValue(bytes, 3, 42);
  if (!r.ok()) return CheckRefused(r.status(), "DecodeRecordValue");
  FUZZ_CHECK(r->partition == 3 && r->ledgerseq == 42, "the record's position is the caller's");
  FUZZ_CHECK(r->event.size() <= ledger::kEventBytesMax, "an over-long event is accepted");
  const std::string encoded = ledger::EncodeRecordValue(*r);
  if (bytes.front() == 1) FUZZ_CHECK(encoded == bytes, "record value re-encodes differently");
  auto again = ledger::DecodeRecordValue(encoded, 3, 42);
  FUZZ_CHECK(again.ok() && SameRecord(*again, *r), "record value round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = fuzz::AsText(data, size);
  if (bytes.empty()) return 0;
  CheckCanonicalEvent(bytes);
  CheckRecordValue(bytes);
  CheckFeedLine(bytes);
  boost::system::error_code ec;
  const json::value v = json::parse(bytes, ec);
  if (ec) return 0;
  CheckEventJson(v);
  if (v.is_object()) CheckKcatLine(v.get_object());
  return 0;
}
