// Personal data, sealed in the event itself (docs/FORMAT.md §1b).
//
// Every personal field of a command (schemas' .Personal() fields: people's names,
// phones, e-mails, addresses, free-text notes about people) is replaced, before the
// event is built, hashed and signed, by
//
//   {"sealed": {"v": 1, "subject": "contact/CON-1", "ct": "<base64(nonce || ciphertext)>"}}
//
// XChaCha20-Poly1305 (libsodium) of the field's JSON text under the key of its data
// subject, the additional data naming that subject. So the log, Kafka, the views,
// backups and audit packs hold only ciphertext, and the signatures cover it. The nonce
// is synthetic: a keyed BLAKE2b of the plaintext (as in SIV), so a retried command seals
// to the same bytes and keeps its idempotency digest; equal values of one subject seal
// equally, which is all it reveals.
//
// The data subject is the contact the personal data is about: the contact of a contact's
// own events, or the contact an event names (`contact`, or a single entry of
// `contacts`); otherwise the record itself (an order's recipient). Each subject's key is
// random, kept wrapped (XChaCha20-Poly1305) by a master key that lives outside the data
// dir (ledgerd --master-key-file). Erasure destroys the subject's key: its fields can
// never be read again, while every event, hash, signature and proof stays as it was.
#pragma once

#include <array>
#include <boost/json/value.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/db_backup.h"
#include "ledger/status.h"
#include "ledger/writer.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace ingest {

using SecretKey = std::array<uint8_t, 32>;

// Reads a master key file: the base64 of 32 random bytes (ledgerctl keys master).
ledger::Result<SecretKey> ReadMasterKey(const std::filesystem::path& file);
// Writes a new random master key file, mode 0600; fails if it exists.
ledger::Status WriteNewMasterKey(const std::filesystem::path& file);

// When and why a subject was erased.
struct Erasure {
  std::string time;
  std::string reason;
  std::string actor;
};

// The data subjects' keys, wrapped by the master key, in a RocksDB of their own
// (DATA/subject-keys). Thread-safe.
class SubjectKeys {
 public:
  static ledger::Result<std::unique_ptr<SubjectKeys>> Open(const std::filesystem::path& dir,
                                                           const SecretKey& master);
  ~SubjectKeys();

  // The subject's key, made (and made durable) on first use; kIllegalTransition once
  // the subject was erased.
  ledger::Result<SecretKey> GetOrCreate(const std::string& subject) const;
  // The subject's key; nullopt when it has none (never sealed anything, or erased).
  ledger::Result<std::optional<SecretKey>> Get(const std::string& subject) const;
  std::optional<Erasure> Erased(const std::string& subject) const;
  // Takes a backup of the keys into the BackupEngine directory `backup_dir`
  // (ledger/db_backup.h). Kept apart from the ledger's backups: see ops/backup_set.h.
  ledger::Result<ledger::DbBackupInfo> BackupTo(const std::filesystem::path& backup_dir) const;
  // Destroys the subject's key for good (deleted, flushed and compacted away) and
  // records the erasure. Erasing an erased subject changes nothing.
  ledger::Status Erase(const std::string& subject, const Erasure& erasure) const;

 private:
  SubjectKeys() = default;
  std::unique_ptr<rocksdb::DB> db_;
  SecretKey master_{};
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, SecretKey> cache_;
};

// The data subject of a command's personal fields (see above).
std::string DataSubjectOf(const ledger::Command& command);

// Seals a command's personal fields for the writer. Without keys (no master key was
// given), a command with personal fields is refused: they are never stored in clear.
class PersonalDataSealer final : public ledger::CommandSealer {
 public:
  explicit PersonalDataSealer(const SubjectKeys* keys);
  ledger::Status Seal(ledger::Command& command) const override;

 private:
  const SubjectKeys* keys_;
  std::unordered_map<std::string, std::vector<std::string>> pointers_;  // by "type/version"
};

// Replaces every sealed value in `value` (at any depth) by its plaintext, by
// {"erased": true} when its subject was erased, or by {"withheld": "<why>"} when this
// node cannot open it (no keys here, or it does not verify). `keys` may be null.
void Unseal(boost::json::value& value, const SubjectKeys* keys);

// Whether a JSON value is a sealed field.
bool IsSealed(const boost::json::value& value);

}  // namespace ingest
