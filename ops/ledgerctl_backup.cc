// ledgerctl backup create|list|verify|restore: backup sets of a data dir
// (ops/backup_set.h), taken by a running ledgerd (--url) or of a stopped one (--data),
// and the separate backups of DATA/subject-keys (--subject-keys).
#include <boost/json.hpp>
#include <cstdio>

#include "ops/backup_set.h"
#include "ops/ledgerctl_common.h"
#include "ops/ledgerctl_tls.h"
#include "projections/views.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kCommand = "backup";

constexpr const char* kBackupUsage =
    "usage: ledgerctl backup create|list|verify|restore [OPTIONS]\n"
    "\n"
    "  create   take a backup set: through a running ledgerd (--url URL --token T), or of\n"
    "           a stopped one (--data DIR --backup-dir B); --subject-keys backs up\n"
    "           DIR/subject-keys alone, into a directory of its own (--keep N)\n"
    "  list     the sets in --backup-dir B (or its subject-key backups)\n"
    "  verify   check sets against their checksums: --backup-dir B [--id N]\n"
    "  restore  --backup-dir B [--id N] --data NEWDIR: into an empty data dir\n"
    "\n"
    "'ledgerctl backup COMMAND --help' explains each one's options.\n";

// One flag naming what the command works on: the ledger's sets or the subject keys.
void AddSubjectKeysOption(po::options_description_easy_init& add) {
  add("subject-keys",
      "work on the backups of DIR/subject-keys (kept apart from the sets, with their own "
      "retention) instead of the ledger's sets");
}

std::string Sizes(const ledger::DbBackupInfo& info) {
  return "#" + std::to_string(info.id) + " " + std::to_string(info.bytes) + " B (" +
         std::to_string(info.new_bytes) + " B new, " + std::to_string(info.files) + " files)";
}

// The databases of a stopped data dir, opened for a backup: refuses when ledgerd runs.
struct OfflineSources {
  std::unique_ptr<ledger::OfflineDb> views, log, access;
  ops::BackupSources sources;
};

ledger::Result<std::unique_ptr<OfflineSources>> OpenOffline(const fs::path& data) {
  auto out = std::make_unique<OfflineSources>();
  out->sources.data = data;
  if (!fs::is_directory(LogDir(data)))
    return ledger::Status::Invalid("no event log at " + LogDir(data).string());
  auto log = ledger::OfflineDb::Open(LogDir(data));
  if (!log.ok() && log.status().code() == ledger::Code::kUnavailable) {
    return ledger::Status::Unavailable(
        "a ledgerd is running on " + data.string() + " (it holds " + LogDir(data).string() +
        "/LOCK): take the backup through it: ledgerctl backup create --url URL --token T");
  }
  if (!log.ok()) return log.status();
  out->log = std::move(*log);
  out->sources.log = [db = out->log.get()](const fs::path& d) {
    return ledger::BackupDb(db->db(), d);
  };
  auto active = projections::ReadActive(data / "views");
  if (active.ok() && !active->empty()) {
    auto views = ledger::OfflineDb::Open(data / "views" / *active);
    if (!views.ok()) return views.status();
    out->views = std::move(*views);
    out->sources.views_generation = *active;
    out->sources.views = [db = out->views.get()](const fs::path& d) {
      return ledger::BackupDb(db->db(), d);
    };
  }
  if (fs::is_directory(data / "access")) {
    auto access = ledger::OfflineDb::Open(data / "access");
    if (!access.ok()) return access.status();
    out->access = std::move(*access);
    out->sources.access = [db = out->access.get()](const fs::path& d) {
      return ledger::BackupDb(db->db(), d);
    };
  }
  return out;
}

int CreateOnline(const po::variables_map& vm) {
  std::string error;
  auto endpoint = ParseUrl(vm["url"].as<std::string>(), error);
  if (!endpoint) return Fail(kCommand, error, kExitUsage);
  endpoint->token = TokenOf(vm);
  UseCaCert(vm, *endpoint);
  // A backup of a large ledger takes a while: the server answers once it is complete.
  constexpr std::chrono::minutes kBackupTimeout{30};
  auto reply =
      HttpSend(*endpoint, boost::beast::http::verb::post, "/v1/admin/backups", kBackupTimeout);
  if (!reply.ok()) return Fail(kCommand, reply.status());
  if (reply->status != 201) {
    return Fail(
        kCommand,
        "the server answered " + std::to_string(reply->status) + ": " + ProblemDetail(*reply),
        reply->status == 401 || reply->status == 403 ? kExitUsage : kExitFailure);
  }
  std::fputs(reply->body.c_str(), stdout);
  return kExitOk;
}

int CreateOffline(const po::variables_map& vm) {
  if (!vm.count("data") || !vm.count("backup-dir"))
    return Fail(kCommand, "give --url, or --data and --backup-dir", kExitUsage);
  const fs::path data = vm["data"].as<std::string>();
  const fs::path backup_dir = vm["backup-dir"].as<std::string>();
  const uint32_t keep = vm["keep"].as<uint32_t>();
  if (vm.count("subject-keys")) {
    auto db = ledger::OfflineDb::Open(data / "subject-keys");
    if (!db.ok()) return Fail(kCommand, db.status());
    auto info = ops::BackupSubjectKeys(
        [&](const fs::path& d) { return ledger::BackupDb((*db)->db(), d); }, backup_dir, keep);
    if (!info.ok()) return Fail(kCommand, info.status());
    std::printf("%s\n", json::serialize(json::object{{"subject_keys", info->id},
                                                     {"bytes", info->bytes},
                                                     {"new_bytes", info->new_bytes}})
                            .c_str());
    return kExitOk;
  }
  auto offline = OpenOffline(data);
  if (!offline.ok()) return Fail(kCommand, offline.status());
  auto set = ops::CreateBackupSet((*offline)->sources, backup_dir);
  if (!set.ok()) return Fail(kCommand, set.status());
  if (keep > 0) {
    if (auto s = ops::PruneBackupSets(backup_dir, keep); !s.ok()) return Fail(kCommand, s);
  }
  std::printf("%s\n", json::serialize(ops::ToJson(*set)).c_str());
  return kExitOk;
}

int Create(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("url", po::value<std::string>(), "a running ledgerd: it takes the set into its --backup-dir");
  AddTokenOption(add);
  AddCaCertOption(add);
  add("data", po::value<std::string>(), "a stopped ledger's data dir");
  add("backup-dir", po::value<std::string>(), "with --data: where the sets are kept");
  add("keep", po::value<uint32_t>()->default_value(0),
      "with --data: then delete all but the newest N sets (0 = keep all)");
  AddSubjectKeysOption(add);
  Parsed parsed =
      Parse("backup create",
            "backup create (--url URL [--token T] | --data DIR --backup-dir B [--keep N] "
            "[--subject-keys])",
            "Takes a backup set: the views' active generation, then the log and the access log\n"
            "(incremental: files already in B are shared), and the keys and tokens files with\n"
            "their SHA-256. --url asks a running ledgerd (POST /v1/admin/backups, role admin or\n"
            "ops) to take it on its open databases into its own --backup-dir; --data opens a\n"
            "stopped ledger's databases (refused while a ledgerd runs on them).\n"
            "--subject-keys backs up DIR/subject-keys alone, into B/subject-keys: keep those\n"
            "apart, with a short --keep, so an erased key does not live on in backups.\n"
            "Prints the set (or the subject-key backup) as one JSON line.",
            options, args);
  if (parsed.done) return parsed.exit;
  if (parsed.vm.count("url")) return CreateOnline(parsed.vm);
  return CreateOffline(parsed.vm);
}

int List(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("backup-dir", po::value<std::string>()->required(), "the backup directory");
  add("json", "one JSON object a line");
  AddSubjectKeysOption(add);
  Parsed parsed = Parse("backup list", "backup list --backup-dir B [--json] [--subject-keys]",
                        "Lists the backup sets in B, oldest first: id, when, and per database "
                        "its\nbackup id, size and the bytes it added (the rest is shared).",
                        options, args);
  if (parsed.done) return parsed.exit;
  const fs::path backup_dir = parsed.vm["backup-dir"].as<std::string>();
  if (parsed.vm.count("subject-keys")) {
    auto all = ledger::ListDbBackups(ops::SubjectKeysEngineDir(backup_dir));
    if (!all.ok()) return Fail(kCommand, all.status());
    for (const auto& info : *all) std::printf("subject-keys %s\n", Sizes(info).c_str());
    return kExitOk;
  }
  auto sets = ops::ListBackupSets(backup_dir);
  if (!sets.ok()) return Fail(kCommand, sets.status());
  for (const ops::BackupSet& set : *sets) {
    if (parsed.vm.count("json")) {
      std::printf("%s\n", json::serialize(ops::ToJson(set)).c_str());
      continue;
    }
    std::printf("set %u  %s", set.id, set.created.c_str());
    for (const auto& db : set.dbs) std::printf("  %s %s", db.name.c_str(), Sizes(db.info).c_str());
    std::printf("  %zu files\n", set.files.size());
  }
  return kExitOk;
}

int Verify(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("backup-dir", po::value<std::string>()->required(), "the backup directory");
  add("id", po::value<uint32_t>(), "only this set (default: every set)");
  AddSubjectKeysOption(add);
  Parsed parsed =
      Parse("backup verify", "backup verify --backup-dir B [--id N] [--subject-keys]",
            "Reads every file of each set and checks it against the checksum recorded when it\n"
            "was taken (the databases' files) or its SHA-256 (keys, tokens). Exit 1 naming\n"
            "the first file that does not match.",
            options, args);
  if (parsed.done) return parsed.exit;
  const fs::path backup_dir = parsed.vm["backup-dir"].as<std::string>();
  const bool keys = parsed.vm.count("subject-keys") > 0;
  std::vector<uint32_t> ids;
  if (parsed.vm.count("id")) {
    ids.push_back(parsed.vm["id"].as<uint32_t>());
  } else if (keys) {
    auto all = ledger::ListDbBackups(ops::SubjectKeysEngineDir(backup_dir));
    if (!all.ok()) return Fail(kCommand, all.status());
    for (const auto& info : *all) ids.push_back(info.id);
  } else {
    auto sets = ops::ListBackupSets(backup_dir);
    if (!sets.ok()) return Fail(kCommand, sets.status());
    for (const auto& set : *sets) ids.push_back(set.id);
  }
  if (ids.empty()) return Fail(kCommand, "no backups in " + backup_dir.string(), kExitUsage);
  for (uint32_t id : ids) {
    const ledger::Status s = keys
                                 ? ledger::VerifyDbBackup(ops::SubjectKeysEngineDir(backup_dir), id)
                                 : ops::VerifyBackupSet(backup_dir, id);
    if (!s.ok()) {
      return Fail("backup verify", s.message(),
                  s.code() == ledger::Code::kCorruption ? kExitVerifyFailed : ExitFor(s));
    }
    std::printf("%s %u: ok\n", keys ? "subject-keys" : "set", id);
  }
  return kExitOk;
}

int Restore(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("backup-dir", po::value<std::string>()->required(), "the backup directory");
  add("id", po::value<uint32_t>(), "the set (default: the newest)");
  add("data", po::value<std::string>()->required(),
      "the new data dir: must not exist or be empty (with --subject-keys: DATA/subject-keys)");
  AddSubjectKeysOption(add);
  Parsed parsed = Parse(
      "backup restore", "backup restore --backup-dir B [--id N] --data NEWDIR [--subject-keys]",
      "Verifies a set, then restores it into NEWDIR: the log, the access log, the views\n"
      "generation and the keys and tokens. Never over existing data: NEWDIR must be new\n"
      "or empty. ledgerd started on NEWDIR catches the views up from the log. With\n"
      "--subject-keys, restores a subject-key backup into NEWDIR/subject-keys.",
      options, args);
  if (parsed.done) return parsed.exit;
  const fs::path backup_dir = parsed.vm["backup-dir"].as<std::string>();
  const fs::path data = parsed.vm["data"].as<std::string>();
  std::optional<uint32_t> id;
  if (parsed.vm.count("id")) id = parsed.vm["id"].as<uint32_t>();
  if (parsed.vm.count("subject-keys")) {
    auto all = ledger::ListDbBackups(ops::SubjectKeysEngineDir(backup_dir));
    if (!all.ok()) return Fail(kCommand, all.status());
    if (all->empty()) return Fail(kCommand, "no subject-key backups in " + backup_dir.string(), 2);
    const uint32_t chosen = id.value_or(all->back().id);
    if (auto s =
            ledger::RestoreDb(ops::SubjectKeysEngineDir(backup_dir), chosen, data / "subject-keys");
        !s.ok())
      return Fail(kCommand, s);
    std::printf("restored subject-key backup %u into %s\n", chosen,
                (data / "subject-keys").c_str());
    return kExitOk;
  }
  auto set = ops::RestoreBackupSet(backup_dir, id, data);
  if (!set.ok()) {
    return Fail("backup restore", set.status().message(),
                set.status().code() == ledger::Code::kCorruption ? kExitVerifyFailed
                                                                 : ExitFor(set.status()));
  }
  std::printf("restored set %u (taken %s) into %s; ledgerd --data %s catches the views up\n",
              set->id, set->created.c_str(), data.c_str(), data.c_str());
  return kExitOk;
}

}  // namespace

int RunBackup(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kBackupUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "create") return Create(rest);
  if (args[0] == "list") return List(rest);
  if (args[0] == "verify") return Verify(rest);
  if (args[0] == "restore") return Restore(rest);
  std::fprintf(stderr, "ledgerctl backup: unknown subcommand \"%s\"\n%s", args[0].c_str(),
               kBackupUsage);
  return kExitUsage;
}

}  // namespace ledgerctl
