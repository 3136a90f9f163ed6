// Bearer tokens: who a request comes from, with which role.
//
// A token is "slt_<id>_<secret>": a 16-hex-digit id and 32 random bytes (base64url).
// It is shown once, when it is created; the token file keeps only its id and a
// libsodium BLAKE2b-256 hash of the whole token, so a copy of the file lets no one in.
// (The secret has 256 bits of entropy, so a fast keyed-free hash is enough; a password
// hash such as Argon2 would cost every request tens of milliseconds for nothing.)
//
// The file is DATA/tokens.json, mode 0600, rewritten whole (write, fsync, rename) under
// an advisory lock, so `ledgerctl tokens create|revoke` may run beside ledgerd, which
// reloads it within a second of a change, and at once when it meets an unknown token id
// (TokenDirectory).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/status.h"

namespace ingest {

// The roles of docs/API.md "Roles"; what each may do is decided in authz.h alone.
enum class Role { kRep, kManager, kCompliance, kConsumer, kOps, kAdmin };
inline constexpr Role kRoles[] = {Role::kRep,      Role::kManager, Role::kCompliance,
                                  Role::kConsumer, Role::kOps,     Role::kAdmin};
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// One issued token, as the file keeps it.
struct TokenRecord {
  std::string id;    // 16 hex digits
  std::string hash;  // hex BLAKE2b-256 of the whole token
  Role role = Role::kRep;
  std::string actor;  // "user:li.wei" or "service:billing"
  std::string team;   // "" = none
  std::string created;
  std::string revoked;  // "" = valid; else when it was revoked
};

// Who sent a request: the token's id, role, actor and team.
struct Principal {
  std::string token_id;
  Role role = Role::kRep;
  std::string actor;
  std::string team;
  // The user id records name as their owner: "li.wei" for "user:li.wei"; "" for services.
  std::string user() const;
};

// An actor is "user:<id>" or "service:<id>", the id as record ids are written
// (letters, digits, '.', '_', '-', '@', at most 64).
bool ValidActor(std::string_view actor);
bool ValidTeam(std::string_view team);

std::filesystem::path TokenFile(const std::filesystem::path& data_dir);

// Issues a token and adds it to the file (created if missing); returns the token text,
// which exists nowhere else.
struct IssuedToken {
  std::string token;
  TokenRecord record;
};
ledger::Result<IssuedToken> IssueToken(const std::filesystem::path& file, Role role,
                                       std::string actor, std::string team);
// Marks a token revoked (kept in the file, so `tokens list` shows what existed).
ledger::Status RevokeToken(const std::filesystem::path& file, std::string_view id);
// Every token in the file; none when the file does not exist.
ledger::Result<std::vector<TokenRecord>> ReadTokens(const std::filesystem::path& file);

// The tokens ledgerd accepts, reloaded from the file when it changes. Thread-safe.
class TokenDirectory {
 public:
  explicit TokenDirectory(std::filesystem::path file) : file_(std::move(file)) {}

  // Loads the file; an error when it exists but cannot be read.
  ledger::Status Load() const;

  // The principal of an "Authorization: Bearer <token>" header value; kUnauthenticated
  // (naming why) when it is missing, malformed, unknown, revoked or does not match.
  ledger::Result<Principal> Authenticate(std::string_view authorization) const;

  // The team of a user (from that user's valid tokens); "" when none.
  std::string TeamOf(std::string_view user) const;

  size_t size() const;

 private:
  struct Snapshot {
    std::unordered_map<std::string, TokenRecord> by_id;
    std::unordered_map<std::string, std::string> team_of_user;
    std::filesystem::file_time_type mtime{};
    uintmax_t bytes = 0;
  };
  std::shared_ptr<const Snapshot> Current() const;

  const std::filesystem::path file_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Snapshot> snapshot_;
  mutable std::chrono::steady_clock::time_point checked_{};
};

}  // namespace ingest
