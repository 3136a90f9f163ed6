// ledgerctl replay: rebuild the read models from the log into a new generation and
// swap it in (a running ledgerd keeps serving the old one until it has caught up).
// ledgerctl views-digest: the digest of the served views and the positions they reflect.
#include <boost/json.hpp>
#include <cstdio>

#include "ledger/archive_log.h"
#include "ledger/embedded_log.h"
#include "ledger/keys.h"
#include "ops/ledgerctl_archive.h"
#include "ops/ledgerctl_common.h"
#include "ops/point_in_time.h"
#include "ops/sales_models.h"
#include "projections/archive_model.h"
#include "projections/views.h"
#include "schemas/record_state.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kReplay = "replay";
constexpr std::string_view kDigest = "views-digest";

fs::path ViewsDir(const fs::path& data) { return data / "views"; }

// "P:SEQ[,P:SEQ...]" (last ledgerseq to include) as stop_at (next ledgerseq) per
// partition; partitions not named are replayed to the end the log has now.
ledger::Result<std::vector<uint64_t>> ParseUntilSeq(const std::string& text,
                                                    const ledger::EventLog& log) {
  auto named = ledger::ParsePositions(text, log.partitions());
  if (!named.ok()) return ledger::Status::Invalid("--until-seq: " + named.status().message());
  std::vector<uint64_t> stop_at(log.partitions());
  for (uint32_t p = 0; p < log.partitions(); ++p) {
    stop_at[p] = (*named)[p] == 0 ? log.End(p) : (*named)[p];
    if (stop_at[p] > log.End(p)) {
      return ledger::Status::Invalid(
          "--until-seq: partition " + std::to_string(p) + " holds " + std::to_string(log.End(p)) +
          " events; there is no ledgerseq " + std::to_string(stop_at[p] - 1));
    }
  }
  return stop_at;
}

// "P:N" for each partition: N events applied (the next ledgerseq).
std::string PositionsText(const std::vector<uint64_t>& positions) {
  std::string out;
  for (size_t p = 0; p < positions.size(); ++p) {
    out += (p ? " " : "") + std::to_string(p) + ":" + std::to_string(positions[p]);
  }
  return out;
}

// The registered archives and those named by --archive, verified; with any, `log` is
// replaced by one that reads their ranges below their cuts (archive_log.h).
ledger::Result<std::vector<LoadedArchive>> WithArchives(const po::variables_map& vm,
                                                        const fs::path& data,
                                                        const ledger::Keyring& keys,
                                                        std::unique_ptr<ledger::EventLog>& log,
                                                        std::unique_ptr<ledger::EventLog>& live) {
  auto files = RegisteredArchives(data);
  if (!files.ok()) return files.status();
  if (vm.count("archive")) {
    for (const std::string& f : vm["archive"].as<std::vector<std::string>>()) {
      if (std::find(files->begin(), files->end(), fs::path(f)) == files->end()) files->push_back(f);
    }
  }
  auto loaded = LoadArchives(*files, keys);
  if (!loaded.ok() || loaded->empty()) return loaded;
  std::vector<ledger::VerifiedArchive> archives;
  for (const LoadedArchive& a : *loaded) archives.push_back(a.archive);
  auto joined = ledger::ArchiveBackedLog::Open(*log, std::move(archives));
  if (!joined.ok()) return joined.status();
  live = std::move(log);
  log = std::move(joined).value();
  return loaded;
}

// Retires the archives' records from the rebuilt views; returns their new digest.
ledger::Result<std::string> ApplyArchives(const fs::path& build, uint32_t partitions,
                                          const std::vector<LoadedArchive>& archives) {
  auto store = projections::ViewStore::Open(build, partitions);
  if (!store.ok()) return store.status();
  for (const LoadedArchive& a : archives) {
    auto applied = projections::ApplyArchivedRecords(**store, a.archive.records);
    if (!applied.ok()) return applied.status();
  }
  return (*store)->Digest();
}

}  // namespace

int RunReplay(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(),
      "the data dir: reads DIR/log (or the Kafka topic), writes DIR/views");
  AddKafkaOptions(add, "replay a Kafka topic instead of DIR/log");
  add("vkeys", po::value<std::string>(), "verifier keys to trust (default DIR/keys/ledger.vkeys)");
  add("until", po::value<std::string>(),
      "RFC 3339: only events recorded at or before this time (the views as they were then)");
  add("until-seq", po::value<std::string>(),
      "P:SEQ[,P:SEQ...]: in partition P only events up to ledgerseq SEQ; other partitions "
      "to the end the log has when the replay starts");
  add("threads", po::value<unsigned>()->default_value(4), "projecting threads");
  add("archive", po::value<std::vector<std::string>>()->composing()->multitoken(),
      "bundles to read besides DIR/archives/*.bundle: each partition's events below their "
      "cuts come from the bundles (verified), the rest from the log");
  add("into", po::value<std::string>(),
      "NEWDIR: leave DIR alone and make a new data dir holding a copy of the log (a RocksDB "
      "checkpoint), the verifier keys and the views replayed (pinned at --until); serve it "
      "with ledgerd --read-only --data NEWDIR. DIR's ledgerd must be stopped");
  Parsed parsed =
      Parse(kReplay,
            "replay --data DIR [--kafka-brokers B] [--until RFC3339 | --until-seq "
            "P:SEQ[,P:SEQ...]] [--into NEWDIR]",
            "Rebuilds every read model from the log into a new generation of DIR/views,\n"
            "checking every event again (chains, and signatures through each chunk's last\n"
            "event; `ledgerctl verify` checks each one), then makes it the active one.\n"
            "A running ledgerd keeps answering from the old views, lets the new ones catch up\n"
            "with the log, then swaps them in; a stopped one serves them when started.\n"
            "With --until or --until-seq the new views are pinned there: they do not follow the\n"
            "log (ledgerd reports them not ready) until a replay without limits replaces them.\n"
            "The bundles of DIR/archives (and --archive) are verified and read below their cuts,\n"
            "so a log pruned there rebuilds completely; their records are archived again.\n"
            "Prints the digest of the new views (see views-digest).",
            options, args);
  if (parsed.done) return parsed.exit;
  fs::path data = parsed.vm["data"].as<std::string>();
  const fs::path vkeys = parsed.vm.count("vkeys") ? fs::path(parsed.vm["vkeys"].as<std::string>())
                                                  : VerifierKeysFile(data);
  if (parsed.vm.count("into")) {
    if (parsed.vm.count("kafka-brokers"))
      return Fail(kReplay, "--into copies an embedded log, not a Kafka topic", kExitUsage);
    const fs::path into = parsed.vm["into"].as<std::string>();
    if (auto s = ops::CopyForPointInTime(data, into); !s.ok()) return Fail(kReplay, s);
    data = into;  // from here on, the copy is replayed: the original is not touched
  }
  if (parsed.vm.count("until") && parsed.vm.count("until-seq"))
    return Fail(kReplay, "give --until or --until-seq, not both", kExitUsage);
  std::optional<ledger::Micros> until;
  if (parsed.vm.count("until")) {
    until = ledger::ParseRfc3339(parsed.vm["until"].as<std::string>());
    if (!until) {
      return Fail(
          kReplay,
          "--until: \"" + parsed.vm["until"].as<std::string>() + "\" is not an RFC 3339 date-time",
          kExitUsage);
    }
  }
  // Read-only: works beside a running ledgerd, on the log as it is when opened.
  std::unique_ptr<ledger::EventLog> log;
  if (parsed.vm.count("kafka-brokers")) {
    auto opened = OpenKafkaLog(parsed.vm);
    if (!opened.ok()) return Fail(kReplay, opened.status());
    log = std::move(opened).value();
  } else {
    if (!fs::is_directory(LogDir(data)))
      return Fail(kReplay, "no event log at " + LogDir(data).string(), kExitUsage);
    auto opened = ledger::EmbeddedLog::Open(LogDir(data), {.read_only = true});
    if (!opened.ok()) return Fail(kReplay, opened.status());
    log = std::move(opened).value();
  }
  auto keys = ledger::LoadVerifierKeys(vkeys);
  if (!keys.ok()) return Fail(kReplay, keys.status());
  std::unique_ptr<ledger::EventLog> live;  // under `log` when archives are read
  auto archives = WithArchives(parsed.vm, data, *keys, log, live);
  if (!archives.ok()) return Fail(kReplay, archives.status().ToString(), kExitVerifyFailed);
  std::vector<uint64_t> stop_at;
  if (parsed.vm.count("until-seq")) {
    auto parsed_seq = ParseUntilSeq(parsed.vm["until-seq"].as<std::string>(), *log);
    if (!parsed_seq.ok()) return Fail(kReplay, parsed_seq.status());
    stop_at = std::move(*parsed_seq);
  }
  const fs::path root = ViewsDir(data);
  auto build = projections::CreateBuildDir(root);
  if (!build.ok()) return Fail(kReplay, build.status());
  const projections::Models models = ops::SalesModels();
  projections::ReplayOptions replay_options{.until = until, .stop_at = stop_at};
  replay_options.runner.threads_max = std::max(1u, parsed.vm["threads"].as<unsigned>());
  auto report = projections::Replay(*build, *log, *keys, models, replay_options);
  if (report.ok() && !archives->empty()) {
    auto digest = ApplyArchives(*build, log->partitions(), *archives);
    if (!digest.ok()) report = digest.status();
    if (digest.ok()) report->digest = *digest;
  }
  if (!report.ok()) {
    std::error_code ec;
    fs::remove_all(*build, ec);
    return Fail(
        kReplay, "nothing was swapped in: " + report.status().ToString(),
        report.status().code() == ledger::Code::kCorruption ? kExitVerifyFailed : kExitFailure);
  }
  auto name = projections::PublishGeneration(root, *build);
  if (!name.ok()) return Fail(kReplay, name.status());
  if (!archives->empty()) std::printf("archives: %zu bundles read and applied\n", archives->size());
  std::printf("replayed %llu events into %s\n", static_cast<unsigned long long>(report->events),
              name->c_str());
  std::printf("positions: %s\n", PositionsText(report->positions).c_str());
  if (until || !stop_at.empty()) {
    std::printf("pinned: %s\n",
                projections::EncodePin({.until = until, .stop_at = stop_at}).c_str());
  }
  std::printf("digest: %s\n", report->digest.c_str());
  std::printf("active: %s (a running ledgerd swaps it in once it has caught up)\n", name->c_str());
  return kExitOk;
}

int RunViewsDigest(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(), "the data dir: reads DIR/views");
  add("json", "print one JSON object");
  Parsed parsed =
      Parse(kDigest, "views-digest --data DIR [--json]",
            "Prints the deterministic digest of the active generation of views (SHA-256 over\n"
            "every model and position, in key order) and the log positions they reflect, as\n"
            "P:N (N events of partition P applied). Views built by live projection and by a\n"
            "replay of the same events have the same digest. Reads the views read-only, so it\n"
            "works beside a running ledgerd (which may move on meanwhile).",
            options, args);
  if (parsed.done) return parsed.exit;
  const fs::path root = ViewsDir(parsed.vm["data"].as<std::string>());
  auto name = projections::ReadActive(root);
  if (!name.ok()) return Fail(kDigest, name.status());
  if (name->empty()) return Fail(kDigest, "no views at " + root.string(), kExitUsage);
  auto store = projections::ViewStore::OpenReadOnly(root / *name);
  if (!store.ok()) return Fail(kDigest, store.status());
  auto digest = (*store)->Digest();
  if (!digest.ok()) return Fail(kDigest, digest.status());
  std::vector<uint64_t> positions;
  for (uint32_t p = 0; p < (*store)->partitions(); ++p) {
    auto position = (*store)->GetPosition(p);
    if (!position.ok()) return Fail(kDigest, position.status());
    positions.push_back(position->next_seq);
  }
  auto pin = projections::ReadPin(**store);
  if (!pin.ok()) return Fail(kDigest, pin.status());
  if (parsed.vm.count("json")) {
    json::object o{{"generation", *name}, {"digest", *digest}};
    json::array p;
    for (uint64_t n : positions) p.push_back(n);
    o["positions"] = std::move(p);
    if (*pin) o["pinned"] = json::parse(projections::EncodePin(**pin));
    std::printf("%s\n", json::serialize(o).c_str());
  } else {
    std::printf("generation: %s\n", name->c_str());
    std::printf("positions: %s\n", PositionsText(positions).c_str());
    if (*pin) std::printf("pinned: %s\n", projections::EncodePin(**pin).c_str());
    std::printf("digest: %s\n", digest->c_str());
  }
  return kExitOk;
}

}  // namespace ledgerctl
