#include "ops/backup_set.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ledger/crypto.h"
#include "ledger/time.h"

namespace ops {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ledger::Result;
using ledger::Status;

constexpr int kManifestFormat = 1;
constexpr std::string_view kSetsDir = "sets";
constexpr std::string_view kViews = "views", kLog = "log", kAccess = "access";
// The small files of a data dir a set copies (access-keys/ is copied whole).
constexpr std::string_view kSmallFiles[] = {"keys/ledger.vkeys", "keys/ledger.key", "tokens.json"};
constexpr std::string_view kAccessKeysDir = "access-keys";

// flock() on B/LOCK for the life of the object.
class DirLock {
 public:
  static Result<DirLock> Take(const fs::path& backup_dir) {
    std::error_code ec;
    fs::create_directories(backup_dir, ec);
    const fs::path file = backup_dir / "LOCK";
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
      if (fd >= 0) ::close(fd);
      return Status::IoError("cannot lock " + file.string());
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string SetName(uint32_t id) {
  char name[16];
  std::snprintf(name, sizeof name, "%06u", id);
  return name;
}

Result<std::string> ReadAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + file.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Writes `content` to `file` through a temporary file, fsynced, renamed over it.
Status WriteAtomically(const fs::path& file, const std::string& content) {
  const fs::path tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot write " + tmp.string());
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (written) fs::rename(tmp, file, ec);
  if (!written || ec) return Status::IoError("cannot write " + file.string());
  return Status::Ok();
}

std::vector<std::string> SmallFilesOf(const fs::path& data) {
  std::vector<std::string> out;
  for (std::string_view f : kSmallFiles)
    if (fs::is_regular_file(data / f)) out.emplace_back(f);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data / kAccessKeysDir, ec)) {
    if (entry.is_regular_file())
      out.push_back(std::string(kAccessKeysDir) + "/" + entry.path().filename().string());
  }
  return out;
}

// Copies `relative` from `from` to `to` (same relative path, same permissions).
Result<BackupSetFile> CopyFile(const fs::path& from, const fs::path& to,
                               const std::string& relative) {
  auto content = ReadAll(from / relative);
  if (!content.ok()) return content.status();
  std::error_code ec;
  fs::create_directories((to / relative).parent_path(), ec);
  fs::copy_file(from / relative, to / relative, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IoError("cannot copy " + (from / relative).string() + ": " + ec.message());
  return BackupSetFile{relative, ledger::Hex(ledger::Sha256(*content)), content->size()};
}

json::object DbJson(const BackupSetDb& db) {
  return {{"name", db.name},
          {"id", db.info.id},
          {"timestamp", db.info.timestamp_s},
          {"bytes", db.info.bytes},
          {"new_bytes", db.info.new_bytes},
          {"files", db.info.files}};
}

Result<BackupSet> FromJson(const json::value& v) {
  try {
    const json::object& o = v.as_object();
    if (o.at("format").to_number<int>() != kManifestFormat)
      return Status::Invalid("unknown backup manifest format");
    BackupSet set{.id = o.at("id").to_number<uint32_t>(),
                  .created = std::string(o.at("created").as_string()),
                  .views_generation = std::string(o.at("views_generation").as_string())};
    for (const json::value& d : o.at("dbs").as_array()) {
      const json::object& db = d.as_object();
      set.dbs.push_back({std::string(db.at("name").as_string()),
                         {.id = db.at("id").to_number<uint32_t>(),
                          .timestamp_s = db.at("timestamp").to_number<int64_t>(),
                          .bytes = db.at("bytes").to_number<uint64_t>(),
                          .new_bytes = db.at("new_bytes").to_number<uint64_t>(),
                          .files = db.at("files").to_number<uint32_t>()}});
    }
    for (const json::value& f : o.at("files").as_array()) {
      const json::object& file = f.as_object();
      set.files.push_back({std::string(file.at("path").as_string()),
                           std::string(file.at("sha256").as_string()),
                           file.at("bytes").to_number<uint64_t>()});
    }
    return set;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("malformed backup manifest: ") + e.what());
  }
}

Result<BackupSet> ReadManifest(const fs::path& backup_dir, uint32_t id) {
  const fs::path file = backup_dir / kSetsDir / (SetName(id) + ".json");
  auto text = ReadAll(file);
  if (!text.ok())
    return Status::NotFound("no backup set " + std::to_string(id) + " in " + backup_dir.string());
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return Status::Corruption(file.string() + " is not JSON: " + ec.message());
  auto set = FromJson(v);
  if (!set.ok()) return Status(set.status().code(), file.string() + ": " + set.status().message());
  return set;
}

std::vector<uint32_t> SetIds(const fs::path& backup_dir) {
  std::vector<uint32_t> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(backup_dir / kSetsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 11 && name.ends_with(".json") &&
        std::all_of(name.begin(), name.begin() + 6, ::isdigit))
      ids.push_back(static_cast<uint32_t>(std::stoul(name.substr(0, 6))));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

json::object ToJson(const BackupSet& set) {
  json::array dbs, files;
  for (const auto& db : set.dbs) dbs.push_back(DbJson(db));
  for (const auto& f : set.files)
    files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  return {{"format", kManifestFormat}, {"id", set.id},
          {"created", set.created},    {"views_generation", set.views_generation},
          {"dbs", std::move(dbs)},     {"files", std::move(files)}};
}

Result<BackupSet> CreateBackupSet(const BackupSources& sources, const fs::path& backup_dir) {
  LEDGER_ASSERT(sources.log);
  auto lock = DirLock::Take(backup_dir);
  if (!lock.ok()) return lock.status();
  const std::vector<uint32_t> existing = SetIds(backup_dir);
  BackupSet set{.id = existing.empty() ? 1 : existing.back() + 1,
                .created = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros()),
                .views_generation = sources.views ? sources.views_generation : ""};
  // Views first: what they reflect is then in the log taken after them.
  const std::pair<std::string_view, const DbBackupFn*> order[] = {
      {kViews, &sources.views}, {kLog, &sources.log}, {kAccess, &sources.access}};
  for (const auto& [name, fn] : order) {
    if (!*fn) continue;
    auto info = (*fn)(backup_dir / name);
    if (!info.ok()) return info.status();
    set.dbs.push_back({std::string(name), *info});
  }
  const fs::path files_dir = backup_dir / kSetsDir / SetName(set.id);
  for (const std::string& relative : SmallFilesOf(sources.data)) {
    auto copied = CopyFile(sources.data, files_dir, relative);
    if (!copied.ok()) return copied.status();
    set.files.push_back(std::move(*copied));
  }
  const fs::path manifest = backup_dir / kSetsDir / (SetName(set.id) + ".json");
  if (auto s = WriteAtomically(manifest, json::serialize(ToJson(set)) + "\n"); !s.ok()) return s;
  return set;
}

Result<std::vector<BackupSet>> ListBackupSets(const fs::path& backup_dir) {
  if (!fs::is_directory(backup_dir))
    return Status::NotFound("no backup directory " + backup_dir.string());
  std::vector<BackupSet> sets;
  for (uint32_t id : SetIds(backup_dir)) {
    auto set = ReadManifest(backup_dir, id);
    if (!set.ok() && set.status().code() == ledger::Code::kNotFound) continue;  // just pruned
    if (!set.ok()) return set.status();
    sets.push_back(std::move(*set));
  }
  return sets;
}

Status VerifyBackupSet(const fs::path& backup_dir, uint32_t id) {
  auto set = ReadManifest(backup_dir, id);
  if (!set.ok()) return set.status();
  for (const BackupSetDb& db : set->dbs) {
    if (auto s = ledger::VerifyDbBackup(backup_dir / db.name, db.info.id); !s.ok())
      return Status::Corruption("set " + std::to_string(id) + ", " + db.name + ": " + s.message());
  }
  const fs::path files_dir = backup_dir / kSetsDir / SetName(id);
  for (const BackupSetFile& f : set->files) {
    auto content = ReadAll(files_dir / f.path);
    if (!content.ok())
      return Status::Corruption("set " + std::to_string(id) + ": " + f.path + " is missing");
    if (ledger::Hex(ledger::Sha256(*content)) != f.sha256) {
      return Status::Corruption("set " + std::to_string(id) + ": " + f.path +
                                " does not match its SHA-256 " + f.sha256);
    }
  }
  return Status::Ok();
}

Result<BackupSet> RestoreBackupSet(const fs::path& backup_dir, std::optional<uint32_t> id,
                                   const fs::path& data) {
  std::error_code ec;
  if (fs::exists(data, ec) && !fs::is_empty(data, ec)) {
    return Status::Invalid(data.string() +
                           " is not empty: restore only into a new or empty data dir, "
                           "never over a ledger");
  }
  auto lock = DirLock::Take(backup_dir);
  if (!lock.ok()) return lock.status();
  const std::vector<uint32_t> ids = SetIds(backup_dir);
  if (ids.empty()) return Status::NotFound("no backup sets in " + backup_dir.string());
  auto set = ReadManifest(backup_dir, id.value_or(ids.back()));
  if (!set.ok()) return set.status();
  if (auto s = VerifyBackupSet(backup_dir, set->id); !s.ok()) return s;
  for (const BackupSetDb& db : set->dbs) {
    const fs::path target =
        db.name == kViews ? data / kViews / set->views_generation : data / db.name;
    if (auto s = ledger::RestoreDb(backup_dir / db.name, db.info.id, target); !s.ok()) return s;
  }
  if (!set->views_generation.empty()) {
    if (auto s = WriteAtomically(data / kViews / "ACTIVE", set->views_generation + "\n"); !s.ok())
      return s;
  }
  const fs::path files_dir = backup_dir / kSetsDir / SetName(set->id);
  for (const BackupSetFile& f : set->files) {
    auto copied = CopyFile(files_dir, data, f.path);
    if (!copied.ok()) return copied.status();
    if (copied->sha256 != f.sha256)
      return Status::Corruption(f.path + " changed while it was restored");
  }
  return set;
}

Status PruneBackupSets(const fs::path& backup_dir, uint32_t keep) {
  LEDGER_ASSERT(keep >= 1);
  auto lock = DirLock::Take(backup_dir);
  if (!lock.ok()) return lock.status();
  const std::vector<uint32_t> ids = SetIds(backup_dir);
  for (size_t i = 0; i + keep < ids.size(); ++i) {
    auto set = ReadManifest(backup_dir, ids[i]);
    if (!set.ok()) return set.status();
    // The manifest first: from then on the set does not exist, whatever is left of it.
    std::error_code ec;
    fs::remove(backup_dir / kSetsDir / (SetName(ids[i]) + ".json"), ec);
    if (ec) return Status::IoError("cannot delete backup set " + std::to_string(ids[i]));
    for (const BackupSetDb& db : set->dbs) {
      if (auto s = ledger::DeleteDbBackups(backup_dir / db.name, {db.info.id}); !s.ok()) return s;
    }
    fs::remove_all(backup_dir / kSetsDir / SetName(ids[i]), ec);
  }
  return Status::Ok();
}

fs::path SubjectKeysEngineDir(const fs::path& backup_dir) { return backup_dir / "subject-keys"; }

Result<ledger::DbBackupInfo> BackupSubjectKeys(const DbBackupFn& subject_keys,
                                               const fs::path& backup_dir, uint32_t keep) {
  auto lock = DirLock::Take(backup_dir);
  if (!lock.ok()) return lock.status();
  auto info = subject_keys(SubjectKeysEngineDir(backup_dir));
  if (!info.ok() || keep == 0) return info;
  auto all = ledger::ListDbBackups(SubjectKeysEngineDir(backup_dir));
  if (!all.ok()) return all.status();
  std::vector<uint32_t> expired;
  for (size_t i = 0; i + keep < all->size(); ++i) expired.push_back((*all)[i].id);
  if (auto s = ledger::DeleteDbBackups(SubjectKeysEngineDir(backup_dir), expired); !s.ok())
    return s;
  return info;
}

}  // namespace ops
