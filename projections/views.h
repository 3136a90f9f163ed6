// The views directory (<data>/views) as generations, and the generation a server reads.
//
// Layout:
//   ACTIVE          the name of the generation to serve ("gen-000003\n"); replaced
//                   atomically (written aside, fsynced, renamed, directory fsynced)
//   gen-NNNNNN/     one ViewStore per generation
//   build-PID/      a replay in progress; renamed to the next gen-NNNNNN when done
//   LOCK            flock()ed while a generation is published, removed or cleaned up
//
// `ledgerctl replay` builds a new generation beside the served one and publishes it.
// A running server (LiveViews) notices that ACTIVE changed, opens the new generation,
// lets its runner catch up with the log, and only then swaps it in: requests reading
// the old generation finish on it, and its directory is deleted once none holds it.
// Until the swap every request is answered from the old views.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "projections/queries.h"
#include "projections/replay.h"
#include "projections/runner.h"

namespace projections {

inline constexpr std::string_view kActiveFile = "ACTIVE";

// The generation named in <root>/ACTIVE; "" when there is none.
ledger::Result<std::string> ReadActive(const std::filesystem::path& root);

// Makes sure <root> names an active generation and returns its name: creates the
// first (empty) one for a new directory, moves views of the single-database layout
// (before generations) into gen-000001, and removes every other gen-* (left by a server
// stopped before it could delete a replaced one).
ledger::Result<std::string> EnsureActive(const std::filesystem::path& root);

// A fresh, empty directory for a replay to build a generation in (<root>/build-PID).
// Removes the build directories of replays whose process is gone.
ledger::Result<std::filesystem::path> CreateBuildDir(const std::filesystem::path& root);

// Renames a finished build directory (closed) to the next gen-NNNNNN and makes it the
// active generation. Returns its name.
ledger::Result<std::string> PublishGeneration(const std::filesystem::path& root,
                                              const std::filesystem::path& build_dir);

// One generation, open: its store, its pin (if a replay pinned it), a runner keeping it
// up to date with the log (within the pin), and a reader.
struct Generation {
  std::string name;
  std::filesystem::path dir;
  std::unique_ptr<ViewStore> store;
  std::optional<Pin> pin;
  std::unique_ptr<Runner> runner;  // declared after store: destroyed (stopped) before it
  std::unique_ptr<ViewReader> reader;
};

struct LiveViewsOptions {
  RunnerOptions runner;
  std::chrono::milliseconds poll{200};  // how often ACTIVE is read
  // Swap in generations `ledgerctl replay` publishes. Off for consumer-group members:
  // a second runner would join the group as another member; restart to serve one.
  bool watch = true;
};

class LiveViews {
 public:
  // Opens the active generation (EnsureActive) and starts its runner and the watcher.
  // Every reference must outlive the LiveViews.
  static ledger::Result<std::unique_ptr<LiveViews>> Open(const std::filesystem::path& root,
                                                         const ledger::EventLog& log,
                                                         const ledger::Keyring& keys, Models models,
                                                         LiveViewsOptions options = {});
  ~LiveViews();  // Stop()s
  LiveViews(const LiveViews&) = delete;
  LiveViews& operator=(const LiveViews&) = delete;

  // The generation to answer a request from; hold it for the whole request.
  std::shared_ptr<const Generation> Current() const;
  // Stops the watcher and every runner. Idempotent.
  void Stop();

  uint64_t swaps() const { return swaps_.load(); }
  uint64_t swap_failures() const { return swap_failures_.load(); }
  const Models& models() const { return models_; }

 private:
  LiveViews(const std::filesystem::path& root, const ledger::EventLog& log,
            const ledger::Keyring& keys, Models models, LiveViewsOptions options);
  ledger::Result<std::shared_ptr<Generation>> OpenGeneration(const std::string& name) const;
  void Watch();
  // Opens `name`, lets it catch up and swaps it in; false (and says why) on failure.
  bool SwapTo(const std::string& name);
  void RemoveRetired();

  const std::filesystem::path root_;
  const ledger::EventLog& log_;
  const ledger::Keyring& keys_;
  const Models models_;
  const LiveViewsOptions options_;

  mutable std::mutex mu_;
  std::shared_ptr<const Generation> current_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread watcher_;
  // Only the watcher thread touches these.
  std::vector<std::shared_ptr<const Generation>> retired_;
  std::string failed_name_;  // a generation that could not be served; not retried
  std::string last_error_;   // the last ACTIVE read error printed, printed once
  std::atomic<uint64_t> swaps_{0};
  std::atomic<uint64_t> swap_failures_{0};
};

}  // namespace projections
