// The ledger writer: the one owner of every partition's sequence.
//
// Callers on any thread hand it batches of commands; a single sequencing thread takes
// everything queued (group commit), and for each command checks idempotency, the
// expected version and the Decider's rules, then assigns ledgerseq, streamversion and
// time, links both hash chains and builds the canonical event. The group's events are
// signed in parallel on a small pool, appended to the log in one durable write with
// the writer state they imply, and only then are the callers answered.
//
// A batch is atomic on the embedded log: every command is appended or none is. On Kafka
// (no transactions in this version) a failed delivery fails the whole batch, but the
// commands that reached other partitions stay in the log; retrying the batch with the
// same ids completes it exactly once. A command whose `id` was appended before (with
// the same content) gets the original result back and appends nothing; the same id with
// different content is a conflict.
//
// Each append also stores the Merkle tree nodes its records complete (tree_store.h), and
// the writer signs a checkpoint of a partition's tree once `checkpoint_events` events are
// not yet covered by one, or the oldest of them has waited `checkpoint_interval`, and
// when it closes: no acknowledged event stays uncovered longer than the interval.
//
// Recorded times strictly increase over the whole ledger (1 µs apart at least), so they
// give the order the events were sequenced in, which rebuilding the writer state needs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ledger/decider.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/time.h"
#include "ledger/tree_store.h"

namespace ledger {

// Seals a command's data once it passed validation and before it is sequenced, e.g.
// encrypts its personal fields (ingest/sealing.h). Must be deterministic for equal
// commands, so that a retry has the content digest of the original. Thread-safe.
class CommandSealer {
 public:
  virtual ~CommandSealer() = default;
  virtual Status Seal(Command& command) const = 0;
};

struct WriterOptions {
  std::string source = "sales-ledger";  // CloudEvents source of every event
  size_t batch_commands_max = 1000;     // one request
  size_t group_commands_max = 8192;     // one durable write
  size_t queue_commands_max = 65536;    // waiting, over all callers; beyond it: kResourceExhausted
  unsigned signer_threads = 0;          // 0 = one per core
  uint64_t checkpoint_events = 1000;    // sign a checkpoint once this many are uncovered
  std::chrono::milliseconds checkpoint_interval{1000};  // or the oldest waited this long
  const CommandSealer* sealer = nullptr;                // must outlive the writer
};

// The outcome of one appended (or idempotently replayed) command.
struct Appended {
  std::string id;
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  uint64_t streamversion = 0;
  Hash hash{};            // leaf hash
  std::string time;       // recorded time
  bool replayed = false;  // true when the id was appended before and nothing new was written
};

class Writer {
 public:
  using Callback = std::function<void(Result<std::vector<Appended>>)>;

  // `log`, `key`, `decider` and `clock` must outlive the writer. Recovers partition
  // heads from the log (stream heads and ids are read from the log's state on demand)
  // and first folds in any records the log's stored state lags behind.
  static Result<std::unique_ptr<Writer>> Open(EventLog& log, const SigningKey& key,
                                              const Decider& decider, Clock& clock,
                                              WriterOptions options);
  ~Writer();  // Close()s

  // Validates the batch on the calling thread, then queues it. `done` runs exactly
  // once, on the writer's thread (or the caller's, for rejections before queueing).
  void AppendAsync(std::vector<Command> batch, std::string actor, Callback done);
  // Blocking form.
  Result<std::vector<Appended>> Append(std::vector<Command> batch, std::string actor);

  // Stops taking work, finishes what is queued, joins the threads. Idempotent.
  void Close();

  const WriterOptions& options() const { return options_; }
  // Signs and keeps a checkpoint of partition `p`'s whole stored tree now (for an audit
  // pack of events the last checkpoint does not cover yet). Thread-safe.
  Result<StoredCheckpoint> CheckpointNow(uint32_t p) const;
  // Events the last recovery (at Open, or after a failed write) folded into the writer
  // state because the log's stored state lagged behind them.
  uint64_t caught_up_events() const { return caught_up_events_.load(); }
  // The stateless checks of one command (what AppendAsync runs first): the decider's,
  // or the writer's own for a retraction. For callers that report them beside theirs.
  std::vector<Violation> Validate(const Command& command) const;

 private:
  struct Request;
  struct Group;
  struct Pending;
  class Signer;
  class Overlay;

  Writer(EventLog& log, const SigningKey& key, const Decider& decider, Clock& clock,
         WriterOptions options);
  // Reads the partition heads from the log, and folds into the writer state the records
  // it lags behind (EventLog::StateEnd).
  Status Recover();
  // Folds records [state_end[p], End(p)) of every partition into the writer state, in
  // the order they were sequenced (by time), checking both chains on the way.
  Status CatchUp(std::vector<uint64_t> state_end);
  // Folds one recorded event into stream heads, decision state and the id index.
  Status Fold(const Event& event, const Hash& leaf, Overlay& overlay) const;
  void Run();
  // Signs the checkpoints the policy calls for (all uncovered ones when `all`).
  void Checkpoint(bool all);
  // When the oldest uncovered event's interval runs out; nullopt when all are covered.
  std::optional<std::chrono::steady_clock::time_point> NextCheckpointDue() const;
  void Commit(std::vector<std::unique_ptr<Request>> requests);
  Status Sequence(Request& request, Overlay& overlay, Group& group);
  // The writer's own rules for a retraction (kRetractionType): the event it names exists,
  // is of the same subject, is no retraction, was not retracted, and the decider allows.
  Status CheckRetraction(const Command& command, size_t index, Overlay& overlay,
                         const Group& group) const;
  Status SequenceOne(const Command& command, size_t index, const std::string& actor,
                     Overlay& overlay, Group& group, Appended& out);

  EventLog& log_;
  const SigningKey& key_;
  const Decider& decider_;
  Clock& clock_;
  const WriterOptions options_;
  std::unique_ptr<Signer> signer_;

  // Partition heads, touched only by the sequencing thread.
  std::vector<Hash> partition_last_;
  std::vector<uint64_t> partition_end_;
  Micros last_time_ = 0;
  std::vector<MerkleFrontier> trees_;   // each partition's tree as appended
  std::vector<uint64_t> checkpointed_;  // size of each partition's latest checkpoint
  std::vector<std::optional<std::chrono::steady_clock::time_point>> uncovered_since_;
  Status synced_;  // not ok after a failed write until Recover succeeds again
  std::atomic<uint64_t> caught_up_events_{0};

  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::unique_ptr<Request>> queue_;
  size_t queued_commands_ = 0;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace ledger
