// Counters and a latency histogram for GET /metrics (Prometheus text format 0.0.4).
// Thread-safe; recording is a few relaxed atomic adds.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "ledger/event_log.h"
#include "ledger/status.h"

namespace ingest {

class Metrics {
 public:
  // One appended request: how many events it carried and its latency.
  void RecordAppend(uint64_t events, uint64_t replayed, uint64_t latency_us);
  // One rejected request, by the code that decided its HTTP status.
  void RecordReject(ledger::Code code);
  // An append whose body was over the limit (413): counted as reason "body_too_large".
  void RecordTooLarge() { too_large_.fetch_add(1, std::memory_order_relaxed); }
  void RecordRequest() { requests_.fetch_add(1, std::memory_order_relaxed); }
  // A request refused before it was handled.
  enum class Refusal { kUnauthenticated, kDenied, kRateLimited };
  void RecordRefused(Refusal why) {
    refused_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }

  // The exposition text, with the log's per-partition ends and its size on disk.
  std::string Render(const ledger::EventLog& log, uint64_t log_bytes) const;

  // Upper bounds of the latency histogram, in microseconds.
  static constexpr std::array<uint64_t, 12> kBucketsUs = {
      250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000};

 private:
  static constexpr size_t kCodes = 10;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> append_requests_{0};
  std::atomic<uint64_t> events_appended_{0};
  std::atomic<uint64_t> events_replayed_{0};
  std::array<std::atomic<uint64_t>, kCodes> rejects_{};
  std::atomic<uint64_t> too_large_{0};
  std::array<std::atomic<uint64_t>, 3> refused_{};
  std::array<std::atomic<uint64_t>, kBucketsUs.size() + 1> buckets_{};
  std::atomic<uint64_t> latency_sum_us_{0};
};

}  // namespace ingest
