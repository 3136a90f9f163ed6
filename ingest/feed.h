// The signed event feed: GET /v1/events?partition=P&from=SEQ&limit=N[&follow=true].
// One NDJSON line per event, as docs/FORMAT.md §6 lays it out. Pure functions; the
// session streams followed feeds (http_server.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/event_log.h"
#include "ledger/status.h"

namespace ingest {

inline constexpr size_t kFeedLinesDefault = 1000;
inline constexpr size_t kFeedLinesMax = 10000;

struct FeedQuery {
  uint32_t partition = 0;
  uint64_t from = 0;
  size_t limit = kFeedLinesDefault;
  bool follow = false;
};

// Parses the request target's query; every problem is a violation at /query/<name>.
ledger::Result<FeedQuery> ParseFeedQuery(std::string_view target, uint32_t partitions);

// Feed lines of up to `max` events of `partition` from `from` on. Sets `count`.
ledger::Result<std::string> ReadFeedLines(const ledger::EventLog& log, uint32_t partition,
                                          uint64_t from, size_t max, size_t& count);

}  // namespace ingest
