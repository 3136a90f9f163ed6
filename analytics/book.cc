#include "analytics/book.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace analytics {
namespace {

using ledger::Result;
using ledger::Status;

// `f` stays in the book's storage: the fact views its text and takes its data.
Result<Fact> FactOf(projections::Fact& f) {
  Fact out;
  out.type = f.type;
  auto recorded = ledger::ParseRfc3339(f.time);
  if (!recorded) return Status::Corruption("fact " + f.event_id + ": bad recorded time");
  out.recorded = *recorded;
  if (f.occurredat.empty()) {
    out.at = *recorded;
    out.date = std::string_view(f.time).substr(0, 10);
  } else {
    auto at = ledger::ParseRfc3339(f.occurredat);
    if (!at) return Status::Corruption("fact " + f.event_id + ": bad occurredat");
    out.at = *at;
    out.date = std::string_view(f.occurredat).substr(0, 10);
  }
  out.occurredat = f.occurredat;
  out.data = std::move(f.data);
  return out;
}

// One record's facts, as indices into the book's storage, while the book is built.
struct Pending {
  Stream* stream = nullptr;
  std::vector<uint32_t> facts;
};

}  // namespace

Result<Book> Book::Build(std::vector<projections::Fact> facts) {
  Book book;
  book.source_ = std::move(facts);
  std::vector<projections::Fact>& source = book.source_;
  std::unordered_set<std::string_view> retracted;
  for (const projections::Fact& f : source) {
    if (f.type == ledger::kRetractionType) retracted.insert(Str(f.data, "event"));
  }
  // Group per subject in recorded order, then put each record's facts in stream order:
  // the same order as sorting all facts by (subject, streamversion), without moving them.
  std::unordered_map<std::string_view, size_t> pending_of;  // subject -> index in pending
  std::vector<Pending> pending;
  for (size_t i = 0; i < source.size(); ++i) {
    const projections::Fact& f = source[i];
    if (f.type == ledger::kRetractionType || retracted.contains(f.event_id)) continue;
    auto [it, fresh] = pending_of.try_emplace(f.subject, pending.size());
    if (fresh) pending.emplace_back();
    pending[it->second].facts.push_back(static_cast<uint32_t>(i));
  }
  for (Pending& record : pending) {
    std::stable_sort(record.facts.begin(), record.facts.end(), [&](uint32_t a, uint32_t b) {
      return source[a].streamversion < source[b].streamversion;
    });
  }
  // Subjects in sorted order, so that the first corrupt fact reported is the one the
  // (subject, streamversion) order meets first.
  std::vector<std::pair<std::string_view, size_t>> subjects(pending_of.begin(), pending_of.end());
  std::sort(subjects.begin(), subjects.end());
  for (const auto& [subject, index] : subjects) {
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
    stream.facts.reserve(pending[index].facts.size());
    for (uint32_t i : pending[index].facts) {
      auto fact = FactOf(source[i]);
      if (!fact.ok()) return fact.status();
      stream.facts.push_back(std::move(fact).value());
    }
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
