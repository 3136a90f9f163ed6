// The read models' query side: current records, history with paging, state as of a
// recorded or a business time, and filtered lists served from the index.
//
// Every query reads one RocksDB snapshot, so what it returns is one consistent state
// of the views (which reflect, per partition, a prefix of the log). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/time.h"
#include "projections/models.h"
#include "projections/view_store.h"

namespace projections {

inline constexpr size_t kHistoryLimitMax = 1000;      // entries per History page
inline constexpr size_t kListLimitMax = 1000;         // records per List page
inline constexpr size_t kListLimitDefault = 100;      // when the caller passes 0
inline constexpr size_t kListScanKeysMax = 10000;     // index keys one List call reads
inline constexpr uint64_t kBusinessFoldMax = 100000;  // versions StateAsOfBusiness refolds

struct HistoryPage {
  std::vector<HistoryEntry> entries;  // oldest first
  uint64_t next_after = 0;            // pass as after_version for the next page; 0 at the end
};

// A record's state at a point in time.
struct StateAt {
  uint64_t version = 0;  // of the last event included
  uint64_t events = 0;   // events included (= version, except as of business time)
  std::string time;      // recorded time of the last event included
  boost::json::object state;
};

struct ListFilter {
  std::string owner;  // "" = any
  std::string stage;
  std::string status;
  std::string account;
  std::optional<ledger::Micros> updated_since;  // last event recorded at or after this
};

struct ListPage {
  std::vector<RecordState> records;
  std::string cursor;  // opaque; pass it back for the next page; "" when there is none
};

class ViewReader {
 public:
  // `store` must outlive the reader; `fold` is the one the views were built with
  // (StateAsOfBusiness refolds events).
  ViewReader(const ViewStore& store, Fold fold);

  // kNotFound when the views hold no record of `subject`.
  ledger::Result<RecordState> GetRecord(std::string_view subject) const;

  // Entries with version > after_version, oldest first, at most `limit`
  // (1..kHistoryLimitMax; 0 = kHistoryLimitMax). kNotFound for an unknown subject.
  ledger::Result<HistoryPage> History(std::string_view subject, uint64_t after_version,
                                      size_t limit) const;

  // The state after the last event recorded at or before `recorded` (by the `time`
  // attribute; recorded time never decreases along a stream). One seek in the as-of
  // index and one read. kNotFound when the record did not exist yet.
  ledger::Result<StateAt> StateAsOf(std::string_view subject, ledger::Micros recorded) const;

  // The state the record would have had if only the events that happened (by
  // `occurredat`) at or before `occurred` had been recorded: the fold, in stream order,
  // of those events — an event reported late still counts at its business time, one
  // reported early does not. Refolds the stream (at most kBusinessFoldMax versions).
  // kNotFound when no event of the record happened by then.
  ledger::Result<StateAt> StateAsOfBusiness(std::string_view subject,
                                            ledger::Micros occurred) const;

  // Records of `kind` matching every filter, from one range scan of the index: the
  // narrowest of the filters' key ranges (estimated by RocksDB), the others checked
  // against each record. Ordered by subject, or by update time when no field filter is
  // given. `limit` 1..kListLimitMax (0 = kListLimitDefault). A page may hold fewer
  // than `limit` records with a cursor when kListScanKeysMax keys were read.
  ledger::Result<ListPage> List(std::string_view kind, const ListFilter& filter, size_t limit,
                                std::string_view cursor) const;

  // Every fact recorded at or before `recorded` (all of them when nullopt), in recorded
  // order, from one snapshot. kExhausted when there are more than `facts_max`.
  ledger::Result<std::vector<Fact>> Facts(std::optional<ledger::Micros> recorded,
                                          size_t facts_max) const;

 private:
  const ViewStore& store_;
  Fold fold_;
};

}  // namespace projections
