// Fuzzes what POST /v1/events does with a request body before the writer sees it: the
// JSON parse (max_depth 32), ledger::ParseCommand on the body or on each element of
// {"events":[...]}, and the sales schema validator, on whole commands and on the
// partial commands ingest/api.cc checks when the envelope is wrong. That logic lives in
// an anonymous namespace of ingest/api.cc, so it is mirrored here (ParseBody,
// PartialCommand); keep the two in step.
//
// Properties, beyond "no crash, no sanitizer report":
//  - every violation has a reason and an RFC 6901 pointer into the request body;
//  - an accepted command has its limits, and parsing its JSON again gives the same
//    command;
//  - validation is deterministic and reports at most kViolationsMax + 1 violations;
//  - a command the validator accepts becomes an event that the read side accepts:
//    ParseEvent of its canonical bytes succeeds and gives the same event back.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/partition.h"
#include "schemas/sales.h"
#include "schemas/validator.h"
#include "tests/fuzz/fuzz_util.h"

namespace {
namespace json = boost::json;

const schemas::SalesDecider& Decider() {
  static const schemas::SalesDecider decider;
  return decider;
}

// As ingest/api.cc's PartialCommand: what a command that failed the envelope checks
// still says about its type and data.
std::optional<ledger::Command> PartialCommand(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return std::nullopt;
  ledger::Command c;
  auto text = [&](const char* key) -> std::string {
    const json::value* m = o->if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
  };
  c.type = text("type");
  c.subject = text("subject");
  if (c.type.empty()) return std::nullopt;
  if (const json::value* d = o->if_contains("data"); d && d->is_object()) {
    c.data = d->get_object();
  } else {
    return std::nullopt;
  }
  if (const json::value* sv = o->if_contains("schemaversion"); sv && sv->is_int64()) {
    c.schemaversion = sv->get_int64();
  }
  return c;
}

// The command as a client would send it.
json::object CommandJson(const ledger::Command& c) {
  json::object o;
  o["type"] = c.type;
  o["subject"] = c.subject;
  o["data"] = c.data;
  if (!c.id.empty()) o["id"] = c.id;
  if (!c.occurredat.empty()) o["occurredat"] = c.occurredat;
  if (c.expectedversion) o["expectedversion"] = *c.expectedversion;
  if (!c.correlationid.empty()) o["correlationid"] = c.correlationid;
  if (!c.causationid.empty()) o["causationid"] = c.causationid;
  o["schemaversion"] = c.schemaversion;
  return o;
}

bool SameCommand(const ledger::Command& a, const ledger::Command& b) {
  return a.type == b.type && a.subject == b.subject && fuzz::SameJson(a.data, b.data) &&
         a.id == b.id && a.occurredat == b.occurredat && a.expectedversion == b.expectedversion &&
         a.correlationid == b.correlationid && a.causationid == b.causationid &&
         a.schemaversion == b.schemaversion;
}

// Violations of a command at `prefix` ("" or "/events/I") of `doc`.
void CheckViolations(const std::vector<ledger::Violation>& violations, const json::value& doc,
                     const std::string& prefix) {
  for (const ledger::Violation& v : violations) {
    FUZZ_CHECK(!v.reason.empty(), "empty reason at " + v.pointer);
    const std::string at = prefix + v.pointer;
    FUZZ_CHECK(fuzz::IsJsonPointer(at), "not an RFC 6901 pointer: " + at + " (" + v.reason + ")");
    FUZZ_CHECK(fuzz::PointsInto(doc, at),
               "pointer names nothing in the request: " + at + " (" + v.reason + ")");
  }
}

std::vector<ledger::Violation> Validate(const ledger::Command& c, const json::value& doc,
                                        const std::string& prefix) {
  std::vector<ledger::Violation> found = Decider().Validate(c);
  FUZZ_CHECK(found.size() <= schemas::kViolationsMax + 1, fuzz::Describe(found));
  FUZZ_CHECK(Decider().Validate(c) == found, "validation is not deterministic");
  CheckViolations(found, doc, prefix);
  return found;
}

// The event the writer would record for `c` (ledger/writer.cc SequenceOne), at some
// position, must be one that ParseEvent accepts and gives back unchanged.
void CheckRecordable(const ledger::Command& c, uint64_t streamversion, uint64_t ledgerseq) {
  static const std::string kSomeHash = ledger::Hex(ledger::Sha256("previous"));
  ledger::Event e;
  e.id = c.id.empty() ? "0193a1b2-7c00-7def-8a00-000000000001" : c.id;
  e.source = "sales-ledger";
  e.type = c.type;
  e.subject = c.subject;
  e.time = "2026-03-02T09:30:00.000000Z";
  e.data = c.data;
  e.schemaversion = c.schemaversion;
  e.occurredat = c.occurredat.empty() ? e.time : c.occurredat;
  e.actor = "user:fuzz";
  e.streamversion = streamversion;
  e.streamprev = streamversion == 1 ? "" : kSomeHash;
  e.partition = ledger::PartitionOf(c.subject, ledger::kPartitionsDefault);
  e.ledgerseq = ledgerseq;
  e.ledgerprev = ledgerseq == 0 ? "" : kSomeHash;
  e.correlationid = c.correlationid;
  e.causationid = c.causationid;
  const std::string canonical = e.Canonical();
  if (canonical.size() > ledger::kEventBytesMax) return;  // the writer refuses it
  auto parsed = ledger::ParseEvent(canonical);
  FUZZ_CHECK(parsed.ok(), "an accepted command is recorded as an event the read side refuses: " +
                              parsed.status().ToString() + "\n  " + canonical);
  FUZZ_CHECK(fuzz::SameEvent(*parsed, e), "the recorded event reads back different: " + canonical);
}

void CheckAccepted(const ledger::Command& c, const json::value& doc, const std::string& prefix) {
  // The envelope's limits. (An empty type or subject is the validator's to refuse.)
  FUZZ_CHECK(c.type.size() <= ledger::kTypeBytesMax, c.type);
  FUZZ_CHECK(c.subject.size() <= ledger::kSubjectBytesMax, c.subject);
  FUZZ_CHECK(c.id.size() <= ledger::kIdBytesMax, c.id);
  FUZZ_CHECK(c.schemaversion >= 1 && c.schemaversion <= 1000, std::to_string(c.schemaversion));

  // The command as JSON again parses to the same command. (As JSON values: Boost.JSON
  // 1.81 reads 1e400 as infinity and 0e400 as NaN, and serializes them as "Infinity"
  // and "NaN", which are no JSON.)
  const json::value again = CommandJson(c);
  auto reparsed = ledger::ParseCommand(again);
  FUZZ_CHECK(reparsed.ok(), "a command's own JSON is refused: " + reparsed.status().ToString());
  FUZZ_CHECK(SameCommand(*reparsed, c),
             "a command's own JSON parses differently: " + json::serialize(again));

  if (!Validate(c, doc, prefix).empty()) return;
  FUZZ_CHECK(!c.type.empty() && !c.subject.empty(),
             "the validator accepts an empty type or subject");
  CheckRecordable(c, 1, 0);
  CheckRecordable(c, 7, 12);
}

void CheckOne(const json::value& item, const json::value& doc, const std::string& prefix) {
  auto c = ledger::ParseCommand(item, prefix);
  if (c.ok()) return CheckAccepted(*c, doc, prefix);
  const ledger::Status& s = c.status();
  FUZZ_CHECK(s.code() == ledger::Code::kInvalidArgument, s.ToString());
  FUZZ_CHECK(!s.violations().empty(), "a refused command without violations: " + s.ToString());
  for (const ledger::Violation& v : s.violations()) {
    FUZZ_CHECK(v.pointer.starts_with(prefix), v.pointer + " is not under " + prefix);
  }
  CheckViolations(s.violations(), doc, "");
  if (auto partial = PartialCommand(item)) (void)Validate(*partial, doc, prefix);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json::parse_options options;
  options.max_depth = 32;  // as ingest/api.cc
  boost::system::error_code ec;
  json::value doc = json::parse(fuzz::AsText(data, size), ec, {}, options);
  if (ec) return 0;
  // One command, or {"events":[...]} and nothing else (ingest/api.cc ParseCommands).
  if (doc.is_object() && doc.get_object().contains("events")) {
    const json::array* list = doc.get_object().at("events").if_array();
    if (list == nullptr || doc.get_object().size() != 1) return 0;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string prefix = "/events/" + std::to_string(i);
      const json::value& item = (*list)[i];
      CheckOne(item, doc, prefix);
    }
    return 0;
  }
  CheckOne(doc, doc, "");
  return 0;
}
