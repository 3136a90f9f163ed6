#include "ingest/feed.h"

#include <boost/url/parse.hpp>
#include <charconv>

#include "ledger/record.h"

namespace ingest {
namespace {

bool ParseUint(std::string_view text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

ledger::Result<FeedQuery> ParseFeedQuery(std::string_view target, uint32_t partitions) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return ledger::Status::Invalid("the request target is not a valid URL",
                                   {{"", url.error().message()}});
  FeedQuery q;
  std::vector<ledger::Violation> v;
  bool has_partition = false;
  for (const auto& param : url->params()) {
    const std::string& key = param.key;
    uint64_t n = 0;
    if (key == "partition") {
      has_partition = ParseUint(param.value, n) && n < partitions;
      if (!has_partition)
        v.push_back({"/query/partition", "must be 0.." + std::to_string(partitions - 1)});
      q.partition = static_cast<uint32_t>(n);
    } else if (key == "from") {
      if (!ParseUint(param.value, n))
        v.push_back({"/query/from", "must be a ledgerseq (0 or more)"});
      q.from = n;
    } else if (key == "limit") {
      if (!ParseUint(param.value, n) || n < 1 || n > kFeedLinesMax) {
        v.push_back({"/query/limit", "must be 1.." + std::to_string(kFeedLinesMax)});
      }
      q.limit = n;
    } else if (key == "follow") {
      if (param.value != "true" && param.value != "false")
        v.push_back({"/query/follow", "must be true or false"});
      q.follow = param.value == "true";
    } else {
      v.push_back({"/query/" + key, "is not a parameter of this endpoint"});
    }
  }
  if (!has_partition && v.empty()) v.push_back({"/query/partition", "is required"});
  if (!v.empty()) return ledger::Status::Invalid("the feed query is not valid", std::move(v));
  return q;
}

ledger::Result<std::string> ReadFeedLines(const ledger::EventLog& log, uint32_t partition,
                                          uint64_t from, size_t max, size_t& count) {
  auto records = ledger::ReadRecords(log, partition, from, max);
  if (!records.ok()) return records.status();
  std::string out;
  count = records->size();
  for (const ledger::SignedRecord& r : *records) {
    out += ledger::FeedLine(r);
    out += '\n';
  }
  return out;
}

}  // namespace ingest
