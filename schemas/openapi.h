// The OpenAPI 3.1 document of the HTTP API (docs/API.md), generated from the
// catalogue so that the published schemas cannot drift from the validator:
// one JSON Schema (2020-12) per event type's `data`, the command envelope as a
// `oneOf` over the types with a `discriminator` on `type`, the batch, every response
// body, and every route with its parameters and status codes.
//
// The committed copy is schemas/openapi.json; openapi_test.cc compares it with
// OpenApiDocument() byte for byte. Regenerate it with the `openapi_gen` program.
// Pure functions of the catalogue; safe to call from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace schemas {

// The command that rewrites the committed document, for failure messages.
inline constexpr std::string_view kOpenApiRegenerate =
    "cmake --build build --target openapi_gen && ./build/schemas/openapi_gen > "
    "schemas/openapi.json";

// The document as a JSON object (members in a fixed, readable order).
boost::json::object OpenApiJson();

// The document as text: PrettyJson(OpenApiJson()) plus a final newline.
std::string OpenApiDocument();

// `value` as JSON with 2-space indentation, one member or element a line; objects and
// arrays of scalars that fit in 80 characters stay on one line. Deterministic: the
// same value always gives the same bytes.
std::string PrettyJson(const boost::json::value& value);

}  // namespace schemas
