#include "ledger/event.h"

#include <boost/json.hpp>

#include "ledger/canonical.h"
#include "ledger/crypto.h"
#include "ledger/json_pointer.h"
#include "ledger/time.h"

namespace ledger {
namespace json = boost::json;

namespace {

constexpr int64_t kSafeIntegerMax = (int64_t{1} << 53) - 1;

// Collects violations while reading one JSON object's members by name.
class ObjectReader {
 public:
  ObjectReader(const json::object& obj, std::string_view prefix, std::vector<Violation>& out)
      : obj_(obj), prefix_(prefix), out_(out) {}

  const json::value* Find(std::string_view key) {
    seen_.push_back(key);
    return obj_.if_contains(key);
  }
  void Fail(std::string_view key, std::string reason) {
    out_.push_back({std::string(prefix_) + "/" + PointerToken(key), std::move(reason)});
  }
  // A string member; `required` makes absence a violation.
  bool String(std::string_view key, std::string& out, bool required, size_t bytes_max) {
    const json::value* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "is required");
      return !required;
    }
    if (!v->is_string()) return Fail(key, "must be a string"), false;
    if (v->get_string().size() > bytes_max) {
      return Fail(key, "must be at most " + std::to_string(bytes_max) + " bytes"), false;
    }
    out = v->get_string();
    return true;
  }
  // A non-negative integer member within [min, max].
  bool Integer(std::string_view key, int64_t& out, bool required, int64_t min, int64_t max) {
    const json::value* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "is required");
      return !required;
    }
    std::optional<int64_t> i;
    if (v->is_int64()) i = v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      i = static_cast<int64_t>(v->get_uint64());
    }
    if (!i || *i < min || *i > max) {
      return Fail(key,
                  "must be an integer from " + std::to_string(min) + " to " + std::to_string(max)),
             false;
    }
    out = *i;
    return true;
  }
  // Every member not asked for is a violation.
  void RejectUnknown() {
    for (const auto& kv : obj_) {
      if (std::find(seen_.begin(), seen_.end(), std::string_view(kv.key())) == seen_.end()) {
        Fail(kv.key(), "is not a known attribute");
      }
    }
  }

 private:
  const json::object& obj_;
  std::string_view prefix_;
  std::vector<Violation>& out_;
  std::vector<std::string_view> seen_;
};

bool IsHashHexOrEmpty(std::string_view s) { return s.empty() || HashFromHex(s).has_value(); }

bool VisibleAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Finds the first number in `v` that events may not carry (floats, unsafe integers).
std::optional<std::string> FindNonInteger(const json::value& v, std::string path) {
  switch (v.kind()) {
    case json::kind::double_:
      return path;
    case json::kind::int64:
      if (v.get_int64() > kSafeIntegerMax || v.get_int64() < -kSafeIntegerMax) return path;
      return std::nullopt;
    case json::kind::uint64:
      if (v.get_uint64() > static_cast<uint64_t>(kSafeIntegerMax)) return path;
      return std::nullopt;
    case json::kind::array: {
      size_t i = 0;
      for (const auto& item : v.get_array()) {
        if (auto p = FindNonInteger(item, path + "/" + std::to_string(i++))) return p;
      }
      return std::nullopt;
    }
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (auto p = FindNonInteger(kv.value(), path + "/" + PointerToken(kv.key()))) return p;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string_view Event::kind() const {
  std::string_view s = subject;
  return s.substr(0, s.find('/'));
}

json::object Event::ToJson() const {
  json::object o;
  o.reserve(18);
  o["specversion"] = kSpecVersion;
  o["id"] = id;
  o["source"] = source;
  o["type"] = type;
  o["subject"] = subject;
  o["time"] = time;
  o["datacontenttype"] = kDataContentType;
  o["data"] = data;
  o["schemaversion"] = schemaversion;
  o["occurredat"] = occurredat;
  o["actor"] = actor;
  o["streamversion"] = streamversion;
  o["streamprev"] = streamprev;
  o["partition"] = partition;
  o["ledgerseq"] = ledgerseq;
  o["ledgerprev"] = ledgerprev;
  if (!correlationid.empty()) o["correlationid"] = correlationid;
  if (!causationid.empty()) o["causationid"] = causationid;
  return o;
}

std::string Event::Canonical() const {
  std::string out;
  AppendCanonical(ToJson(), out);
  return out;
}

Result<Event> EventFromJson(const json::value& value) {
  if (!value.is_object()) return Status::Corruption("event is not a JSON object");
  std::vector<Violation> v;
  ObjectReader r(value.get_object(), "", v);
  Event e;
  std::string specversion, datacontenttype;
  int64_t streamversion = 0, partition = 0, ledgerseq = 0;
  r.String("specversion", specversion, true, 8);
  r.String("id", e.id, true, kIdBytesMax);
  r.String("source", e.source, true, 256);
  r.String("type", e.type, true, kTypeBytesMax);
  r.String("subject", e.subject, true, kSubjectBytesMax);
  r.String("time", e.time, true, 40);
  r.String("datacontenttype", datacontenttype, true, 64);
  r.Integer("schemaversion", e.schemaversion, true, 1, 1000);
  r.String("occurredat", e.occurredat, true, 40);
  r.String("actor", e.actor, true, kActorBytesMax);
  r.Integer("streamversion", streamversion, true, 1, kSafeIntegerMax);
  r.String("streamprev", e.streamprev, true, 64);
  r.Integer("partition", partition, true, 0, INT32_MAX);
  r.Integer("ledgerseq", ledgerseq, true, 0, INT32_MAX);
  r.String("ledgerprev", e.ledgerprev, true, 64);
  r.String("correlationid", e.correlationid, false, kCorrelationBytesMax);
  r.String("causationid", e.causationid, false, kCorrelationBytesMax);
  const json::value* data = r.Find("data");
  r.RejectUnknown();
  // Optional attributes are omitted when empty (docs/FORMAT.md §1): "" would be a second
  // encoding, hashing differently, of the same event.
  for (std::string_view optional : {"correlationid", "causationid"}) {
    const json::value* m = value.get_object().if_contains(optional);
    if (m != nullptr && m->is_string() && m->get_string().empty())
      r.Fail(optional, "must be omitted when empty");
  }
  if (data == nullptr || !data->is_object()) {
    r.Fail("data", "must be a JSON object");
  } else {
    e.data = data->get_object();
    if (auto p = FindNonInteger(*data, "/data"))
      v.push_back({*p, "events carry integers only (|n| < 2^53)"});
  }
  // A missing attribute was reported above; a present one, even "", must be the constant.
  const auto present = [&](std::string_view key) { return value.get_object().contains(key); };
  if (present("specversion") && specversion != kSpecVersion)
    r.Fail("specversion", "must be \"1.0\"");
  if (present("datacontenttype") && datacontenttype != kDataContentType)
    r.Fail("datacontenttype", "must be \"application/json\"");
  if (!e.time.empty() && !ParseRfc3339(e.time)) r.Fail("time", "must be an RFC 3339 date-time");
  if (!e.occurredat.empty() && !ParseRfc3339(e.occurredat))
    r.Fail("occurredat", "must be an RFC 3339 date-time");
  if (e.subject.find('/') == std::string::npos) r.Fail("subject", "must be <kind>/<id>");
  if (!IsHashHexOrEmpty(e.streamprev))
    r.Fail("streamprev", "must be a lower-case hex SHA-256 or empty");
  if (!IsHashHexOrEmpty(e.ledgerprev))
    r.Fail("ledgerprev", "must be a lower-case hex SHA-256 or empty");
  if ((streamversion == 1) != e.streamprev.empty()) {
    r.Fail("streamprev", "must be empty exactly when streamversion is 1");
  }
  if ((ledgerseq == 0) != e.ledgerprev.empty())
    r.Fail("ledgerprev", "must be empty exactly when ledgerseq is 0");
  if (!v.empty()) {
    std::string msg = "event is not well formed: " + v.front().pointer + " " + v.front().reason;
    return Status(Code::kCorruption, std::move(msg), std::move(v));
  }
  e.streamversion = static_cast<uint64_t>(streamversion);
  e.partition = static_cast<uint32_t>(partition);
  e.ledgerseq = static_cast<uint64_t>(ledgerseq);
  return e;
}

Result<Event> ParseEvent(std::string_view bytes) {
  if (bytes.size() > kEventBytesMax) return Status::Corruption("event is larger than the limit");
  boost::system::error_code ec;
  json::value value = json::parse(bytes, ec);
  if (ec) return Status::Corruption("event is not valid JSON: " + ec.message());
  auto event = EventFromJson(value);
  if (!event.ok()) return event;
  if (Canonical(value) != bytes)
    return Status::Corruption("event bytes are not in RFC 8785 canonical form");
  return event;
}

Result<Command> ParseCommand(const json::value& value, std::string_view prefix) {
  if (!value.is_object()) {
    return Status::Invalid("an event command must be a JSON object",
                           {{std::string(prefix), "must be a JSON object"}});
  }
  std::vector<Violation> v;
  ObjectReader r(value.get_object(), prefix, v);
  Command c;
  int64_t expected = -1;
  r.String("type", c.type, true, kTypeBytesMax);
  r.String("subject", c.subject, true, kSubjectBytesMax);
  const bool id_read = r.String("id", c.id, false, kIdBytesMax);
  r.String("occurredat", c.occurredat, false, 40);
  r.String("correlationid", c.correlationid, false, kCorrelationBytesMax);
  r.String("causationid", c.causationid, false, kCorrelationBytesMax);
  r.Integer("expectedversion", expected, false, 0, kSafeIntegerMax);
  r.Integer("schemaversion", c.schemaversion, false, 1, 1000);
  const json::value* data = r.Find("data");
  r.RejectUnknown();
  if (data == nullptr) {
    r.Fail("data", "is required");
  } else if (!data->is_object()) {
    r.Fail("data", "must be a JSON object");
  } else {
    c.data = data->get_object();
  }
  if (expected >= 0) c.expectedversion = static_cast<uint64_t>(expected);
  if (id_read && value.get_object().contains("id") && c.id.empty())
    r.Fail("id", "must not be empty");
  if (!c.id.empty() && !VisibleAscii(c.id)) r.Fail("id", "must be visible ASCII without spaces");
  if (!c.occurredat.empty() && !ParseRfc3339(c.occurredat))
    r.Fail("occurredat", "must be an RFC 3339 date-time");
  if (!v.empty()) return Status::Invalid("the event command is not valid", std::move(v));
  return c;
}

}  // namespace ledger
