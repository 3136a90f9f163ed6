#include "ledger/record.h"

#include <boost/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cstring>
#include <sstream>

#include "ledger/canonical.h"
#include "ledger/event.h"

namespace ledger {
namespace {

// The archived form. Loading checks each length before allocating, so a corrupt
// length can never make us allocate more than the event limit.
struct RecordArchive {
  SignedRecord* record;

  template <class Archive>
  void save(Archive& ar) const {
    auto len = static_cast<uint32_t>(record->event.size());
    ar(kRecordFormatVersion, len);
    ar(cereal::binary_data(record->event.data(), len));
    ar(cereal::binary_data(record->signature.data(), record->signature.size()));
    ar(record->kid);
  }

  template <class Archive>
  void load(Archive& ar) {
    uint32_t version = 0, len = 0;
    ar(version);
    if (version != kRecordFormatVersion) {
      throw std::runtime_error("unknown record format version " + std::to_string(version));
    }
    ar(len);
    if (len > kEventBytesMax)
      throw std::runtime_error("event length " + std::to_string(len) + " over the limit");
    record->event.resize(len);
    ar(cereal::binary_data(record->event.data(), len));
    ar(cereal::binary_data(record->signature.data(), record->signature.size()));
    ar(record->kid);
  }
};

}  // namespace

std::string EncodeLogKey(uint32_t partition, uint64_t ledgerseq) {
  std::string key(kLogKeyBytes, '\0');
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>(partition >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) key[4 + i] = static_cast<char>(ledgerseq >> (56 - 8 * i));
  return key;
}

bool DecodeLogKey(std::string_view key, uint32_t& partition, uint64_t& ledgerseq) {
  if (key.size() != kLogKeyBytes) return false;
  partition = 0;
  ledgerseq = 0;
  for (int i = 0; i < 4; ++i) partition = (partition << 8) | static_cast<uint8_t>(key[i]);
  for (int i = 0; i < 8; ++i) ledgerseq = (ledgerseq << 8) | static_cast<uint8_t>(key[4 + i]);
  return true;
}

std::string EncodeRecordValue(const SignedRecord& record) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    RecordArchive a{const_cast<SignedRecord*>(&record)};
    a.save(ar);
  }
  return std::move(out).str();
}

Result<SignedRecord> DecodeRecordValue(std::string_view value, uint32_t partition,
                                       uint64_t ledgerseq) {
  SignedRecord record;
  record.partition = partition;
  record.ledgerseq = ledgerseq;
  std::istringstream in{std::string(value)};
  try {
    cereal::PortableBinaryInputArchive ar(in);
    RecordArchive a{&record};
    a.load(ar);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("record value is corrupt: ") + e.what());
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    return Status::Corruption("record value has trailing bytes");
  }
  return record;
}

std::string FeedLine(const SignedRecord& record) {
  std::string line = "{\"event\":";
  line += record.event;
  line += ",\"kid\":\"" + KidHex(record.kid) + "\",\"sig\":\"" + Base64(record.signature) + "\"}";
  return line;
}

Result<SignedRecord> ParseFeedLine(std::string_view line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return Status::Corruption("feed line is not a JSON object");
  const auto& o = v.get_object();
  const auto* event = o.if_contains("event");
  const auto* sig = o.if_contains("sig");
  const auto* kid = o.if_contains("kid");
  if (event == nullptr || sig == nullptr || kid == nullptr || !sig->is_string() ||
      !kid->is_string() || o.size() != 3) {
    return Status::Corruption("feed line must have exactly \"event\", \"sig\" and \"kid\"");
  }
  auto parsed = EventFromJson(*event);
  if (!parsed.ok()) return parsed.status();
  SignedRecord r;
  r.partition = parsed->partition;
  r.ledgerseq = parsed->ledgerseq;
  r.event = Canonical(*event);
  auto sig_bytes = FromBase64(sig->get_string());
  if (!sig_bytes || sig_bytes->size() != r.signature.size()) {
    return Status::Corruption("\"sig\" must be base64 of 64 bytes");
  }
  std::memcpy(r.signature.data(), sig_bytes->data(), r.signature.size());
  std::string_view kid_hex = kid->get_string();
  if (kid_hex.size() != 8 ||
      kid_hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return Status::Corruption("\"kid\" must be 8 lower-case hex digits");
  }
  r.kid = static_cast<KeyId>(std::stoul(std::string(kid_hex), nullptr, 16));
  return r;
}

}  // namespace ledger
