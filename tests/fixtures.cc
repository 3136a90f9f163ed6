#include "tests/fixtures.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ingest/sealing.h"

extern char** environ;

namespace ledger_test {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Spawns argv with stdout (and stderr, unless `stderr_fd` >= 0) on new pipes.
pid_t Spawn(const std::vector<std::string>& argv, int& out_fd, int* err_fd, int stderr_fd) {
  int out_pipe[2], err_pipe[2] = {-1, -1};
  LEDGER_ASSERT(::pipe2(out_pipe, O_CLOEXEC) == 0);
  if (err_fd != nullptr) LEDGER_ASSERT(::pipe2(err_pipe, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd != nullptr ? err_pipe[1] : stderr_fd,
                                   STDERR_FILENO);
  pid_t pid = -1;
  auto args = Argv(argv);
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (err_fd != nullptr) ::close(err_pipe[1]);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
    ::close(out_pipe[0]);
    if (err_fd != nullptr) ::close(err_pipe[0]);
    return -1;
  }
  out_fd = out_pipe[0];
  if (err_fd != nullptr) *err_fd = err_pipe[0];
  return pid;
}

void Reap(pid_t pid, ProcessResult& result) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

}  // namespace

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "ledger-test-XXXXXX").string();
  LEDGER_ASSERT(::mkdtemp(templ.data()) != nullptr);
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  ASSERT_TRUE(out) << "cannot write " << file;
}

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> CompleteLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  ProcessResult result;
  int out_fd = -1, err_fd = -1;
  const pid_t pid = Spawn(argv, out_fd, &err_fd, -1);
  if (pid < 0) return result;
  const auto deadline = SteadyClock::now() + timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    int ready = ::poll(fds, 2, killed ? -1 : RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      ADD_FAILURE() << argv[0] << " did not finish within " << timeout.count() << " s; killing it";
      ::kill(pid, SIGKILL);
      killed = true;
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  Reap(pid, result);
  return result;
}

std::string LedgerctlPath() { return LEDGERCTL_PATH; }
std::string LedgerdPath() { return LEDGERD_PATH; }

ProcessResult Ledgerctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{LedgerctlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  // An offline import seals personal fields as the data dir's ledgerd does.
  if (!args.empty() && args[0] == "append" &&
      std::find(args.begin(), args.end(), "--master-key-file") == args.end()) {
    auto data = std::find(args.begin(), args.end(), "--data");
    if (data != args.end() && data + 1 != args.end())
      argv.insert(argv.end(), {"--master-key-file", MasterKeyFile(*(data + 1)).string()});
  }
  return RunProcess(argv);
}

fs::path MasterKeyFile(const fs::path& data) {
  const fs::path file = data.parent_path() / (data.filename().string() + ".master.key");
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    fs::create_directories(file.parent_path(), ec);
    auto s = ingest::WriteNewMasterKey(file);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return file;
}

fs::path SourceFile(const std::string& relative) { return fs::path(LEDGER_SOURCE_DIR) / relative; }

Child::Child(const std::vector<std::string>& argv, const fs::path& stderr_file) {
  const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  LEDGER_ASSERT(err >= 0);
  pid_ = Spawn(argv, out_fd_, nullptr, err);
  ::close(err);
  eof_ = pid_ < 0;
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ProcessResult ignored;
    Reap(pid_, ignored);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Child::Fill(std::chrono::seconds timeout) {
  if (eof_) return false;
  pollfd fd{out_fd_, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&fd, 1, static_cast<int>(timeout.count() * 1000))) < 0 && errno == EINTR) {
  }
  if (ready == 0) {
    ADD_FAILURE() << "the child wrote nothing for " << timeout.count() << " s";
    return false;
  }
  char buf[65536];
  ssize_t n;
  while ((n = ::read(out_fd_, buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> Child::ReadLine(std::chrono::seconds timeout) {
  for (;;) {
    if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (!Fill(timeout)) return std::nullopt;
  }
}

void Child::Kill() { Signal(SIGKILL); }

void Child::Signal(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

std::vector<std::string> Child::Finish(ProcessResult& result) {
  while (Fill(std::chrono::seconds(60))) {
  }
  std::vector<std::string> lines = CompleteLines(buffer_);
  result.out = buffer_;
  buffer_.clear();
  if (pid_ > 0) Reap(pid_, result);
  pid_ = -1;
  return lines;
}

std::optional<Ack> ParseAck(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not an ack line: " << line;
    return std::nullopt;
  }
  try {
    const auto& o = v.get_object();
    Ack a;
    a.line = boost::json::value_to<uint64_t>(o.at("line"));
    a.id = o.at("id").as_string().c_str();
    a.partition = boost::json::value_to<uint32_t>(o.at("partition"));
    a.ledgerseq = boost::json::value_to<uint64_t>(o.at("ledgerseq"));
    a.streamversion = boost::json::value_to<uint64_t>(o.at("streamversion"));
    a.hash = o.at("hash").as_string().c_str();
    a.replayed = o.at("replayed").as_bool();
    return a;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an ack line (" << e.what() << "): " << line;
    return std::nullopt;
  }
}

std::vector<Ack> ParseAcks(const std::string& out) {
  std::vector<Ack> acks;
  for (const std::string& line : CompleteLines(out)) {
    if (auto a = ParseAck(line)) acks.push_back(std::move(*a));
  }
  return acks;
}

std::string AccountRegistrations(int first, int count) {
  std::string out;
  for (int n = first; n < first + count; ++n) {
    const std::string id = "ACC-" + std::to_string(n);
    out += R"({"type":"account.registered","subject":"account/)" + id + R"(","id":"reg-)" + id +
           R"(","expectedversion":0,"data":{"name":"Account )" + std::to_string(n) +
           R"(","owner":"rep.alice","industry":"manufacturing"}})" + "\n";
  }
  return out;
}

std::string AccountRename(int n) {
  const std::string id = "ACC-" + std::to_string(n);
  return R"({"type":"account.profile_updated","subject":"account/)" + id + R"(","id":"upd-)" + id +
         R"(","expectedversion":1,"data":{"name":"Renamed account )" + std::to_string(n) +
         R"("}})" + "\n";
}

std::vector<Ack> BuildLedger(const fs::path& data, int accounts) {
  const fs::path input = data.parent_path() / (data.filename().string() + "-input.ndjson");
  WriteFile(input, AccountRegistrations(1, accounts));
  ProcessResult r = Ledgerctl({"append", "--data", data.string(), "--file", input.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Ack> acks = ParseAcks(r.out);
  EXPECT_EQ(acks.size(), static_cast<size_t>(accounts));
  return acks;
}

RawLog::RawLog(const fs::path& data) {
  auto log = ledger::EmbeddedLog::Open(data / "log", {});
  LEDGER_ASSERT(log.ok());
  log_ = std::move(*log);
}

RawLog::~RawLog() = default;

std::string RawLog::GetValue(uint32_t partition, uint64_t ledgerseq) const {
  std::string value;
  rocksdb::Status s = log_->db()->Get(rocksdb::ReadOptions(), log_->events_cf(),
                                      ledger::EncodeLogKey(partition, ledgerseq), &value);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return value;
}

ledger::SignedRecord RawLog::Get(uint32_t partition, uint64_t ledgerseq) const {
  auto record = ledger::DecodeRecordValue(GetValue(partition, ledgerseq), partition, ledgerseq);
  LEDGER_ASSERT(record.ok());
  return std::move(*record);
}

void RawLog::PutValue(uint32_t partition, uint64_t ledgerseq, const std::string& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s =
      log_->db()->Put(wo, log_->events_cf(), ledger::EncodeLogKey(partition, ledgerseq), value);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

void RawLog::Put(const ledger::SignedRecord& record) {
  PutValue(record.partition, record.ledgerseq, ledger::EncodeRecordValue(record));
}

void RawLog::Delete(uint32_t partition, uint64_t ledgerseq) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s =
      log_->db()->Delete(wo, log_->events_cf(), ledger::EncodeLogKey(partition, ledgerseq));
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::string RawLog::GetState(ledger::StateTable table, const std::string& key) const {
  std::string value;
  rocksdb::Status s = log_->db()->Get(rocksdb::ReadOptions(), log_->state_cf(table), key, &value);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return value;
}

void RawLog::PutState(ledger::StateTable table, const std::string& key, const std::string& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = log_->db()->Put(wo, log_->state_cf(table), key, value);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

void RawLog::ClearState(ledger::StateTable table) {
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->state_cf(table)));
  rocksdb::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(log_->state_cf(table), it->key());
  rocksdb::WriteOptions wo;
  wo.sync = true;
  ASSERT_TRUE(log_->db()->Write(wo, &batch).ok());
}

std::optional<VerifyFailureLine> ParseVerifyFailure(const std::string& err) {
  for (const std::string& line : CompleteLines(err)) {
    VerifyFailureLine f;
    unsigned long long seq = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "verify: FAILED at partition %u ledgerseq %llu: %n", &f.partition,
                    &seq, &consumed) == 2 &&
        consumed > 0) {
      f.ledgerseq = seq;
      f.reason = line.substr(static_cast<size_t>(consumed));
      return f;
    }
  }
  return std::nullopt;
}

}  // namespace ledger_test
