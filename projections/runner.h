// The projector runtime: follows every partition of an EventLog and keeps the views
// (view_store.h) up to date, one atomic WriteBatch per chunk of events.
//
// For each partition it reads from the stored position in bounded chunks, checks each
// record again before applying it (decodes it, parses the event strictly, checks that
// it sits where it says, that `ledgerprev` continues the last applied event, that its
// subject's stream continues, and its signature against the Keyring), folds it into the
// records, history and index models, and writes the models and the new position in one
// batch. Then it follows the tail with EventLog::WaitBeyond.
//
// A record that fails a check stops that partition's projection: the error (naming the
// partition and ledgerseq) is kept, printed to stderr and returned by the waits; the
// other partitions go on. Nothing is ever skipped. Restart resumes from the stored
// positions, so no event is applied twice or missed; a crash between batches loses
// nothing, since each batch is atomic.
//
// Threads: Start() runs min(partitions, threads_max) threads; thread i owns partitions
// i, i + threads, ..., taking one chunk of each in turn. Every other method may be
// called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/kafka.h"
#include "projections/projector.h"

namespace projections {

// Projecting as a member of a Kafka consumer group (ledgerd --group): the group splits
// the topic's partitions among its members, each projecting only those it is assigned.
struct GroupOptions {
  std::string brokers;
  std::string topic;
  std::string group;
  ledger::kafka::Config config;  // librdkafka settings (session.timeout.ms, TLS, ...)
};

struct RunnerOptions {
  ProjectorLimits limits;
  // Per partition, the ledgerseq to stop before: only events below it are applied
  // (views pinned by a replay). Empty: no limit.
  std::vector<uint64_t> stop_at;
  unsigned threads_max = 8;                       // projecting threads
  std::chrono::milliseconds follow_wait_ms{100};  // one wait for the tail; bounds Stop()'s delay
  // Set: Start() joins this consumer group instead of following every partition. On
  // each assignment it loads the assigned partitions' positions from the views and
  // has the consumer start exactly there (Kafka's committed offsets are never used);
  // records arrive through the group and are checked and applied like any others.
  std::optional<GroupOptions> group;
};

struct PartitionProgress {
  uint32_t partition = 0;
  uint64_t applied = 0;   // next ledgerseq to apply (= events applied)
  uint64_t end = 0;       // the log's end when asked
  uint64_t lag = 0;       // end - applied
  bool finished = false;  // reached a limit (limits.until, stop_at): applies nothing more
  bool assigned = true;   // in a consumer group: whether this member projects it now
  bool failed = false;
  std::string error;  // why it stopped, when failed
};

class Runner {
 public:
  // Every reference must outlive the runner.
  Runner(ViewStore& store, const ledger::EventLog& log, const ledger::Keyring& keys, Models models,
         RunnerOptions options = {});
  ~Runner();  // Stop()s
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Loads every partition's position, checks the views belong to this log, then
  // starts the threads. Fails (starting nothing) when a position does not match.
  ledger::Status Start();
  // Stops the threads after their current batch and joins them. Idempotent.
  void Stop();

  // Projects every partition up to its end at the time of the call (or up to
  // `limits.until`) on up to threads_max threads, then returns. Not while started.
  ledger::Status RunToEnd();

  uint64_t Applied(uint32_t partition) const;
  uint64_t Lag(uint32_t partition) const;  // log.End(partition) - Applied(partition)
  std::vector<PartitionProgress> Progress() const;
  // The first partition's error, if any has stopped.
  ledger::Status Error() const;

  // Waits until every partition has applied what the log held at the call, or has
  // stopped on an error. In a consumer group: every partition assigned to this member. Returns the
  // first stopped partition's error, or kUnavailable on timeout or when the runner is not running.
  ledger::Status WaitUntilCaughtUp(std::chrono::milliseconds timeout);
  // Read-your-writes: waits until `partition` has applied ledgerseq `seq`.
  ledger::Status WaitUntilApplied(uint32_t partition, uint64_t seq,
                                  std::chrono::milliseconds timeout);
  // Waits until every partition p has applied the events below next_seqs[p] (one entry
  // per partition; 0 = nothing to wait for). kUnavailable on timeout, when the runner is
  // not running, or at once when a partition finished at a limit below its target.
  ledger::Status WaitUntilPositions(const std::vector<uint64_t>& next_seqs,
                                    std::chrono::milliseconds timeout);

 private:
  ledger::Status LoadAll();
  void RunThread(unsigned index, unsigned threads, bool to_end, std::vector<uint64_t> ends);
  // One chunk of one partition; returns whether it applied anything.
  bool StepOne(PartitionProjector& projector, uint64_t end_seq);
  void Fail(uint32_t partition, ledger::Status status);
  uint64_t StopAt(uint32_t partition) const;
  // The partition's end as far as known: the log's, or what the group's fetches saw.
  uint64_t End(uint32_t partition) const;
  void GroupThread();
  // Applies a consumer group's records of one assigned partition.
  void ApplyFetched(PartitionProjector& projector,
                    const std::vector<ledger::kafka::Fetched>& fetched);

  ViewStore& store_;
  const ledger::EventLog& log_;
  const ledger::Keyring& keys_;
  const Models models_;
  const RunnerOptions options_;
  std::vector<std::unique_ptr<PartitionProjector>> projectors_;
  std::unique_ptr<std::atomic<uint64_t>[]> applied_;
  std::unique_ptr<std::atomic<bool>[]> finished_;
  std::unique_ptr<std::atomic<bool>[]> owned_;          // group mode: assigned here now
  std::unique_ptr<std::atomic<uint64_t>[]> group_end_;  // group mode: ends seen by fetches

  mutable std::mutex mu_;
  std::condition_variable progressed_;
  std::vector<ledger::Status> errors_;  // per partition; ok while running
  bool running_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace projections
