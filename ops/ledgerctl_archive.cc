// ledgerctl archive: seal closed records and each partition's events recorded before a
// date into a bundle (ledger/archive.h), register it, retire the records from the hot
// views and optionally prune the sealed prefix from the embedded log.
// ledgerctl verify-archive: check a bundle offline.
#include "ops/ledgerctl_archive.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ledger/archive_log.h"
#include "ledger/embedded_log.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ops/ledgerctl_common.h"
#include "projections/archive_model.h"
#include "projections/views.h"
#include "schemas/states.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using ledger::Result;
using ledger::Status;

constexpr std::string_view kArchive = "archive";
constexpr std::string_view kVerifyArchive = "verify-archive";
constexpr ledger::Micros kMicrosPerDay = 86'400'000'000;

Result<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + file.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::IoError("cannot read " + file.string());
  return out.str();
}

// Writes `bytes` to `file` atomically (a temporary file, fsynced by close, renamed).
Status WriteFileAtomically(const fs::path& file, const std::string& bytes) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Status::IoError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return Status::IoError("cannot rename to " + file.string() + ": " + ec.message());
  return Status::Ok();
}

// RFC 3339, or a full date (midnight UTC).
std::optional<ledger::Micros> ParseBefore(const std::string& text) {
  if (auto t = ledger::ParseRfc3339(text)) return t;
  if (auto days = ledger::ParseDate(text)) return *days * kMicrosPerDay;
  return std::nullopt;
}

// The closed records whose last event lies in a partition's [first, end) range.
Result<std::vector<ledger::ArchivedRecord>> ClosedRecords(
    const projections::ViewStore& store, const std::vector<ledger::ArchivePartitionRequest>& in) {
  std::vector<ledger::ArchivedRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(projections::Family::kRecords)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto r = projections::DecodeRecord(it->value().ToStringView());
    if (!r.ok()) return r.status();
    if (r->archived || !schemas::IsClosedRecord(r->kind, r->indexed.stage, r->indexed.status))
      continue;
    for (const ledger::ArchivePartitionRequest& range : in) {
      if (range.partition == r->partition && r->ledgerseq >= range.first &&
          r->ledgerseq < range.end)
        out.push_back({r->subject(), r->version, r->last_hash, r->partition, r->ledgerseq});
    }
  }
  if (!it->status().ok()) return Status::IoError("cannot read the views' records");
  return out;
}

// The latest kept checkpoint of `partition` if it covers `end`; else one signed now of
// the partition's whole tree.
Result<ledger::StoredCheckpoint> CheckpointCovering(ledger::EventLog& log,
                                                    const ledger::SigningKey& key,
                                                    const std::string& ledger_name,
                                                    uint32_t partition, uint64_t end) {
  auto kept = ledger::FindCheckpoint(log, partition);
  if (!kept.ok()) return kept.status();
  if (*kept && (*kept)->size >= end) return **kept;
  const uint64_t size = log.End(partition);
  ledger::LogMerkleNodes nodes(log, partition);
  auto root = ledger::RootHash(nodes, size);
  if (!root.ok()) return root.status();
  return ledger::SignCheckpoint(log, key, ledger_name, partition, size, *root);
}

// The ledger's name: the source of any partition's last event.
Result<std::string> LedgerName(const ledger::EventLog& log) {
  for (uint32_t p = 0; p < log.partitions(); ++p) {
    if (log.End(p) == 0) continue;
    auto last = ledger::ReadRecords(log, p, log.End(p) - 1, 1);
    if (!last.ok()) return last.status();
    if (last->empty()) continue;
    auto event = ledger::ParseEvent(last->front().event);
    if (!event.ok()) return event.status();
    return event->source;
  }
  return Status::NotFound("the log is empty: nothing to archive");
}

struct ArchivePlan {
  ledger::ArchiveRequest request;
  std::vector<uint64_t> positions;  // the views' positions, which must reach each cut
};

// Per partition, the range from the registered archives' end to the cut before `before`.
Result<ArchivePlan> Plan(ledger::EmbeddedLog& log, const ledger::SigningKey& key,
                         const std::vector<LoadedArchive>& registered,
                         const projections::ViewStore& views, ledger::Micros before) {
  ArchivePlan plan;
  auto name = LedgerName(log);
  if (!name.ok()) return name.status();
  plan.request.ledger_name = *name;
  for (uint32_t p = 0; p < log.partitions(); ++p) {
    ledger::ArchivePartitionRequest range{p, 0, 0, "", {}};
    for (const LoadedArchive& a : registered) {
      for (const ledger::ArchivedRange& r : a.archive.ranges) {
        if (r.partition == p && r.end > range.first) {
          range.first = r.end;
          range.first_prev = ledger::Hex(r.last_hash);
        }
      }
    }
    auto cut = ledger::CutBefore(log, p, before);
    if (!cut.ok()) return cut.status();
    auto position = views.GetPosition(p);
    if (!position.ok()) return position.status();
    if (position->next_seq < *cut)
      return Status::Unavailable("the views of partition " + std::to_string(p) +
                                 " have not reached the cut (ledgerseq " + std::to_string(*cut) +
                                 "): start ledgerd until they catch up, or replay");
    if (*cut <= range.first) continue;
    range.end = *cut;
    auto checkpoint = CheckpointCovering(log, key, *name, p, range.end);
    if (!checkpoint.ok()) return checkpoint.status();
    range.checkpoint = std::move(*checkpoint);
    plan.request.partitions.push_back(std::move(range));
  }
  auto records = ClosedRecords(views, plan.request.partitions);
  if (!records.ok()) return records.status();
  plan.request.records = std::move(*records);
  return plan;
}

// Deletes each sealed range from the embedded log (the last record of each stays).
Result<uint64_t> Prune(ledger::EmbeddedLog& log, const ledger::VerifiedArchive& archive) {
  uint64_t pruned = 0;
  for (const ledger::ArchivedRange& r : archive.ranges) {
    auto n = ledger::PruneBelow(log, r.partition, r.end);
    if (!n.ok()) return n.status();
    pruned += *n;
  }
  return pruned;
}

void PrintSummary(const fs::path& file, const ledger::VerifiedArchive& a) {
  uint64_t events = 0;
  std::string ranges;
  for (const ledger::ArchivedRange& r : a.ranges) {
    events += r.records.size();
    ranges += (ranges.empty() ? "" : " ") + std::to_string(r.partition) + ":" +
              std::to_string(r.first) + ".." + std::to_string(r.end);
  }
  std::printf("bundle: %s\n", file.c_str());
  std::printf("ledger: %s\nbefore: %s\ncreated: %s\n", a.ledger_name.c_str(), a.before.c_str(),
              a.created.c_str());
  std::printf("ranges: %s\n", ranges.empty() ? "(none)" : ranges.c_str());
  std::printf("events: %llu\nrecords: %zu\n", static_cast<unsigned long long>(events),
              a.records.size());
}

}  // namespace

fs::path ArchivesDir(const fs::path& data) { return data / "archives"; }

Result<std::vector<fs::path>> RegisteredArchives(const fs::path& data) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(ArchivesDir(data), ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(ArchivesDir(data), ec)) {
    if (e.is_regular_file() && e.path().extension() == kBundleExtension) out.push_back(e.path());
  }
  if (ec) return Status::IoError("cannot list " + ArchivesDir(data).string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<LoadedArchive>> LoadArchives(const std::vector<fs::path>& files,
                                                const ledger::Keyring& keys) {
  std::vector<LoadedArchive> out;
  for (const fs::path& file : files) {
    auto bytes = ReadFile(file);
    if (!bytes.ok()) return bytes.status();
    auto verified = ledger::VerifyArchive(*bytes, &keys);
    if (!verified.ok())
      return Status::Corruption(file.string() + ": " + verified.status().message());
    out.push_back({file, std::move(*verified)});
  }
  return out;
}

int RunVerifyArchive(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("bundle", po::value<std::string>()->required(), "the bundle file");
  add("vkeys", po::value<std::string>(),
      "verifier keys to trust (a ledger.vkeys file); without it, the bundle's own keys");
  std::vector<std::string> with_bundle = args;  // the BUNDLE operand is --bundle
  if (!with_bundle.empty() && !with_bundle[0].starts_with("-"))
    with_bundle.insert(with_bundle.begin(), "--bundle");
  Parsed parsed = Parse(kVerifyArchive, "verify-archive BUNDLE [--vkeys FILE]",
                        "Checks an archive bundle offline (docs/FORMAT.md §6c): every member's\n"
                        "SHA-256, every event's signature and place in its partition's chain,\n"
                        "each checkpoint's signature and each range's inclusion proof, and the\n"
                        "archived records against the events. Prints a summary; exit 1 names\n"
                        "the member, partition and ledgerseq of the first thing wrong.",
                        options, with_bundle);
  if (parsed.done) return parsed.exit;
  const fs::path file = parsed.vm["bundle"].as<std::string>();
  auto bytes = ReadFile(file);
  if (!bytes.ok()) return Fail(kVerifyArchive, bytes.status().message(), kExitUsage);
  std::optional<ledger::Keyring> trusted;
  if (parsed.vm.count("vkeys")) {
    auto keys = ledger::LoadVerifierKeys(parsed.vm["vkeys"].as<std::string>());
    if (!keys.ok()) return Fail(kVerifyArchive, keys.status());
    trusted = std::move(*keys);
  }
  auto verified = ledger::VerifyArchive(*bytes, trusted ? &*trusted : nullptr);
  if (!verified.ok())
    return Fail(kVerifyArchive, file.string() + ": " + verified.status().message(),
                kExitVerifyFailed);
  PrintSummary(file, *verified);
  std::printf("keys: %s\n", trusted ? "trusted (--vkeys)" : "the bundle's own (use --vkeys)");
  std::printf("ok\n");
  return kExitOk;
}

namespace {

// Seals, writes, re-verifies from the written bytes, registers (applies to the views)
// and prunes. `views` is the active generation, `log` open for writing.
int SealAndApply(ledger::EmbeddedLog& log, projections::ViewStore& views,
                 const ledger::Keyring& keys, const ArchivePlan& plan, const fs::path& out,
                 bool registered, bool prune) {
  auto bundle = ledger::BuildArchive(log, keys, plan.request);
  if (!bundle.ok()) return Fail(kArchive, bundle.status());
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);
  if (Status s = WriteFileAtomically(out, *bundle); !s.ok()) return Fail(kArchive, s);
  auto written = LoadArchives({out}, keys);  // what is on disk is what counts
  if (!written.ok()) return Fail(kArchive, written.status().message(), kExitVerifyFailed);
  const ledger::VerifiedArchive& archive = written->front().archive;
  PrintSummary(out, archive);
  if (registered) {
    auto applied = projections::ApplyArchivedRecords(views, archive.records);
    if (!applied.ok()) return Fail(kArchive, applied.status());
    std::printf("views: %llu records archived\n",
                static_cast<unsigned long long>(applied->archived));
  }
  if (prune) {
    auto pruned = Prune(log, archive);
    if (!pruned.ok()) return Fail(kArchive, pruned.status());
    std::printf("pruned: %llu events from %s\n", static_cast<unsigned long long>(*pruned),
                LogDir(out.parent_path().parent_path()).c_str());
  }
  return kExitOk;
}

}  // namespace

int RunArchive(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(), "the data dir of a stopped ledgerd");
  add("before", po::value<std::string>()->required(),
      "RFC 3339 date-time or YYYY-MM-DD (midnight UTC): seal events recorded before it");
  add("out", po::value<std::string>(),
      "the bundle to write (default DIR/archives/before-<BEFORE>.bundle); registered, and so "
      "applied to the views, only inside DIR/archives");
  add("prune", po::bool_switch(),
      "after the bundle verifies, delete the sealed events from DIR/log (the last of each "
      "partition stays); replay then reads them from DIR/archives");
  Parsed parsed =
      Parse(kArchive, "archive --data DIR --before DATE [--out FILE] [--prune]",
            "Seals each partition's events recorded before DATE (from the end of the archives\n"
            "already in DIR/archives) and the closed records among them (won or lost deals;\n"
            "delivered, cancelled or returned orders; resolved or closed tickets) into a bundle,\n"
            "with a signed checkpoint and inclusion proofs (docs/FORMAT.md §6c). A registered\n"
            "bundle retires its records from the hot views: lists no longer show them, their\n"
            "history and GET /v1/records/KIND/ID/archive do. Run with ledgerd stopped.",
            options, args);
  if (parsed.done) return parsed.exit;
  const fs::path data = parsed.vm["data"].as<std::string>();
  const std::string before_text = parsed.vm["before"].as<std::string>();
  const auto before = ParseBefore(before_text);
  if (!before) return Fail(kArchive, "--before: \"" + before_text + "\" is not a date", kExitUsage);
  const fs::path out =
      parsed.vm.count("out")
          ? fs::path(parsed.vm["out"].as<std::string>())
          : ArchivesDir(data) / ("before-" + before_text + std::string(kBundleExtension));
  std::error_code ec;
  const bool registered =
      fs::weakly_canonical(out.parent_path(), ec) == fs::weakly_canonical(ArchivesDir(data), ec);
  const bool prune = parsed.vm["prune"].as<bool>();
  if (prune && !registered)
    return Fail(kArchive, "--prune needs the bundle in DIR/archives, where replay finds it",
                kExitUsage);
  if (fs::exists(out)) return Fail(kArchive, out.string() + " exists already", kExitUsage);
  auto log = ledger::EmbeddedLog::Open(LogDir(data), {});
  if (!log.ok())  // most often the lock of a running ledgerd
    return Fail(kArchive, log.status().ToString() + " (archive needs ledgerd stopped)",
                ExitFor(log.status()));
  auto key = ledger::LoadKeyFile(KeysDir(data) / ledger::kPrivateKeyFile);
  if (!key.ok()) return Fail(kArchive, key.status());
  auto keys = ledger::LoadVerifierKeys(VerifierKeysFile(data));
  if (!keys.ok()) return Fail(kArchive, keys.status());
  auto files = RegisteredArchives(data);
  if (!files.ok()) return Fail(kArchive, files.status());
  auto loaded = LoadArchives(*files, *keys);
  if (!loaded.ok()) return Fail(kArchive, loaded.status().message(), kExitVerifyFailed);
  const fs::path root = data / "views";
  auto active = projections::ReadActive(root);
  if (!active.ok()) return Fail(kArchive, active.status());
  if (active->empty()) return Fail(kArchive, "no views at " + root.string(), kExitUsage);
  auto views = projections::ViewStore::Open(root / *active, (*log)->partitions());
  if (!views.ok()) return Fail(kArchive, views.status());
  auto plan = Plan(**log, *key, *loaded, **views, *before);
  if (!plan.ok()) return Fail(kArchive, plan.status());
  if (plan->request.partitions.empty()) {
    std::printf(
        "nothing to archive: no events recorded before %s beyond the registered "
        "archives\n",
        before_text.c_str());
    return kExitOk;
  }
  plan->request.before = ledger::FormatRfc3339(*before);
  plan->request.created = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros());
  return SealAndApply(**log, **views, *keys, *plan, out, registered, prune);
}

}  // namespace ledgerctl
