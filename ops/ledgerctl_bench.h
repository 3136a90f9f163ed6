// ledgerctl bench: an HTTP load generator for a running ledgerd: POST /v1/events, or GET
// of the paths listed in a file (--get); --emit writes the commands instead of sending.
#pragma once

#include <string>
#include <vector>

namespace ledgerctl {

// Takes the arguments after "bench" and returns the exit code: 0 when every request was
// answered 201 (--get: 2xx; --emit: the file is written), 1 when any failed, 2 on a
// usage error, 3 when it cannot connect. Runs every connection on the calling thread.
int RunBench(const std::vector<std::string>& args);

}  // namespace ledgerctl
