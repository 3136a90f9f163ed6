// Internal to the schemas library: the two halves of the OpenAPI document.
// openapi_domain.cc turns the catalogue into JSON Schemas (event data, commands,
// batch, string formats); openapi_http.cc describes the routes and response bodies;
// openapi.cc assembles them. Not part of the public API.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace schemas::openapi {

// "#/components/schemas/<name>".
std::string SchemaRef(std::string_view name);
// {"$ref": SchemaRef(name)}.
boost::json::object RefTo(std::string_view name);

// "opportunity.stage_changed" -> "OpportunityStageChanged".
std::string SchemaName(std::string_view event_type);

// Every schema of the domain, by component name: one per event type's data
// ("OpportunityStageChanged"), one per command ("OpportunityStageChangedCommand"),
// "Command", "Batch", "RecordKind", the envelope attributes and the string formats
// (Id, Date, DateTime, Period, Email, Phone, Url, Country, Currency, Money).
boost::json::object DomainSchemas();

// The schemas of the HTTP response bodies (Problem, Record, HistoryPage, ...).
boost::json::object HttpSchemas();
// components.parameters and components.responses.
boost::json::object HttpParameters();
boost::json::object HttpResponses();
// The `paths` object: every route of docs/API.md.
boost::json::object HttpPaths();
// GET /v1/analytics/{report}, one path per report.
boost::json::object AnalyticsPaths();

}  // namespace schemas::openapi
