// The response bodies of the HTTP API (docs/API.md) as JSON Schemas, and the
// parameters and error responses the routes share. The shapes follow ingest/api.cc and
// ingest/records_api.cc, which this library does not depend on: a change to a body
// there needs the same change here (docs/API.md is the common reference).
#include <boost/json/array.hpp>
#include <utility>

#include "schemas/openapi_internal.h"

namespace schemas::openapi {
namespace json = boost::json;
namespace {

json::object String(std::string_view description) {
  return {{"type", "string"}, {"description", description}};
}

json::object Integer(std::string_view description, int64_t minimum = 0) {
  return {{"type", "integer"}, {"minimum", minimum}, {"description", description}};
}

json::object Boolean(std::string_view description) {
  return {{"type", "boolean"}, {"description", description}};
}

json::object Time(std::string_view description) {
  return {{"type", "string"}, {"format", "date-time"}, {"description", description}};
}

json::object ArrayOf(std::string_view item, std::string_view description) {
  return {{"type", "array"}, {"items", RefTo(item)}, {"description", description}};
}

json::object Object(std::string_view description, json::array required, json::object properties,
                    bool closed = false) {
  json::object s{{"type", "object"}, {"description", description}};
  if (!required.empty()) s["required"] = std::move(required);
  s["properties"] = std::move(properties);
  if (closed) s["additionalProperties"] = false;
  return s;
}

void AddAppendSchemas(json::object& out) {
  out["Appended"] =
      Object("One appended event",
             {"id", "partition", "ledgerseq", "streamversion", "hash", "time", "replayed"},
             {{"id", String("The event's id: the command's id, or a UUIDv7 the writer generated")},
              {"partition", Integer("The partition it is in")},
              {"ledgerseq", Integer("Its 0-based position in the partition; read your writes with "
                                    "?after=<partition>:<ledgerseq>")},
              {"streamversion", Integer("The record's version after it (1-based)", 1)},
              {"hash", RefTo("Hash")},
              {"time", Time("Recorded time, RFC 3339 UTC with 6 fractional digits")},
              {"replayed",
               Boolean("True when the id was appended before with the same content: nothing was "
                       "appended again")}});
  out["Erasure"] = Object("An erasure", {"subject", "erased", "event"},
                          {{"subject", String("contact/<id>")},
                           {"erased", Time("When: the recorded time of contact.erased")},
                           {"event", RefTo("Appended")}});
  out["AppendResult"] = Object("The events, in the order of the request", {"events"},
                               {{"events", ArrayOf("Appended", "One per command")}});
  out["Hash"] = {{"type", "string"},
                 {"pattern", "^[0-9a-f]{64}$"},
                 {"description", "Leaf hash: lower-case hex SHA-256(0x00 || canonical bytes)"}};
  out["Violation"] = Object(
      "One problem with the request", {"pointer", "reason"},
      {{"pointer", String("RFC 6901 pointer into the request: /events/2/data/lines/0/quantity, "
                          "/query/<name>, /path/<name>; \"\" for the whole request")},
       {"reason", String("What is wrong, in English")}});
  out["Problem"] = Object(
      "RFC 9457 problem details, with every violation found",
      {"type", "title", "status", "detail", "violations"},
      {{"type", String("about:blank")},
       {"title", String("Short summary of the status")},
       {"status", {{"type", "integer"}, {"minimum", 400}, {"maximum", 599}}},
       {"detail", String("What went wrong")},
       {"violations", ArrayOf("Violation", "Every violation found (at most 101)")},
       {"currentversion", Integer("On a 409 for expectedversion: the record's current version")}});
}

json::object RecordSchema() {
  return Object(
      "A record's current state, or its state as of a time (asof, asof_time and events are "
      "then present; hash, updated and updated_occurredat are not)",
      {"kind", "id", "subject", "version", "created", "state"},
      {{"kind", RefTo("RecordKind")},
       {"id", RefTo("Id")},
       {"subject", String("<kind>/<id>")},
       {"version", Integer("The record's streamversion; pass it as expectedversion", 1)},
       {"hash", RefTo("Hash")},
       {"created", Time("Recorded time of the first event")},
       {"updated", Time("Recorded time of the last event")},
       {"updated_occurredat", Time("Business time of the last event")},
       {"state",
        {{"type", "object"},
         {"description",
          "Domain fields folded from the record's events (schemas/README.md, "
          "record state)"}}},
       {"archived",
        {{"type", "boolean"},
         {"description", "true: served by the archive view (sealed in a bundle)"}}},
       {"asof", String("The asof or asof_business parameter, as given")},
       {"asof_time", Time("Recorded time of the last event included")},
       {"events", Integer("Events included")}});
}

void AddRecordSchemas(json::object& out) {
  out["Record"] = RecordSchema();
  out["Change"] =
      Object("One field-level change (arrays compare whole)", {"path"},
             {{"path", String("RFC 6901 path into the state")},
              {"old", {{"description", "The value before; absent for an added field"}}},
              {"new", {{"description", "The value after; absent for a removed field"}}}});
  out["HistoryEntry"] = Object(
      "One event of a record's audit trail",
      {"version", "type", "id", "actor", "time", "occurredat", "partition", "ledgerseq", "hash",
       "changes"},
      {{"version", Integer("The record's version after the event", 1)},
       {"type", String("Event type")},
       {"id", String("Event id")},
       {"actor", String("Who caused it")},
       {"time", Time("Recorded time")},
       {"occurredat", Time("Business time")},
       {"partition", Integer("Partition")},
       {"ledgerseq", Integer("Position in the partition")},
       {"hash", RefTo("Hash")},
       {"changes", ArrayOf("Change", "What the event changed in the state")},
       {"correlationid", String("When the event has one")},
       {"causationid", String("When the event has one")},
       {"verification", RefTo("Verification")},
       {"retracted", Object("Present when a later event.retracted made the read models ignore this "
                            "event",
                            {"by", "reason"},
                            {{"by", String("The retraction's event id")},
                             {"reason", String("Why, as the retraction says")}})}});
  out["Verification"] =
      Object("The entry checked against the log when read", {"status"},
             {{"status",
               {{"enum", {"verified", "signed", "archived", "failed"}},
                {"description",
                 "verified: the log holds exactly this event, signed, proven in the latest "
                 "checkpoint; signed: not yet covered by a checkpoint; archived: the log was "
                 "pruned below it, its proof is in an archive bundle; failed: something "
                 "does not verify"}}},
              {"checkpoint", Integer("The size of the checkpoint it is proven in (verified)", 1)},
              {"reason", String("Why it is only signed, or what failed")}});
  out["HistoryPage"] =
      Object("A page of a record's history, oldest first", {"subject", "entries"},
             {{"subject", String("<kind>/<id>")},
              {"entries", ArrayOf("HistoryEntry", "Entries after after_version")},
              {"next", Integer("The after_version of the next page; absent at the end", 1)}});
  out["RecordList"] =
      Object("A page of records matching the filters", {"records"},
             {{"records", ArrayOf("Record", "The records")},
              {"cursor", String("Pass back as cursor for the next page; absent at the end")}});
  json::object more{
      {"type", "object"},
      {"description",
       "For each kind with more records than limit: the cursor of "
       "GET /v1/records/{kind}?account={id} for the next page"},
      {"propertyNames",
       {{"enum", {"contact", "opportunity", "activity", "contract", "order", "ticket"}}}},
      {"additionalProperties", {{"type", "string"}}}};
  out["Related"] = Object(
      "An account and the records that refer to it, at most limit of each kind",
      {"account", "contacts", "opportunities", "activities", "contracts", "orders", "tickets"},
      {{"account", RefTo("Record")},
       {"contacts", ArrayOf("Record", "Its contacts")},
       {"opportunities", ArrayOf("Record", "Its opportunities")},
       {"activities", ArrayOf("Record", "Its activities")},
       {"contracts", ArrayOf("Record", "Its contracts")},
       {"orders", ArrayOf("Record", "Its orders")},
       {"tickets", ArrayOf("Record", "Its tickets")},
       {"more", std::move(more)}});
}

json::object EventSchema() {
  return Object(
      "A recorded event: a CloudEvents 1.0 object with the ledger's extensions "
      "(docs/FORMAT.md)",
      {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data",
       "schemaversion", "occurredat", "actor", "streamversion", "streamprev", "partition",
       "ledgerseq", "ledgerprev"},
      {{"specversion", {{"const", "1.0"}}},
       {"id", String("Unique in the ledger")},
       {"source", String("The ledger's name")},
       {"type", String("Event type, e.g. opportunity.stage_changed")},
       {"subject", String("<kind>/<id>")},
       {"time", Time("Recorded time, RFC 3339 UTC with 6 fractional digits")},
       {"datacontenttype", {{"const", "application/json"}}},
       {"data", {{"type", "object"}, {"description", "The event's data (Command schemas)"}}},
       {"schemaversion", Integer("Version of the data schema", 1)},
       {"occurredat", Time("Business time")},
       {"actor", String("Who caused it")},
       {"streamversion", Integer("1-based position in the subject's stream", 1)},
       {"streamprev", String("Leaf hash of the subject's previous event; \"\" for the first")},
       {"partition", Integer("The partition")},
       {"ledgerseq", Integer("0-based position in the partition")},
       {"ledgerprev", String("Leaf hash of the partition's previous event; \"\" for the first")},
       {"correlationid", String("Optional")},
       {"causationid", String("Optional")}},
      true);
}

void AddFeedSchemas(json::object& out) {
  out["Event"] = EventSchema();
  out["FeedLine"] =
      Object("One line of the NDJSON feed: the event and its signature", {"event", "sig", "kid"},
             {{"event", RefTo("Event")},
              {"sig", String("Base64 Ed25519 signature over the event's leaf hash")},
              {"kid",
               {{"type", "string"},
                {"pattern", "^[0-9a-f]{8}$"},
                {"description", "Id of the signing key (GET /v1/keys)"}}}},
             true);
  out["Key"] = Object(
      "A public key the ledger has signed with", {"kid", "name", "publickey", "algorithm", "vkey"},
      {{"kid", {{"type", "string"}, {"pattern", "^[0-9a-f]{8}$"}}},
       {"name", String("Key name (C2SP signed note)")},
       {"publickey", String("Base64 of the 32-byte Ed25519 public key")},
       {"algorithm", {{"const", "ed25519"}}},
       {"vkey", String("Verifier key: <name>+<kid>+<base64(0x01 || public key)>")}});
  out["Keys"] = Object("Every key the ledger has signed with", {"keys"},
                       {{"keys", ArrayOf("Key", "Oldest first")}});
}

void AddProofSchemas(json::object& out) {
  json::object base64{{"type", "string"},
                      {"contentEncoding", "base64"},
                      {"description", "A SHA-256 hash, standard base64"}};
  out["Base64Hash"] = base64;
  out["InclusionProof"] =
      Object("RFC 9162 §2.1.3 inclusion proof",
             {"partition", "leaf_index", "tree_size", "leaf_hash", "inclusion_path"},
             {{"partition", Integer("Partition")},
              {"leaf_index", Integer("The event's ledgerseq")},
              {"tree_size", Integer("Leaves of the tree the proof is into", 1)},
              {"leaf_hash", RefTo("Base64Hash")},
              {"inclusion_path",
               ArrayOf("Base64Hash", "PATH(leaf_index, D[tree_size]), leaf side first")}},
             true);
  out["ConsistencyProof"] =
      Object("RFC 9162 §2.1.4 consistency proof",
             {"partition", "tree_size_1", "tree_size_2", "consistency_path"},
             {{"partition", Integer("Partition")},
              {"tree_size_1", Integer("The earlier tree's size", 1)},
              {"tree_size_2", Integer("The later tree's size", 1)},
              {"consistency_path", ArrayOf("Base64Hash", "PROOF(tree_size_1, D[tree_size_2])")}},
             true);
  out["AuditPack"] = Object(
      "A record's audit pack (docs/FORMAT.md §6b): RFC 8785 canonical bytes and a newline",
      {"checkpoint", "events", "format", "keys", "subject"},
      {{"checkpoint", String("The C2SP signed note of the checkpoint every event is proven in")},
       {"events",
        {{"type", "array"},
         {"description", "Every event of the record, in stream order"},
         {"items", Object("An event as the feed carries it, with its inclusion path",
                          {"event", "inclusion_path", "kid", "sig"},
                          {{"event", {{"type", "object"}, {"description", "The CloudEvent"}}},
                           {"inclusion_path", ArrayOf("Base64Hash", "Into the checkpoint's tree")},
                           {"kid", String("Key ID, 8 hex digits")},
                           {"sig", String("Ed25519 signature of the leaf hash, base64")}},
                          true)}}},
       {"format", {{"const", "sales-ledger-auditpack/1"}}},
       {"keys",
        {{"type", "array"},
         {"items", {{"type", "string"}}},
         {"description", "The verifier keys that signed an event or the checkpoint"}}},
       {"subject", String("<kind>/<id>")}},
      true);
}

void AddAccessSchemas(json::object& out) {
  out["AccessEntry"] =
      Object("One recorded read",
             {"time", "actor", "id", "ledgerseq", "hash", "resource", "subject", "purpose", "query",
              "status"},
             {{"time", Time("When it was recorded (before the answer was sent)")},
              {"actor", String("Who read")},
              {"id", String("The access event's id")},
              {"ledgerseq", Integer("Its position in the access log")},
              {"hash", RefTo("Hash")},
              {"resource", {{"enum", {"record", "history", "list", "related", "auditpack"}}}},
              {"subject", String("The record read (<kind>/<id>); for a list, its kind")},
              {"purpose", String("Why, as the reader stated it (?purpose=); empty when not given")},
              {"query", String("The request's query string, as sent")},
              {"status", Integer("The HTTP status of the answer", 100)}});
  out["AccessPage"] =
      Object("A page of recorded reads, oldest first", {"entries"},
             {{"entries", ArrayOf("AccessEntry", "The matching reads")},
              {"next", Integer("Pass as ?after= for the next page; absent at the end")}});
}

void AddOperationSchemas(json::object& out) {
  out["PartitionProgress"] =
      Object("One partition's projection", {"partition", "applied", "lag"},
             {{"partition", Integer("Partition")},
              {"applied", Integer("Events applied (the next ledgerseq to apply)")},
              {"lag", Integer("Events in the log not yet applied")},
              {"error", String("Why the projection stopped, when it did")},
              {"assigned", Boolean("Present and false on a query node (ledgerd --group) for a "
                                   "partition its consumer group gave to another member")}});
  json::object pinned =
      Object("Present while the served views are pinned by a replay", {},
             {{"until", Time("Only events recorded at or before this")},
              {"stop_at",
               {{"type", "array"},
                {"items", {{"type", "integer"}, {"minimum", 0}}},
                {"description", "Per partition, the ledgerseq to stop before"}}}});
  out["Ready"] = Object(
      "Whether the read models have caught up with the log", {"ready", "generation", "partitions"},
      {{"ready", Boolean("Every partition within 1,000 events of the log, none stopped, "
                         "not pinned")},
       {"generation", String("The generation of views served")},
       {"partitions", ArrayOf("PartitionProgress", "One per partition")},
       {"pinned", std::move(pinned)},
       {"read_only", Boolean("Present and true on a read-only point-in-time copy (ledgerd "
                             "--read-only): ready once every partition reached its pin")}});
  out["BackupDb"] =
      Object("One database's backup in a set (RocksDB BackupEngine)",
             {"name", "id", "bytes", "new_bytes", "files"},
             {{"name", String("views, log or access")},
              {"id", Integer("The backup's id in B/<name>")},
              {"timestamp", Integer("When it was taken, Unix seconds")},
              {"bytes", Integer("Every file the backup is made of")},
              {"new_bytes", Integer("Of those, the files it added (the rest are shared with "
                                    "earlier backups)")},
              {"files", Integer("Files")}});
  out["BackupFile"] = Object("A small file copied into the set", {"path", "sha256", "bytes"},
                             {{"path", String("Relative to the data dir: keys/ledger.vkeys, ...")},
                              {"sha256", RefTo("Hash")},
                              {"bytes", Integer("Size")}});
  out["BackupSet"] =
      Object("A backup set: the views, the log and the access log, and the keys and tokens files",
             {"id", "created", "dbs", "files"},
             {{"format", Integer("The manifest's format (1)")},
              {"id", Integer("The set's id (ledgerctl backup restore --id)")},
              {"created", Time("When it was taken")},
              {"views_generation", String("The generation of views backed up")},
              {"dbs", ArrayOf("BackupDb", "In the order taken: views, log, access")},
              {"files", ArrayOf("BackupFile", "The copied files")},
              {"subject_keys", Object("The separate backup of the subject keys, when ledgerd has "
                                      "--subject-keys-backup-dir",
                                      {},
                                      {{"id", Integer("Its id")},
                                       {"bytes", Integer("Its size")},
                                       {"new_bytes", Integer("Bytes it added")},
                                       {"files", Integer("Files")}})}});
  out["BackupList"] = Object("The backup sets, oldest first", {"backups"},
                             {{"backups", ArrayOf("BackupSet", "One per set")}});
  out["Health"] = Object("The process serves", {"status"}, {{"status", {{"const", "ok"}}}});
}

json::object ProblemResponse(std::string_view description) {
  return {{"description", description},
          {"content", {{"application/problem+json", {{"schema", RefTo("Problem")}}}}}};
}

}  // namespace

json::object HttpSchemas() {
  json::object out;
  AddAppendSchemas(out);
  AddRecordSchemas(out);
  AddFeedSchemas(out);
  AddProofSchemas(out);
  AddAccessSchemas(out);
  AddOperationSchemas(out);
  return out;
}

json::object HttpResponses() {
  json::object retry{{"description", "Seconds to wait before retrying"},
                     {"schema", {{"type", "integer"}}}};
  json::object unavailable = ProblemResponse(
      "The server cannot answer now: the log cannot take the append, the append queue is "
      "full, too many followed feeds, or the read models did not reach ?after in time");
  unavailable["headers"] = {{"Retry-After", std::move(retry)}};
  json::object unauthorized =
      ProblemResponse("No Authorization: Bearer <token>, or a token that is unknown or revoked");
  unauthorized["headers"] = {{"WWW-Authenticate",
                              {{"description", "Bearer realm=\"ledger\", error=\"invalid_token\""},
                               {"schema", {{"type", "string"}}}}}};
  json::object too_many = ProblemResponse("The token is over ledgerd --rate-per-token");
  too_many["headers"] = {
      {"Retry-After",
       {{"description", "Seconds to wait before retrying"}, {"schema", {{"type", "integer"}}}}}};
  return {{"Unauthorized", std::move(unauthorized)},
          {"Forbidden", ProblemResponse("The token's role may not do this, or the record is not "
                                        "the rep's own (the manager's team's); the refusal is "
                                        "recorded in the access log")},
          {"TooManyRequests", std::move(too_many)},
          {"MethodNotAllowed",
           ProblemResponse("A read-only point-in-time copy (ledgerd --read-only) takes no writes")},
          {"BadRequest", ProblemResponse("The request is malformed; every violation is listed")},
          {"NotFound", ProblemResponse("A record the request refers to does not exist")},
          {"Gone", ProblemResponse("The record is archived: its detail names the archive view "
                                   "(/v1/records/{kind}/{id}/archive) and its history")},
          {"Conflict", ProblemResponse("expectedversion differs from the record's version, the "
                                       "record exists already, or the id was used for "
                                       "different content")},
          {"ContentTooLarge", ProblemResponse("The body is over --body-bytes-max (4 MiB)")},
          {"UnsupportedMediaType", ProblemResponse("The body is not application/json")},
          {"UnprocessableContent",
           ProblemResponse("The record's state forbids the event (an illegal transition)")},
          {"ServiceUnavailable", std::move(unavailable)},
          {"InternalServerError",
           ProblemResponse("The stored data does not verify, or the server failed")}};
}

json::object HttpParameters() {
  json::object kind{{"name", "kind"},
                    {"in", "path"},
                    {"required", true},
                    {"description", "The record kind"},
                    {"schema", RefTo("RecordKind")}};
  json::object id{{"name", "id"},
                  {"in", "path"},
                  {"required", true},
                  {"description", "The record id, e.g. OPP-2025-0042"},
                  {"schema", RefTo("Id")}};
  json::object after{
      {"name", "after"},
      {"in", "query"},
      {"description",
       "Read your writes: log positions PARTITION:LEDGERSEQ (from an append's response), "
       "comma-separated. The answer waits until the read models include each of them; 503 "
       "(with Retry-After) if they do not within --read-wait-ms, 400 if malformed or never "
       "appended."},
      {"schema", {{"type", "string"}, {"pattern", "^[0-9]+:[0-9]+(?:,[0-9]+:[0-9]+)*$"}}},
      {"example", "2:41,3:17"}};
  json::object purpose{{"name", "purpose"},
                       {"in", "query"},
                       {"description",
                        "Why the record is read, kept in the access log with the read (GET "
                        "/v1/access)"},
                       {"schema", {{"type", "string"}}}};
  return {{"Kind", std::move(kind)},
          {"RecordId", std::move(id)},
          {"After", std::move(after)},
          {"Purpose", std::move(purpose)}};
}

}  // namespace schemas::openapi
