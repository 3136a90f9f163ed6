// ledgerctl feed: the log as NDJSON feed lines (ledger::FeedLine), partition by partition.
#include <cstdio>

#include "ledger/embedded_log.h"
#include "ledger/partition.h"
#include "ledger/record.h"
#include "ops/ledgerctl_common.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

constexpr std::string_view kCommand = "feed";
constexpr size_t kReadRecordsMax = 1024;  // records read from the log at a time

// Prints partition `p` from `from` to its end; returns the exit code.
int FeedPartition(const ledger::EmbeddedLog& log, uint32_t p, uint64_t from) {
  std::vector<ledger::StoredRecord> stored;
  for (uint64_t next = from;;) {
    if (ledger::Status s = log.Read(p, next, kReadRecordsMax, &stored); !s.ok())
      return Fail(kCommand, s);
    if (stored.empty()) return kExitOk;
    for (const ledger::StoredRecord& sr : stored) {
      auto record = ledger::DecodeRecordValue(sr.value, sr.partition, sr.ledgerseq);
      if (!record.ok()) {
        std::fflush(stdout);
        return Fail(kCommand,
                    "partition " + std::to_string(sr.partition) + " ledgerseq " +
                        std::to_string(sr.ledgerseq) + ": " + record.status().message(),
                    kExitFailure);
      }
      const std::string line = ledger::FeedLine(*record);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    }
    next = stored.back().ledgerseq + 1;
  }
}

}  // namespace

int RunFeed(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(),
      "the data dir: reads DIR/log (opened read-only)");
  add("partition", po::value<uint32_t>(),
      "only this partition (default: every partition, in order)");
  add("from", po::value<uint64_t>()->default_value(0), "start at this ledgerseq in each partition");
  Parsed parsed =
      Parse(kCommand, "feed --data DIR [--partition P] [--from SEQ]",
            "Prints the log's records as NDJSON, one '{\"event\":{...},\"kid\":..,\"sig\":..}' a\n"
            "line, each partition in ledgerseq order. A feed of every partition from 0 is\n"
            "what 'ledgerctl verify --ndjson' checks.",
            options, args);
  if (parsed.done) return parsed.exit;
  const fs::path dir = LogDir(parsed.vm["data"].as<std::string>());
  if (!fs::is_directory(dir)) return Fail(kCommand, "no event log at " + dir.string(), kExitUsage);
  auto log = ledger::EmbeddedLog::Open(dir, {.read_only = true});
  if (!log.ok()) return Fail(kCommand, log.status());
  const uint32_t partitions = (*log)->partitions();
  uint32_t first = 0, last = partitions - 1;
  if (parsed.vm.count("partition")) {
    first = last = parsed.vm["partition"].as<uint32_t>();
    if (first >= partitions) {
      return Fail(kCommand,
                  "--partition " + std::to_string(first) + ": the log has " +
                      std::to_string(partitions) + " partitions",
                  kExitUsage);
    }
  }
  const uint64_t from = parsed.vm["from"].as<uint64_t>();
  for (uint32_t p = first; p <= last; ++p) {
    if (int code = FeedPartition(**log, p, from); code != kExitOk) return code;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    return Fail(kCommand, "cannot write to stdout", kExitFailure);
  return kExitOk;
}

}  // namespace ledgerctl
