// What sealing personal fields costs per command (ingest/sealing.h), against the
// Ed25519 signature and the canonical hash every event costs anyway (append_bench.cc),
// measured in the same run: docs/BENCHMARKS.md reports the ratios.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "ingest/sealing.h"

namespace ingest {
namespace {

// A contact as the sales apps register one: name, e-mail, two phones and a note are
// personal (five sealed values), the rest is not.
ledger::Command Contact(uint64_t n) {
  ledger::Command c;
  c.type = "contact.registered";
  c.subject = "contact/CON-" + std::to_string(n);
  c.data = boost::json::parse(R"({"name":"王建国","title":"生产总监 Production Director",
    "account":"ACC-1001","role":"decision_maker",
    "phones":[{"kind":"work","number":"+86 21 5957 8801"},{"kind":"mobile","number":"+86 139 1234 5678"}],
    "emails":["wang.jianguo@hengrui-precision.example.cn"],"preferred_channel":"wechat",
    "needs":"报工靠纸质单据，月底对账慢；希望实时看到各车间 OEE。Paper job tickets slow down month-end.",
    "owner":"u:zhang.wei"})")
               .as_object();
  return c;
}

struct Keys {
  Keys() {
    dir = std::filesystem::temp_directory_path() /
          ("ledger-seal-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    SecretKey master{};
    master[0] = 1;
    keys = SubjectKeys::Open(dir, master).value();
  }
  ~Keys() {
    keys.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<SubjectKeys> keys;
};

// Sealing one contact's five personal values, its subject key already made (the common
// case: a person's later events).
void BM_SealContact(benchmark::State& state) {
  Keys k;
  const PersonalDataSealer sealer(k.keys.get());
  const ledger::Command plain = Contact(1);
  for (auto _ : state) {
    ledger::Command c = plain;
    benchmark::DoNotOptimize(sealer.Seal(c));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealContact);

// The first event of a new person: its key is made and stored (fsynced) too.
void BM_SealNewContact(benchmark::State& state) {
  Keys k;
  const PersonalDataSealer sealer(k.keys.get());
  uint64_t n = 0;
  for (auto _ : state) {
    ledger::Command c = Contact(++n);
    benchmark::DoNotOptimize(sealer.Seal(c));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealNewContact)->UseRealTime();

// Opening a sealed contact for an answer.
void BM_UnsealContact(benchmark::State& state) {
  Keys k;
  const PersonalDataSealer sealer(k.keys.get());
  ledger::Command c = Contact(1);
  if (!sealer.Seal(c).ok()) state.SkipWithError("seal failed");
  const boost::json::value sealed = c.data;
  for (auto _ : state) {
    boost::json::value v = sealed;
    Unseal(v, k.keys.get());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnsealContact);

}  // namespace
}  // namespace ingest
