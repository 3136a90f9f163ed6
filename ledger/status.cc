#include "ledger/status.h"

namespace ledger {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kNotFound:
      return "not found";
    case Code::kConflict:
      return "conflict";
    case Code::kIllegalTransition:
      return "illegal transition";
    case Code::kCorruption:
      return "corruption";
    case Code::kIoError:
      return "I/O error";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kResourceExhausted:
      return "resource exhausted";
    case Code::kInternal:
      return "internal error";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission denied";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s = CodeName(code_);
  s += ": ";
  s += message_;
  for (const Violation& v : violations_) {
    s += "\n  ";
    s += v.pointer.empty() ? "/" : v.pointer;
    s += ": ";
    s += v.reason;
  }
  return s;
}

}  // namespace ledger
