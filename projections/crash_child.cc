// The child of crash_test.cc: projects the log in $LEDGER_PROJECTIONS_CRASH_DIR with the
// test models until it is killed (or for at most two minutes).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "projections/runner.h"
#include "projections/test_util.h"

int main() {
  const char* dir = std::getenv("LEDGER_PROJECTIONS_CRASH_DIR");
  if (dir == nullptr) {
    std::fprintf(stderr, "projections_crash_child: set LEDGER_PROJECTIONS_CRASH_DIR\n");
    return 2;
  }
  auto log = ledger::EmbeddedLog::Open(std::filesystem::path(dir) / "log", {.read_only = true});
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 3;
  }
  ledger::Keyring keys;
  keys.Add(ledger::testing::TestKey().public_key());
  auto store =
      projections::ViewStore::Open(std::filesystem::path(dir) / "views", (*log)->partitions());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 3;
  }
  projections::Runner runner(**store, **log, keys, projections::testing::TestModels(),
                             {.limits = {.chunk_events_max = 7}, .threads_max = 2});
  if (!runner.Start().ok()) return 3;
  (void)runner.WaitUntilCaughtUp(std::chrono::seconds(60));
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 0;
}
