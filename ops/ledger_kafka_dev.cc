// ledger-kafka-dev: a Kafka cluster for trying the ledger's Kafka path on a laptop.
//
// Starts librdkafka's in-memory mock cluster (real Kafka protocol on loopback TCP),
// creates the topic, prints "bootstrap.servers=HOST:PORT,..." as its first line, and
// serves until SIGTERM/SIGINT, then exits 0. Not for data: see the warning it prints and
// docs/OPERATIONS.md, "Trying the Kafka path on a laptop".
#include <signal.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "ledger/kafka.h"
#include "ledger/partition.h"

namespace po = boost::program_options;

namespace {

constexpr int kBrokersMax = 16;

struct Options {
  int brokers = 3;
  std::string topic = "sales-ledger";
  uint32_t partitions = ledger::kPartitionsDefault;
};

// Returns the exit code when the program should stop now, -1 to go on.
int ParseOptions(int argc, char** argv, Options& o) {
  po::options_description opts("ledger-kafka-dev options");
  opts.add_options()("help,h", "show this help")(
      "brokers", po::value(&o.brokers)->default_value(o.brokers), "number of mock brokers")(
      "topic", po::value(&o.topic)->default_value(o.topic), "topic to create")(
      "partitions", po::value(&o.partitions)->default_value(o.partitions),
      "partitions of the topic (give ledgerd the same count)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ledger-kafka-dev: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: ledger-kafka-dev [options]\n\n"
              << "Runs librdkafka's in-memory mock Kafka cluster until SIGTERM/SIGINT.\n\n"
              << opts;
    return 0;
  }
  if (o.brokers < 1 || o.brokers > kBrokersMax) {
    std::cerr << "ledger-kafka-dev: --brokers must be 1.." << kBrokersMax << "\n";
    return 2;
  }
  if (o.partitions < 1 || o.partitions > ledger::kPartitionsMax) {
    std::cerr << "ledger-kafka-dev: --partitions must be 1.." << ledger::kPartitionsMax << "\n";
    return 2;
  }
  if (o.topic.empty()) {
    std::cerr << "ledger-kafka-dev: --topic must not be empty\n";
    return 2;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int code = ParseOptions(argc, argv, o); code >= 0) return code;

  // Block the stop signals before librdkafka starts its threads; main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cluster = ledger::kafka::MockCluster::Start(o.brokers);
  if (!cluster.ok()) {
    std::cerr << "ledger-kafka-dev: " << cluster.status().ToString() << "\n";
    return 1;
  }
  if (ledger::Status s = (*cluster)->CreateTopic(o.topic, o.partitions); !s.ok()) {
    std::cerr << "ledger-kafka-dev: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "bootstrap.servers=" << (*cluster)->bootstraps() << std::endl;
  std::cout << "WARNING: this is librdkafka's in-memory mock cluster (" << o.brokers
            << " brokers; topic " << o.topic << " with " << o.partitions
            << " partitions): nothing is persisted, it keeps only about 5 MB per partition "
               "and drops older data, and it does not fence transactional producers. For "
               "trying the Kafka path, not for data."
            << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "ledger-kafka-dev: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping\n";
  cluster->reset();
  return 0;
}
