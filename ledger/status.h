// Status and Result: expected failures as values (no exceptions cross a module boundary).
//
// A Status carries a code, a human-readable message and, for rejected input, every
// violation found (a JSON pointer into the request and a reason), so that callers can
// report all problems at once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ledger {

enum class Code {
  kOk = 0,
  kInvalidArgument,    // malformed input or schema violation (HTTP 400)
  kNotFound,           // unknown record or position (404)
  kConflict,           // expectedversion mismatch, idempotency key reused (409)
  kIllegalTransition,  // the record's state does not allow this event (422)
  kCorruption,         // stored or received bytes fail a format, hash or signature check
  kIoError,            // the filesystem or database failed
  kUnavailable,        // the log cannot accept or serve right now (503)
  kResourceExhausted,  // a named limit was reached
  kInternal,           // a bug; should not happen
  kUnauthenticated,    // no valid credentials (401)
  kPermissionDenied,   // the caller's role does not allow this (403)
};

const char* CodeName(Code code);

// One problem with one part of an input. `pointer` is an RFC 6901 JSON pointer.
struct Violation {
  std::string pointer;
  std::string reason;
  bool operator==(const Violation&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string message, std::vector<Violation> violations = {}) {
    return Status(Code::kInvalidArgument, std::move(message), std::move(violations));
  }
  static Status NotFound(std::string message) {
    return Status(Code::kNotFound, std::move(message));
  }
  static Status Conflict(std::string message, std::vector<Violation> violations = {}) {
    return Status(Code::kConflict, std::move(message), std::move(violations));
  }
  static Status IllegalTransition(std::string message, std::vector<Violation> violations = {}) {
    return Status(Code::kIllegalTransition, std::move(message), std::move(violations));
  }
  static Status Corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message));
  }
  static Status IoError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status Unavailable(std::string message) {
    return Status(Code::kUnavailable, std::move(message));
  }
  static Status Exhausted(std::string message) {
    return Status(Code::kResourceExhausted, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(Code::kInternal, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(Code::kUnauthenticated, std::move(message));
  }
  static Status Denied(std::string message) {
    return Status(Code::kPermissionDenied, std::move(message));
  }

  Status(Code code, std::string message, std::vector<Violation> violations = {})
      : code_(code), message_(std::move(message)), violations_(std::move(violations)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<Violation>& violations() const { return violations_; }
  std::vector<Violation>& mutable_violations() { return violations_; }

  // For conflicts on a stream: the stream's version when the request was decided.
  std::optional<uint64_t> current_version() const { return current_version_; }
  Status&& WithCurrentVersion(uint64_t v) && {
    current_version_ = v;
    return std::move(*this);
  }

  // "conflict: expected version 3, stream is at 5 (/events/0/expectedversion: ...)".
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<Violation> violations_;
  std::optional<uint64_t> current_version_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ledger

// Invariants that stay on in release builds. For programmer errors only: user input
// must never be able to reach one.
#define LEDGER_ASSERT(cond, ...)                                                        \
  do {                                                                                  \
    if (!(cond)) [[unlikely]] {                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
