#include "ledger/writer.h"

#include <sodium.h>

#include <atomic>
#include <boost/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/string.hpp>
#include <future>
#include <sstream>
#include <unordered_map>

#include "ledger/canonical.h"
#include "ledger/partition.h"

namespace ledger {
namespace {

constexpr uint64_t kLedgerseqMax = INT32_MAX;  // CloudEvents Integer range
constexpr uint32_t kStateFormatVersion = 1;

// The writer's state beside the log (StateTable::kStreams), one per subject.
struct StreamHead {
  uint64_t version = 0;  // 0 = no events yet
  Hash last{};
  std::string decision;  // the Decider's opaque state

  template <class A>
  void serialize(A& ar) {
    ar(version, last, decision);
  }
};

// The idempotency index (StateTable::kIds), one per event id.
struct IdEntry {
  uint32_t partition = 0;
  uint64_t ledgerseq = 0;
  uint64_t streamversion = 0;
  Hash hash{};
  std::string time;
  Hash digest{};  // of the command's content, to tell a retry from a reuse of the id

  template <class A>
  void serialize(A& ar) {
    ar(partition, ledgerseq, streamversion, hash, time, digest);
  }
};

template <class T>
std::string ToArchive(const T& value) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(kStateFormatVersion, value);
  }
  return std::move(out).str();
}

template <class T>
Status FromArchive(const std::string& bytes, T& value) {
  std::istringstream in(bytes);
  try {
    cereal::PortableBinaryInputArchive ar(in);
    uint32_t version = 0;
    ar(version);
    if (version != kStateFormatVersion) return Status::Corruption("unknown writer state version");
    ar(value);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("writer state is corrupt: ") + e.what());
  }
  return Status::Ok();
}

// The digest of a command's content, to tell a retry from a reuse of its id. It covers
// only what the recorded event keeps, so that the writer can rebuild the idempotency
// index from the log: an `occurredat` equal to the recorded time counts as not given.
Hash ContentDigest(std::string_view type, std::string_view subject, const boost::json::object& data,
                   std::string_view occurredat, std::string_view correlationid,
                   std::string_view causationid, int64_t schemaversion) {
  boost::json::object o;
  o["type"] = type;
  o["subject"] = subject;
  o["data"] = data;
  o["occurredat"] = occurredat;
  o["correlationid"] = correlationid;
  o["causationid"] = causationid;
  o["schemaversion"] = schemaversion;
  std::string bytes;
  AppendCanonical(o, bytes);
  return Sha256(bytes);
}

Hash CommandDigest(const Command& c, std::string_view occurredat) {
  return ContentDigest(c.type, c.subject, c.data, occurredat, c.correlationid, c.causationid,
                       c.schemaversion);
}

Hash EventDigest(const Event& e) {
  return ContentDigest(e.type, e.subject, e.data, e.occurredat == e.time ? "" : e.occurredat,
                       e.correlationid, e.causationid, e.schemaversion);
}

// RFC 9562 UUID version 7: 48-bit Unix milliseconds, then random bits.
std::string NewUuidV7(Micros now) {
  std::array<uint8_t, 16> b;
  randombytes_buf(b.data(), b.size());
  uint64_t ms = static_cast<uint64_t>(now / 1000);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0F));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F));
  std::string hex = Hex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// The idempotency index also notes retracted events, under a key no event id can be
// (ids are visible ASCII without spaces).
std::string RetractedKey(std::string_view id) { return "retracted " + std::string(id); }

std::string RetractionTarget(const Event& e) {
  const boost::json::value* v = e.data.if_contains("event");
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

// The shape of a retraction command: data {"event": id, "reason": text}, nothing else.
std::vector<Violation> ValidateRetraction(const Command& c) {
  std::vector<Violation> out;
  const boost::json::value* event = c.data.if_contains("event");
  const boost::json::value* reason = c.data.if_contains("reason");
  if (event == nullptr || !event->is_string() || event->get_string().empty() ||
      event->get_string().size() > kIdBytesMax) {
    out.push_back({"/data/event", "must be the id of the event to retract (1 to " +
                                      std::to_string(kIdBytesMax) + " bytes)"});
  }
  if (reason == nullptr || !reason->is_string() || reason->get_string().empty() ||
      reason->get_string().size() > kRetractionReasonBytesMax) {
    out.push_back({"/data/reason", "must say why, in 1 to " +
                                       std::to_string(kRetractionReasonBytesMax) + " bytes"});
  }
  for (const auto& [name, value] : c.data) {
    if (name != "event" && name != "reason")
      out.push_back({"/data/" + std::string(name), "is not a member of a retraction"});
  }
  if (c.subject.find('/') == std::string::npos)
    out.push_back({"/subject", "must be the retracted event's subject, <kind>/<id>"});
  return out;
}

Status Prefixed(Status s, size_t index) {
  std::string prefix = "/events/" + std::to_string(index);
  for (Violation& v : s.mutable_violations()) v.pointer = prefix + v.pointer;
  return s;
}

}  // namespace

// A queued batch and, once sequenced, its results.
struct Writer::Request {
  std::vector<Command> commands;
  std::string actor;
  Callback done;
  std::vector<Appended> results;
  // Commands with an id that could not be sealed (their subject's key is gone): a retry
  // of an event recorded before is answered as a replay; anything else is refused with
  // the sealer's status. Such a command is never written. Empty when all were sealed.
  std::vector<std::optional<Status>> unsealed;
};

// What one durable write will carry.
struct Writer::Group {
  std::vector<SignedRecord> records;
  std::vector<Hash> leaves;  // leaf hash of each record, for signing
  std::vector<uint64_t> end;
  std::vector<Hash> last;
  Micros last_time = 0;
};

// Stream heads and ids as they will be after the commands sequenced so far: local
// changes over a parent overlay over the log's stored state. Also the Decider's view.
class Writer::Overlay final : public DecisionContext {
 public:
  Overlay(const EventLog& log, Overlay* parent) : log_(log), parent_(parent) {}

  StreamHead Head(const std::string& subject) {
    if (auto it = heads_.find(subject); it != heads_.end()) return it->second;
    if (parent_ != nullptr) return parent_->Head(subject);
    StreamHead head;
    auto stored = log_.GetState(StateTable::kStreams, subject);
    if (!stored.ok()) {
      Fail(stored.status());
    } else if (stored->has_value()) {
      if (Status s = FromArchive(**stored, head); !s.ok()) Fail(s);
    }
    return head;
  }
  std::optional<IdEntry> Id(const std::string& id) {
    if (auto it = ids_.find(id); it != ids_.end()) return it->second;
    if (parent_ != nullptr) return parent_->Id(id);
    auto stored = log_.GetState(StateTable::kIds, id);
    if (!stored.ok()) return Fail(stored.status()), std::nullopt;
    if (!stored->has_value()) return std::nullopt;
    IdEntry entry;
    if (Status s = FromArchive(**stored, entry); !s.ok()) return Fail(s), std::nullopt;
    return entry;
  }
  void PutHead(const std::string& subject, StreamHead head) { heads_[subject] = std::move(head); }
  void PutId(const std::string& id, IdEntry entry) { ids_[id] = std::move(entry); }
  void MergeInto(Overlay& parent) {
    for (auto& [k, v] : heads_) parent.heads_[k] = std::move(v);
    for (auto& [k, v] : ids_) parent.ids_[k] = std::move(v);
  }
  std::vector<StateWrite> Writes() const {
    std::vector<StateWrite> out;
    out.reserve(heads_.size() + ids_.size());
    for (const auto& [k, v] : heads_) out.push_back({StateTable::kStreams, k, ToArchive(v)});
    for (const auto& [k, v] : ids_) out.push_back({StateTable::kIds, k, ToArchive(v)});
    return out;
  }
  const Status& error() const { return error_; }

  uint64_t StreamVersion(std::string_view subject) override {
    return Head(std::string(subject)).version;
  }
  std::string State(std::string_view subject) override {
    return Head(std::string(subject)).decision;
  }
  void PutState(std::string_view subject, std::string state) override {
    LEDGER_ASSERT(state.size() <= kDecisionStateBytesMax);
    StreamHead head = Head(std::string(subject));
    head.decision = std::move(state);
    PutHead(std::string(subject), std::move(head));
  }

 private:
  void Fail(const Status& s) {
    if (error_.ok()) error_ = Status::Unavailable("cannot read writer state: " + s.message());
  }

  const EventLog& log_;
  Overlay* parent_;
  std::unordered_map<std::string, StreamHead> heads_;
  std::unordered_map<std::string, IdEntry> ids_;
  Status error_;
};

// Signs a group's records on a fixed pool; the calling thread works too.
class Writer::Signer {
 public:
  Signer(const SigningKey& key, unsigned threads) : key_(key) {
    for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { Worker(); });
  }
  ~Signer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    start_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void SignAll(std::vector<SignedRecord>& records, const std::vector<Hash>& leaves) {
    records_ = &records;
    leaves_ = &leaves;
    next_ = 0;
    if (records.size() < 2 * kChunk || workers_.empty()) {
      Work();
      return;
    }
    {
      std::lock_guard lock(mu_);
      active_ = workers_.size();
      ++generation_;
    }
    start_.notify_all();
    Work();
    std::unique_lock lock(mu_);
    finished_.wait(lock, [&] { return active_ == 0; });
  }

 private:
  static constexpr size_t kChunk = 32;

  void Work() {
    const size_t n = records_->size();
    for (size_t i = next_.fetch_add(kChunk); i < n; i = next_.fetch_add(kChunk)) {
      for (size_t j = i; j < std::min(n, i + kChunk); ++j)
        (*records_)[j].signature = key_.Sign((*leaves_)[j]);
    }
  }
  void Worker() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        start_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      Work();
      std::lock_guard lock(mu_);
      if (--active_ == 0) finished_.notify_one();
    }
  }

  const SigningKey& key_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_, finished_;
  uint64_t generation_ = 0;
  size_t active_ = 0;
  bool stop_ = false;
  std::vector<SignedRecord>* records_ = nullptr;
  const std::vector<Hash>* leaves_ = nullptr;
  std::atomic<size_t> next_{0};
};

Writer::Writer(EventLog& log, const SigningKey& key, const Decider& decider, Clock& clock,
               WriterOptions options)
    : log_(log), key_(key), decider_(decider), clock_(clock), options_(std::move(options)) {
  unsigned threads =
      options_.signer_threads ? options_.signer_threads : std::thread::hardware_concurrency();
  signer_ = std::make_unique<Signer>(key_, std::max(1u, threads));
}

Writer::~Writer() { Close(); }

Result<std::unique_ptr<Writer>> Writer::Open(EventLog& log, const SigningKey& key,
                                             const Decider& decider, Clock& clock,
                                             WriterOptions options) {
  std::unique_ptr<Writer> w(new Writer(log, key, decider, clock, std::move(options)));
  if (Status s = w->Recover(); !s.ok()) return s;
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

Status Writer::Recover() {
  if (Status s = log_.Sync(); !s.ok()) return s;
  const uint32_t n = log_.partitions();
  partition_end_.assign(n, 0);
  partition_last_.assign(n, Hash{});
  std::vector<uint64_t> state_end(n);
  bool lagging = false;
  for (uint32_t p = 0; p < n; ++p) {
    const uint64_t end = log_.End(p);
    state_end[p] = log_.StateEnd(p);
    if (state_end[p] > end) {
      return Status::Corruption("the writer state of partition " + std::to_string(p) +
                                " reaches ledgerseq " + std::to_string(state_end[p]) +
                                " but the log ends at " + std::to_string(end));
    }
    lagging |= state_end[p] < end;
    partition_end_[p] = end;
    if (end == 0) continue;
    auto last = ReadRecords(log_, p, end - 1, 1);
    if (!last.ok()) return last.status();
    if (last->size() != 1)
      return Status::Corruption("partition " + std::to_string(p) + " lost its last record");
    auto event = ParseEvent(last->front().event);
    if (!event.ok()) {
      return Status::Corruption("partition " + std::to_string(p) + " seq " +
                                std::to_string(end - 1) + ": " + event.status().message());
    }
    partition_last_[p] = last->front().leaf_hash();
    last_time_ = std::max(last_time_, ParseRfc3339(event->time).value_or(0));
  }
  for (uint32_t p = 0; p < n; ++p) {
    // A log written before the ledger kept Merkle trees gets its trees now.
    auto stored = TreeStoredTo(log_, p, state_end[p]);
    if (!stored.ok()) return stored.status();
    if (!*stored) {
      std::fprintf(stderr, "writer: building the Merkle tree of partition %u (%llu events)\n", p,
                   static_cast<unsigned long long>(state_end[p]));
      if (Status s = RebuildTree(log_, p, state_end[p]); !s.ok()) return s;
    }
  }
  if (lagging) {
    if (Status s = CatchUp(std::move(state_end)); !s.ok()) return s;
  }
  trees_.resize(n);
  checkpointed_.assign(n, 0);
  uncovered_since_.assign(n, std::nullopt);
  for (uint32_t p = 0; p < n; ++p) {
    auto tree = MerkleFrontier::Load(LogMerkleNodes(log_, p), partition_end_[p]);
    if (!tree.ok()) {
      return Status::Corruption("the Merkle tree of partition " + std::to_string(p) +
                                " is not stored to its end: " + tree.status().message());
    }
    trees_[p] = std::move(tree).value();
    auto checkpoint = FindCheckpoint(log_, p);
    if (!checkpoint.ok()) return checkpoint.status();
    if (*checkpoint) checkpointed_[p] = (*checkpoint)->size;
  }
  return Status::Ok();
}

// A record read during CatchUp, waiting for its turn in the global order.
struct Writer::Pending {
  Micros time = 0;
  uint64_t ledgerseq = 0;
  Event event;
  Hash leaf{};
};

Status Writer::CatchUp(std::vector<uint64_t> folded) {
  constexpr size_t kReadChunk = 1024;
  constexpr size_t kFlushEvents = 4096;
  const uint32_t n = log_.partitions();
  std::vector<uint64_t> next_read = folded;
  std::vector<Hash> prev(n);
  std::vector<std::deque<Pending>> pending(n);
  auto where = [](uint32_t p, uint64_t seq) {
    return "partition " + std::to_string(p) + " ledgerseq " + std::to_string(seq);
  };
  for (uint32_t p = 0; p < n; ++p) {
    if (folded[p] == 0 || folded[p] >= partition_end_[p]) continue;
    auto before = ReadRecords(log_, p, folded[p] - 1, 1);
    if (!before.ok()) return before.status();
    if (before->size() != 1) return Status::Corruption(where(p, folded[p] - 1) + " is missing");
    prev[p] = before->front().leaf_hash();
  }
  auto refill = [&](uint32_t p) -> Status {
    if (!pending[p].empty() || next_read[p] >= partition_end_[p]) return Status::Ok();
    auto records = ReadRecords(log_, p, next_read[p],
                               std::min<uint64_t>(kReadChunk, partition_end_[p] - next_read[p]));
    if (!records.ok()) return records.status();
    if (records->empty()) return Status::Corruption(where(p, next_read[p]) + " is missing");
    for (SignedRecord& r : *records) {
      auto event = ParseEvent(r.event);
      if (!event.ok())
        return Status::Corruption(where(p, r.ledgerseq) + ": " + event.status().message());
      if (event->partition != p || event->ledgerseq != r.ledgerseq) {
        return Status::Corruption(where(p, r.ledgerseq) + " holds an event of partition " +
                                  std::to_string(event->partition) + " ledgerseq " +
                                  std::to_string(event->ledgerseq));
      }
      const Micros time = ParseRfc3339(event->time).value_or(0);
      pending[p].push_back({time, r.ledgerseq, std::move(event).value(), r.leaf_hash()});
    }
    next_read[p] += records->size();
    return Status::Ok();
  };
  std::vector<MerkleFrontier> trees(n);
  for (uint32_t p = 0; p < n; ++p) {
    auto tree = MerkleFrontier::Load(LogMerkleNodes(log_, p), folded[p]);
    if (!tree.ok()) return tree.status();
    trees[p] = std::move(tree).value();
  }
  auto overlay = std::make_unique<Overlay>(log_, nullptr);
  std::vector<StateWrite> tree_writes;
  size_t unflushed = 0;
  caught_up_events_ = 0;
  auto flush = [&]() -> Status {
    if (unflushed == 0) return Status::Ok();
    if (!overlay->error().ok()) return overlay->error();
    std::vector<StateWrite> writes = overlay->Writes();
    std::move(tree_writes.begin(), tree_writes.end(), std::back_inserter(writes));
    Status s = log_.PutState(writes, folded);
    overlay = std::make_unique<Overlay>(log_, nullptr);
    tree_writes.clear();
    unflushed = 0;
    return s;
  };
  for (;;) {
    // The next event in the order it was sequenced: times strictly increase across the
    // whole ledger, ties (from logs written before that rule) go by partition.
    std::optional<uint32_t> first;
    for (uint32_t p = 0; p < n; ++p) {
      if (Status s = refill(p); !s.ok()) return s;
      if (pending[p].empty()) continue;
      if (!first || pending[p].front().time < pending[*first].front().time) first = p;
    }
    if (!first) break;
    const uint32_t p = *first;
    Pending r = std::move(pending[p].front());
    pending[p].pop_front();
    const std::string expected_prev = r.ledgerseq == 0 ? "" : Hex(prev[p]);
    if (r.event.ledgerprev != expected_prev)
      return Status::Corruption(where(p, r.ledgerseq) + ": ledgerprev does not continue the chain");
    if (Status s = Fold(r.event, r.leaf, *overlay); !s.ok())
      return Status::Corruption(where(p, r.ledgerseq) + ": " + s.message());
    prev[p] = r.leaf;
    AddMerkleWrites(p, trees[p].Append(r.leaf), tree_writes);
    folded[p] = r.ledgerseq + 1;
    ++caught_up_events_;
    if (++unflushed >= kFlushEvents) {
      if (Status s = flush(); !s.ok()) return s;
    }
  }
  return flush();
}

Status Writer::Fold(const Event& e, const Hash& leaf, Overlay& overlay) const {
  StreamHead head = overlay.Head(e.subject);
  if (!overlay.error().ok()) return overlay.error();
  if (e.streamversion != head.version + 1 ||
      e.streamprev != (head.version == 0 ? "" : Hex(head.last))) {
    return Status::Corruption("the event does not continue the stream of " + e.subject +
                              " (at version " + std::to_string(head.version) + ")");
  }
  const bool retraction = e.type == kRetractionType;
  if (!retraction) decider_.Apply(e, overlay);  // a retraction changes no decision state
  StreamHead next = overlay.Head(e.subject);    // Apply may have changed its decision state
  next.version = e.streamversion;
  next.last = leaf;
  overlay.PutHead(e.subject, std::move(next));
  const IdEntry entry{e.partition, e.ledgerseq, e.streamversion, leaf, e.time, EventDigest(e)};
  overlay.PutId(e.id, entry);
  if (retraction) overlay.PutId(RetractedKey(RetractionTarget(e)), entry);
  return overlay.error();
}

std::vector<Violation> Writer::Validate(const Command& command) const {
  return command.type == kRetractionType ? ValidateRetraction(command) : decider_.Validate(command);
}

Status Writer::CheckRetraction(const Command& c, size_t index, Overlay& overlay,
                               const Group& group) const {
  const std::string at = "/events/" + std::to_string(index) + "/data/event";
  const std::string target_id(c.data.at("event").get_string());
  const std::optional<IdEntry> entry = overlay.Id(target_id);
  if (!overlay.error().ok()) return overlay.error();
  if (!entry) {
    return Status::IllegalTransition("no event " + target_id + " to retract",
                                     {{at, "names no recorded event"}});
  }
  Result<Event> target = Status::Unavailable("cannot read the event to retract");
  if (entry->ledgerseq >= partition_end_[entry->partition]) {  // earlier in this group
    for (const SignedRecord& r : group.records) {
      if (r.partition == entry->partition && r.ledgerseq == entry->ledgerseq)
        target = ParseEvent(r.event);
    }
  } else {
    auto records = ReadRecords(log_, entry->partition, entry->ledgerseq, 1);
    if (!records.ok()) return Status::Unavailable(records.status().message());
    if (records->size() == 1) target = ParseEvent(records->front().event);
  }
  if (!target.ok()) return target.status();
  if (target->subject != c.subject) {
    return Status::Invalid("a retraction must be on the retracted event's subject",
                           {{at, "is an event of " + target->subject + ", not of " + c.subject}});
  }
  auto refuse = [&](std::string why) {
    return Status::IllegalTransition("event " + target_id + " cannot be retracted: " + why,
                                     {{at, why}});
  };
  if (target->type == kRetractionType) return refuse("it is a retraction itself");
  if (overlay.Id(RetractedKey(target_id))) return refuse("it was retracted already");
  if (!overlay.error().ok()) return overlay.error();
  if (auto why = decider_.Unretractable(*target)) return refuse(*why);
  return Status::Ok();
}

void Writer::AppendAsync(std::vector<Command> batch, std::string actor, Callback done) {
  if (batch.empty())
    return done(Status::Invalid("a batch needs at least one event", {{"/events", "is empty"}}));
  if (batch.size() > options_.batch_commands_max) {
    return done(Status::Invalid(
        "too many events in one batch",
        {{"/events", "at most " + std::to_string(options_.batch_commands_max) + " events"}}));
  }
  if (actor.empty() || actor.size() > kActorBytesMax)
    return done(Status::Invalid("the actor is empty or too long"));
  std::vector<Violation> violations;
  for (size_t i = 0; i < batch.size(); ++i) {
    for (Violation& v : Validate(batch[i])) {
      violations.push_back({"/events/" + std::to_string(i) + v.pointer, std::move(v.reason)});
    }
  }
  if (!violations.empty())
    return done(Status::Invalid("the batch has invalid events", std::move(violations)));
  std::vector<std::optional<Status>> unsealed;
  if (options_.sealer != nullptr) {
    for (size_t i = 0; i < batch.size(); ++i) {
      Status s = options_.sealer->Seal(batch[i]);
      if (s.ok()) continue;
      if (batch[i].id.empty() || s.code() != Code::kIllegalTransition)
        return done(Prefixed(std::move(s), i));
      unsealed.resize(batch.size());
      unsealed[i] = Prefixed(std::move(s), i);
    }
  }
  auto request = std::make_unique<Request>(
      Request{std::move(batch), std::move(actor), std::move(done), {}, std::move(unsealed)});
  std::unique_lock lock(mu_);
  if (closing_) {
    lock.unlock();
    return request->done(Status::Unavailable("the writer is shutting down"));
  }
  if (queued_commands_ + request->commands.size() > options_.queue_commands_max) {
    lock.unlock();
    return request->done(Status::Exhausted("the append queue is full; retry later"));
  }
  queued_commands_ += request->commands.size();
  queue_.push_back(std::move(request));
  work_.notify_one();
}

Result<std::vector<Appended>> Writer::Append(std::vector<Command> batch, std::string actor) {
  std::promise<Result<std::vector<Appended>>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(batch), std::move(actor),
              [&](Result<std::vector<Appended>> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void Writer::Close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !thread_.joinable()) return;
    closing_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::Run() {
  Checkpoint(false);  // starts the interval of events no checkpoint covered at the start
  for (;;) {
    std::vector<std::unique_ptr<Request>> group;
    {
      std::unique_lock lock(mu_);
      auto ready = [&] { return closing_ || !queue_.empty(); };
      if (auto due = NextCheckpointDue()) {
        work_.wait_until(lock, *due, ready);
      } else {
        work_.wait(lock, ready);
      }
      if (queue_.empty()) {
        lock.unlock();
        if (!closing_) {
          Checkpoint(false);
          continue;
        }
        Checkpoint(true);  // closing, and everything queued is done: cover it all
        return;
      }
      size_t commands = 0;
      while (!queue_.empty() && (group.empty() || commands + queue_.front()->commands.size() <=
                                                      options_.group_commands_max)) {
        commands += queue_.front()->commands.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_commands_ -= commands;
    }
    Commit(std::move(group));
  }
}

void Writer::Commit(std::vector<std::unique_ptr<Request>> requests) {
  if (!synced_.ok()) {
    // A failed write left the heads unknown: read them again before taking anything.
    synced_ = Recover();
    if (!synced_.ok()) {
      std::fprintf(stderr, "writer: cannot resynchronise with the log: %s\n",
                   synced_.ToString().c_str());
      const Status unavailable = Status::Unavailable(
          "the writer cannot resynchronise with the event log: " + synced_.message());
      for (auto& r : requests) r->done(unavailable);
      return;
    }
  }
  Group group{{}, {}, partition_end_, partition_last_, last_time_};
  Overlay group_overlay(log_, nullptr);
  std::vector<std::unique_ptr<Request>> accepted;
  for (auto& request : requests) {
    const size_t records_before = group.records.size();
    auto end_before = group.end;
    auto last_before = group.last;
    Overlay overlay(log_, &group_overlay);
    Status s = Sequence(*request, overlay, group);
    if (!s.ok()) {
      group.records.resize(records_before);
      group.leaves.resize(records_before);
      group.end = std::move(end_before);
      group.last = std::move(last_before);
      request->done(std::move(s));
      continue;
    }
    overlay.MergeInto(group_overlay);
    accepted.push_back(std::move(request));
  }
  Status written = Status::Ok();
  if (!group.records.empty()) {
    signer_->SignAll(group.records, group.leaves);
    // The trees move on in place: should the write fail, Recover reloads them from the
    // nodes the log did store, as it reloads every head.
    std::vector<StateWrite> writes = group_overlay.Writes();
    for (size_t i = 0; i < group.records.size(); ++i) {
      const uint32_t p = group.records[i].partition;
      AddMerkleWrites(p, trees_[p].Append(group.leaves[i]), writes);
    }
    written = log_.Append(group.records, writes);
  }
  if (written.ok()) {
    partition_end_ = std::move(group.end);
    partition_last_ = std::move(group.last);
    last_time_ = group.last_time;
    for (auto& r : accepted) r->done(std::move(r->results));
    Checkpoint(false);
    return;
  }
  // Nothing of this group was acknowledged, though some of it may be in the log (Kafka
  // fails per partition). Re-read the heads and fold in whatever did land before taking
  // more, so that the next event continues the chains as they really are; a retry of a
  // command that did land then gets its original result.
  Status unavailable =
      Status::Unavailable("the event log did not take the append: " + written.message());
  for (auto& r : accepted) r->done(unavailable);
  synced_ = Recover();
  if (!synced_.ok()) {
    std::fprintf(stderr, "writer: cannot resynchronise with the log: %s\n",
                 synced_.ToString().c_str());
  }
}

std::optional<std::chrono::steady_clock::time_point> Writer::NextCheckpointDue() const {
  std::optional<std::chrono::steady_clock::time_point> due;
  if (!synced_.ok()) return due;
  for (const auto& since : uncovered_since_) {
    if (since && (!due || *since + options_.checkpoint_interval < *due))
      due = *since + options_.checkpoint_interval;
  }
  return due;
}

void Writer::Checkpoint(bool all) {
  // After a failed write the trees are only known again once Recover succeeds.
  if (!synced_.ok()) return;
  const auto now = std::chrono::steady_clock::now();
  for (uint32_t p = 0; p < trees_.size(); ++p) {
    const uint64_t size = trees_[p].size();
    if (size == checkpointed_[p]) continue;
    if (!uncovered_since_[p]) uncovered_since_[p] = now;
    if (!all && size - checkpointed_[p] < options_.checkpoint_events &&
        now - *uncovered_since_[p] < options_.checkpoint_interval) {
      continue;
    }
    auto signed_ = SignCheckpoint(log_, key_, options_.source, p, size, trees_[p].Root());
    if (!signed_.ok()) {
      // Tried again at the next commit or interval; the events stay durable meanwhile.
      std::fprintf(stderr, "writer: cannot keep the checkpoint of partition %u at %llu: %s\n", p,
                   static_cast<unsigned long long>(size), signed_.status().ToString().c_str());
      uncovered_since_[p] = now;
      continue;
    }
    checkpointed_[p] = size;
    uncovered_since_[p].reset();
  }
}

Result<StoredCheckpoint> Writer::CheckpointNow(uint32_t p) const {
  if (p >= log_.partitions()) return Status::NotFound("no partition " + std::to_string(p));
  const uint64_t size = log_.StateEnd(p);
  auto root = RootHash(LogMerkleNodes(log_, p), size);
  if (!root.ok()) return root.status();
  return SignCheckpoint(log_, key_, options_.source, p, size, *root);
}

Status Writer::Sequence(Request& request, Overlay& overlay, Group& group) {
  request.results.resize(request.commands.size());
  for (size_t i = 0; i < request.commands.size(); ++i) {
    if (i < request.unsealed.size() && request.unsealed[i]) {
      std::optional<IdEntry> prior = overlay.Id(request.commands[i].id);
      if (!overlay.error().ok()) return overlay.error();
      if (!prior) return *request.unsealed[i];
      request.results[i] = {request.commands[i].id,
                            prior->partition,
                            prior->ledgerseq,
                            prior->streamversion,
                            prior->hash,
                            prior->time,
                            true};
      continue;
    }
    Status s =
        SequenceOne(request.commands[i], i, request.actor, overlay, group, request.results[i]);
    if (!s.ok()) return s;
    if (!overlay.error().ok()) return overlay.error();
  }
  return Status::Ok();
}

Status Writer::SequenceOne(const Command& c, size_t index, const std::string& actor,
                           Overlay& overlay, Group& group, Appended& out) {
  const std::string at = "/events/" + std::to_string(index);
  if (!c.id.empty()) {
    if (std::optional<IdEntry> prior = overlay.Id(c.id)) {
      // A retry that names the recorded time as its occurredat matches the original
      // whether or not that gave it (the log does not tell them apart).
      if (prior->digest != CommandDigest(c, c.occurredat) &&
          (c.occurredat != prior->time || prior->digest != CommandDigest(c, ""))) {
        return Status::Conflict("event id " + c.id + " was already used for a different event",
                                {{at + "/id", "was already used for a different event"}});
      }
      out = {
          c.id, prior->partition, prior->ledgerseq, prior->streamversion, prior->hash, prior->time,
          true};
      return Status::Ok();
    }
  }
  StreamHead head = overlay.Head(c.subject);
  if (!overlay.error().ok()) return overlay.error();
  if (c.expectedversion && *c.expectedversion != head.version) {
    return Status::Conflict("expected version " + std::to_string(*c.expectedversion) + " of " +
                                c.subject + ", which is at version " + std::to_string(head.version),
                            {{at + "/expectedversion",
                              "the stream is at version " + std::to_string(head.version)}})
        .WithCurrentVersion(head.version);
  }
  if (c.type == kRetractionType) {
    if (Status s = CheckRetraction(c, index, overlay, group); !s.ok()) return s;
  } else if (Status s = decider_.Check(c, overlay); !s.ok()) {
    return Prefixed(std::move(s), index);
  }
  if (!overlay.error().ok()) return overlay.error();

  const uint32_t p = PartitionOf(c.subject, log_.partitions());
  if (group.end[p] >= kLedgerseqMax)
    return Status::Exhausted("partition " + std::to_string(p) + " is full");
  // Strictly increasing, so that `time` orders every event of the ledger as it was
  // sequenced (the order CatchUp folds partitions in).
  group.last_time = std::max(group.last_time + 1, clock_.NowMicros());
  Event e;
  e.id = c.id.empty() ? NewUuidV7(group.last_time) : c.id;
  e.source = options_.source;
  e.type = c.type;
  e.subject = c.subject;
  e.time = FormatRfc3339(group.last_time);
  e.data = c.data;
  e.schemaversion = c.schemaversion;
  e.occurredat = c.occurredat.empty() ? e.time : c.occurredat;
  e.actor = actor;
  e.streamversion = head.version + 1;
  e.streamprev = head.version == 0 ? "" : Hex(head.last);
  e.partition = p;
  e.ledgerseq = group.end[p];
  e.ledgerprev = e.ledgerseq == 0 ? "" : Hex(group.last[p]);
  e.correlationid = c.correlationid;
  e.causationid = c.causationid;
  std::string canonical = e.Canonical();
  if (canonical.size() > kEventBytesMax) {
    return Status::Invalid(
        "event is too large",
        {{at + "/data", "the event would be " + std::to_string(canonical.size()) +
                            " bytes; the limit is " + std::to_string(kEventBytesMax)}});
  }
  const Hash leaf = LeafHash(canonical);
  if (Status s = Fold(e, leaf, overlay); !s.ok()) return s;
  group.records.push_back(
      SignedRecord{p, e.ledgerseq, std::move(canonical), {}, key_.public_key().id});
  group.leaves.push_back(leaf);
  group.end[p] = e.ledgerseq + 1;
  group.last[p] = leaf;
  out = {e.id, p, e.ledgerseq, e.streamversion, leaf, e.time, false};
  return Status::Ok();
}

}  // namespace ledger
