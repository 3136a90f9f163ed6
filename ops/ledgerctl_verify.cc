// ledgerctl verify: a whole embedded log (--data), a Kafka topic (--kafka-brokers) or a
// captured NDJSON feed (--ndjson).
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "ledger/embedded_log.h"
#include "ledger/event.h"
#include "ledger/kafka_log.h"
#include "ledger/keys.h"
#include "ledger/partition.h"
#include "ledger/record.h"
#include "ledger/verify.h"
#include "ops/ledgerctl_common.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kCommand = "verify";
// Feed lines checked per round (their signatures in parallel), bounding memory.
constexpr size_t kFeedChunkLines = 4096;
constexpr size_t kFeedLineBytesMax = 2 * ledger::kEventBytesMax;

// A Kafka record as `kcat -C -J` prints it: {"topic":..,"partition":P,"offset":O,
// "headers":["NAME","VALUE",...],"key":"..","payload":".."}, checked like any record
// read from the topic (ledgerseq = offset, headers agreeing with the event).
ledger::Result<ledger::SignedRecord> ParseKcatLine(const boost::json::object& o) {
  const auto* partition = o.if_contains("partition");
  const auto* offset = o.if_contains("offset");
  const auto* key = o.if_contains("key");
  const auto* payload = o.if_contains("payload");
  const auto* headers = o.if_contains("headers");
  if (partition == nullptr || !partition->is_int64() || partition->as_int64() < 0 ||
      offset == nullptr || !offset->is_int64() || offset->as_int64() < 0 || key == nullptr ||
      !key->is_string() || payload == nullptr || !payload->is_string() || headers == nullptr ||
      !headers->is_array() || headers->as_array().size() % 2 != 0) {
    return ledger::Status::Invalid(
        "a kcat -J line needs partition, offset, key, payload and headers (name, value, ...)");
  }
  ledger::kafka::Headers list;
  const boost::json::array& h = headers->as_array();
  for (size_t i = 0; i < h.size(); i += 2) {
    if (!h[i].is_string() || !h[i + 1].is_string())
      return ledger::Status::Invalid("kcat -J headers must be strings");
    list.emplace_back(std::string(h[i].as_string()), std::string(h[i + 1].as_string()));
  }
  return ledger::SignedRecordFromKafka(static_cast<uint32_t>(partition->as_int64()),
                                       offset->as_int64(), key->as_string(), payload->as_string(),
                                       list);
}

// A feed line, or a Kafka record captured by kcat -J (told apart by its "payload").
ledger::Result<ledger::SignedRecord> ParseCapturedLine(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (!ec && v.is_object() && v.as_object().contains("payload"))
    return ParseKcatLine(v.as_object());
  return ledger::ParseFeedLine(text);
}

struct Totals {
  uint64_t events = 0;
  uint64_t subjects = 0;
  uint64_t signatures_checked = 0;
  std::map<uint32_t, ledger::PartitionSummary> partitions;
};

void PrintSummary(const Totals& t, double seconds) {
  std::printf("verify: OK\n");
  std::printf("events: %llu\n", static_cast<unsigned long long>(t.events));
  std::printf("partitions: %zu\n", t.partitions.size());
  for (const auto& [p, summary] : t.partitions) {
    std::printf("  partition %u: %llu events, head %s\n", p,
                static_cast<unsigned long long>(summary.events),
                summary.events == 0 ? "-" : ledger::Hex(summary.last).c_str());
  }
  std::printf("subjects: %llu\n", static_cast<unsigned long long>(t.subjects));
  std::printf("signatures checked: %llu\n", static_cast<unsigned long long>(t.signatures_checked));
  const double rate = seconds > 0 ? static_cast<double>(t.events) / seconds : 0.0;
  std::printf("elapsed: %.3f s (%.0f events/s)\n", seconds, rate);
}

int Failed(const std::string& where, const std::string& reason) {
  std::fprintf(stderr, "verify: FAILED at %s: %s\n", where.c_str(), reason.c_str());
  return kExitVerifyFailed;
}

std::string Position(uint32_t partition, uint64_t ledgerseq) {
  return "partition " + std::to_string(partition) + " ledgerseq " + std::to_string(ledgerseq);
}

// Verifies an opened log and prints the summary or the first broken link. With
// `positioned_corruption`, a kCorruption from reading the log names a position (the Kafka
// log's "partition P ledgerseq S: reason" for a message that is no ledger record) and is
// a broken link like any other.
int VerifyOpened(const ledger::EventLog& log, const ledger::Keyring& keys,
                 const ledger::VerifyOptions& options, Clock::time_point start,
                 bool positioned_corruption) {
  auto report = ledger::VerifyLog(log, keys, options);
  if (positioned_corruption && !report.ok() &&
      report.status().code() == ledger::Code::kCorruption) {
    std::fprintf(stderr, "verify: FAILED at %s\n", report.status().message().c_str());
    return kExitVerifyFailed;
  }
  if (!report.ok()) return Fail(kCommand, report.status());
  if (report->failure) {
    return Failed(Position(report->failure->partition, report->failure->ledgerseq),
                  report->failure->reason);
  }
  Totals totals{report->events, report->subjects, report->signatures_checked, {}};
  for (uint32_t p = 0; p < report->partitions.size(); ++p)
    totals.partitions[p] = report->partitions[p];
  PrintSummary(totals, std::chrono::duration<double>(Clock::now() - start).count());
  return kExitOk;
}

int VerifyData(const fs::path& log_dir, const ledger::Keyring& keys,
               const ledger::VerifyOptions& options) {
  const auto start = Clock::now();
  auto log = ledger::EmbeddedLog::Open(log_dir, {.read_only = true});
  if (!log.ok()) return Fail(kCommand, log.status());
  return VerifyOpened(**log, keys, options, start, false);
}

int VerifyKafka(const po::variables_map& vm, const ledger::Keyring& keys,
                const ledger::VerifyOptions& options) {
  const auto start = Clock::now();
  auto log = OpenKafkaLog(vm);
  if (!log.ok()) return Fail(kCommand, log.status());
  return VerifyOpened(**log, keys, options, start, true);
}

// A feed is checked in chunks of lines: each line's chain links on the way, then the
// chunk's signatures in parallel. The first failing line is reported.
class FeedVerifier {
 public:
  FeedVerifier(std::string file, uint32_t partitions, const ledger::Keyring& keys, bool signatures,
               unsigned threads)
      : file_(std::move(file)),
        partitions_(partitions),
        keys_(keys),
        signatures_(signatures),
        threads_(threads) {}

  // Returns the failure ("FILE:LINE: ..."), or nullopt when every line so far is good.
  std::optional<std::string> Line(size_t number, std::string_view text) {
    auto record = ParseCapturedLine(text);
    if (!record.ok()) return Flush(number, record.status().message());
    if (record->partition >= partitions_) {
      return Flush(number, Position(record->partition, record->ledgerseq) + ": the feed has " +
                               std::to_string(partitions_) + " partitions (see --partitions)");
    }
    auto it = chains_.find(record->partition);
    if (it == chains_.end()) {
      it = chains_
               .emplace(record->partition,
                        ledger::ChainVerifier(record->partition, partitions_, keys_))
               .first;
    }
    if (auto why = it->second.Check(*record)) {
      return Flush(number, Position(record->partition, record->ledgerseq) + ": " + *why);
    }
    pending_.push_back(std::move(*record));
    pending_lines_.push_back(number);
    if (pending_.size() >= kFeedChunkLines) return Flush(0, "");
    return std::nullopt;
  }

  // Checks the signatures of the lines before `failed_line` (0: all pending); returns
  // the earliest failure, the bad signature's or the given one.
  std::optional<std::string> Flush(size_t failed_line, const std::string& reason) {
    std::optional<std::string> failure;
    if (failed_line != 0) failure = file_ + ":" + std::to_string(failed_line) + ": " + reason;
    if (signatures_ && !pending_.empty()) {
      if (auto bad = ledger::FirstBadSignature(pending_, pending_.size(), keys_, threads_)) {
        const ledger::SignedRecord& r = pending_[*bad];
        failure = file_ + ":" + std::to_string(pending_lines_[*bad]) + ": " +
                  Position(r.partition, r.ledgerseq) + ": the signature does not verify";
      } else {
        totals_.signatures_checked += pending_.size();
      }
    }
    if (!failure) {
      totals_.events += pending_.size();
      for (const ledger::SignedRecord& r : pending_)
        totals_.partitions[r.partition] = {r.ledgerseq + 1, r.leaf_hash()};
    }
    pending_.clear();
    pending_lines_.clear();
    return failure;
  }

  Totals totals() const {
    Totals t = totals_;
    for (const auto& [p, chain] : chains_) t.subjects += chain.subjects();
    return t;
  }

 private:
  const std::string file_;
  const uint32_t partitions_;
  const ledger::Keyring& keys_;
  const bool signatures_;
  const unsigned threads_;
  std::map<uint32_t, ledger::ChainVerifier> chains_;
  std::vector<ledger::SignedRecord> pending_;
  std::vector<size_t> pending_lines_;
  Totals totals_;
};

int VerifyFeed(const std::string& file, uint32_t partitions, const ledger::Keyring& keys,
               const ledger::VerifyOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(kCommand, "cannot open " + file, kExitUsage);
  const auto start = Clock::now();
  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  FeedVerifier verifier(file, partitions, keys, options.signatures, threads);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::optional<std::string> failure;
    if (line.size() > kFeedLineBytesMax) {
      failure = verifier.Flush(
          number, "the line is longer than " + std::to_string(kFeedLineBytesMax) + " bytes");
    } else if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;  // blank lines carry nothing to verify
    } else {
      failure = verifier.Line(number, line);
    }
    if (failure) {
      std::fprintf(stderr, "verify: FAILED at %s\n", failure->c_str());
      return kExitVerifyFailed;
    }
  }
  if (in.bad()) return Fail(kCommand, "cannot read " + file, kExitFailure);
  if (auto failure = verifier.Flush(0, "")) {
    std::fprintf(stderr, "verify: FAILED at %s\n", failure->c_str());
    return kExitVerifyFailed;
  }
  PrintSummary(verifier.totals(), std::chrono::duration<double>(Clock::now() - start).count());
  return kExitOk;
}

}  // namespace

int RunVerify(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>(),
      "the data dir: verifies the event log at DIR/log (opened read-only, so ledgerd may keep "
      "running)");
  AddKafkaOptions(add, "verify a Kafka topic instead (needs --vkeys)");
  add("ndjson", po::value<std::string>(),
      "verify a captured feed instead: one `ledgerctl feed` or GET /v1/feed line per line, "
      "or the topic as `kcat -C -J` prints it; each partition complete from ledgerseq 0 and "
      "in order");
  add("vkeys", po::value<std::string>(),
      "trusted verifier keys, one a line (default DIR/keys/ledger.vkeys; required with --ndjson)");
  add("partitions", po::value<uint32_t>()->default_value(ledger::kPartitionsDefault),
      "with --ndjson: the ledger's partition count, to check each subject's placement");
  add("access", "with --data: verify the access log (DIR/access, keys DIR/access-keys/) instead");
  add("no-signatures", "check the hash chains only, not the Ed25519 signatures");
  add("threads", po::value<unsigned>()->default_value(0),
      "threads checking signatures (0 = one per core)");
  Parsed parsed =
      Parse(kCommand,
            "verify (--data DIR | --kafka-brokers HOST:PORT[,...] --vkeys FILE | --ndjson FILE "
            "--vkeys FILE) [OPTIONS]",
            "Checks canonical bytes, leaf hashes, the partition and subject hash chains, stream\n"
            "versions, placement and signatures. Prints a summary and exits 0, or prints\n"
            "'verify: FAILED at partition P ledgerseq S: <reason>' (for a feed: 'FILE:LINE: ...')\n"
            "to stderr and exits 1 at the first broken link.",
            options, args);
  if (parsed.done) return parsed.exit;
  const po::variables_map& vm = parsed.vm;
  if (vm.count("data") + vm.count("ndjson") + vm.count("kafka-brokers") != 1) {
    return Fail(kCommand,
                "give exactly one of --data, --kafka-brokers and --ndjson (see ledgerctl verify "
                "--help)",
                kExitUsage);
  }
  if (vm.count("ndjson") && !vm.count("vkeys")) {
    return Fail(kCommand, "--ndjson needs --vkeys FILE (the keys you trust)", kExitUsage);
  }
  if (vm.count("kafka-brokers") && !vm.count("vkeys")) {
    return Fail(kCommand, "--kafka-brokers needs --vkeys FILE (the keys you trust)", kExitUsage);
  }
  const uint32_t partitions = vm["partitions"].as<uint32_t>();
  if (partitions < 1 || partitions > ledger::kPartitionsMax) {
    return Fail(kCommand, "--partitions must be 1.." + std::to_string(ledger::kPartitionsMax),
                kExitUsage);
  }
  const unsigned threads = vm["threads"].as<unsigned>();
  if (threads > 256) return Fail(kCommand, "--threads must be 0..256", kExitUsage);
  const ledger::VerifyOptions verify{.signatures = vm.count("no-signatures") == 0,
                                     .threads = threads};

  const bool access = vm.count("access") > 0;
  if (access && !vm.count("data")) return Fail(kCommand, "--access needs --data DIR", kExitUsage);
  fs::path log_dir;
  if (vm.count("data")) {
    const fs::path data = vm["data"].as<std::string>();
    log_dir = access ? data / "access" : LogDir(data);
    if (!fs::is_directory(log_dir))
      return Fail(kCommand, "no event log at " + log_dir.string(), kExitUsage);
  }
  const fs::path vkeys =
      vm.count("vkeys") ? fs::path(vm["vkeys"].as<std::string>())
      : access          ? fs::path(vm["data"].as<std::string>()) / "access-keys" / "ledger.vkeys"
                        : VerifierKeysFile(vm["data"].as<std::string>());
  if (!fs::is_regular_file(vkeys))
    return Fail(kCommand, "no verifier keys file " + vkeys.string(), kExitUsage);
  auto keys = ledger::LoadVerifierKeys(vkeys);
  if (!keys.ok()) return Fail(kCommand, keys.status());
  if (keys->keys().empty())
    return Fail(kCommand, vkeys.string() + " lists no verifier keys", kExitUsage);

  if (vm.count("data")) return VerifyData(log_dir, *keys, verify);
  if (vm.count("kafka-brokers")) return VerifyKafka(vm, *keys, verify);
  return VerifyFeed(vm["ndjson"].as<std::string>(), partitions, *keys, verify);
}

}  // namespace ledgerctl
