// Ed25519 signing keys named and identified as in the C2SP signed-note spec
// (https://c2sp.org/signed-note): key ID = first 4 bytes of
// SHA-256(name || 0x0A || 0x01 || public key); verifier key string
// "<name>+<8 hex id>+<base64(0x01 || public key)>"; private key string
// "PRIVATE+KEY+<name>+<8 hex id>+<base64(0x01 || 32-byte seed)>".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger {

using KeyId = uint32_t;  // the 4 key ID bytes, big-endian
inline constexpr uint8_t kEd25519Type = 0x01;

struct PublicKey {
  std::string name;
  std::array<uint8_t, 32> key{};
  KeyId id = 0;
  // When the ledger signed with it (ledgerctl keys rotate): events recorded before
  // `valid_from` or at or after `valid_until` are not its; "" is unbounded. RFC 3339.
  std::string valid_from;
  std::string valid_until;

  std::string VerifierKey() const;  // "sales-ledger+1a2b3c4d+AQ..."
  std::string KidHex() const;       // "1a2b3c4d"
  // Whether `signature` is this key's Ed25519 signature of `message` (for events: the
  // 32-byte leaf hash; for signed notes: the note text).
  bool Verify(std::string_view message, const Signature& signature) const;
  bool Verify(const Hash& leaf, const Signature& signature) const;
  // Why an event recorded at `time` (RFC 3339) cannot be this key's; nullopt when it can.
  std::optional<std::string> OutsideValidity(std::string_view time) const;
  // The verifier key with its validity: "<vkey>[ from=T][ until=T]", a ledger.vkeys line.
  std::string VerifierKeyLine() const;
};

// Key names: non-empty, at most 64 bytes, printable ASCII without spaces or '+'.
bool ValidKeyName(std::string_view name);
KeyId ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key);
std::string KidHex(KeyId id);
Result<PublicKey> ParseVerifierKey(std::string_view text);

class SigningKey {
 public:
  static Result<SigningKey> FromSeed(std::string_view name, const std::array<uint8_t, 32>& seed);
  static Result<SigningKey> Generate(std::string_view name);
  static Result<SigningKey> ParsePrivateKey(std::string_view text);

  const PublicKey& public_key() const { return public_; }
  std::string PrivateKeyString() const;
  // Ed25519 signature of a message; of an event's 32-byte leaf hash. Thread-safe.
  Signature Sign(std::string_view message) const;
  Signature Sign(const Hash& leaf) const;

 private:
  PublicKey public_;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_{};  // libsodium's seed || public key form
};

// The public keys a verifier trusts, found by key ID.
class Keyring {
 public:
  void Add(PublicKey key);
  const PublicKey* Find(KeyId id) const;
  // The key of the ring that is `key` (same ID, name and public key bytes), with its
  // validity; null when the ring has none: whether a key a file lists is trusted.
  const PublicKey* FindSame(const PublicKey& key) const;
  const std::vector<PublicKey>& keys() const { return keys_; }

 private:
  std::vector<PublicKey> keys_;
};

// The data dir's key files: <dir>/ledger.key (the private key, mode 0600) and
// <dir>/ledger.vkeys (every verifier key this ledger ever signed with, one a line).
inline constexpr std::string_view kPrivateKeyFile = "ledger.key";
inline constexpr std::string_view kVerifierKeysFile = "ledger.vkeys";

// Loads <dir>/ledger.key, or generates it (and the directory, mode 0700) when absent.
// Makes sure its verifier key is listed in ledger.vkeys.
Result<SigningKey> LoadOrCreateKey(const std::filesystem::path& dir, std::string_view name);
// Loads a private key file written by PrivateKeyString() (refuses group/world-readable files).
Result<SigningKey> LoadKeyFile(const std::filesystem::path& file);
// Writes a private key file with mode 0600, atomically; fails if it exists.
Status WriteKeyFile(const std::filesystem::path& file, const SigningKey& key);
// Reads verifier keys, one a line ('#' comments and blank lines allowed), each with an
// optional validity: "<vkey> from=<RFC 3339> until=<RFC 3339>" (either may be absent).
Result<Keyring> LoadVerifierKeys(const std::filesystem::path& file);
// Starts signing with a new key of the same name: <dir>/ledger.key is replaced by it
// (the old private key is gone), and ledger.vkeys keeps the old public key, valid until
// now, and adds the new one, valid from now. Run with ledgerd stopped; returns the new
// key.
Result<SigningKey> RotateKey(const std::filesystem::path& dir, std::string_view now);
// Adds a verifier key line to the file unless it is there already.
Status AddVerifierKey(const std::filesystem::path& file, const PublicKey& key);

}  // namespace ledger
