#include "analytics/book.h"

#include <algorithm>
#include <unordered_set>

namespace analytics {
namespace {

using ledger::Result;
using ledger::Status;

Result<Fact> FactOf(projections::Fact&& f) {
  Fact out;
  out.type = std::move(f.type);
  auto recorded = ledger::ParseRfc3339(f.time);
  if (!recorded) return Status::Corruption("fact " + f.event_id + ": bad recorded time");
  out.recorded = *recorded;
  if (f.occurredat.empty()) {
    out.at = *recorded;
    out.date = f.time.substr(0, 10);
  } else {
    auto at = ledger::ParseRfc3339(f.occurredat);
    if (!at) return Status::Corruption("fact " + f.event_id + ": bad occurredat");
    out.at = *at;
    out.date = f.occurredat.substr(0, 10);
  }
  out.occurredat = std::move(f.occurredat);
  out.data = std::move(f.data);
  return out;
}

}  // namespace

Result<Book> Book::Build(std::vector<projections::Fact> facts) {
  std::unordered_set<std::string> retracted;
  for (const projections::Fact& f : facts) {
    if (f.type == ledger::kRetractionType) retracted.insert(std::string(Str(f.data, "event")));
  }
  // (subject, streamversion) order is stream order; facts arrive in recorded order.
  std::stable_sort(facts.begin(), facts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.subject, a.streamversion) < std::tie(b.subject, b.streamversion);
  });
  Book book;
  for (projections::Fact& f : facts) {
    if (f.type == ledger::kRetractionType || retracted.contains(f.event_id)) continue;
    size_t slash = f.subject.find('/');
    if (slash == std::string::npos) return Status::Corruption("fact of subject " + f.subject);
    std::string kind = f.subject.substr(0, slash);
    std::string id = f.subject.substr(slash + 1);
    auto fact = FactOf(std::move(f));
    if (!fact.ok()) return fact.status();
    Stream& stream = book.kinds_[kind][id];
    stream.id = std::move(id);
    stream.facts.push_back(std::move(fact).value());
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
