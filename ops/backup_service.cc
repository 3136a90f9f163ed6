#include "ops/backup_service.h"

#include <cstdio>

#include "ops/backup_set.h"

namespace ops {

namespace json = boost::json;

BackupService::BackupService(BackupServiceOptions options, ledger::EmbeddedLog& log,
                             const projections::LiveViews& views, const ingest::AccessLog* access,
                             const ingest::SubjectKeys* subject_keys)
    : options_(std::move(options)),
      log_(log),
      views_(views),
      access_(access),
      subject_keys_(subject_keys) {}

BackupService::~BackupService() { Stop(); }

ledger::Result<json::object> BackupService::Create() {
  std::lock_guard create_lock(create_mu_);
  // Held for the whole backup: a generation swapped out meanwhile stays open.
  const std::shared_ptr<const projections::Generation> generation = views_.Current();
  BackupSources sources{.data = options_.data,
                        .views_generation = generation->name,
                        .log = [this](const auto& dir) { return log_.BackupTo(dir); }};
  sources.views = [&generation](const auto& dir) { return generation->store->BackupTo(dir); };
  if (access_ != nullptr)
    sources.access = [this](const auto& dir) { return access_->BackupTo(dir); };
  auto set = CreateBackupSet(sources, options_.backup_dir);
  if (!set.ok()) return set.status();
  json::object body = ToJson(*set);
  if (options_.keep > 0) {
    if (auto s = PruneBackupSets(options_.backup_dir, options_.keep); !s.ok()) return s;
  }
  if (subject_keys_ != nullptr && !options_.subject_keys_dir.empty()) {
    auto keys = BackupSubjectKeys([this](const auto& dir) { return subject_keys_->BackupTo(dir); },
                                  options_.subject_keys_dir, options_.subject_keys_keep);
    if (!keys.ok()) return keys.status();
    body["subject_keys"] = {{"id", keys->id},
                            {"bytes", keys->bytes},
                            {"new_bytes", keys->new_bytes},
                            {"files", keys->files}};
  }
  return body;
}

ledger::Result<json::array> BackupService::List() const {
  auto sets = ListBackupSets(options_.backup_dir);
  if (!sets.ok() && sets.status().code() == ledger::Code::kNotFound) return json::array{};
  if (!sets.ok()) return sets.status();
  json::array out;
  for (const BackupSet& set : *sets) out.push_back(ToJson(set));
  return out;
}

void BackupService::Start() {
  if (options_.every.count() <= 0) return;
  scheduler_ = std::thread([this] { Schedule(); });
}

void BackupService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
}

void BackupService::Schedule() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, options_.every, [this] { return stopping_; })) {
    lock.unlock();
    auto taken = Create();
    if (taken.ok()) {
      std::printf("ledgerd: backup set %lld taken in %s\n", (*taken)["id"].to_number<long long>(),
                  options_.backup_dir.c_str());
    } else {
      std::fprintf(stderr, "ledgerd: scheduled backup failed: %s\n",
                   taken.status().ToString().c_str());
    }
    std::fflush(stdout);
    lock.lock();
  }
}

}  // namespace ops
