#include "projections/views.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace projections {
using ledger::Result;
using ledger::Status;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLockFile = "PUBLISH.lock";
constexpr std::string_view kGenPrefix = "gen-";
constexpr std::string_view kBuildPrefix = "build-";

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// flock() on <root>/PUBLISH.lock for the scope: publishing, cleaning up and migrating
// exclude each other across processes.
class RootLock {
 public:
  static Result<std::unique_ptr<RootLock>> Take(const fs::path& root) {
    const fs::path file = root / kLockFile;
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot open " + file.string());
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot lock " + file.string());
      ::close(fd);
      return s;
    }
    return std::unique_ptr<RootLock>(new RootLock(fd));
  }
  ~RootLock() { ::close(fd_); }  // releases the lock

 private:
  explicit RootLock(int fd) : fd_(fd) {}
  int fd_;
};

Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open " + dir.string());
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("cannot fsync " + dir.string());
}

// Replaces <root>/ACTIVE with `name`, durably.
Status WriteActive(const fs::path& root, const std::string& name) {
  const fs::path tmp = root / (std::string(kActiveFile) + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create " + tmp.string());
  const std::string text = name + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  Status s = ok ? Status::Ok() : Errno("cannot write " + tmp.string());
  ::close(fd);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), (root / kActiveFile).c_str()) != 0)
    return Errno("cannot replace " + (root / kActiveFile).string());
  return SyncDir(root);
}

bool IsGeneration(const std::string& name) {
  return name.size() == kGenPrefix.size() + 6 && name.starts_with(kGenPrefix) &&
         name.find_first_not_of("0123456789", kGenPrefix.size()) == std::string::npos;
}

Result<std::vector<std::string>> Entries(const fs::path& root) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return Status::IoError("cannot list " + root.string() + ": " + ec.message());
  return names;
}

Status RemoveDir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ec ? Status::IoError("cannot delete " + dir.string() + ": " + ec.message()) : Status::Ok();
}

Status MakeRoot(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  return ec ? Status::IoError("cannot create " + root.string() + ": " + ec.message())
            : Status::Ok();
}

}  // namespace

Result<std::string> ReadActive(const fs::path& root) {
  std::ifstream in(root / kActiveFile);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(root / kActiveFile, ec) && !ec) return std::string();
    return Status::IoError("cannot read " + (root / kActiveFile).string());
  }
  std::string name;
  std::getline(in, name);
  if (!IsGeneration(name)) {
    return Status::Corruption((root / kActiveFile).string() + " does not name a generation: \"" +
                              name + "\"");
  }
  return name;
}

Result<std::string> EnsureActive(const fs::path& root) {
  std::error_code ec;
  // The single-database layout: a RocksDB database directly in <root>.
  if (fs::exists(root / "CURRENT", ec) && !fs::exists(root / kActiveFile, ec)) {
    fs::path moving = root;
    moving += ".migrating";
    fs::rename(root, moving, ec);
    if (!ec) fs::create_directories(root, ec);
    if (!ec) fs::rename(moving, root / "gen-000001", ec);
    if (ec) return Status::IoError("cannot move the views into generations: " + ec.message());
    if (Status s = WriteActive(root, "gen-000001"); !s.ok()) return s;
  }
  if (Status s = MakeRoot(root); !s.ok()) return s;
  auto lock = RootLock::Take(root);
  if (!lock.ok()) return lock.status();
  auto active = ReadActive(root);
  if (!active.ok()) return active.status();
  if (active->empty()) {
    *active = "gen-000001";
    if (Status s = RemoveDir(root / *active); !s.ok()) return s;
    if (Status s = WriteActive(root, *active); !s.ok()) return s;
  }
  auto names = Entries(root);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (IsGeneration(name) && name != *active) {
      if (Status s = RemoveDir(root / name); !s.ok()) return s;
    }
  }
  return *active;
}

Result<fs::path> CreateBuildDir(const fs::path& root) {
  if (Status s = MakeRoot(root); !s.ok()) return s;
  auto lock = RootLock::Take(root);
  if (!lock.ok()) return lock.status();
  auto names = Entries(root);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!name.starts_with(kBuildPrefix)) continue;
    const long pid = std::strtol(name.c_str() + kBuildPrefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      if (Status s = RemoveDir(root / name); !s.ok()) return s;
    }
  }
  const fs::path dir = root / (std::string(kBuildPrefix) + std::to_string(::getpid()));
  if (Status s = RemoveDir(dir); !s.ok()) return s;
  return dir;
}

Result<std::string> PublishGeneration(const fs::path& root, const fs::path& build_dir) {
  auto lock = RootLock::Take(root);
  if (!lock.ok()) return lock.status();
  auto names = Entries(root);
  if (!names.ok()) return names.status();
  unsigned highest = 0;
  for (const std::string& name : *names) {
    if (IsGeneration(name)) {
      highest =
          std::max(highest, static_cast<unsigned>(std::stoul(name.substr(kGenPrefix.size()))));
    }
  }
  char name[16];
  std::snprintf(name, sizeof name, "gen-%06u", highest + 1);
  std::error_code ec;
  fs::rename(build_dir, root / name, ec);
  if (ec) {
    return Status::IoError("cannot rename " + build_dir.string() + " to " + name + ": " +
                           ec.message());
  }
  if (Status s = SyncDir(root); !s.ok()) return s;
  if (Status s = WriteActive(root, name); !s.ok()) return s;
  return std::string(name);
}

LiveViews::LiveViews(const fs::path& root, const ledger::EventLog& log, const ledger::Keyring& keys,
                     Models models, LiveViewsOptions options)
    : root_(root), log_(log), keys_(keys), models_(std::move(models)), options_(options) {}

Result<std::unique_ptr<LiveViews>> LiveViews::Open(const fs::path& root,
                                                   const ledger::EventLog& log,
                                                   const ledger::Keyring& keys, Models models,
                                                   LiveViewsOptions options) {
  auto active = EnsureActive(root);
  if (!active.ok()) return active.status();
  std::unique_ptr<LiveViews> views(new LiveViews(root, log, keys, std::move(models), options));
  auto generation = views->OpenGeneration(*active);
  if (!generation.ok()) return generation.status();
  views->current_ = std::move(*generation);
  if (options.watch) views->watcher_ = std::thread([v = views.get()] { v->Watch(); });
  return views;
}

LiveViews::~LiveViews() { Stop(); }

std::shared_ptr<const Generation> LiveViews::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void LiveViews::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !watcher_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  std::shared_ptr<const Generation> current = Current();
  if (current) current->runner->Stop();
}

Result<std::shared_ptr<Generation>> LiveViews::OpenGeneration(const std::string& name) const {
  auto generation = std::make_shared<Generation>();
  generation->name = name;
  generation->dir = root_ / name;
  auto store = ViewStore::Open(generation->dir, log_.partitions());
  if (!store.ok()) return store.status();
  generation->store = std::move(*store);
  auto pin = ReadPin(*generation->store);
  if (!pin.ok()) return pin.status();
  generation->pin = std::move(*pin);
  const RunnerOptions runner_options =
      generation->pin ? PinnedRunnerOptions(options_.runner, *generation->pin) : options_.runner;
  generation->runner =
      std::make_unique<Runner>(*generation->store, log_, keys_, models_, runner_options);
  if (Status s = generation->runner->Start(); !s.ok()) {
    return Status(s.code(), "views " + name + ": " + s.message());
  }
  generation->reader = std::make_unique<ViewReader>(*generation->store, models_.fold);
  return generation;
}

void LiveViews::Watch() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.poll);
    if (stopping_) break;
    const std::string serving = current_->name;
    lock.unlock();
    auto active = ReadActive(root_);
    if (!active.ok()) {
      if (last_error_ != active.status().message()) {
        std::fprintf(stderr, "views: %s\n", active.status().ToString().c_str());
        last_error_ = active.status().message();
      }
    } else if (!active->empty() && *active != serving && *active != failed_name_) {
      if (!SwapTo(*active)) {
        failed_name_ = *active;
        ++swap_failures_;
      }
    }
    RemoveRetired();
    lock.lock();
  }
}

bool LiveViews::SwapTo(const std::string& name) {
  auto generation = OpenGeneration(name);
  if (!generation.ok()) {
    std::fprintf(stderr, "views: cannot open generation %s, still serving the old one: %s\n",
                 name.c_str(), generation.status().ToString().c_str());
    return false;
  }
  // Catch up with the log before serving, so the swap does not take readers back in
  // time (a pinned generation stays where its replay pinned it).
  Runner& runner = *(*generation)->runner;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return true;  // not a failure: the server is stopping
    }
    Status s = runner.WaitUntilCaughtUp(std::chrono::milliseconds(200));
    if (s.ok() || (*generation)->pin) break;
    if (!runner.Error().ok()) {
      std::fprintf(stderr, "views: generation %s stopped, still serving the old one: %s\n",
                   name.c_str(), runner.Error().ToString().c_str());
      return false;
    }
  }
  std::shared_ptr<const Generation> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(current_);
    current_ = std::move(*generation);
    ++swaps_;
  }
  old->runner->Stop();
  std::fprintf(stderr, "views: serving generation %s (replaced %s)\n", name.c_str(),
               old->name.c_str());
  retired_.push_back(std::move(old));
  return true;
}

void LiveViews::RemoveRetired() {
  for (auto it = retired_.begin(); it != retired_.end();) {
    if (it->use_count() > 1) {  // a request still reads it
      ++it;
      continue;
    }
    const fs::path dir = (*it)->dir;
    it->reset();  // closes the store
    auto lock = RootLock::Take(root_);
    Status s = lock.ok() ? RemoveDir(dir) : lock.status();
    if (!s.ok()) std::fprintf(stderr, "views: %s\n", s.ToString().c_str());
    it = retired_.erase(it);
  }
}

}  // namespace projections
