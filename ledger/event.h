// The event envelope (docs/FORMAT.md): a CloudEvents 1.0 JSON object with the
// ledger's extension attributes, its canonical bytes (RFC 8785) and its parsing.
//
// A Command is what a client asks to append; an Event is what the writer recorded.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace ledger {

inline constexpr std::string_view kSpecVersion = "1.0";
inline constexpr std::string_view kDataContentType = "application/json";

// Limits on envelope attributes, in bytes of UTF-8.
inline constexpr size_t kTypeBytesMax = 64;
inline constexpr size_t kSubjectBytesMax = 160;
inline constexpr size_t kIdBytesMax = 128;

// A retraction: an erroneous event is never deleted; this event, on the same subject,
// with data {"event": "<the erroneous event's id>", "reason": "<why>"}, makes the read
// models ignore its effect (docs/FORMAT.md §1a). Checked by the writer for any domain.
inline constexpr std::string_view kRetractionType = "event.retracted";
inline constexpr size_t kRetractionReasonBytesMax = 2000;
inline constexpr size_t kActorBytesMax = 160;
inline constexpr size_t kCorrelationBytesMax = 128;
inline constexpr size_t kEventBytesMax = 256 * 1024;  // canonical bytes of one event

// What a client asks to append. The writer fills in everything else.
struct Command {
  std::string type;     // "opportunity.stage_changed"
  std::string subject;  // "opportunity/OPP-42"
  boost::json::object data;
  std::string id;                           // client idempotency key; "" = writer generates one
  std::string occurredat;                   // business time, RFC 3339; "" = the recorded time
  std::optional<uint64_t> expectedversion;  // the subject's current streamversion, 0 = new
  std::string correlationid;
  std::string causationid;
  int64_t schemaversion = 1;
};

// Parses one command object ({"type":..,"subject":..,"data":{..},...}). Every problem
// is reported as a violation with a pointer under `pointer_prefix` ("" or "/events/3").
Result<Command> ParseCommand(const boost::json::value& json, std::string_view pointer_prefix = "");

// A recorded event: every CloudEvents and ledger attribute.
struct Event {
  std::string id;
  std::string source;  // the ledger's name
  std::string type;
  std::string subject;
  std::string time;  // recorded time, RFC 3339 UTC with microseconds
  boost::json::object data;
  int64_t schemaversion = 1;
  std::string occurredat;      // business time, RFC 3339
  std::string actor;           // "user:alice"
  uint64_t streamversion = 0;  // 1-based within the subject
  std::string streamprev;      // hex leaf hash of the subject's previous event, "" for the first
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;     // 0-based within the partition
  std::string ledgerprev;     // hex leaf hash of the partition's previous event, "" for the first
  std::string correlationid;  // optional
  std::string causationid;    // optional

  // The CloudEvents structured-mode JSON object.
  boost::json::object ToJson() const;
  // RFC 8785 canonical bytes of ToJson().
  std::string Canonical() const;

  // The record kind: "opportunity" for subject "opportunity/OPP-42".
  std::string_view kind() const;
};

// Parses canonical event bytes, strictly: valid JSON, every required attribute present
// with the right type, no unknown attributes, and the bytes must be exactly the
// canonical form (so a verifier rejects anything that would hash differently).
Result<Event> ParseEvent(std::string_view canonical_bytes);

// Parses a CloudEvents JSON object (e.g. from an NDJSON feed), same checks but the
// caller canonicalizes.
Result<Event> EventFromJson(const boost::json::value& json);

}  // namespace ledger
