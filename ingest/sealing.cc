#include "ingest/sealing.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "ledger/crypto.h"
#include "ledger/time.h"
#include "schemas/catalog.h"

namespace ingest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kKeyPrefix = "k/";     // k/<subject> -> wrapped key
constexpr std::string_view kErasedPrefix = "e/";  // e/<subject> -> erasure JSON
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'l', 'e', 'd', 'g', 's', 'e', 'a', 'l'};
constexpr uint64_t kEncryptionSubkey = 1, kNonceSubkey = 2;

std::string Aad(std::string_view purpose, const std::string& subject) {
  return std::string(purpose) + "\n" + subject;
}

// XChaCha20-Poly1305 of `plain` under `key` with `nonce`: nonce || ciphertext || tag.
std::string Encrypt(const uint8_t* key, const uint8_t* nonce, std::string_view plain,
                    const std::string& aad) {
  std::string out(kNonce + plain.size() + kTag, '\0');
  std::memcpy(out.data(), nonce, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<uint8_t*>(out.data() + kNonce), &written,
      reinterpret_cast<const uint8_t*>(plain.data()), plain.size(),
      reinterpret_cast<const uint8_t*>(aad.data()), aad.size(), nullptr, nonce, key);
  return out;
}

std::optional<std::string> Decrypt(const uint8_t* key, std::string_view sealed,
                                   const std::string& aad) {
  if (sealed.size() < kNonce + kTag) return std::nullopt;
  std::string plain(sealed.size() - kNonce - kTag, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<uint8_t*>(plain.data()), &written, nullptr,
          reinterpret_cast<const uint8_t*>(sealed.data() + kNonce), sealed.size() - kNonce,
          reinterpret_cast<const uint8_t*>(aad.data()), aad.size(),
          reinterpret_cast<const uint8_t*>(sealed.data()), key) != 0) {
    return std::nullopt;
  }
  plain.resize(written);
  return plain;
}

ledger::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  return s.ok() ? ledger::Status::Ok() : ledger::Status::IoError(what + ": " + s.ToString());
}

// A subject's two working keys, derived from its key: one encrypts, one keys the
// synthetic nonce. Wiped when done.
struct FieldKeys {
  explicit FieldKeys(const SecretKey& key) {
    crypto_kdf_derive_from_key(enc.data(), enc.size(), kEncryptionSubkey, kKdfContext, key.data());
    crypto_kdf_derive_from_key(mac.data(), mac.size(), kNonceSubkey, kKdfContext, key.data());
  }
  ~FieldKeys() {
    sodium_memzero(enc.data(), enc.size());
    sodium_memzero(mac.data(), mac.size());
  }
  SecretKey enc{}, mac{};
};

// Seals one JSON value for `subject`.
json::value SealValue(const json::value& value, const std::string& subject, const FieldKeys& keys) {
  const std::string plain = json::serialize(value);
  const std::string aad = Aad("sales-ledger-field/1", subject);
  // The synthetic nonce: a keyed hash of what is sealed (deterministic, never reused for
  // different plaintexts).
  std::array<uint8_t, kNonce> nonce{};
  crypto_generichash_state h;
  crypto_generichash_init(&h, keys.mac.data(), keys.mac.size(), nonce.size());
  crypto_generichash_update(&h, reinterpret_cast<const uint8_t*>(aad.data()), aad.size());
  crypto_generichash_update(&h, reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
  crypto_generichash_final(&h, nonce.data(), nonce.size());
  const std::string ct = Encrypt(keys.enc.data(), nonce.data(), plain, aad);
  return json::object{
      {"sealed", json::object{{"v", 1}, {"subject", subject}, {"ct", ledger::Base64(ct)}}}};
}

// Seals the values `pointer` (a template: "*" is every array index) names under `at`.
void SealAt(json::value& at, std::span<const std::string_view> segments, const std::string& subject,
            const FieldKeys& key) {
  if (segments.empty()) {
    if (!IsSealed(at)) at = SealValue(at, subject, key);
    return;
  }
  if (segments.front() == "*") {
    if (json::array* a = at.if_array()) {
      for (json::value& item : *a) SealAt(item, segments.subspan(1), subject, key);
    }
    return;
  }
  if (json::object* o = at.if_object()) {
    if (json::value* child = o->if_contains(segments.front()))
      SealAt(*child, segments.subspan(1), subject, key);
  }
}

std::vector<std::string_view> Segments(std::string_view pointer) {
  std::vector<std::string_view> out;
  while (!pointer.empty() && pointer.front() == '/') {
    pointer.remove_prefix(1);
    const size_t slash = pointer.find('/');
    out.push_back(pointer.substr(0, slash));
    pointer = slash == std::string_view::npos ? "" : pointer.substr(slash);
  }
  return out;
}

}  // namespace

ledger::Result<SecretKey> ReadMasterKey(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return ledger::Status::IoError("cannot read the master key file " + file.string());
  std::string text;
  std::getline(in, text);
  auto bytes = ledger::FromBase64(text);
  if (!bytes || bytes->size() != 32) {
    return ledger::Status::Invalid(file.string() +
                                   " is not a master key (the base64 of 32 bytes; ledgerctl keys "
                                   "master makes one)");
  }
  SecretKey key{};
  std::memcpy(key.data(), bytes->data(), key.size());
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

ledger::Status WriteNewMasterKey(const fs::path& file) {
  ledger::EnsureSodium();
  SecretKey key{};
  randombytes_buf(key.data(), key.size());
  const std::string text = ledger::Base64(std::span<const uint8_t>(key)) + "\n";
  sodium_memzero(key.data(), key.size());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return ledger::Status::IoError("cannot create " + file.string() + " (it must not exist)");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  return ok ? ledger::Status::Ok() : ledger::Status::IoError("cannot write " + file.string());
}

ledger::Result<std::unique_ptr<SubjectKeys>> SubjectKeys::Open(const fs::path& dir,
                                                               const SecretKey& master) {
  ledger::EnsureSodium();
  std::unique_ptr<SubjectKeys> keys(new SubjectKeys());
  keys->master_ = master;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  rocksdb::DB* raw = nullptr;
  if (auto s = FromRocks(rocksdb::DB::Open(options, dir.string(), &raw),
                         "cannot open the subject keys at " + dir.string());
      !s.ok()) {
    return s;
  }
  keys->db_.reset(raw);
  return keys;
}

SubjectKeys::~SubjectKeys() {
  for (auto& [subject, key] : cache_) sodium_memzero(key.data(), key.size());
  sodium_memzero(master_.data(), master_.size());
}

ledger::Result<std::optional<SecretKey>> SubjectKeys::Get(const std::string& subject) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(subject); it != cache_.end()) return std::optional(it->second);
  }
  std::string wrapped;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), std::string(kKeyPrefix) + subject, &wrapped);
  if (s.IsNotFound()) return std::optional<SecretKey>();
  if (!s.ok()) return FromRocks(s, "cannot read the key of " + subject);
  auto plain = Decrypt(master_.data(), wrapped, Aad("sales-ledger-subject-key/1", subject));
  if (!plain || plain->size() != 32) {
    return ledger::Status::Corruption("the key of " + subject +
                                      " does not open with this master key");
  }
  SecretKey key{};
  std::memcpy(key.data(), plain->data(), key.size());
  sodium_memzero(plain->data(), plain->size());
  std::lock_guard lock(mu_);
  cache_[subject] = key;
  return std::optional(key);
}

ledger::Result<SecretKey> SubjectKeys::GetOrCreate(const std::string& subject) const {
  auto existing = Get(subject);
  if (!existing.ok()) return existing.status();
  if (*existing) return **existing;
  std::lock_guard lock(mu_);  // one creator at a time: no two keys for one subject
  if (auto it = cache_.find(subject); it != cache_.end()) return it->second;
  std::string value;
  if (db_->Get(rocksdb::ReadOptions(), std::string(kErasedPrefix) + subject, &value).ok()) {
    return ledger::Status::IllegalTransition(
        subject + " was erased; no personal data of it can be recorded again",
        {{"/subject", subject + " was erased"}});
  }
  SecretKey key{};
  randombytes_buf(key.data(), key.size());
  std::array<uint8_t, kNonce> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const std::string wrapped =
      Encrypt(master_.data(), nonce.data(),
              std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
              Aad("sales-ledger-subject-key/1", subject));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = FromRocks(db_->Put(sync, std::string(kKeyPrefix) + subject, wrapped),
                         "cannot store the key of " + subject);
      !s.ok()) {
    return s;
  }
  cache_[subject] = key;
  return key;
}

ledger::Result<ledger::DbBackupInfo> SubjectKeys::BackupTo(
    const std::filesystem::path& backup_dir) const {
  return ledger::BackupDb(*db_, backup_dir);
}

std::optional<Erasure> SubjectKeys::Erased(const std::string& subject) const {
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), std::string(kErasedPrefix) + subject, &value).ok())
    return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return Erasure{};
  auto text = [&](const char* k) {
    const json::value* m = v.as_object().if_contains(k);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
  };
  return Erasure{text("time"), text("reason"), text("actor")};
}

ledger::Status SubjectKeys::Erase(const std::string& subject, const Erasure& erasure) const {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(subject); it != cache_.end()) {
    sodium_memzero(it->second.data(), it->second.size());
    cache_.erase(it);
  }
  std::string value;
  if (db_->Get(rocksdb::ReadOptions(), std::string(kErasedPrefix) + subject, &value).ok())
    return ledger::Status::Ok();
  rocksdb::WriteBatch batch;
  batch.Delete(std::string(kKeyPrefix) + subject);
  batch.Put(std::string(kErasedPrefix) + subject,
            json::serialize(json::object{
                {"time", erasure.time}, {"reason", erasure.reason}, {"actor", erasure.actor}}));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = FromRocks(db_->Write(sync, &batch), "cannot erase " + subject); !s.ok()) return s;
  // The deleted key must leave the disk too: flush the memtable (so the WAL holding the
  // key's put is dropped) and compact (so no SST keeps it).
  if (auto s = FromRocks(db_->Flush(rocksdb::FlushOptions()), "cannot flush the erasure");
      !s.ok()) {
    return s;
  }
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(compact, nullptr, nullptr), "cannot compact the erasure");
}

std::string DataSubjectOf(const ledger::Command& c) {
  if (c.subject.starts_with("contact/")) return c.subject;
  if (const json::value* v = c.data.if_contains("contact"); v && v->is_string())
    return "contact/" + std::string(v->get_string());
  if (const json::value* v = c.data.if_contains("contacts")) {
    if (const json::array* a = v->if_array(); a && a->size() == 1 && a->front().is_string())
      return "contact/" + std::string(a->front().get_string());
  }
  return c.subject;
}

PersonalDataSealer::PersonalDataSealer(const SubjectKeys* keys) : keys_(keys) {
  for (const schemas::EventTypeSpec& spec : schemas::Catalog()) {
    auto pointers = schemas::PersonalFieldPointers(spec);
    if (!pointers.empty())
      pointers_[spec.type + "/" + std::to_string(spec.schema_version)] = std::move(pointers);
  }
}

ledger::Status PersonalDataSealer::Seal(ledger::Command& c) const {
  auto it = pointers_.find(c.type + "/" + std::to_string(c.schemaversion));
  if (it == pointers_.end()) return ledger::Status::Ok();
  // Which personal fields this command carries.
  std::vector<std::vector<std::string_view>> present;
  for (const std::string& pointer : it->second) {
    auto segments = Segments(pointer);
    if (segments.size() < 2 || segments.front() != "data") continue;
    if (c.data.contains(segments[1])) present.push_back(std::move(segments));
  }
  if (present.empty()) return ledger::Status::Ok();
  if (keys_ == nullptr) {
    return ledger::Status::Unavailable(
        "this ledgerd has no master key (--master-key-file), so it cannot store personal "
        "fields, which are never kept in clear");
  }
  const std::string subject = DataSubjectOf(c);
  auto key = keys_->GetOrCreate(subject);
  if (!key.ok()) return key.status();
  json::value data = std::move(c.data);
  const FieldKeys field_keys(*key);
  for (const auto& segments : present)
    SealAt(data, std::span(segments).subspan(1), subject, field_keys);
  c.data = std::move(data.as_object());
  return ledger::Status::Ok();
}

bool IsSealed(const json::value& value) {
  const json::object* o = value.if_object();
  if (o == nullptr || o->size() != 1) return false;
  const json::value* sealed = o->if_contains("sealed");
  return sealed != nullptr && sealed->is_object();
}

void Unseal(json::value& value, const SubjectKeys* keys) {
  if (IsSealed(value)) {
    const json::object& s = value.as_object().at("sealed").as_object();
    const json::value* subject = s.if_contains("subject");
    const json::value* ct = s.if_contains("ct");
    if (subject == nullptr || !subject->is_string() || ct == nullptr || !ct->is_string()) {
      value = json::object{{"withheld", "a malformed sealed field"}};
      return;
    }
    const std::string who(subject->get_string());
    if (keys == nullptr) {
      value = json::object{{"withheld", "this node holds no subject keys"}};
      return;
    }
    auto key = keys->Get(who);
    if (key.ok() && !*key) {
      value = keys->Erased(who) ? json::value(json::object{{"erased", true}})
                                : json::value(json::object{{"withheld", "no key for " + who}});
      return;
    }
    auto bytes = ledger::FromBase64(ct->get_string());
    std::optional<std::string> plain;
    if (key.ok() && bytes) {
      SecretKey enc{};
      crypto_kdf_derive_from_key(enc.data(), enc.size(), kEncryptionSubkey, kKdfContext,
                                 (*key)->data());
      plain = Decrypt(enc.data(), *bytes, Aad("sales-ledger-field/1", who));
      sodium_memzero(enc.data(), enc.size());
    }
    boost::system::error_code ec;
    json::value opened = plain ? json::parse(*plain, ec) : json::value();
    value =
        plain && !ec
            ? std::move(opened)
            : json::value(json::object{
                  {"withheld",
                   "it does not open (" +
                       (key.ok() ? std::string("bad ciphertext") : key.status().message()) + ")"}});
    return;
  }
  if (json::object* o = value.if_object()) {
    for (auto& member : *o) Unseal(member.value(), keys);
  } else if (json::array* a = value.if_array()) {
    for (json::value& item : *a) Unseal(item, keys);
  }
}

}  // namespace ingest
