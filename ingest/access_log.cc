#include "ingest/access_log.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "ingest/query.h"
#include "ledger/time.h"

namespace ingest {
namespace json = boost::json;

namespace {

constexpr std::string_view kType = "access.read";
constexpr std::string_view kDeniedType = "access.denied";
constexpr uint64_t kQueryLimitDefault = 100;
constexpr uint64_t kQueryLimitMax = 1000;
constexpr uint64_t kScanMax = 10000;  // entries one query reads before it answers with `next`

// The time of the entry at `seq` (the access log has one partition).
ledger::Result<ledger::Micros> TimeAt(const ledger::EventLog& log, uint64_t seq) {
  auto records = ledger::ReadRecords(log, 0, seq, 1);
  if (!records.ok()) return records.status();
  if (records->empty()) return ledger::Status::Corruption("the access log lost an entry");
  auto event = ledger::ParseEvent(records->front().event);
  if (!event.ok()) return event.status();
  return ledger::ParseRfc3339(event->time).value_or(0);
}

}  // namespace

ledger::Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::filesystem::path& dir,
                                                           const ledger::SigningKey& key,
                                                           std::string source) {
  std::unique_ptr<AccessLog> access(new AccessLog());
  auto log = ledger::EmbeddedLog::Open(dir, {.partitions = 1});
  if (!log.ok()) return log.status();
  access->log_ = std::move(log).value();
  auto writer =
      ledger::Writer::Open(*access->log_, key, access->decider_, ledger::SystemClock::Instance(),
                           {.source = std::move(source)});
  if (!writer.ok()) return writer.status();
  access->writer_ = std::move(writer).value();
  return access;
}

AccessLog::~AccessLog() {
  if (writer_) writer_->Close();  // makes every queued entry durable first
}

std::optional<AccessEntry> AccessLog::RecordedRead(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kRecords = "/v1/records/";
  if (!path.starts_with(kRecords)) return std::nullopt;
  std::vector<std::string_view> parts;
  for (std::string_view rest = path.substr(kRecords.size()); !rest.empty();) {
    const size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  }
  if (parts.empty() || parts.size() > 3 || !ValidKind(parts[0])) return std::nullopt;
  if (parts.size() >= 2 && !ValidId(parts[1])) return std::nullopt;
  AccessEntry e;
  if (parts.size() == 1) {
    e.resource = "list";
    e.subject = std::string(parts[0]);
  } else {
    e.subject = std::string(parts[0]) + "/" + std::string(parts[1]);
    if (parts.size() == 2) {
      e.resource = "record";
    } else if (parts[2] == "history" || parts[2] == "auditpack") {
      e.resource = std::string(parts[2]);
    } else if (parts[2] == "related" && parts[0] == "account") {
      e.resource = "related";
    } else {
      return std::nullopt;
    }
  }
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    e.query = std::string(target.substr(q + 1));
    if (auto url = boost::urls::parse_origin_form(target)) {
      if (auto it = url->params().find("purpose"); it != url->params().end())
        e.purpose = (*it).value;
    }
  }
  return e;
}

void AccessLog::Record(const AccessEntry& entry, std::function<void(ledger::Status)> done) const {
  ledger::Command c;
  c.type = std::string(entry.method.empty() ? kType : kDeniedType);
  c.subject = "access/" + entry.actor;
  c.data = {{"resource", entry.resource},
            {"subject", entry.subject},
            {"query", entry.query},
            {"purpose", entry.purpose},
            {"status", entry.status}};
  if (!entry.method.empty()) c.data["method"] = entry.method;
  std::vector<ledger::Command> batch;
  batch.push_back(std::move(c));
  writer_->AppendAsync(std::move(batch), entry.actor,
                       [done = std::move(done)](ledger::Result<std::vector<ledger::Appended>> r) {
                         done(r.status());
                       });
}

Response AccessLog::Query(const Request& req) const {
  ingest::Query q(TargetOf(req), {"subject", "actor", "since", "limit", "after"});
  const std::string subject = q.Get("subject"), actor = q.Get("actor");
  const auto since = q.Time("since");
  uint64_t limit = q.Number("limit", kQueryLimitMax);
  if (limit == 0) limit = kQueryLimitDefault;
  std::optional<uint64_t> after;
  if (q.Has("after")) after = q.Required("after", UINT64_MAX - 1);
  if (!q.Status().ok()) return Fail(req, q.Status());
  const uint64_t end = log_->End(0);
  // Where to start: after the cursor, or the first entry at or after `since` (times
  // strictly increase along the log, so a binary search finds it).
  uint64_t from = after ? *after + 1 : 0;
  if (!after && since) {
    uint64_t lo = 0, hi = end;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      auto t = TimeAt(*log_, mid);
      if (!t.ok()) return Fail(req, t.status());
      if (*t < *since)
        lo = mid + 1;
      else
        hi = mid;
    }
    from = lo;
  }
  json::array entries;
  uint64_t next = from;
  while (next < end && next - from < kScanMax && entries.size() < limit) {
    auto records = ledger::ReadRecords(*log_, 0, next, std::min<uint64_t>(256, end - next));
    if (!records.ok()) return Fail(req, records.status());
    if (records->empty()) break;
    for (const ledger::SignedRecord& r : *records) {
      next = r.ledgerseq + 1;
      auto e = ledger::ParseEvent(r.event);
      if (!e.ok())
        return Fail(req, ledger::Status::Corruption("access log: " + e.status().message()));
      const json::object& d = e->data;
      const auto* read = d.if_contains("subject");
      if (!actor.empty() && e->actor != actor) continue;
      if (!subject.empty() &&
          (read == nullptr || !read->is_string() || read->get_string() != subject))
        continue;
      json::object o{{"time", e->time},          {"type", e->type},
                     {"actor", e->actor},        {"id", e->id},
                     {"ledgerseq", r.ledgerseq}, {"hash", ledger::Hex(r.leaf_hash())}};
      for (const char* k : {"resource", "subject", "purpose", "query", "status", "method"}) {
        if (const auto* v = d.if_contains(k)) o[k] = *v;
      }
      entries.push_back(std::move(o));
      if (entries.size() == limit) break;
    }
  }
  json::object body{{"entries", std::move(entries)}};
  if (next < end && next > from) body["next"] = next - 1;  // pass as ?after= for the rest
  return JsonResponse(req, http::status::ok, body);
}

}  // namespace ingest
