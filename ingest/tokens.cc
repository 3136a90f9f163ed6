#include "ingest/tokens.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "ledger/crypto.h"
#include "ledger/time.h"

namespace ingest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFormat = "sales-ledger-tokens/1";
constexpr std::string_view kPrefix = "slt_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;
constexpr auto kReloadEvery = std::chrono::seconds(1);

struct RoleName_ {
  Role role;
  std::string_view name;
};
constexpr RoleName_ kRoleNames[] = {
    {Role::kRep, "rep"},           {Role::kManager, "manager"}, {Role::kCompliance, "compliance"},
    {Role::kConsumer, "consumer"}, {Role::kOps, "ops"},         {Role::kAdmin, "admin"},
};

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@';
}

bool ValidName(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (!IdChar(c)) return false;
  return true;
}

std::string TokenHash(std::string_view token) {
  std::array<uint8_t, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(token.data()),
                     token.size(), nullptr, 0);
  return ledger::Hex(std::span<const uint8_t>(out));
}

json::object ToJson(const TokenRecord& t) {
  json::object o{{"id", t.id},
                 {"hash", t.hash},
                 {"role", RoleName(t.role)},
                 {"actor", t.actor},
                 {"created", t.created}};
  if (!t.team.empty()) o["team"] = t.team;
  if (!t.revoked.empty()) o["revoked"] = t.revoked;
  return o;
}

ledger::Result<TokenRecord> FromJson(const json::value& v, size_t index) {
  const std::string where = "token " + std::to_string(index);
  const json::object* o = v.if_object();
  if (o == nullptr) return ledger::Status::Corruption(where + " is not an object");
  auto text = [&](const char* key) -> std::string {
    const json::value* m = o->if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
  };
  TokenRecord t{text("id"),   text("hash"),    Role::kRep,     text("actor"),
                text("team"), text("created"), text("revoked")};
  auto role = ParseRole(text("role"));
  if (t.id.size() != 2 * kIdBytes || t.hash.size() != 2 * crypto_generichash_BYTES || !role ||
      !ValidActor(t.actor)) {
    return ledger::Status::Corruption(where + " lacks a valid id, hash, role or actor");
  }
  t.role = *role;
  return t;
}

// Holds an exclusive advisory lock on <file>.lock while alive.
class FileLock {
 public:
  explicit FileLock(const fs::path& file) {
    fd_ = ::open((file.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

ledger::Status WriteTokens(const fs::path& file, const std::vector<TokenRecord>& tokens) {
  json::array list;
  for (const TokenRecord& t : tokens) list.push_back(ToJson(t));
  const std::string text =
      json::serialize(json::object{{"format", kFormat}, {"tokens", std::move(list)}}) + "\n";
  const fs::path tmp = file.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ledger::Status::IoError("cannot write " + tmp.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) return ledger::Status::IoError("cannot write " + tmp.string());
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return ledger::Status::IoError("cannot replace " + file.string() + ": " + ec.message());
  if (int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return ledger::Status::Ok();
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& r : kRoleNames)
    if (r.role == role) return r.name;
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& r : kRoleNames)
    if (r.name == name) return r.role;
  return std::nullopt;
}

std::string Principal::user() const {
  constexpr std::string_view kUser = "user:";
  return actor.starts_with(kUser) ? actor.substr(kUser.size()) : std::string();
}

bool ValidActor(std::string_view actor) {
  for (std::string_view prefix : {"user:", "service:"}) {
    if (actor.starts_with(prefix)) return ValidName(actor.substr(prefix.size()), 64);
  }
  return false;
}

bool ValidTeam(std::string_view team) { return ValidName(team, 64); }

fs::path TokenFile(const fs::path& data_dir) { return data_dir / "tokens.json"; }

ledger::Result<std::vector<TokenRecord>> ReadTokens(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::vector<TokenRecord>{};
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return ledger::Status::IoError("cannot read " + file.string());
  boost::system::error_code jec;
  json::value doc = json::parse(text.str(), jec);
  const json::object* o = jec ? nullptr : doc.if_object();
  const json::value* format = o ? o->if_contains("format") : nullptr;
  const json::value* list = o ? o->if_contains("tokens") : nullptr;
  if (format == nullptr || !format->is_string() || format->get_string() != kFormat ||
      list == nullptr || !list->is_array()) {
    return ledger::Status::Corruption(file.string() + " is not a " + std::string(kFormat) +
                                      " file");
  }
  std::vector<TokenRecord> tokens;
  for (size_t i = 0; i < list->get_array().size(); ++i) {
    auto t = FromJson(list->get_array()[i], i);
    if (!t.ok()) return ledger::Status::Corruption(file.string() + ": " + t.status().message());
    tokens.push_back(std::move(*t));
  }
  return tokens;
}

ledger::Result<IssuedToken> IssueToken(const fs::path& file, Role role, std::string actor,
                                       std::string team) {
  if (!ValidActor(actor)) {
    return ledger::Status::Invalid(
        "the actor must be user:<id> or service:<id> (letters, digits, "
        ". _ - @; at most 64): " +
        actor);
  }
  if (!team.empty() && !ValidTeam(team))
    return ledger::Status::Invalid("the team must be letters, digits, . _ - @ (at most 64)");
  if (role == Role::kManager && team.empty())
    return ledger::Status::Invalid("a manager's token needs --team: a manager reads its team's");
  ledger::EnsureSodium();
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  FileLock lock(file);
  if (!lock.ok()) return ledger::Status::IoError("cannot lock " + file.string() + ".lock");
  auto tokens = ReadTokens(file);
  if (!tokens.ok()) return tokens.status();
  std::array<uint8_t, kIdBytes> id{};
  std::array<uint8_t, kSecretBytes> secret{};
  randombytes_buf(id.data(), id.size());
  randombytes_buf(secret.data(), secret.size());
  std::string encoded(
      sodium_base64_ENCODED_LEN(secret.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), secret.data(), secret.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  encoded.resize(std::strlen(encoded.c_str()));
  sodium_memzero(secret.data(), secret.size());
  IssuedToken issued;
  issued.record.id = ledger::Hex(std::span<const uint8_t>(id));
  issued.token = std::string(kPrefix) + issued.record.id + "_" + encoded;
  sodium_memzero(encoded.data(), encoded.size());
  issued.record.hash = TokenHash(issued.token);
  issued.record.role = role;
  issued.record.actor = std::move(actor);
  issued.record.team = std::move(team);
  issued.record.created = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros());
  tokens->push_back(issued.record);
  if (auto s = WriteTokens(file, *tokens); !s.ok()) return s;
  return issued;
}

ledger::Status RevokeToken(const fs::path& file, std::string_view id) {
  FileLock lock(file);
  if (!lock.ok()) return ledger::Status::IoError("cannot lock " + file.string() + ".lock");
  auto tokens = ReadTokens(file);
  if (!tokens.ok()) return tokens.status();
  for (TokenRecord& t : *tokens) {
    if (t.id != id) continue;
    if (!t.revoked.empty())
      return ledger::Status::Conflict("token " + t.id + " was revoked at " + t.revoked);
    t.revoked = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros());
    return WriteTokens(file, *tokens);
  }
  return ledger::Status::NotFound("no token " + std::string(id) + " in " + file.string());
}

ledger::Status TokenDirectory::Load() const {
  auto snapshot = std::make_shared<Snapshot>();
  std::error_code ec;
  snapshot->mtime = fs::last_write_time(file_, ec);
  snapshot->bytes = ec ? 0 : fs::file_size(file_, ec);
  auto tokens = ReadTokens(file_);
  if (!tokens.ok()) return tokens.status();
  for (TokenRecord& t : *tokens) {
    if (!t.revoked.empty()) continue;
    Principal p{t.id, t.role, t.actor, t.team};
    if (!t.team.empty() && !p.user().empty()) snapshot->team_of_user[p.user()] = t.team;
    snapshot->by_id.emplace(t.id, std::move(t));
  }
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snapshot);
  checked_ = std::chrono::steady_clock::now();
  return ledger::Status::Ok();
}

std::shared_ptr<const TokenDirectory::Snapshot> TokenDirectory::Current() const {
  std::shared_ptr<const Snapshot> current;
  {
    std::lock_guard lock(mu_);
    current = snapshot_;
    const auto now = std::chrono::steady_clock::now();
    if (current && now - checked_ < kReloadEvery) return current;
    checked_ = now;
  }
  std::error_code ec;
  const auto mtime = fs::last_write_time(file_, ec);
  const uintmax_t bytes = ec ? 0 : fs::file_size(file_, ec);
  if (current && current->mtime == mtime && current->bytes == bytes) return current;
  // Changed: reload. A file that fails to load keeps the previous tokens in force.
  if (Load().ok()) {
    std::lock_guard lock(mu_);
    return snapshot_;
  }
  return current ? current : std::make_shared<const Snapshot>();
}

ledger::Result<Principal> TokenDirectory::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    return ledger::Status::Unauthenticated(
        "send Authorization: Bearer <token> (ledgerctl tokens create makes one)");
  }
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return ledger::Status::Unauthenticated("the Authorization header is not Bearer <token>");
  }
  const std::string_view token = authorization.substr(kBearer.size());
  const size_t id_end = kPrefix.size() + 2 * kIdBytes;
  if (!token.starts_with(kPrefix) || token.size() <= id_end || token[id_end] != '_')
    return ledger::Status::Unauthenticated("the bearer token is not a ledger token");
  const std::string id(token.substr(kPrefix.size(), 2 * kIdBytes));
  auto snapshot = Current();
  auto it = snapshot->by_id.find(id);
  if (it == snapshot->by_id.end()) {
    // A token issued a moment ago works at once: an unknown id looks at the file now.
    {
      std::lock_guard lock(mu_);
      checked_ = {};
    }
    snapshot = Current();
    it = snapshot->by_id.find(id);
  }
  const std::string hash = TokenHash(token);
  // Compared in constant time; an unknown id is refused like a wrong secret.
  if (it == snapshot->by_id.end() || it->second.hash.size() != hash.size() ||
      sodium_memcmp(it->second.hash.data(), hash.data(), hash.size()) != 0) {
    return ledger::Status::Unauthenticated("the token is unknown or was revoked");
  }
  const TokenRecord& t = it->second;
  return Principal{t.id, t.role, t.actor, t.team};
}

std::string TokenDirectory::TeamOf(std::string_view user) const {
  auto snapshot = Current();
  auto it = snapshot->team_of_user.find(std::string(user));
  return it == snapshot->team_of_user.end() ? std::string() : it->second;
}

size_t TokenDirectory::size() const { return Current()->by_id.size(); }

}  // namespace ingest
