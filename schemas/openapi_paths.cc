// The routes of docs/API.md as OpenAPI path items: parameters, request bodies and
// every status code each route answers with.
#include <boost/json/array.hpp>
#include <cstdint>
#include <utility>

#include "schemas/openapi_internal.h"

namespace schemas::openapi {
namespace json = boost::json;
namespace {

// Limits of the routes (ingest/feed.h, projections/queries.h).
constexpr int64_t kFeedLinesDefault = 1000;
constexpr int64_t kFeedLinesMax = 10000;
constexpr int64_t kHistoryLimitMax = 1000;
constexpr int64_t kListLimitDefault = 100;
constexpr int64_t kListLimitMax = 1000;
constexpr int64_t kVersionMax = UINT32_MAX;  // of after_version

json::object ParamRef(std::string_view name) {
  return {{"$ref", "#/components/parameters/" + std::string(name)}};
}

json::object ResponseRef(std::string_view name, std::string_view description = "") {
  json::object r{{"$ref", "#/components/responses/" + std::string(name)}};
  if (!description.empty()) r["description"] = description;
  return r;
}

json::object Param(std::string_view name, std::string_view in, std::string_view description,
                   json::object schema, bool required = false) {
  json::object p{{"name", name}, {"in", in}};
  if (required) p["required"] = true;
  p["description"] = description;
  p["schema"] = std::move(schema);
  return p;
}

json::object Query(std::string_view name, std::string_view description, json::object schema) {
  return Param(name, "query", description, std::move(schema));
}

json::object Limit(int64_t default_value, int64_t max) {
  return {{"type", "integer"}, {"minimum", 1}, {"maximum", max}, {"default", default_value}};
}

json::object Json(std::string_view description, std::string_view schema) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", RefTo(schema)}}}}}};
}

json::object Operation(std::string_view id, std::string_view tag, std::string_view summary,
                       std::string_view description) {
  return {{"operationId", id}, {"tags", {tag}}, {"summary", summary}, {"description", description}};
}

json::object AppendEvents() {
  json::object op =
      Operation("appendEvents", "events", "Append one event command or an atomic batch",
                "Validates every command against its type's schema and the record's state, then "
                "appends all of them or none; answers once they are durable (fsynced). Nothing is "
                "appended for a rejected request.");
  json::object body{{"oneOf", {RefTo("Command"), RefTo("Batch")}}};
  op["requestBody"] = {{"required", true},
                       {"content", {{"application/json", {{"schema", std::move(body)}}}}}};
  op["responses"] = {
      {"201", Json("Appended (or replayed: the same id with the same content)", "AppendResult")},
      {"400",
       ResponseRef("BadRequest", "Malformed JSON, unknown or missing fields, schema violations")},
      {"404", ResponseRef("NotFound")},
      {"405", ResponseRef("MethodNotAllowed")},
      {"409", ResponseRef("Conflict")},
      {"413", ResponseRef("ContentTooLarge")},
      {"415", ResponseRef("UnsupportedMediaType")},
      {"422", ResponseRef("UnprocessableContent")},
      {"503", ResponseRef("ServiceUnavailable",
                          "The log cannot take the append now, or the append queue is full")}};
  return op;
}

json::object ReadFeed() {
  json::object op = Operation(
      "readFeed", "events", "The signed event feed of one partition",
      "One line per event (application/x-ndjson), each a FeedLine, from ledgerseq `from`. "
      "Each line verifies on its own (docs/FORMAT.md). With follow=true the response stays "
      "open and carries each new event as it is appended.");
  op["parameters"] = {
      Param("partition", "query", "The partition, 0 to the partition count - 1",
            {{"type", "integer"}, {"minimum", 0}}, true),
      Query("from", "The first ledgerseq", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}),
      Query("limit", "At most this many lines", Limit(kFeedLinesDefault, kFeedLinesMax)),
      Query("follow", "Keep the response open and send new events as they are appended",
            {{"type", "boolean"}, {"default", false}})};
  json::object next{{"description", "The from of the next page"},
                    {"schema", {{"type", "integer"}, {"minimum", 0}}}};
  json::object lines{{"description", "One FeedLine per line"},
                     {"headers", {{"Ledger-Next", std::move(next)}}},
                     {"content", {{"application/x-ndjson", {{"schema", RefTo("FeedLine")}}}}}};
  op["responses"] = {{"200", std::move(lines)},
                     {"400", ResponseRef("BadRequest", "A query problem, each at /query/<name>")},
                     {"503", ResponseRef("ServiceUnavailable", "Too many followed feeds (64)")}};
  return op;
}

json::object GetKeys() {
  json::object op = Operation("getKeys", "events", "The ledger's public keys",
                              "Every public key the ledger has signed with, to verify the feed");
  op["responses"] = {{"200", Json("The keys", "Keys")}};
  return op;
}

// The responses every /v1/records route shares besides 200.
void AddRecordErrors(json::object& responses, std::string_view not_found) {
  responses["400"] = ResponseRef("BadRequest", "An unknown parameter or a malformed value");
  if (!not_found.empty()) responses["404"] = ResponseRef("NotFound", not_found);
  responses["503"] =
      ResponseRef("ServiceUnavailable", "The read models did not reach ?after in time");
}

json::object ListRecords() {
  json::object op =
      Operation("listRecords", "records", "Records of a kind matching every filter",
                "Served from one index range scan. Ordered by subject, or by update time when no "
                "field filter is given.");
  op["parameters"] = {ParamRef("Kind"),
                      Query("owner", "Owner (a ticket's handler)", RefTo("Id")),
                      Query("stage", "Opportunity stage", {{"type", "string"}}),
                      Query("status", "Lifecycle status", {{"type", "string"}}),
                      Query("account", "The account's id", RefTo("Id")),
                      Query("updated_since", "Last event recorded at or after this",
                            {{"type", "string"}, {"format", "date-time"}}),
                      Query("limit", "Records per page", Limit(kListLimitDefault, kListLimitMax)),
                      Query("cursor", "The cursor of the previous page", {{"type", "string"}}),
                      ParamRef("After"),
                      ParamRef("Purpose")};
  json::object responses{{"200", Json("A page of records", "RecordList")}};
  AddRecordErrors(responses, "");
  op["responses"] = std::move(responses);
  return op;
}

json::object GetRecord() {
  json::object op =
      Operation("getRecord", "records", "A record's current state, or its state at a time",
                "asof: the state after the last event recorded at or before that time. "
                "asof_business: the state folded from the events that happened (occurredat) by "
                "then, in stream order. Not both.");
  op["parameters"] = {
      ParamRef("Kind"),
      ParamRef("RecordId"),
      Query("asof", "Recorded time, RFC 3339", {{"type", "string"}, {"format", "date-time"}}),
      Query("asof_business", "Business time, RFC 3339",
            {{"type", "string"}, {"format", "date-time"}}),
      ParamRef("After"),
      ParamRef("Purpose")};
  json::object responses{{"200", Json("The record", "Record")}};
  AddRecordErrors(responses, "The record does not exist (or did not yet at that time)");
  responses["410"] = ResponseRef("Gone", "The record is archived: read the archive view");
  op["responses"] = std::move(responses);
  return op;
}

json::object GetArchivedRecord() {
  json::object op = GetRecord();
  op["operationId"] = "getArchivedRecord";
  op["summary"] = "An archived record, as an archive bundle sealed it";
  op["description"] =
      "The archive view of a closed record that `ledgerctl archive` sealed: the record with "
      "\"archived\": true (asof and asof_business as for the record). Its history stays at "
      "/history; a later event brings it back to /v1/records/{kind}/{id}.";
  json::object& responses = op["responses"].as_object();
  responses.erase("410");
  responses["404"] = ResponseRef("NotFound", "The record does not exist or is not archived");
  return op;
}

json::object GetHistory() {
  json::object op = Operation("getRecordHistory", "records", "A record's audit trail",
                              "Oldest first, field-level changes per event, paged by version.");
  op["parameters"] = {
      ParamRef("Kind"),
      ParamRef("RecordId"),
      Query("after_version", "Entries after this version (the previous page's next)",
            {{"type", "integer"}, {"minimum", 0}, {"maximum", kVersionMax}, {"default", 0}}),
      Query("limit", "Entries per page", Limit(kHistoryLimitMax, kHistoryLimitMax)),
      ParamRef("After"),
      ParamRef("Purpose")};
  json::object responses{{"200", Json("A page of history", "HistoryPage")}};
  AddRecordErrors(responses, "The record does not exist");
  op["responses"] = std::move(responses);
  return op;
}

json::object GetRelated() {
  json::object op =
      Operation("getAccountRelated", "records", "An account and the records that refer to it",
                "Its contacts, opportunities, activities, contracts, orders and tickets: one index "
                "range scan per kind.");
  op["parameters"] = {
      ParamRef("RecordId"),
      Query("limit", "Records of each kind", Limit(kListLimitDefault, kListLimitMax)),
      ParamRef("After"), ParamRef("Purpose")};
  json::object responses{{"200", Json("The account and its records", "Related")}};
  AddRecordErrors(responses, "The account does not exist");
  op["responses"] = std::move(responses);
  return op;
}

json::object GetAuditPack() {
  json::object op = Operation(
      "getAuditPack", "audit", "A record's audit pack",
      "Every event of the record with its signature and RFC 9162 inclusion path into one "
      "signed checkpoint, and the keys: one canonical JSON file that `ledgerctl verify-pack` "
      "checks offline. A checkpoint is signed at once when none covers the last event yet "
      "(a query node answers 503 instead). Verified by the server before it is sent.");
  op["parameters"] = {ParamRef("Kind"), ParamRef("RecordId"), ParamRef("After"),
                      ParamRef("Purpose")};
  json::object responses{{"200", Json("The audit pack", "AuditPack")}};
  AddRecordErrors(responses, "The record does not exist");
  responses["500"] = ResponseRef("InternalServerError", "The stored data does not verify");
  responses["410"] = ResponseRef("Gone",
                                 "The log was pruned below the record's events: its archive bundle "
                                 "proves them");
  op["responses"] = std::move(responses);
  return op;
}

json::object Partition(std::string_view in, std::string_view name) {
  return Param(name, in, "A partition of the log", {{"type", "integer"}, {"minimum", 0}}, true);
}

json::object Size(std::string_view name, std::string_view description, bool required) {
  return Param(name, "query", description, {{"type", "integer"}, {"minimum", 0}}, required);
}

json::object GetCheckpoint() {
  json::object op = Operation(
      "getCheckpoint", "audit", "A partition's signed checkpoint",
      "A C2SP tlog-checkpoint in a C2SP signed note (Ed25519), byte for byte as the spec lays "
      "it out: the latest, or the one kept at exactly ?size leaves. Served by the writer node.");
  op["parameters"] = {Partition("path", "partition"),
                      Size("size", "The tree size of a kept checkpoint", false)};
  json::object text{{"text/plain; charset=utf-8", {{"schema", {{"type", "string"}}}}}};
  json::object size_header{{"description", "The checkpoint's tree size"},
                           {"schema", {{"type", "integer"}}}};
  op["responses"] = {{"200",
                      {{"description", "The signed note"},
                       {"headers", {{"Ledger-Tree-Size", std::move(size_header)}}},
                       {"content", std::move(text)}}},
                     {"400", ResponseRef("BadRequest", "No such partition, or a bad size")},
                     {"404", ResponseRef("NotFound", "No checkpoint yet, or none of that size")},
                     {"503", ResponseRef("ServiceUnavailable", "A query node keeps no trees")}};
  return op;
}

json::object GetInclusion() {
  json::object op = Operation(
      "getInclusionProof", "audit", "RFC 9162 inclusion proof of an event",
      "The audit path of event seq in the tree of the partition's first size events (default: "
      "the latest checkpoint's size). Verify it from the event's own leaf hash.");
  op["parameters"] = {Partition("query", "partition"), Size("seq", "The event's ledgerseq", true),
                      Size("size", "The tree size; default the latest checkpoint's", false)};
  op["responses"] = {
      {"200", Json("The proof", "InclusionProof")},
      {"400", ResponseRef("BadRequest", "Every bad parameter; seq must be below size")},
      {"404", ResponseRef("NotFound", "size beyond the stored tree, or no checkpoint covers seq")},
      {"503", ResponseRef("ServiceUnavailable", "A query node keeps no trees")}};
  return op;
}

json::object GetConsistency() {
  json::object op = Operation(
      "getConsistencyProof", "audit", "RFC 9162 consistency proof between two tree sizes",
      "That the partition's tree of `from` events is a prefix of its tree of `to` (0 < from <= "
      "to).");
  op["parameters"] = {Partition("query", "partition"),
                      Size("from", "The earlier tree size (at least 1)", true),
                      Size("to", "The later tree size", true)};
  op["responses"] = {{"200", Json("The proof", "ConsistencyProof")},
                     {"400", ResponseRef("BadRequest", "Every bad parameter")},
                     {"404", ResponseRef("NotFound", "to is beyond the stored tree")},
                     {"503", ResponseRef("ServiceUnavailable", "A query node keeps no trees")}};
  return op;
}

json::object GetAccess() {
  json::object op = Operation(
      "getAccessLog", "audit", "Recorded reads",
      "Every read of a record, its history, a list or an audit pack, oldest first, recorded "
      "(and durable) before it was answered. Reads of this log are not recorded.");
  op["parameters"] = {
      Query("subject", "Only reads of this record (<kind>/<id>, or a kind for lists)",
            {{"type", "string"}}),
      Query("actor", "Only reads by this actor", {{"type", "string"}}),
      Query("since", "Only reads recorded at or after this time",
            {{"type", "string"}, {"format", "date-time"}}),
      Query("limit", "Entries per page", Limit(100, 1000)),
      Query("after", "The next of the previous page", {{"type", "integer"}, {"minimum", 0}})};
  op["responses"] = {{"200", Json("A page of recorded reads", "AccessPage")},
                     {"400", ResponseRef("BadRequest", "Every bad parameter")}};
  return op;
}

json::object EraseSubject() {
  json::object op = Operation(
      "eraseSubject", "audit", "Erase a contact's personal data (admin)",
      "Appends contact.erased with the reason, then destroys the contact's key: every personal "
      "field sealed under it reads {\"erased\": true} from then on, in every answer and after "
      "any replay, while every event, hash, signature and proof stays as it was. Idempotent: "
      "the same request again answers the same event (replayed).");
  op["parameters"] = {{{"name", "id"},
                       {"in", "path"},
                       {"required", true},
                       {"description", "The contact's id"},
                       {"schema", RefTo("Id")}}};
  json::object body{{"type", "object"},
                    {"required", {"reason"}},
                    {"additionalProperties", false},
                    {"properties",
                     {{"reason",
                       {{"type", "string"},
                        {"minLength", 1},
                        {"maxLength", 500},
                        {"description", "The request's reference or legal ground"}}}}}};
  op["requestBody"] = {{"required", true},
                       {"content", {{"application/json", {{"schema", std::move(body)}}}}}};
  op["responses"] = {{"200", Json("Erased: the contact.erased event and when", "Erasure")},
                     {"400", ResponseRef("BadRequest", "No reason, or one over 500 characters")},
                     {"404", ResponseRef("NotFound", "No such contact")},
                     {"422", ResponseRef("UnprocessableContent",
                                         "The record is not a contact that can be erased")},
                     {"500", ResponseRef("InternalServerError",
                                         "The event was recorded but the key not destroyed: "
                                         "send the same request again")},
                     {"503", ResponseRef("ServiceUnavailable", "A query node, or no master key")}};
  return op;
}

json::object Backups() {
  json::object create = Operation(
      "createBackup", "operations", "Take a backup set now (admin, ops)",
      "Backs up the views' active generation, then the embedded log and the access log, on "
      "the server's open databases (RocksDB BackupEngine, incremental: files already in the "
      "backup directory are shared), and copies the keys and tokens files with their SHA-256, "
      "into ledgerd's --backup-dir. Answers once the set is complete; every append "
      "acknowledged before the request is in it.");
  create["responses"] = {{"201", Json("The set taken", "BackupSet")},
                         {"503", ResponseRef("ServiceUnavailable", "ledgerd has no --backup-dir")},
                         {"500", ResponseRef("InternalServerError", "The backup failed")}};
  json::object list =
      Operation("listBackups", "operations", "The backup sets (compliance, admin, ops)",
                "The sets in ledgerd's --backup-dir, oldest first");
  list["responses"] = {{"200", Json("The sets", "BackupList")},
                       {"503", ResponseRef("ServiceUnavailable", "ledgerd has no --backup-dir")}};
  return {{"post", std::move(create)}, {"get", std::move(list)}};
}

json::object Get(json::object operation) { return {{"get", std::move(operation)}}; }

json::object Operations() {
  json::object ready = Operation(
      "getReady", "operations", "Whether the read models have caught up",
      "200 when every partition's projection is within 1,000 events of the log, none has "
      "stopped on a verification failure and the views are not pinned; otherwise 503. The "
      "body is the same either way.");
  ready["responses"] = {{"200", Json("Ready", "Ready")}, {"503", Json("Not ready", "Ready")}};
  json::object health =
      Operation("getHealth", "operations", "Liveness", "200 while the process serves");
  health["responses"] = {{"200", Json("Serving", "Health")}};
  json::object metrics = Operation(
      "getMetrics", "operations", "Prometheus metrics",
      "Prometheus text format 0.0.4: requests, appends, rejects by reason, append latency, "
      "log size, projection lag");
  json::object text{{"text/plain; version=0.0.4", {{"schema", {{"type", "string"}}}}}};
  metrics["responses"] = {{"200", {{"description", "The metrics"}, {"content", std::move(text)}}}};
  return {{"/readyz", Get(std::move(ready))},
          {"/healthz", Get(std::move(health))},
          {"/metrics", Get(std::move(metrics))}};
}

}  // namespace

json::object HttpPaths() {
  json::object paths{{"/v1/events", {{"post", AppendEvents()}, {"get", ReadFeed()}}},
                     {"/v1/keys", Get(GetKeys())},
                     {"/v1/records/{kind}", Get(ListRecords())},
                     {"/v1/records/{kind}/{id}", Get(GetRecord())},
                     {"/v1/records/{kind}/{id}/history", Get(GetHistory())},
                     {"/v1/records/{kind}/{id}/archive", Get(GetArchivedRecord())},
                     {"/v1/records/account/{id}/related", Get(GetRelated())},
                     {"/v1/records/{kind}/{id}/auditpack", Get(GetAuditPack())},
                     {"/v1/checkpoints/{partition}", Get(GetCheckpoint())},
                     {"/v1/proofs/inclusion", Get(GetInclusion())},
                     {"/v1/proofs/consistency", Get(GetConsistency())},
                     {"/v1/access", Get(GetAccess())},
                     {"/v1/subjects/{id}/erase", {{"post", EraseSubject()}}},
                     {"/v1/admin/backups", Backups()}};
  for (auto& [path, item] : Operations()) paths[path] = item;
  for (auto& [path, item] : AnalyticsPaths()) paths[path] = item;
  // Every route but /healthz needs a bearer token; what a role may do is docs/API.md's
  // matrix ("Roles").
  for (auto& [path, item] : paths) {
    for (auto& [method, operation] : item.as_object()) {
      json::object& op = operation.as_object();
      if (path == "/healthz") {
        op["security"] = json::array();
        continue;
      }
      json::object& responses = op["responses"].as_object();
      responses["401"] = ResponseRef("Unauthorized", "No token, or not a valid one");
      responses["403"] = ResponseRef("Forbidden", "The token's role may not do this");
      responses["429"] = ResponseRef("TooManyRequests", "The token is over its request rate");
    }
  }
  return paths;
}

}  // namespace schemas::openapi
