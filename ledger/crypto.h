// Hashes and encodings used by the formats in docs/FORMAT.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ledger {

using Hash = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

// SHA-256 of a byte string.
Hash Sha256(std::string_view bytes);
// RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || canonical event bytes).
Hash LeafHash(std::string_view canonical_event);
// RFC 9162 interior node hash: SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);

// Lower-case hex.
std::string Hex(std::span<const uint8_t> bytes);
inline std::string Hex(const Hash& h) { return Hex(std::span<const uint8_t>(h)); }
// Parses exactly 64 lower-case hex digits.
std::optional<Hash> HashFromHex(std::string_view hex);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64(std::span<const uint8_t> bytes);
inline std::string Base64(std::string_view bytes) {
  return Base64(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
// Strict: canonical padding, no white space.
std::optional<std::string> FromBase64(std::string_view text);

// Initializes libsodium once; safe to call from any thread.
void EnsureSodium();

}  // namespace ledger
