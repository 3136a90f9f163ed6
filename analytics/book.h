// The facts an analytics request may see, grouped into streams: one per record, its
// facts in stream order, retracted ones left out. Built per request from the views'
// facts family (projections::ViewReader::Facts) up to the request's `asof`.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "ledger/time.h"
#include "projections/encoding.h"

namespace analytics {

using ledger::Micros;

inline constexpr Micros kTimeMin = INT64_MIN;
inline constexpr Micros kTimeMax = INT64_MAX;

// One event as analytics see it. Its text and data are those of the projections::Fact
// the book was built from (the book keeps it): valid while the book lives.
struct Fact {
  std::string_view type;        // "opportunity.won"
  Micros at = 0;                // business time: occurredat, or the recorded time
  std::string_view date;        // "YYYY-MM-DD" as written in occurredat (or the recorded date)
  std::string_view occurredat;  // as written ("" when the event had none)
  Micros recorded = 0;
  const boost::json::object& data;
};

// The facts of one record, in stream order (a range of the book's facts).
struct Stream {
  std::string id;  // "OPP-2025-0042"
  std::span<const Fact> facts;
};

using Streams = std::map<std::string, Stream, std::less<>>;  // by record id

// Movable, not copyable: its facts view the text it owns.
class Book {
 public:
  Book(Book&&) = default;
  Book& operator=(Book&&) = default;
  Book(const Book&) = delete;
  Book& operator=(const Book&) = delete;

  // Groups `facts` (as the views keep them) by record and drops every event named by a
  // retraction among them. kCorruption for a fact whose times do not parse.
  static ledger::Result<Book> Build(std::vector<projections::Fact> facts);

  // The records of `kind` (an empty map when there are none).
  const Streams& Of(std::string_view kind) const;
  // One record; nullptr when absent.
  const Stream* Find(std::string_view kind, std::string_view id) const;

 private:
  Book() = default;

  std::vector<projections::Fact> source_;  // what the facts view
  std::vector<Fact> facts_;                // every stream's, stream after stream
  std::map<std::string, Streams, std::less<>> kinds_;
};

// A string member of `data`; "" when absent or not a string.
std::string_view Str(const boost::json::object& data, std::string_view key);
// An integer member of `data`; nullopt when absent or not an integer.
std::optional<int64_t> Int(const boost::json::object& data, std::string_view key);

}  // namespace analytics
