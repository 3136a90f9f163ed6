#include "projections/encoding.h"

#include <boost/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <sstream>

#include "ledger/canonical.h"
#include "ledger/time.h"

namespace projections {
namespace json = boost::json;
using ledger::Result;
using ledger::Status;

namespace {

// Writes a versioned archive. Strings are written as u32 length + bytes so the reader
// can check each length against the value's size before allocating.
class Writer {
 public:
  Writer() : ar_(out_) { ar_(kViewsFormatVersion); }
  template <class T>
  Writer& Int(T v) {
    ar_(v);
    return *this;
  }
  Writer& Str(std::string_view s) {
    ar_(static_cast<uint32_t>(s.size()));
    ar_(cereal::binary_data(s.data(), s.size()));
    return *this;
  }
  Writer& Json(const json::value& v) { return Str(ledger::Canonical(v)); }
  std::string Finish() { return std::move(out_).str(); }

 private:
  std::ostringstream out_;
  cereal::PortableBinaryOutputArchive ar_;
};

// Reads what Writer wrote; throws on any corruption (caught in Decode below).
class Reader {
 public:
  explicit Reader(std::string_view value) : in_(std::string(value)), limit_(value.size()) {}
  void Begin() {
    ar_.emplace(in_);
    uint32_t version = 0;
    (*ar_)(version);
    if (version != kViewsFormatVersion) {
      throw std::runtime_error("unknown views format version " + std::to_string(version));
    }
  }
  template <class T>
  Reader& Int(T& v) {
    (*ar_)(v);
    return *this;
  }
  Reader& Str(std::string& s) {
    uint32_t len = 0;
    (*ar_)(len);
    if (len > limit_) throw std::runtime_error("string length over the value's size");
    s.resize(len);
    (*ar_)(cereal::binary_data(s.data(), len));
    return *this;
  }
  Reader& Object(json::object& o) {
    std::string text;
    Str(text);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) throw std::runtime_error("stored JSON is not an object");
    o = std::move(v.get_object());
    return *this;
  }
  bool More() { return in_.peek() != std::char_traits<char>::eof(); }
  void End() {
    if (More()) throw std::runtime_error("trailing bytes");
  }

 private:
  std::istringstream in_;
  size_t limit_;
  std::optional<cereal::PortableBinaryInputArchive> ar_;
};

template <class T, class F>
Result<T> Decode(std::string_view value, std::string_view what, F&& read) {
  T out;
  try {
    Reader r(value);
    r.Begin();
    read(r, out);
    r.End();
  } catch (const std::exception& e) {
    return Status::Corruption(std::string(what) + " value is corrupt: " + e.what());
  }
  return out;
}

json::array ChangesArray(const std::vector<Change>& changes) {
  json::array a;
  a.reserve(changes.size());
  for (const Change& c : changes) {
    json::object o;
    o["path"] = c.path;
    if (c.old_value) o["old"] = *c.old_value;
    if (c.new_value) o["new"] = *c.new_value;
    a.push_back(std::move(o));
  }
  return a;
}

std::vector<Change> ChangesFromText(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) throw std::runtime_error("changes are not a JSON array");
  std::vector<Change> out;
  for (const json::value& item : v.get_array()) {
    const json::object* o = item.if_object();
    const json::value* path = o ? o->if_contains("path") : nullptr;
    if (path == nullptr || !path->is_string()) throw std::runtime_error("change without path");
    Change c;
    c.path = path->get_string();
    if (const json::value* old = o->if_contains("old")) c.old_value = *old;
    if (const json::value* now = o->if_contains("new")) c.new_value = *now;
    out.push_back(std::move(c));
  }
  return out;
}

std::string SubjectPrefix(std::string_view subject, char tag) {
  std::string key;
  key.reserve(2 + subject.size() + 1 + 8);
  AppendBigEndian(key, subject.size(), 2);
  key += subject;
  key += tag;
  return key;
}

}  // namespace

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

uint64_t ReadBigEndian(std::string_view in, int bytes) {
  LEDGER_ASSERT(in.size() >= static_cast<size_t>(bytes));
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

std::string SortableTime(std::string_view rfc3339) {
  return ledger::FormatRfc3339(ledger::ParseRfc3339(rfc3339).value_or(0));
}

std::string PositionKey(uint32_t partition) {
  std::string key;
  AppendBigEndian(key, partition, 4);
  return key;
}

std::string EncodePosition(const Position& p) {
  Writer w;
  w.Int(p.next_seq);
  w.Str(std::string_view(reinterpret_cast<const char*>(p.last.data()), p.last.size()));
  return w.Finish();
}

Result<Position> DecodePosition(std::string_view value) {
  return Decode<Position>(value, "position", [](Reader& r, Position& p) {
    std::string last;
    r.Int(p.next_seq).Str(last);
    if (last.size() != p.last.size()) throw std::runtime_error("hash is not 32 bytes");
    std::copy(last.begin(), last.end(), p.last.begin());
  });
}

std::string EncodeRecord(const RecordState& r) {
  Writer w;
  w.Str(r.kind).Str(r.id).Int(r.version).Str(r.last_hash);
  w.Str(r.created).Str(r.updated).Str(r.updated_occurredat);
  w.Int(r.partition).Int(r.ledgerseq).Json(r.state);
  w.Str(r.indexed.owner).Str(r.indexed.stage).Str(r.indexed.status).Str(r.indexed.account);
  w.Int(static_cast<uint8_t>(r.archived));
  return w.Finish();
}

Result<RecordState> DecodeRecord(std::string_view value) {
  return Decode<RecordState>(value, "record", [](Reader& r, RecordState& s) {
    uint8_t archived = 0;
    r.Str(s.kind).Str(s.id).Int(s.version).Str(s.last_hash);
    r.Str(s.created).Str(s.updated).Str(s.updated_occurredat);
    r.Int(s.partition).Int(s.ledgerseq).Object(s.state);
    r.Str(s.indexed.owner).Str(s.indexed.stage).Str(s.indexed.status).Str(s.indexed.account);
    r.Int(archived);
    if (archived > 1) throw std::runtime_error("archived flag is not 0 or 1");
    s.archived = archived == 1;
  });
}

std::string HistoryPrefix(std::string_view subject) { return SubjectPrefix(subject, 'v'); }

std::string HistoryKey(std::string_view subject, uint64_t version) {
  std::string key = HistoryPrefix(subject);
  AppendBigEndian(key, version, 8);
  return key;
}

std::string AsOfPrefix(std::string_view subject) { return SubjectPrefix(subject, 't'); }

std::string AsOfKey(std::string_view subject, std::string_view time, uint64_t version) {
  std::string key = AsOfPrefix(subject);
  key += SortableTime(time);
  AppendBigEndian(key, version, 8);
  return key;
}

std::optional<uint64_t> VersionOfKey(std::string_view key) {
  if (key.size() < 2 + 1 + 8) return std::nullopt;
  return ReadBigEndian(key.substr(key.size() - 8), 8);
}

std::string EncodeHistory(const HistoryEntry& e) {
  Writer w;
  w.Int(e.version).Str(e.type).Str(e.event_id).Str(e.actor).Str(e.time).Str(e.occurredat);
  w.Int(e.ledgerseq).Int(e.partition).Str(e.hash).Int(e.schemaversion);
  w.Str(e.correlationid).Str(e.causationid).Json(e.data);
  w.Json(ChangesArray(e.changes)).Json(e.state);
  if (!e.retracted_by.empty()) w.Str(e.retracted_by).Str(e.retraction_reason);
  return w.Finish();
}

Result<HistoryEntry> DecodeHistory(std::string_view value) {
  return Decode<HistoryEntry>(value, "history", [](Reader& r, HistoryEntry& e) {
    std::string changes;
    r.Int(e.version).Str(e.type).Str(e.event_id).Str(e.actor).Str(e.time).Str(e.occurredat);
    r.Int(e.ledgerseq).Int(e.partition).Str(e.hash).Int(e.schemaversion);
    r.Str(e.correlationid).Str(e.causationid).Object(e.data);
    r.Str(changes).Object(e.state);
    if (r.More()) r.Str(e.retracted_by).Str(e.retraction_reason);
    e.changes = ChangesFromText(changes);
  });
}

std::string FactKey(std::string_view time, uint32_t partition, uint64_t ledgerseq) {
  std::string key = SortableTime(time);
  AppendBigEndian(key, partition, 4);
  AppendBigEndian(key, ledgerseq, 8);
  return key;
}

std::string FactKeyLimit(std::string_view time) {
  std::string key = SortableTime(time);
  key += '\xff';
  return key;
}

std::string EncodeFact(const Fact& f) {
  Writer w;
  w.Str(f.type).Str(f.subject).Str(f.event_id).Str(f.time).Str(f.occurredat);
  w.Int(f.streamversion).Json(f.data);
  return w.Finish();
}

Result<Fact> DecodeFact(std::string_view value) {
  return Decode<Fact>(value, "fact", [](Reader& r, Fact& f) {
    r.Str(f.type).Str(f.subject).Str(f.event_id).Str(f.time).Str(f.occurredat);
    r.Int(f.streamversion).Object(f.data);
  });
}

ledger::Event EventOfEntry(std::string_view subject, const HistoryEntry& entry) {
  ledger::Event e;
  e.id = entry.event_id;
  e.type = entry.type;
  e.subject = subject;
  e.time = entry.time;
  e.data = entry.data;
  e.schemaversion = entry.schemaversion;
  e.occurredat = entry.occurredat;
  e.actor = entry.actor;
  e.streamversion = entry.version;
  e.partition = entry.partition;
  e.ledgerseq = entry.ledgerseq;
  e.correlationid = entry.correlationid;
  e.causationid = entry.causationid;
  return e;
}

json::array ChangesToJson(const std::vector<Change>& changes) { return ChangesArray(changes); }

std::string EscapeKeyPart(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

std::string OwnerPrefix(std::string_view owner, std::string_view kind) {
  return "owner/" + EscapeKeyPart(owner) + "/" + EscapeKeyPart(kind) + "/";
}
std::string StagePrefix(std::string_view kind, std::string_view stage) {
  return "stage/" + EscapeKeyPart(kind) + "/" + EscapeKeyPart(stage) + "/";
}
std::string StatusPrefix(std::string_view kind, std::string_view status) {
  return "status/" + EscapeKeyPart(kind) + "/" + EscapeKeyPart(status) + "/";
}
std::string AccountPrefix(std::string_view account, std::string_view kind) {
  return "account/" + EscapeKeyPart(account) + "/" + EscapeKeyPart(kind) + "/";
}
std::string UpdatedPrefix(std::string_view kind) { return "updated/" + EscapeKeyPart(kind) + "/"; }

std::vector<std::string> IndexKeys(const RecordState& r) {
  if (r.archived) return {};  // an archived record has left the hot views' lists
  const std::string subject = r.subject();
  const IndexFields& f = r.indexed;
  std::vector<std::string> keys;
  if (!f.owner.empty()) keys.push_back(OwnerPrefix(f.owner, r.kind) + subject);
  if (!f.stage.empty()) keys.push_back(StagePrefix(r.kind, f.stage) + subject);
  if (!f.status.empty()) keys.push_back(StatusPrefix(r.kind, f.status) + subject);
  if (!f.account.empty()) keys.push_back(AccountPrefix(f.account, r.kind) + subject);
  if (!r.updated.empty())
    keys.push_back(UpdatedPrefix(r.kind) + SortableTime(r.updated) + "/" + subject);
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace projections
