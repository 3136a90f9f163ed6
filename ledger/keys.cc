#include "ledger/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "ledger/time.h"

namespace ledger {
namespace fs = std::filesystem;

namespace {

std::string KeyPayload(const std::array<uint8_t, 32>& bytes) {
  std::string payload(1, static_cast<char>(kEd25519Type));
  payload.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return Base64(payload);
}

// Splits at the first n-1 '+' signs into exactly `n` parts, as Go's strings.SplitN:
// the last part (base64) may itself contain '+'.
bool SplitPlus(std::string_view text, size_t n, std::vector<std::string_view>& parts) {
  parts.clear();
  while (parts.size() + 1 < n) {
    size_t plus = text.find('+');
    if (plus == std::string_view::npos) return false;
    parts.push_back(text.substr(0, plus));
    text.remove_prefix(plus + 1);
  }
  parts.push_back(text);
  return true;
}

// Decodes base64(0x01 || 32 bytes).
bool DecodeKeyPayload(std::string_view b64, std::array<uint8_t, 32>& out) {
  auto raw = FromBase64(b64);
  if (!raw || raw->size() != 33 || static_cast<uint8_t>((*raw)[0]) != kEd25519Type) return false;
  std::memcpy(out.data(), raw->data() + 1, 32);
  return true;
}

Result<std::string> ReadSmallFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomically(const fs::path& file, std::string_view content, mode_t mode) {
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError("cannot create " + tmp.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    return Status::IoError("cannot write " + file.string() + ": " + std::strerror(errno));
  }
  int dir =
      ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace

bool ValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (c <= 0x20 || c >= 0x7f || c == '+') return false;
  }
  return true;
}

KeyId ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(kEd25519Type);
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  Hash h = Sha256(input);
  return (KeyId{h[0]} << 24) | (KeyId{h[1]} << 16) | (KeyId{h[2]} << 8) | KeyId{h[3]};
}

std::string KidHex(KeyId id) {
  std::array<uint8_t, 4> b = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                              static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  return Hex(b);
}

std::string PublicKey::KidHex() const { return ledger::KidHex(id); }

std::string PublicKey::VerifierKey() const { return name + "+" + KidHex() + "+" + KeyPayload(key); }

bool PublicKey::Verify(std::string_view message, const Signature& signature) const {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

bool PublicKey::Verify(const Hash& leaf, const Signature& signature) const {
  return Verify(std::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size()),
                signature);
}

Result<PublicKey> ParseVerifierKey(std::string_view text) {
  std::vector<std::string_view> parts;
  PublicKey pk;
  if (!SplitPlus(text, 3, parts) || !ValidKeyName(parts[0]) || parts[1].size() != 8 ||
      !DecodeKeyPayload(parts[2], pk.key)) {
    return Status::Invalid("not an Ed25519 verifier key (name+id+base64): " +
                           std::string(text.substr(0, 80)));
  }
  pk.name = parts[0];
  pk.id = ComputeKeyId(pk.name, pk.key);
  if (pk.KidHex() != parts[1]) {
    return Status::Invalid("verifier key id " + std::string(parts[1]) +
                           " does not match its key (" + pk.KidHex() + ")");
  }
  return pk;
}

Result<SigningKey> SigningKey::FromSeed(std::string_view name,
                                        const std::array<uint8_t, 32>& seed) {
  if (!ValidKeyName(name)) return Status::Invalid("invalid key name: " + std::string(name));
  EnsureSodium();
  SigningKey k;
  k.seed_ = seed;
  crypto_sign_seed_keypair(k.public_.key.data(), k.secret_.data(), seed.data());
  k.public_.name = name;
  k.public_.id = ComputeKeyId(name, k.public_.key);
  return k;
}

Result<SigningKey> SigningKey::Generate(std::string_view name) {
  EnsureSodium();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  auto key = FromSeed(name, seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Result<SigningKey> SigningKey::ParsePrivateKey(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::vector<std::string_view> parts;
  std::array<uint8_t, 32> seed;
  if (!SplitPlus(text, 5, parts) || parts[0] != "PRIVATE" || parts[1] != "KEY" ||
      !DecodeKeyPayload(parts[4], seed)) {
    return Status::Invalid("not an Ed25519 private key (PRIVATE+KEY+name+id+base64)");
  }
  auto key = FromSeed(parts[2], seed);
  sodium_memzero(seed.data(), seed.size());
  if (!key.ok()) return key;
  if (key->public_key().KidHex() != parts[3]) {
    return Status::Invalid("private key id " + std::string(parts[3]) + " does not match its key");
  }
  return key;
}

std::string SigningKey::PrivateKeyString() const {
  return "PRIVATE+KEY+" + public_.name + "+" + public_.KidHex() + "+" + KeyPayload(seed_);
}

Signature SigningKey::Sign(std::string_view message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

Signature SigningKey::Sign(const Hash& leaf) const {
  return Sign(std::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size()));
}

void Keyring::Add(PublicKey key) {
  if (Find(key.id) == nullptr) keys_.push_back(std::move(key));
}

const PublicKey* Keyring::Find(KeyId id) const {
  for (const PublicKey& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const PublicKey* Keyring::FindSame(const PublicKey& key) const {
  const PublicKey* k = Find(key.id);
  return k != nullptr && k->key == key.key && k->name == key.name ? k : nullptr;
}

Result<SigningKey> LoadKeyFile(const fs::path& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) {
    return Status::NotFound("no key file " + file.string() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Status::Invalid("key file " + file.string() + " is readable by others; chmod 600 it");
  }
  auto text = ReadSmallFile(file);
  if (!text.ok()) return text.status();
  auto key = SigningKey::ParsePrivateKey(*text);
  if (!key.ok()) return Status::Invalid(file.string() + ": " + key.status().message());
  return key;
}

Status WriteKeyFile(const fs::path& file, const SigningKey& key) {
  if (fs::exists(file)) return Status::Conflict("key file " + file.string() + " already exists");
  return WriteFileAtomically(file, key.PrivateKeyString() + "\n", 0600);
}

Result<Keyring> LoadVerifierKeys(const fs::path& file) {
  auto text = ReadSmallFile(file);
  if (!text.ok()) return text.status();
  Keyring ring;
  std::istringstream in(*text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string vkey, attribute;
    words >> vkey;
    auto pk = ParseVerifierKey(vkey);
    const std::string at = file.string() + ":" + std::to_string(number) + ": ";
    if (!pk.ok()) return Status::Invalid(at + pk.status().message());
    while (words >> attribute) {
      const size_t eq = attribute.find('=');
      const std::string name = attribute.substr(0, eq == std::string::npos ? 0 : eq);
      const std::string value = eq == std::string::npos ? "" : attribute.substr(eq + 1);
      if ((name != "from" && name != "until") || !ParseRfc3339(value))
        return Status::Invalid(at + "expected from=<RFC 3339> or until=<RFC 3339>, not " +
                               attribute);
      (name == "from" ? pk->valid_from : pk->valid_until) = value;
    }
    ring.Add(std::move(*pk));
  }
  return ring;
}

std::optional<std::string> PublicKey::OutsideValidity(std::string_view time) const {
  if (valid_from.empty() && valid_until.empty()) return std::nullopt;
  const auto t = ParseRfc3339(time);
  if (!t) return "the event's time " + std::string(time) + " is not RFC 3339";
  if (!valid_from.empty() && *t < *ParseRfc3339(valid_from))
    return "key " + KidHex() + " was not in use before " + valid_from;
  if (!valid_until.empty() && *t >= *ParseRfc3339(valid_until))
    return "key " + KidHex() + " was retired at " + valid_until;
  return std::nullopt;
}

std::string PublicKey::VerifierKeyLine() const {
  std::string line = VerifierKey();
  if (!valid_from.empty()) line += " from=" + valid_from;
  if (!valid_until.empty()) line += " until=" + valid_until;
  return line;
}

Result<SigningKey> RotateKey(const fs::path& dir, std::string_view now) {
  if (!ParseRfc3339(now)) return Status::Invalid("not an RFC 3339 time: " + std::string(now));
  auto old = LoadKeyFile(dir / kPrivateKeyFile);
  if (!old.ok()) return old.status();
  auto ring = LoadVerifierKeys(dir / kVerifierKeysFile);
  if (!ring.ok()) return ring.status();
  auto fresh = SigningKey::Generate(old->public_key().name);
  if (!fresh.ok()) return fresh.status();
  std::string content;
  bool listed = false;
  for (PublicKey k : ring->keys()) {
    if (k.id == old->public_key().id) {
      k.valid_until = std::string(now);
      listed = true;
    }
    content += k.VerifierKeyLine() + "\n";
  }
  if (!listed) {
    PublicKey k = old->public_key();
    k.valid_until = std::string(now);
    content += k.VerifierKeyLine() + "\n";
  }
  PublicKey added = fresh->public_key();
  added.valid_from = std::string(now);
  content += added.VerifierKeyLine() + "\n";
  // The new private key first (beside the old one), then the public keys, then the swap:
  // a failure at any step leaves a ledger that still signs and verifies.
  const fs::path next = dir / (std::string(kPrivateKeyFile) + ".next");
  std::error_code ec;
  fs::remove(next, ec);
  if (Status s = WriteKeyFile(next, *fresh); !s.ok()) return s;
  if (Status s = WriteFileAtomically(dir / kVerifierKeysFile, content, 0644); !s.ok()) return s;
  fs::rename(next, dir / kPrivateKeyFile, ec);
  if (ec)
    return Status::IoError("cannot replace " + (dir / kPrivateKeyFile).string() + ": " +
                           ec.message());
  return fresh;
}

Status AddVerifierKey(const fs::path& file, const PublicKey& key) {
  std::string content;
  if (fs::exists(file)) {
    auto ring = LoadVerifierKeys(file);
    if (!ring.ok()) return ring.status();
    if (ring->Find(key.id) != nullptr) return Status::Ok();
    auto text = ReadSmallFile(file);
    if (!text.ok()) return text.status();
    content = *text;
  }
  content += key.VerifierKey() + "\n";
  return WriteFileAtomically(file, content, 0644);
}

Result<SigningKey> LoadOrCreateKey(const fs::path& dir, std::string_view name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  fs::path file = dir / kPrivateKeyFile;
  Result<SigningKey> key = Status::NotFound("");
  if (fs::exists(file)) {
    key = LoadKeyFile(file);
  } else {
    key = SigningKey::Generate(name);
    if (key.ok()) {
      if (Status s = WriteKeyFile(file, *key); !s.ok()) return s;
    }
  }
  if (!key.ok()) return key;
  if (Status s = AddVerifierKey(dir / kVerifierKeysFile, key->public_key()); !s.ok()) return s;
  return key;
}

}  // namespace ledger
