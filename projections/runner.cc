#include "projections/runner.h"

#include <algorithm>
#include <cstdio>

#include "ledger/kafka_log.h"

namespace projections {
using ledger::Status;

Runner::Runner(ViewStore& store, const ledger::EventLog& log, const ledger::Keyring& keys,
               Models models, RunnerOptions options)
    : store_(store),
      log_(log),
      keys_(keys),
      models_(std::move(models)),
      options_(options),
      applied_(std::make_unique<std::atomic<uint64_t>[]>(log.partitions())),
      finished_(std::make_unique<std::atomic<bool>[]>(log.partitions())),
      owned_(std::make_unique<std::atomic<bool>[]>(log.partitions())),
      group_end_(std::make_unique<std::atomic<uint64_t>[]>(log.partitions())),
      errors_(log.partitions()) {
  for (uint32_t p = 0; p < log.partitions(); ++p) owned_[p] = !options.group.has_value();
  LEDGER_ASSERT(log.partitions() == store.partitions());
  LEDGER_ASSERT(options.stop_at.empty() || options.stop_at.size() == log.partitions());
  LEDGER_ASSERT(options.threads_max > 0 && options.follow_wait_ms.count() > 0);
}

Runner::~Runner() { Stop(); }

Status Runner::LoadAll() {
  projectors_.clear();
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    auto projector =
        std::make_unique<PartitionProjector>(p, store_, log_, keys_, models_, options_.limits);
    if (Status s = projector->Load(); !s.ok()) return s;
    applied_[p] = projector->next_seq();
    finished_[p] = projector->next_seq() >= StopAt(p);
    projectors_.push_back(std::move(projector));
  }
  std::lock_guard lock(mu_);
  std::fill(errors_.begin(), errors_.end(), Status::Ok());
  return Status::Ok();
}

Status Runner::Start() {
  {
    std::lock_guard lock(mu_);
    if (running_) return Status::Internal("the projector runner is already started");
  }
  if (Status s = LoadAll(); !s.ok()) return s;
  stopping_ = false;
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  if (options_.group) {
    threads_.emplace_back([this] { GroupThread(); });
    return Status::Ok();
  }
  const unsigned threads = std::min<unsigned>(options_.threads_max, log_.partitions());
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i, threads] { RunThread(i, threads, false, {}); });
  }
  return Status::Ok();
}

void Runner::GroupThread() {
  const GroupOptions& g = *options_.group;
  const uint32_t n = log_.partitions();
  auto on_assign =
      [&](const std::vector<uint32_t>& partitions) -> ledger::Result<std::vector<int64_t>> {
    std::vector<int64_t> offsets;
    for (uint32_t p : partitions) {
      if (p >= n) {
        return Status::Invalid("the group assigned partition " + std::to_string(p) +
                               " but the views have " + std::to_string(n));
      }
      // Where the views are, as stored with them; a position that does not belong to
      // this topic stops the partition (its records are fetched but not applied). The
      // log's cached end may predate the views' position: let it catch up first.
      auto stored = store_.GetPosition(p);
      if (stored.ok() && stored->next_seq > 0)
        (void)log_.WaitBeyond(p, stored->next_seq - 1, std::chrono::seconds(10));
      if (Status s = projectors_[p]->Load(); !s.ok()) {
        Fail(p, s);
      } else {
        std::lock_guard lock(mu_);
        errors_[p] = Status::Ok();  // a new assignment starts afresh from the views
      }
      applied_[p] = projectors_[p]->next_seq();
      finished_[p] = projectors_[p]->next_seq() >= StopAt(p);
      owned_[p] = true;
      offsets.push_back(static_cast<int64_t>(projectors_[p]->next_seq()));
    }
    std::lock_guard lock(mu_);
    progressed_.notify_all();
    return offsets;
  };
  auto on_revoke = [&](const std::vector<uint32_t>& partitions) {
    for (uint32_t p : partitions)
      if (p < n) owned_[p] = false;
  };
  auto consumer = ledger::kafka::GroupConsumer::Open(g.brokers, g.topic, g.group, on_assign,
                                                     on_revoke, g.config);
  if (!consumer.ok()) {
    for (uint32_t p = 0; p < n; ++p) Fail(p, consumer.status());
    return;
  }
  auto ends_read = std::chrono::steady_clock::now();
  while (!stopping_) {
    auto fetched = (*consumer)->Poll(options_.follow_wait_ms, options_.limits.chunk_events_max);
    if (!fetched.ok()) {
      std::fprintf(stderr, "projections: consumer group %s: %s\n", g.group.c_str(),
                   fetched.status().ToString().c_str());
      std::this_thread::sleep_for(options_.follow_wait_ms);
      continue;
    }
    for (const auto& [p, records] : *fetched) {
      if (p < n && owned_[p]) ApplyFetched(*projectors_[p], records);
    }
    if (std::chrono::steady_clock::now() - ends_read > std::chrono::milliseconds(200)) {
      ends_read = std::chrono::steady_clock::now();
      for (uint32_t p : (*consumer)->assigned()) {
        const int64_t end = (*consumer)->CachedEnd(p);
        if (p < n && end > 0) group_end_[p] = static_cast<uint64_t>(end);
      }
    }
  }
  (*consumer)->Close();  // leaves the group: the other members take over at once
  for (uint32_t p = 0; p < n; ++p) owned_[p] = false;
}

void Runner::ApplyFetched(PartitionProjector& projector,
                          const std::vector<ledger::kafka::Fetched>& fetched) {
  const uint32_t p = projector.partition();
  {
    std::lock_guard lock(mu_);
    if (!errors_[p].ok() || finished_[p]) return;
  }
  std::vector<ledger::StoredRecord> stored;
  Status bad;
  for (const ledger::kafka::Fetched& f : fetched) {
    if (static_cast<uint64_t>(f.offset) >= StopAt(p)) break;
    auto record = ledger::SignedRecordFromKafka(p, f.offset, f.key, f.value, f.headers);
    if (!record.ok()) {
      bad = record.status();
      break;
    }
    stored.push_back({p, record->ledgerseq, ledger::EncodeRecordValue(*record)});
  }
  uint64_t before = projector.next_seq();
  for (;;) {
    auto applied = projector.ApplyRecords(stored);
    applied_[p] = projector.next_seq();
    if (!applied.ok()) {
      Fail(p, applied.status());
      return;
    }
    if (*applied == 0) break;
  }
  if (!bad.ok() && (stored.empty() || projector.next_seq() > stored.back().ledgerseq)) {
    Fail(p, bad);  // every good record before it is applied
    return;
  }
  const bool finished = projector.reached_until() || projector.next_seq() >= StopAt(p);
  std::lock_guard lock(mu_);
  if (finished) finished_[p] = true;
  if (finished || projector.next_seq() != before) progressed_.notify_all();
}

uint64_t Runner::End(uint32_t partition) const {
  return std::max(log_.End(partition), group_end_[partition].load());
}

void Runner::Stop() {
  stopping_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mu_);
  running_ = false;
  progressed_.notify_all();
}

Status Runner::RunToEnd() {
  {
    std::lock_guard lock(mu_);
    if (running_) return Status::Internal("RunToEnd while the runner is started");
  }
  if (options_.group) return Status::Internal("RunToEnd follows every partition, not a group");
  if (Status s = LoadAll(); !s.ok()) return s;
  stopping_ = false;
  std::vector<uint64_t> ends(log_.partitions());
  for (uint32_t p = 0; p < log_.partitions(); ++p) ends[p] = log_.End(p);
  const unsigned threads = std::min<unsigned>(options_.threads_max, log_.partitions());
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.emplace_back([this, i, threads, ends] { RunThread(i, threads, true, ends); });
  }
  for (std::thread& t : workers) t.join();
  return Error();
}

void Runner::RunThread(unsigned index, unsigned threads, bool to_end, std::vector<uint64_t> ends) {
  std::vector<PartitionProjector*> mine;
  for (size_t p = index; p < projectors_.size(); p += threads) mine.push_back(projectors_[p].get());
  std::vector<bool> done(mine.size(), false);
  while (!stopping_) {
    bool progressed = false;
    size_t live = 0;
    for (size_t i = 0; i < mine.size(); ++i) {
      if (done[i]) continue;
      PartitionProjector& projector = *mine[i];
      const uint32_t p = projector.partition();
      const uint64_t end_seq = std::min(to_end ? ends[p] : UINT64_MAX, StopAt(p));
      progressed |= StepOne(projector, end_seq);
      const bool finished = projector.reached_until() || projector.next_seq() >= StopAt(p);
      std::lock_guard lock(mu_);
      if (finished && !finished_[p]) {
        finished_[p] = true;
        progressed_.notify_all();
      }
      done[i] = !errors_[p].ok() || finished || (to_end && projector.next_seq() >= end_seq);
      live += done[i] ? 0 : 1;
    }
    if (live == 0) return;
    if (progressed || to_end) continue;
    // Nothing new anywhere: wait on the tails, one share of follow_wait_ms each.
    const auto share = std::max(std::chrono::milliseconds(1),
                                options_.follow_wait_ms / static_cast<int64_t>(live));
    for (size_t i = 0; i < mine.size() && !stopping_; ++i) {
      if (done[i]) continue;
      const uint32_t p = mine[i]->partition();
      if (!log_.WaitBeyond(p, mine[i]->next_seq(), share)) continue;
      if (log_.End(p) > mine[i]->next_seq()) break;
      std::this_thread::sleep_for(share);  // the log was closed: do not spin
    }
  }
}

bool Runner::StepOne(PartitionProjector& projector, uint64_t end_seq) {
  auto applied = projector.Step(end_seq);
  // A failed step may still have applied the records before the bad one.
  applied_[projector.partition()] = projector.next_seq();
  if (!applied.ok()) {
    Fail(projector.partition(), applied.status());
    return false;
  }
  if (*applied == 0) return false;
  std::lock_guard lock(mu_);
  progressed_.notify_all();
  return true;
}

void Runner::Fail(uint32_t partition, Status status) {
  std::fprintf(stderr, "projections: partition %u stopped: %s\n", partition,
               status.ToString().c_str());
  std::lock_guard lock(mu_);
  errors_[partition] = std::move(status);
  progressed_.notify_all();
}

uint64_t Runner::StopAt(uint32_t partition) const {
  return options_.stop_at.empty() ? UINT64_MAX : options_.stop_at[partition];
}

uint64_t Runner::Applied(uint32_t partition) const {
  LEDGER_ASSERT(partition < log_.partitions());
  return applied_[partition].load();
}

uint64_t Runner::Lag(uint32_t partition) const {
  const uint64_t applied = Applied(partition);
  const uint64_t end = End(partition);
  return end > applied && owned_[partition] ? end - applied : 0;
}

std::vector<PartitionProgress> Runner::Progress() const {
  std::vector<PartitionProgress> out;
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    PartitionProgress progress;
    progress.partition = p;
    progress.applied = Applied(p);
    progress.end = End(p);
    progress.assigned = owned_[p].load();
    progress.lag =
        progress.end > progress.applied && progress.assigned ? progress.end - progress.applied : 0;
    progress.finished = finished_[p].load();
    std::lock_guard lock(mu_);
    progress.failed = !errors_[p].ok();
    progress.error = progress.failed ? errors_[p].ToString() : "";
    out.push_back(std::move(progress));
  }
  return out;
}

Status Runner::Error() const {
  std::lock_guard lock(mu_);
  for (const Status& s : errors_) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Runner::WaitUntilPositions(const std::vector<uint64_t>& targets,
                                  std::chrono::milliseconds timeout) {
  LEDGER_ASSERT(targets.size() == log_.partitions());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    // Done when every partition reached its target or stopped for good.
    bool all = true;
    const Status* failed = nullptr;
    for (uint32_t p = 0; p < targets.size(); ++p) {
      if (applied_[p].load() >= targets[p]) continue;
      if (!errors_[p].ok()) {
        if (failed == nullptr) failed = &errors_[p];
        continue;
      }
      if (finished_[p].load()) {
        return Status::Unavailable("the views of partition " + std::to_string(p) +
                                   " are pinned at ledgerseq " +
                                   std::to_string(applied_[p].load()) +
                                   " by a replay and will not reach " + std::to_string(targets[p]));
      }
      all = false;
    }
    if (all) return failed ? *failed : Status::Ok();
    if (!running_) return Status::Unavailable("the projections are not running");
    if (progressed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (uint32_t p = 0; p < targets.size(); ++p) {
        if (applied_[p].load() < targets[p] && !owned_[p]) {
          return Status::Unavailable("partition " + std::to_string(p) +
                                     " is not assigned to this member of consumer group " +
                                     options_.group->group + " now");
        }
        if (applied_[p].load() < targets[p]) {
          return Status::Unavailable("projection of partition " + std::to_string(p) +
                                     " is at ledgerseq " + std::to_string(applied_[p].load()) +
                                     ", waiting for " + std::to_string(targets[p]));
        }
      }
      return Status::Ok();
    }
  }
}

Status Runner::WaitUntilCaughtUp(std::chrono::milliseconds timeout) {
  std::vector<uint64_t> targets(log_.partitions());
  for (uint32_t p = 0; p < log_.partitions(); ++p) targets[p] = owned_[p] ? End(p) : 0;
  return WaitUntilPositions(targets, timeout);
}

Status Runner::WaitUntilApplied(uint32_t partition, uint64_t seq,
                                std::chrono::milliseconds timeout) {
  if (partition >= log_.partitions() || seq == UINT64_MAX) {
    return Status::Invalid("no position " + std::to_string(partition) + ":" + std::to_string(seq));
  }
  std::vector<uint64_t> targets(log_.partitions(), 0);
  targets[partition] = seq + 1;
  return WaitUntilPositions(targets, timeout);
}

}  // namespace projections
