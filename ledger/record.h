// A signed record: one event's canonical bytes with its Ed25519 signature and key ID,
// and its place in the log. This is what the embedded log stores (a cereal portable
// binary archive, versioned) and what Kafka carries (value + headers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/crypto.h"
#include "ledger/keys.h"
#include "ledger/status.h"

namespace ledger {

inline constexpr uint32_t kRecordFormatVersion = 1;

struct SignedRecord {
  uint32_t partition = 0;  // from the log position, not the event
  uint64_t ledgerseq = 0;  // from the log position, not the event
  std::string event;       // canonical event bytes
  Signature signature{};   // Ed25519 over LeafHash(event)
  KeyId kid = 0;

  Hash leaf_hash() const { return LeafHash(event); }
};

// The embedded log's key: partition then ledgerseq, both big-endian, so RocksDB's
// byte order is the log order.
inline constexpr size_t kLogKeyBytes = 12;
std::string EncodeLogKey(uint32_t partition, uint64_t ledgerseq);
bool DecodeLogKey(std::string_view key, uint32_t& partition, uint64_t& ledgerseq);

// Value bytes: cereal portable binary of {format version, event, signature, kid}.
std::string EncodeRecordValue(const SignedRecord& record);
// Decodes a value read at (partition, ledgerseq). Corrupt, truncated, over-long or
// unknown-version input gives kCorruption naming what is wrong.
Result<SignedRecord> DecodeRecordValue(std::string_view value, uint32_t partition,
                                       uint64_t ledgerseq);

// One line of the NDJSON feed: {"event":{...},"sig":"<base64>","kid":"<8 hex>"}.
std::string FeedLine(const SignedRecord& record);
// Parses a feed line back into a record (partition and ledgerseq from the event).
Result<SignedRecord> ParseFeedLine(std::string_view line);

}  // namespace ledger
