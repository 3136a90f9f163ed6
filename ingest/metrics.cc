#include "ingest/metrics.h"

namespace ingest {
namespace {

void Line(std::string& out, const std::string& name, const std::string& labels, uint64_t value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " " + std::to_string(value) + "\n";
}

void Help(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::RecordAppend(uint64_t events, uint64_t replayed, uint64_t latency_us) {
  append_requests_.fetch_add(1, std::memory_order_relaxed);
  events_appended_.fetch_add(events - replayed, std::memory_order_relaxed);
  events_replayed_.fetch_add(replayed, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBucketsUs.size() && latency_us > kBucketsUs[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(latency_us, std::memory_order_relaxed);
}

void Metrics::RecordReject(ledger::Code code) {
  auto i = static_cast<size_t>(code);
  if (i < kCodes) rejects_[i].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(const ledger::EventLog& log, uint64_t log_bytes) const {
  std::string out;
  Help(out, "ledger_http_requests_total", "counter", "HTTP requests read");
  Line(out, "ledger_http_requests_total", "", requests_.load());
  Help(out, "ledger_http_refused_total", "counter",
       "Requests refused before they were handled: no valid token (401), a role that may "
       "not (403), over the token's rate (429)");
  const char* refusals[] = {"unauthenticated", "denied", "rate_limited"};
  for (size_t i = 0; i < refused_.size(); ++i)
    Line(out, "ledger_http_refused_total", std::string("reason=\"") + refusals[i] + "\"",
         refused_[i].load());
  Help(out, "ledger_append_requests_total", "counter", "Append requests acknowledged");
  Line(out, "ledger_append_requests_total", "", append_requests_.load());
  Help(out, "ledger_events_appended_total", "counter", "Events appended (durable)");
  Line(out, "ledger_events_appended_total", "", events_appended_.load());
  Help(out, "ledger_events_replayed_total", "counter",
       "Retried events answered from the idempotency index");
  Line(out, "ledger_events_replayed_total", "", events_replayed_.load());
  Help(out, "ledger_append_rejects_total", "counter", "Append requests rejected, by reason");
  for (size_t i = 1; i < kCodes; ++i) {
    std::string reason = ledger::CodeName(static_cast<ledger::Code>(i));
    for (char& c : reason) c = c == ' ' || c == '/' ? '_' : c;
    Line(out, "ledger_append_rejects_total", "reason=\"" + reason + "\"", rejects_[i].load());
  }
  Line(out, "ledger_append_rejects_total", "reason=\"body_too_large\"", too_large_.load());
  Help(out, "ledger_append_latency_seconds", "histogram",
       "From request read to durable acknowledgement");
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= kBucketsUs.size(); ++b) {
    cumulative += buckets_[b].load();
    std::string le = b < kBucketsUs.size() ? std::to_string(kBucketsUs[b] / 1e6) : "+Inf";
    Line(out, "ledger_append_latency_seconds_bucket", "le=\"" + le + "\"", cumulative);
  }
  out += "ledger_append_latency_seconds_sum " + std::to_string(latency_sum_us_.load() / 1e6) + "\n";
  Line(out, "ledger_append_latency_seconds_count", "", cumulative);
  Help(out, "ledger_log_events", "gauge",
       "Events in each partition of the log (its next ledgerseq)");
  for (uint32_t p = 0; p < log.partitions(); ++p) {
    Line(out, "ledger_log_events", "partition=\"" + std::to_string(p) + "\"", log.End(p));
  }
  Help(out, "ledger_log_bytes", "gauge", "Approximate size of the event log on disk");
  Line(out, "ledger_log_bytes", "", log_bytes);
  return out;
}

}  // namespace ingest
