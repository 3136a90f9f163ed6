// openapi_gen: prints the OpenAPI document of the HTTP API, generated from the
// catalogue. schemas/openapi.json is its output:
//   ./build/schemas/openapi_gen > schemas/openapi.json
#include <cstdio>
#include <string>

#include "schemas/openapi.h"

int main(int argc, char** argv) {
  if (argc > 1) {
    std::fprintf(stderr, "usage: %s > schemas/openapi.json\n", argv[0]);
    return 2;
  }
  const std::string document = schemas::OpenApiDocument();
  if (std::fwrite(document.data(), 1, document.size(), stdout) != document.size() ||
      std::fflush(stdout) != 0) {
    std::perror("openapi_gen: writing the document");
    return 1;
  }
  return 0;
}
