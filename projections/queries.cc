#include "projections/queries.h"

#include <rocksdb/db.h>

#include <exception>

namespace projections {
using ledger::Result;
using ledger::Status;

namespace {

// One consistent view of the database for the length of a query.
class Snapshot {
 public:
  explicit Snapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~Snapshot() { db_->ReleaseSnapshot(snapshot_); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

Result<RecordState> ReadRecord(const ViewStore& store, const Snapshot& snap,
                               std::string_view subject) {
  std::string value;
  rocksdb::Status s = store.db()->Get(snap.options(), store.cf(Family::kRecords), subject, &value);
  if (s.IsNotFound()) return Status::NotFound("no record " + std::string(subject));
  if (!s.ok()) return FromRocks(s, "cannot read record " + std::string(subject));
  return DecodeRecord(value);
}

Result<HistoryEntry> ReadEntry(const ViewStore& store, const Snapshot& snap,
                               std::string_view subject, uint64_t version) {
  std::string value;
  rocksdb::Status s = store.db()->Get(snap.options(), store.cf(Family::kHistory),
                                      HistoryKey(subject, version), &value);
  if (!s.ok()) {
    return FromRocks(
        s.IsNotFound() ? rocksdb::Status::Corruption("missing history entry") : s,
        "cannot read version " + std::to_string(version) + " of " + std::string(subject));
  }
  return DecodeHistory(value);
}

// The first key after every key that starts with `prefix` (prefixes end in '/').
std::string PrefixEnd(std::string prefix) {
  LEDGER_ASSERT(!prefix.empty() && prefix.back() != '\xff');
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

struct Scan {
  std::string prefix;  // every key of the scan starts with it
  std::string start;   // the first key to read
  bool by_time = false;
};

std::vector<Scan> Candidates(std::string_view kind, const ListFilter& f) {
  std::vector<Scan> scans;
  if (!f.account.empty()) scans.push_back({AccountPrefix(f.account, kind), "", false});
  if (!f.owner.empty()) scans.push_back({OwnerPrefix(f.owner, kind), "", false});
  if (!f.status.empty()) scans.push_back({StatusPrefix(kind, f.status), "", false});
  if (!f.stage.empty()) scans.push_back({StagePrefix(kind, f.stage), "", false});
  if (f.updated_since || scans.empty()) {
    std::string prefix = UpdatedPrefix(kind);
    std::string start = prefix + (f.updated_since ? ledger::FormatRfc3339(*f.updated_since) : "");
    scans.push_back({std::move(prefix), std::move(start), true});
  }
  for (Scan& s : scans) {
    if (s.start.empty()) s.start = s.prefix;
  }
  return scans;
}

// The scan over the fewest bytes, as RocksDB estimates them (ties: the first).
size_t Narrowest(const ViewStore& store, const std::vector<Scan>& scans) {
  if (scans.size() == 1) return 0;
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  size_t best = 0;
  uint64_t best_size = UINT64_MAX;
  for (size_t i = 0; i < scans.size(); ++i) {
    std::string end = PrefixEnd(scans[i].prefix);
    rocksdb::Range range(scans[i].start, end);
    uint64_t size = 0;
    if (!store.db()->GetApproximateSizes(options, store.cf(Family::kIndex), &range, 1, &size).ok())
      continue;
    if (size < best_size) best = i, best_size = size;
  }
  return best;
}

bool Matches(const RecordState& r, std::string_view kind, const ListFilter& f) {
  if (r.kind != kind) return false;
  if (!f.owner.empty() && r.indexed.owner != f.owner) return false;
  if (!f.stage.empty() && r.indexed.stage != f.stage) return false;
  if (!f.status.empty() && r.indexed.status != f.status) return false;
  if (!f.account.empty() && r.indexed.account != f.account) return false;
  if (f.updated_since && ledger::ParseRfc3339(r.updated).value_or(0) < *f.updated_since) {
    return false;
  }
  return true;
}

std::string_view SubjectOfKey(std::string_view key, const Scan& scan) {
  std::string_view rest = key.substr(scan.prefix.size());
  if (!scan.by_time) return rest;
  size_t slash = rest.find('/');
  return slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
}

}  // namespace

ViewReader::ViewReader(const ViewStore& store, Fold fold) : store_(store), fold_(std::move(fold)) {
  LEDGER_ASSERT(fold_);
}

Result<RecordState> ViewReader::GetRecord(std::string_view subject) const {
  Snapshot snap(store_.db());
  return ReadRecord(store_, snap, subject);
}

Result<HistoryPage> ViewReader::History(std::string_view subject, uint64_t after_version,
                                        size_t limit) const {
  if (limit == 0) limit = kHistoryLimitMax;
  if (after_version == UINT64_MAX) return HistoryPage{};
  if (limit > kHistoryLimitMax) {
    return Status::Invalid("limit is over " + std::to_string(kHistoryLimitMax),
                           {{"/limit", "must be 1.." + std::to_string(kHistoryLimitMax)}});
  }
  Snapshot snap(store_.db());
  auto record = ReadRecord(store_, snap, subject);
  if (!record.ok()) return record.status();
  HistoryPage page;
  const std::string prefix = HistoryPrefix(subject);
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(snap.options(), store_.cf(Family::kHistory)));
  for (it->Seek(HistoryKey(subject, after_version + 1));
       it->Valid() && it->key().starts_with(prefix) && page.entries.size() < limit; it->Next()) {
    auto entry = DecodeHistory(it->value().ToStringView());
    if (!entry.ok()) return entry.status();
    page.entries.push_back(std::move(*entry));
  }
  if (Status s = FromRocks(it->status(), "cannot read history"); !s.ok()) return s;
  if (!page.entries.empty() && page.entries.back().version < record->version) {
    page.next_after = page.entries.back().version;
  }
  return page;
}

Result<StateAt> ViewReader::StateAsOf(std::string_view subject, ledger::Micros recorded) const {
  Snapshot snap(store_.db());
  const std::string prefix = AsOfPrefix(subject);
  std::string bound = prefix + ledger::FormatRfc3339(recorded);
  AppendBigEndian(bound, UINT64_MAX, 8);
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(snap.options(), store_.cf(Family::kHistory)));
  it->SeekForPrev(bound);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    if (Status s = FromRocks(it->status(), "cannot read history"); !s.ok()) return s;
    return Status::NotFound("no record " + std::string(subject) + " at " +
                            ledger::FormatRfc3339(recorded));
  }
  auto version = VersionOfKey(it->key().ToStringView());
  if (!version) return Status::Corruption("malformed as-of key for " + std::string(subject));
  auto entry = ReadEntry(store_, snap, subject, *version);
  if (!entry.ok()) return entry.status();
  return StateAt{entry->version, entry->version, entry->time, std::move(entry->state)};
}

Result<StateAt> ViewReader::StateAsOfBusiness(std::string_view subject,
                                              ledger::Micros occurred) const {
  Snapshot snap(store_.db());
  const std::string prefix = HistoryPrefix(subject);
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(snap.options(), store_.cf(Family::kHistory)));
  StateAt at;
  uint64_t read = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (++read > kBusinessFoldMax) {
      return Status::Exhausted(std::string(subject) + " has more than " +
                               std::to_string(kBusinessFoldMax) + " versions to refold");
    }
    auto entry = DecodeHistory(it->value().ToStringView());
    if (!entry.ok()) return entry.status();
    auto when = ledger::ParseRfc3339(entry->occurredat);
    if (!when) return Status::Corruption("history of " + std::string(subject) + " is corrupt");
    if (*when > occurred) continue;
    if (!entry->retracted_by.empty()) continue;  // retracted: as if it never happened
    try {
      fold_(at.state, EventOfEntry(subject, *entry));
    } catch (const std::exception& e) {
      return Status::Internal("the fold failed on " + std::string(subject) + ": " + e.what());
    }
    at.version = entry->version;
    at.events++;
    at.time = entry->time;
  }
  if (Status s = FromRocks(it->status(), "cannot read history"); !s.ok()) return s;
  if (at.events == 0) return Status::NotFound("no event of " + std::string(subject) + " by then");
  return at;
}

Result<std::vector<Fact>> ViewReader::Facts(std::optional<ledger::Micros> recorded,
                                            size_t facts_max) const {
  Snapshot snap(store_.db());
  rocksdb::ReadOptions options = snap.options();
  std::string limit;
  rocksdb::Slice upper;
  if (recorded) {
    limit = FactKeyLimit(ledger::FormatRfc3339(*recorded));
    upper = limit;
    options.iterate_upper_bound = &upper;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(options, store_.cf(Family::kFacts)));
  std::vector<Fact> facts;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (facts.size() == facts_max) {
      return Status::Exhausted("over " + std::to_string(facts_max) + " facts to fold");
    }
    auto fact = DecodeFact(it->value().ToStringView());
    if (!fact.ok()) return fact.status();
    facts.push_back(std::move(fact).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the facts");
  return facts;
}

Result<ListPage> ViewReader::List(std::string_view kind, const ListFilter& filter, size_t limit,
                                  std::string_view cursor) const {
  if (limit == 0) limit = kListLimitDefault;
  if (limit > kListLimitMax) {
    return Status::Invalid("limit is over " + std::to_string(kListLimitMax),
                           {{"/limit", "must be 1.." + std::to_string(kListLimitMax)}});
  }
  if (kind.empty() || kind.find('/') != std::string_view::npos) {
    return Status::Invalid("bad kind", {{"/kind", "must be a record kind"}});
  }
  std::vector<Scan> scans = Candidates(kind, filter);
  size_t chosen = 0;
  std::string after;  // the cursor's key: resume after it
  if (!cursor.empty()) {
    auto key = ledger::FromBase64(cursor);
    while (key && chosen < scans.size() && !key->starts_with(scans[chosen].prefix)) ++chosen;
    if (!key || chosen == scans.size()) {
      return Status::Invalid("bad cursor", {{"/cursor", "is not a cursor of this query"}});
    }
    after = std::move(*key);
  } else {
    chosen = Narrowest(store_, scans);
  }
  const Scan& scan = scans[chosen];
  Snapshot snap(store_.db());
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->NewIterator(snap.options(), store_.cf(Family::kIndex)));
  it->Seek(std::max(after, scan.start));
  if (it->Valid() && !after.empty() && it->key() == after) it->Next();
  ListPage page;
  std::string last;
  size_t read = 0;
  for (; it->Valid() && it->key().starts_with(scan.prefix); it->Next()) {
    if (page.records.size() == limit || read == kListScanKeysMax) break;
    ++read;
    last = it->key().ToString();
    auto record = ReadRecord(store_, snap, SubjectOfKey(last, scan));
    if (!record.ok()) {
      return Status::Corruption("index key " + last + ": " + record.status().message());
    }
    if (Matches(*record, kind, filter)) page.records.push_back(std::move(*record));
  }
  if (Status s = FromRocks(it->status(), "cannot scan the index"); !s.ok()) return s;
  if (it->Valid() && it->key().starts_with(scan.prefix)) page.cursor = ledger::Base64(last);
  return page;
}

}  // namespace projections
