#include "ops/ledgerctl_common.h"

#include <cstdio>
#include <iostream>

#include "ledger/keys.h"

namespace ledgerctl {

namespace po = boost::program_options;

std::filesystem::path LogDir(const std::filesystem::path& data) { return data / "log"; }
std::filesystem::path KeysDir(const std::filesystem::path& data) { return data / "keys"; }
std::filesystem::path VerifierKeysFile(const std::filesystem::path& data) {
  return KeysDir(data) / ledger::kVerifierKeysFile;
}

int ExitFor(const ledger::Status& status) {
  switch (status.code()) {
    case ledger::Code::kOk:
      return kExitOk;
    case ledger::Code::kInvalidArgument:
    case ledger::Code::kNotFound:
    case ledger::Code::kConflict:
    case ledger::Code::kIllegalTransition:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int Fail(std::string_view command, const std::string& message, int code) {
  std::fprintf(stderr, "ledgerctl %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               message.c_str());
  return code;
}

int Fail(std::string_view command, const ledger::Status& status) {
  std::string message = status.message();
  for (const ledger::Violation& v : status.violations()) {
    message += "; " + (v.pointer.empty() ? std::string("/") : v.pointer) + ": " + v.reason;
  }
  return Fail(command, message, ExitFor(status));
}

Parsed Parse(std::string_view command, std::string_view synopsis, std::string_view description,
             po::options_description& options, const std::vector<std::string>& args) {
  options.add_options()("help,h", "print this help and exit");
  Parsed parsed;
  try {
    po::store(po::command_line_parser(args).options(options).run(), parsed.vm);
    if (parsed.vm.count("help")) {
      std::cout << "usage: ledgerctl " << synopsis << "\n\n"
                << description << "\n\n"
                << options << std::flush;
      parsed.done = true;
      return parsed;
    }
    po::notify(parsed.vm);
  } catch (const po::error& e) {
    Fail(command, std::string(e.what()) + " (see ledgerctl " + std::string(command) + " --help)",
         kExitUsage);
    parsed.done = true;
    parsed.exit = kExitUsage;
  }
  return parsed;
}

void AddKafkaOptions(boost::program_options::options_description_easy_init& add,
                     std::string_view what) {
  namespace po = boost::program_options;
  add("kafka-brokers", po::value<std::string>(),
      (std::string(what) + ": bootstrap servers HOST:PORT[,...] (the topic is read as of "
                           "opening, never created)")
          .c_str());
  add("kafka-topic",
      po::value<std::string>()->default_value(std::string(ledger::kKafkaTopicDefault)),
      "with --kafka-brokers: the ledger's topic");
  add("kafka-config", po::value<std::vector<std::string>>(),
      "with --kafka-brokers: a librdkafka setting KEY=VALUE (repeatable), e.g. "
      "security.protocol=SSL");
}

ledger::Result<std::unique_ptr<ledger::KafkaLog>> OpenKafkaLog(
    const boost::program_options::variables_map& vm) {
  ledger::KafkaLogOptions kafka{.brokers = vm["kafka-brokers"].as<std::string>(),
                                .topic = vm["kafka-topic"].as<std::string>()};
  if (vm.count("kafka-config")) {
    for (const std::string& setting : vm["kafka-config"].as<std::vector<std::string>>()) {
      if (ledger::Status s = kafka.config.Add(setting); !s.ok())
        return ledger::Status::Invalid("--kafka-config " + setting + ": " + s.message());
    }
  }
  return ledger::KafkaLog::Open(kafka);
}

}  // namespace ledgerctl
