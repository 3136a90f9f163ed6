// ledgerctl append: the offline bulk import of NDJSON commands into a data dir whose
// ledgerd is stopped.
//
// The file is read in batches of --batch lines. Up to --concurrency batches are in
// flight in the writer at once, queued in file order: they share the writer's group
// commits (one fsync for many batches) and are still sequenced in the file's order, so
// a later line may depend on an earlier one. Each batch's results are printed, in file
// order, only once the writer acknowledged it (durable), and stdout is flushed then:
// a parent process reading stdout knows exactly which lines are in the log.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>

#include "ingest/sealing.h"
#include "ledger/embedded_log.h"
#include "ledger/event.h"
#include "ledger/keys.h"
#include "ledger/partition.h"
#include "ledger/time.h"
#include "ledger/writer.h"
#include "ops/ledgerctl_common.h"
#include "schemas/sales.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kCommand = "append";
constexpr size_t kLineBytesMax = 1024 * 1024;
constexpr unsigned kConcurrencyMax = 64;
constexpr size_t kBatchDefault = 100;

using AppendResult = ledger::Result<std::vector<ledger::Appended>>;

// Consecutive commands of the file and the line each came from.
struct Batch {
  std::vector<ledger::Command> commands;
  std::vector<size_t> lines;
  std::vector<std::pair<std::string, std::string>> erased;  // contact.erased: subject, reason
};

struct InFlight {
  std::vector<size_t> lines;
  std::future<AppendResult> result;
  std::vector<std::pair<std::string, std::string>> erased;
};

class Importer {
 public:
  Importer(std::istream& in, std::string file, ledger::Writer& writer, std::string actor,
           size_t batch, unsigned concurrency, const ingest::SubjectKeys* keys)
      : keys_(keys),
        in_(in),
        file_(std::move(file)),
        writer_(writer),
        actor_(std::move(actor)),
        batch_(batch),
        concurrency_(concurrency) {}

  // Imports the whole input; returns the exit code.
  int Run() {
    int code = kExitOk;
    while (code == kExitOk) {
      Batch batch;
      code = ReadBatch(batch);
      if (code != kExitOk || batch.commands.empty()) break;
      if (in_flight_.size() >= concurrency_) code = Finish();
      if (code == kExitOk) Submit(std::move(batch));
    }
    // Whatever was submitted may be acknowledged: report every result.
    while (!in_flight_.empty()) code = std::max(code, Finish());
    return code;
  }

  uint64_t appended() const { return appended_; }
  uint64_t replayed() const { return replayed_; }

 private:
  // Reads up to batch_ commands. A bad line stops the import: every violation of every
  // bad line of this batch is printed and the batch is not appended.
  int ReadBatch(Batch& batch) {
    bool bad = false;
    std::string text;
    for (size_t taken = 0; taken < batch_ && std::getline(in_, text);) {
      ++line_;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      ++taken;
      if (text.size() > kLineBytesMax) {
        bad = Error(line_, "invalid argument: the line is longer than " +
                               std::to_string(kLineBytesMax) + " bytes");
        continue;
      }
      json::error_code ec;
      json::value value = json::parse(text, ec);
      if (ec) {
        bad = Error(line_, "invalid argument: not JSON: " + ec.message());
        continue;
      }
      auto command = ledger::ParseCommand(value);
      if (!command.ok()) {
        for (const ledger::Violation& v : command.status().violations()) {
          Error(line_, "invalid argument: " + Pointer(v.pointer) + ": " + v.reason);
        }
        if (command.status().violations().empty())
          Error(line_, "invalid argument: " + command.status().message());
        bad = true;
        continue;
      }
      if (command->type == "contact.erased") {
        if (keys_ == nullptr) {
          bad = Error(line_,
                      "invalid argument: contact.erased destroys the contact's key: give "
                      "--master-key-file");
          continue;
        }
        const json::value* reason = command->data.if_contains("reason");
        batch.erased.emplace_back(command->subject, reason && reason->is_string()
                                                        ? std::string(reason->get_string())
                                                        : std::string());
      }
      batch.commands.push_back(std::move(*command));
      batch.lines.push_back(line_);
    }
    if (in_.bad()) return Fail(kCommand, "cannot read " + file_, kExitFailure);
    return bad ? kExitUsage : kExitOk;
  }

  void Submit(Batch batch) {
    auto promise = std::make_shared<std::promise<AppendResult>>();
    in_flight_.push_back({std::move(batch.lines), promise->get_future(), std::move(batch.erased)});
    writer_.AppendAsync(std::move(batch.commands), actor_,
                        [promise](AppendResult result) { promise->set_value(std::move(result)); });
  }

  // Waits for the oldest batch in flight and prints its results or its rejection.
  int Finish() {
    InFlight batch = std::move(in_flight_.front());
    in_flight_.pop_front();
    AppendResult result = batch.result.get();
    if (!result.ok()) return Rejected(batch.lines, result.status());
    // Erasures take effect once their event is durable, as POST /v1/subjects/{id}/erase.
    for (const auto& [subject, reason] : batch.erased) {
      const std::string now = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros());
      if (auto s = keys_->Erase(subject, {now, reason, actor_}); !s.ok()) return Fail(kCommand, s);
    }
    std::string out;
    for (size_t i = 0; i < result->size(); ++i) {
      const ledger::Appended& a = (*result)[i];
      json::object line;
      line["line"] = batch.lines[i];
      line["id"] = a.id;
      line["partition"] = a.partition;
      line["ledgerseq"] = a.ledgerseq;
      line["streamversion"] = a.streamversion;
      line["hash"] = ledger::Hex(a.hash);
      line["replayed"] = a.replayed;
      out += json::serialize(line);
      out += '\n';
      ++(a.replayed ? replayed_ : appended_);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (std::fflush(stdout) != 0) return Fail(kCommand, "cannot write to stdout", kExitFailure);
    return kExitOk;
  }

  // Names the line of each violation ("/events/3/data/stage" is the batch's 4th line).
  int Rejected(const std::vector<size_t>& lines, const ledger::Status& status) {
    const std::string code = ledger::CodeName(status.code());
    bool named = false;
    for (const ledger::Violation& v : status.violations()) {
      size_t index = 0, consumed = 0;
      const std::string_view prefix = "/events/";
      if (v.pointer.starts_with(prefix) &&
          std::sscanf(v.pointer.c_str() + prefix.size(), "%zu%zn", &index, &consumed) == 1 &&
          index < lines.size()) {
        Error(lines[index],
              code + ": " + Pointer(v.pointer.substr(prefix.size() + consumed)) + ": " + v.reason);
        named = true;
      }
    }
    if (!named) {
      std::fprintf(stderr, "%s:%zu-%zu: %s: %s\n", file_.c_str(), lines.front(), lines.back(),
                   code.c_str(), status.message().c_str());
    }
    return ExitFor(status);
  }

  static std::string Pointer(const std::string& pointer) { return pointer.empty() ? "/" : pointer; }

  bool Error(size_t line, const std::string& reason) {
    std::fprintf(stderr, "%s:%zu: %s\n", file_.c_str(), line, reason.c_str());
    return true;
  }

  const ingest::SubjectKeys* keys_;
  std::istream& in_;
  const std::string file_;
  ledger::Writer& writer_;
  const std::string actor_;
  const size_t batch_;
  const unsigned concurrency_;
  size_t line_ = 0;
  std::deque<InFlight> in_flight_;
  uint64_t appended_ = 0;
  uint64_t replayed_ = 0;
};

int Import(const fs::path& data, const std::string& file, std::istream& in,
           const po::variables_map& vm) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path log_dir = LogDir(data);
  // 0: the existing log's own count (or the default for a new log).
  const uint32_t partitions = vm.count("partitions") ? vm["partitions"].as<uint32_t>() : 0;
  if (vm.count("partitions") && (partitions < 1 || partitions > ledger::kPartitionsMax)) {
    return Fail(kCommand, "--partitions must be 1.." + std::to_string(ledger::kPartitionsMax),
                kExitUsage);
  }
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec)
    return Fail(kCommand, "cannot create " + data.string() + ": " + ec.message(), kExitFailure);
  auto key = ledger::LoadOrCreateKey(KeysDir(data), kDefaultKeyName);
  if (!key.ok()) return Fail(kCommand, key.status());
  auto log = ledger::EmbeddedLog::Open(log_dir, {.partitions = partitions});
  if (!log.ok()) return Fail(kCommand, log.status());
  const schemas::SalesDecider decider;
  // Personal fields are sealed as ledgerd seals them (ingest/sealing.h).
  std::unique_ptr<ingest::SubjectKeys> keys;
  if (vm.count("master-key-file")) {
    auto master = ingest::ReadMasterKey(vm["master-key-file"].as<std::string>());
    if (!master.ok()) return Fail(kCommand, master.status());
    auto opened = ingest::SubjectKeys::Open(data / "subject-keys", *master);
    if (!opened.ok()) return Fail(kCommand, opened.status());
    keys = std::move(opened).value();
  }
  const ingest::PersonalDataSealer sealer(keys.get());
  auto writer = ledger::Writer::Open(**log, *key, decider, ledger::SystemClock::Instance(),
                                     {.sealer = &sealer});
  if (!writer.ok()) return Fail(kCommand, writer.status());
  Importer importer(in, file, **writer, vm["actor"].as<std::string>(), vm["batch"].as<size_t>(),
                    vm["concurrency"].as<unsigned>(), keys.get());
  const int code = importer.Run();
  (*writer)->Close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "ledgerctl append: %llu events appended, %llu replayed, from %s in %.3f s\n",
               static_cast<unsigned long long>(importer.appended()),
               static_cast<unsigned long long>(importer.replayed()), file.c_str(), seconds);
  return code;
}

}  // namespace

int RunAppend(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(),
      "the data dir (created if absent): DIR/log and DIR/keys");
  add("file", po::value<std::string>()->required(),
      "the NDJSON commands, one a line ('-' for stdin)");
  add("actor", po::value<std::string>()->default_value("ops:ledgerctl"),
      "who appends, e.g. user:alice");
  add("batch", po::value<size_t>()->default_value(kBatchDefault),
      "commands per batch (1..1000); a batch is appended atomically");
  add("concurrency", po::value<unsigned>()->default_value(1),
      "batches in flight at once (1..64); they share fsyncs and keep the file's order");
  add("partitions", po::value<uint32_t>(),
      "partitions of a new log (default 4; an existing log keeps its own)");
  add("master-key-file", po::value<std::string>(),
      "the master key ledgerd uses (--master-key-file): personal fields are sealed with "
      "DIR/subject-keys, and contact.erased destroys the contact's key; without it, "
      "commands with personal fields are refused");
  Parsed parsed = Parse(
      kCommand, "append --data DIR --file F.ndjson [OPTIONS]",
      "Appends commands ({\"type\",\"subject\",\"data\", optional \"id\", \"occurredat\",\n"
      "\"expectedversion\", ...}) to the log of a stopped ledger, signing with "
      "DIR/keys/ledger.key\n"
      "(created if absent). After each batch is durable, prints one line per command to stdout:\n"
      "{\"line\":N,\"id\":..,\"partition\":..,\"ledgerseq\":..,\"streamversion\":..,\"hash\":..,\n"
      "\"replayed\":..} (replayed: the id was appended before; nothing new was written).\n"
      "A bad line or a rejected command is printed to stderr as 'FILE:LINE: reason', once per\n"
      "violation, and stops the import with exit code 2: nothing of that batch is appended;\n"
      "batches before it (and, with --concurrency, batches already in flight) are, and their\n"
      "lines are printed.",
      options, args);
  if (parsed.done) return parsed.exit;
  const po::variables_map& vm = parsed.vm;
  const size_t batch = vm["batch"].as<size_t>();
  if (batch < 1 || batch > ledger::WriterOptions{}.batch_commands_max) {
    return Fail(kCommand,
                "--batch must be 1.." + std::to_string(ledger::WriterOptions{}.batch_commands_max),
                kExitUsage);
  }
  const unsigned concurrency = vm["concurrency"].as<unsigned>();
  if (concurrency < 1 || concurrency > kConcurrencyMax) {
    return Fail(kCommand, "--concurrency must be 1.." + std::to_string(kConcurrencyMax),
                kExitUsage);
  }
  const std::string actor = vm["actor"].as<std::string>();
  if (actor.empty() || actor.size() > ledger::kActorBytesMax) {
    return Fail(kCommand, "--actor must be 1.." + std::to_string(ledger::kActorBytesMax) + " bytes",
                kExitUsage);
  }
  const std::string file = vm["file"].as<std::string>();
  if (file == "-") return Import(vm["data"].as<std::string>(), "<stdin>", std::cin, vm);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(kCommand, "cannot open " + file, kExitUsage);
  return Import(vm["data"].as<std::string>(), file, in, vm);
}

}  // namespace ledgerctl
