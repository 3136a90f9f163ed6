// ledgerctl: the operator's command-line tool for the sales ledger.
//
//   ledgerctl verify   walk a log (or a captured NDJSON feed) and check every link
//   ledgerctl keys     generate a signing key, show the verifier keys
//   ledgerctl tokens   issue, list and revoke bearer tokens
//   ledgerctl append   offline bulk import of NDJSON commands (ledgerd stopped)
//   ledgerctl feed     print the log as NDJSON feed lines
//   ledgerctl replay   rebuild the read models into a new generation and swap it in
//   ledgerctl views-digest  the digest of the served read models and their positions
//   ledgerctl archive  seal closed records and old events into a bundle; verify-archive
//   ledgerctl seed     generate the demo data set as NDJSON commands (for append)
//   ledgerctl backup   create, list, verify and restore backup sets
//
// Exit codes: 0 ok, 1 verification failed, 2 usage or input error, 3 I/O or other failure.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ops/ledgerctl_archive.h"
#include "ops/ledgerctl_bench.h"
#include "ops/ledgerctl_common.h"

namespace {

constexpr const char* kUsage =
    "usage: ledgerctl COMMAND [OPTIONS]\n"
    "\n"
    "The operator's tool for the sales ledger.\n"
    "\n"
    "commands:\n"
    "  verify    check a log (--data DIR) or a captured feed (--ndjson FILE): canonical\n"
    "            bytes, leaf hashes, both hash chains, stream versions, signatures\n"
    "  keys      'keys generate' a signing key file, 'keys show' the verifier keys\n"
    "  tokens    'tokens create|list|revoke': the bearer tokens a ledgerd accepts\n"
    "  append    import commands from an NDJSON file into a stopped ledger's log\n"
    "  feed      print the log as NDJSON feed lines (the input of verify --ndjson)\n"
    "  replay    rebuild the read models from the log (optionally to a point) and swap\n"
    "            them in, also under a running ledgerd\n"
    "  views-digest  the digest of the read models and the log positions they reflect\n"
    "  bench     load a running ledgerd with POST /v1/events; events/s and latency\n"
    "  auditpack     fetch a record's audit pack from a ledgerd and check it\n"
    "  verify-pack   check an audit pack offline and print the verified history\n"
    "  monitor   check that a ledgerd's latest checkpoint extends one seen before\n"
    "  export    an analytics report of a ledgerd as CSV (or JSON)\n"
    "  archive   seal closed records and the events before a date into a bundle\n"
    "  verify-archive  check an archive bundle offline\n"
    "  seed      generate a realistic demo data set as NDJSON commands (for append)\n"
    "  backup    'backup create|list|verify|restore': backup sets of a data dir\n"
    "\n"
    "'ledgerctl COMMAND --help' explains each command's options.\n"
    "exit codes: 0 ok, 1 verification failed, 2 usage or input error, 3 I/O or other failure\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return ledgerctl::kExitUsage;
  }
  const std::string_view command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return ledgerctl::kExitOk;
  }
  if (command == "verify") return ledgerctl::RunVerify(args);
  if (command == "keys") return ledgerctl::RunKeys(args);
  if (command == "tokens") return ledgerctl::RunTokens(args);
  if (command == "append") return ledgerctl::RunAppend(args);
  if (command == "feed") return ledgerctl::RunFeed(args);
  if (command == "replay") return ledgerctl::RunReplay(args);
  if (command == "views-digest") return ledgerctl::RunViewsDigest(args);
  if (command == "bench") return ledgerctl::RunBench(args);
  if (command == "auditpack") return ledgerctl::RunAuditPack(args);
  if (command == "verify-pack") return ledgerctl::RunVerifyPack(args);
  if (command == "monitor") return ledgerctl::RunMonitor(args);
  if (command == "export") return ledgerctl::RunExport(args);
  if (command == "archive") return ledgerctl::RunArchive(args);
  if (command == "verify-archive") return ledgerctl::RunVerifyArchive(args);
  if (command == "seed") return ledgerctl::RunSeed(args);
  if (command == "backup") return ledgerctl::RunBackup(args);
  std::fprintf(stderr, "ledgerctl: unknown command \"%s\" (see ledgerctl --help)\n", argv[1]);
  return ledgerctl::kExitUsage;
}
