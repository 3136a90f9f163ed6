// Keys and values of the views database (<data>/views). Formats are fixed here and
// described in projections/README.md.
//
// Binary values are cereal portable-binary archives starting with a format version
// (kViewsFormatVersion), like the log's records; JSON inside them (states, changes,
// event data) is stored as RFC 8785 canonical text, so equal views are equal bytes.
// Decoders never throw: a corrupt value gives kCorruption.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/status.h"

namespace projections {

inline constexpr uint32_t kViewsFormatVersion = 1;
// /2 added the facts family (the analytics read model); /1 views are rebuilt.
inline constexpr std::string_view kViewsFormatName = "sales-ledger-views/2";

// ---- positions: partition (4 bytes, big-endian) -> Position ----

struct Position {
  uint64_t next_seq = 0;  // the next ledgerseq to apply (= events applied)
  ledger::Hash last{};    // leaf hash of the last applied event; zero when next_seq is 0
  bool operator==(const Position&) const = default;
};

std::string PositionKey(uint32_t partition);
std::string EncodePosition(const Position& position);
ledger::Result<Position> DecodePosition(std::string_view value);

// ---- records: subject -> RecordState ----

// The fields the index model keys on, as the injected extractor reports them.
struct IndexFields {
  std::string owner;
  std::string stage;
  std::string status;
  std::string account;
  bool operator==(const IndexFields&) const = default;
};

// The current state of one record.
struct RecordState {
  std::string kind;  // "opportunity"
  std::string id;    // "OPP-42"
  uint64_t version = 0;
  std::string last_hash;           // hex leaf hash of the record's last event
  std::string created;             // recorded time of version 1
  std::string updated;             // recorded time of the last event
  std::string updated_occurredat;  // business time of the last event
  uint32_t partition = 0;          // position of the last event
  uint64_t ledgerseq = 0;
  boost::json::object state;  // the injected fold's result
  IndexFields indexed;        // what the index holds for this record now
  bool archived = false;      // sealed in an archive (archive_model.h): no index keys

  std::string subject() const { return kind + "/" + id; }
  bool operator==(const RecordState&) const = default;
};

std::string EncodeRecord(const RecordState& record);
ledger::Result<RecordState> DecodeRecord(std::string_view value);

// ---- history: per subject, one entry per version, and a recorded-time index ----

// One field-level change: `path` is an RFC 6901 pointer into the state; `old_value`
// is absent when the field was added, `new_value` when it was removed.
struct Change {
  std::string path;
  std::optional<boost::json::value> old_value;
  std::optional<boost::json::value> new_value;
  bool operator==(const Change&) const = default;
};

struct HistoryEntry {
  uint64_t version = 0;
  std::string type;
  std::string event_id;
  std::string actor;
  std::string time;        // recorded
  std::string occurredat;  // business
  uint64_t ledgerseq = 0;
  uint32_t partition = 0;
  std::string hash;  // hex leaf hash
  int64_t schemaversion = 1;
  std::string correlationid;
  std::string causationid;
  boost::json::object data;  // the event's data, so business-time as-of can refold
  std::vector<Change> changes;
  boost::json::object state;  // after this event
  // When a later event.retracted made the read models ignore this event: its id and
  // reason (stored only then, after the other members).
  std::string retracted_by;
  std::string retraction_reason;
  bool operator==(const HistoryEntry&) const = default;
};

// Key layout: u16 big-endian length of the subject, the subject, then
//   'v' version (u64 big-endian)                      -> HistoryEntry
//   't' SortableTime(time) version (u64 big-endian)  -> "" (the as-of index)
// The length prefix keeps one subject's keys apart from any other's.
std::string HistoryPrefix(std::string_view subject);  // up to and including 'v'
std::string HistoryKey(std::string_view subject, uint64_t version);
std::string AsOfPrefix(std::string_view subject);  // up to and including 't'
std::string AsOfKey(std::string_view subject, std::string_view time, uint64_t version);
// The version at the end of a history or as-of key; nullopt when malformed.
std::optional<uint64_t> VersionOfKey(std::string_view key);

std::string EncodeHistory(const HistoryEntry& entry);
ledger::Result<HistoryEntry> DecodeHistory(std::string_view value);

// The event an entry was made from, as far as a fold sees it (no hash-chain fields).
ledger::Event EventOfEntry(std::string_view subject, const HistoryEntry& entry);

// Changes as JSON: [{"path":"/stage","old":"proposal","new":"won"}, ...].
boost::json::array ChangesToJson(const std::vector<Change>& changes);

// ---- index: text keys, empty values ----
//   owner/<owner>/<kind>/<subject>     stage/<kind>/<stage>/<subject>
//   status/<kind>/<status>/<subject>   account/<account>/<kind>/<subject>
//   updated/<kind>/<SortableTime(recorded time)>/<subject>
// Values other than the subject are escaped ('%' -> %25, '/' -> %2F) so a key splits
// one way only. Empty fields have no key.

std::string EscapeKeyPart(std::string_view part);
std::string OwnerPrefix(std::string_view owner, std::string_view kind);
std::string StagePrefix(std::string_view kind, std::string_view stage);
std::string StatusPrefix(std::string_view kind, std::string_view status);
std::string AccountPrefix(std::string_view account, std::string_view kind);
std::string UpdatedPrefix(std::string_view kind);
// Every index key of a record, sorted; none for an archived record.
std::vector<std::string> IndexKeys(const RecordState& record);

// An RFC 3339 time as it sorts in keys: UTC with six fractional digits (the writer's
// own form of `time`), whatever offset or precision the text used.
std::string SortableTime(std::string_view rfc3339);

// ---- facts: one per event the domain keeps for analytics, in recorded order ----
// Key: SortableTime(time), partition (u32 big-endian), ledgerseq (u64 big-endian), so a
// prefix scan up to a recorded time gives every fact the ledger held at that moment.
struct Fact {
  std::string type;
  std::string subject;
  std::string event_id;
  std::string time;  // recorded
  std::string occurredat;
  uint64_t streamversion = 0;
  boost::json::object data;  // as Models::fact kept it
  bool operator==(const Fact&) const = default;
};

std::string FactKey(std::string_view time, uint32_t partition, uint64_t ledgerseq);
// Keys of facts recorded at or before `time` sort below this.
std::string FactKeyLimit(std::string_view time);
std::string EncodeFact(const Fact& fact);
ledger::Result<Fact> DecodeFact(std::string_view value);

// ---- big-endian integers ----
void AppendBigEndian(std::string& out, uint64_t value, int bytes);
uint64_t ReadBigEndian(std::string_view in, int bytes);  // `in` must hold `bytes` bytes

}  // namespace projections
