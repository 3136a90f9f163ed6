// Append throughput to the embedded log with signing, against the raw Ed25519 sign
// rate measured in the same run (docs/BENCHMARKS.md explains how to read the ratio).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>

#include "ledger/decider.h"
#include "ledger/embedded_log.h"
#include "ledger/writer.h"
#include "seed/seed.h"

namespace ledger {
namespace {

SigningKey BenchKey() {
  std::array<uint8_t, 32> seed{};
  return SigningKey::FromSeed("bench", seed).value();
}

// A realistic sales event body (~600 bytes canonical), English and Chinese, parsed
// once; each command is a copy with its own subject.
const Command& SampleTemplate() {
  static const Command c = [] {
    Command c;
    c.type = "activity.logged";
    c.data = boost::json::parse(
                 R"({"channel":"visit","occurred":"2026-03-02T10:00:00+08:00","owner":"li.wei",
    "account":"ACC-1","contacts":["CON-7"],"subject":"季度回访 quarterly review",
    "content":"与采购部王经理讨论了第二季度的续约和新增席位，客户关注价格和交付周期。Discussed Q2 renewal and extra seats.",
    "outcome":"positive","next_followup":"2026-03-09"})")
                 .as_object();
    return c;
  }();
  return c;
}

Command SampleCommand(uint64_t n) {
  Command c = SampleTemplate();
  c.subject = "activity/ACT-" + std::to_string(n);
  return c;
}

void BM_Ed25519SignLeafHash(benchmark::State& state) {
  SigningKey key = BenchKey();
  Hash leaf = LeafHash("x");
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.Sign(leaf));
    leaf[0]++;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519SignLeafHash);

void BM_CanonicalizeAndHash(benchmark::State& state) {
  Event e;
  e.data = SampleCommand(1).data;
  e.subject = "activity/ACT-1";
  for (auto _ : state) benchmark::DoNotOptimize(LeafHash(e.Canonical()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalizeAndHash);

// The crypto limit: what every event costs at the least, its leaf hash (SHA-256 of its
// canonical bytes) and its Ed25519 signature, on every core, with no I/O and nothing
// else. The events are the generated sales data set's (`ledgerctl seed`: every record
// kind, English and Chinese text), made canonical once beforehand with the attributes
// the writer adds. Events per second over wall time, all threads together.
const std::vector<std::string>& SeedEventBytes() {
  static const std::vector<std::string> bytes = [] {
    std::vector<std::string> out;
    uint64_t seq = 0;
    for (const std::string& line : seed::GenerateCommands({.seed = 1, .accounts = 20})) {
      const boost::json::object command = boost::json::parse(line).as_object();
      Event e;
      e.type = command.at("type").as_string();
      e.subject = command.at("subject").as_string();
      e.id = command.at("id").as_string();
      e.occurredat = command.at("occurredat").as_string();
      e.time = "2026-11-23T08:00:00.123456Z";
      e.actor = "user:bench";
      e.schemaversion = 1;
      e.data = command.at("data").as_object();
      e.streamversion = 1;
      e.ledgerseq = seq++;
      e.ledgerprev = Hex(LeafHash("previous"));
      e.streamprev = e.ledgerprev;
      out.push_back(e.Canonical());
    }
    return out;
  }();
  return bytes;
}

void BM_CryptoLimit(benchmark::State& state) {
  const std::vector<std::string>& events = SeedEventBytes();
  SigningKey key = BenchKey();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& event = events[i++ % events.size()];
    benchmark::DoNotOptimize(key.Sign(LeafHash(event)));
    bytes += static_cast<int64_t>(event.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_CryptoLimit)->Threads(1)->UseRealTime();
BENCHMARK(BM_CryptoLimit)->ThreadPerCpu()->UseRealTime();

// One writer over an fsynced embedded log, shared by the benchmark's threads.
struct Ledger {
  std::filesystem::path dir;
  SigningKey key = BenchKey();
  PermissiveDecider decider;
  std::unique_ptr<EmbeddedLog> log;
  std::unique_ptr<Writer> writer;
  std::atomic<uint64_t> next{0};

  Ledger() {
    char tmpl[] = "/tmp/ledger-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    log = EmbeddedLog::Open(dir, {.partitions = 4}).value();
    writer = Writer::Open(*log, key, decider, SystemClock::Instance(), {}).value();
  }
  ~Ledger() {
    writer.reset();
    log.reset();
    std::filesystem::remove_all(dir);
  }
};

std::unique_ptr<Ledger> g_ledger;

// Setup and Teardown run once per benchmark run, outside the threads.
void NewLedger(const benchmark::State&) { g_ledger = std::make_unique<Ledger>(); }
void DropLedger(const benchmark::State&) { g_ledger.reset(); }

// Appends batches of range(0) events from each of the benchmark's threads; every
// append is acknowledged only after its fsync.
void BM_AppendDurable(benchmark::State& state) {
  Ledger* ledger = g_ledger.get();
  const int64_t batch = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Command> commands;
    for (int64_t i = 0; i < batch; ++i) commands.push_back(SampleCommand(ledger->next++));
    state.ResumeTiming();
    auto r = ledger->writer->Append(std::move(commands), "user:bench");
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_AppendDurable)
    ->Setup(NewLedger)
    ->Teardown(DropLedger)
    ->Arg(1)
    ->Threads(1)
    ->UseRealTime();
BENCHMARK(BM_AppendDurable)
    ->Setup(NewLedger)
    ->Teardown(DropLedger)
    ->Arg(1)
    ->Threads(16)
    ->UseRealTime();
BENCHMARK(BM_AppendDurable)
    ->Setup(NewLedger)
    ->Teardown(DropLedger)
    ->Arg(100)
    ->Threads(1)
    ->UseRealTime();
BENCHMARK(BM_AppendDurable)
    ->Setup(NewLedger)
    ->Teardown(DropLedger)
    ->Arg(100)
    ->Threads(8)
    ->UseRealTime();

}  // namespace
}  // namespace ledger

BENCHMARK_MAIN();
