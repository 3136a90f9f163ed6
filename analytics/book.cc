#include "analytics/book.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace analytics {
namespace {

using ledger::Result;
using ledger::Status;

// `f` stays in the book's storage: the fact views its text and data.
Result<Fact> FactOf(const projections::Fact& f) {
  auto recorded = ledger::ParseRfc3339(f.time);
  if (!recorded) return Status::Corruption("fact " + f.event_id + ": bad recorded time");
  if (f.occurredat.empty()) {
    return Fact{f.type,       *recorded, std::string_view(f.time).substr(0, 10),
                f.occurredat, *recorded, f.data};
  }
  auto at = ledger::ParseRfc3339(f.occurredat);
  if (!at) return Status::Corruption("fact " + f.event_id + ": bad occurredat");
  return Fact{f.type,       *at,       std::string_view(f.occurredat).substr(0, 10),
              f.occurredat, *recorded, f.data};
}

}  // namespace

Result<Book> Book::Build(std::vector<projections::Fact> facts) {
  Book book;
  book.source_ = std::move(facts);
  const std::vector<projections::Fact>& source = book.source_;
  std::unordered_set<std::string_view> retracted;
  for (const projections::Fact& f : source) {
    if (f.type == ledger::kRetractionType) retracted.insert(Str(f.data, "event"));
  }
  // Number the records in recorded order and count their facts ...
  constexpr uint32_t kDropped = UINT32_MAX;
  std::unordered_map<std::string_view, uint32_t> record_of_subject;
  std::vector<uint32_t> record_of(source.size(), kDropped);
  std::vector<uint32_t> start(1, 0);  // per record, then its end: start[record + 1]
  for (size_t i = 0; i < source.size(); ++i) {
    const projections::Fact& f = source[i];
    if (f.type == ledger::kRetractionType || retracted.contains(f.event_id)) continue;
    auto [it, fresh] =
        record_of_subject.try_emplace(f.subject, static_cast<uint32_t>(start.size() - 1));
    if (fresh) start.push_back(0);
    record_of[i] = it->second;
    start[it->second + 1] += 1;
  }
  for (size_t r = 1; r < start.size(); ++r) start[r] += start[r - 1];
  // ... place them per record, still in recorded order, and put each record's in stream
  // order: the order of a stable sort of all facts by (subject, streamversion), without
  // moving any.
  std::vector<uint32_t> order(start.back());
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (size_t i = 0; i < source.size(); ++i) {
    if (record_of[i] != kDropped) order[next[record_of[i]]++] = static_cast<uint32_t>(i);
  }
  auto by_version = [&](uint32_t a, uint32_t b) {
    return source[a].streamversion < source[b].streamversion;
  };
  for (size_t r = 0; r + 1 < start.size(); ++r) {
    auto first = order.begin() + start[r], last = order.begin() + start[r + 1];
    if (!std::is_sorted(first, last, by_version)) std::stable_sort(first, last, by_version);
  }
  // Records in subject order, so that the first corrupt fact reported is the first in
  // (subject, streamversion) order, as when the facts themselves were sorted.
  std::vector<std::pair<std::string_view, uint32_t>> subjects(record_of_subject.begin(),
                                                              record_of_subject.end());
  std::sort(subjects.begin(), subjects.end());
  book.facts_.reserve(order.size());
  for (const auto& [subject, record] : subjects) {
    size_t slash = subject.find('/');
    if (slash == std::string_view::npos) {
      return Status::Corruption("fact of subject " + std::string(subject));
    }
    std::string_view kind = subject.substr(0, slash);
    auto kind_it = book.kinds_.find(kind);
    if (kind_it == book.kinds_.end()) kind_it = book.kinds_.emplace(kind, Streams()).first;
    Streams& streams = kind_it->second;
    std::string id(subject.substr(slash + 1));
    Stream& stream = streams.emplace_hint(streams.end(), id, Stream())->second;
    stream.id = std::move(id);
    const size_t first = book.facts_.size();
    for (uint32_t k = start[record]; k < start[record + 1]; ++k) {
      auto fact = FactOf(source[order[k]]);
      if (!fact.ok()) return fact.status();
      book.facts_.push_back(std::move(fact).value());
    }
    stream.facts = std::span<const Fact>(book.facts_).subspan(first, book.facts_.size() - first);
  }
  return book;
}

const Streams& Book::Of(std::string_view kind) const {
  static const Streams kNone;
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? kNone : it->second;
}

const Stream* Book::Find(std::string_view kind, std::string_view id) const {
  const Streams& streams = Of(kind);
  auto it = streams.find(id);
  return it == streams.end() ? nullptr : &it->second;
}

std::string_view Str(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::optional<int64_t> Int(const boost::json::object& data, std::string_view key) {
  const boost::json::value* v = data.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

}  // namespace analytics
