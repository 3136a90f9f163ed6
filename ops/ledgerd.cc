// ledgerd: the sales ledger server. Opens the embedded log in --data (or the Kafka topic
// of --kafka-brokers), loads (or creates) the signing key, and serves the HTTP API until
// SIGTERM/SIGINT, then stops accepting, finishes in-flight appends and exits 0.
#include <signal.h>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "ingest/access_log.h"
#include "ingest/admin_api.h"
#include "ingest/analytics_api.h"
#include "ingest/api.h"
#include "ingest/http_server.h"
#include "ingest/proofs_api.h"
#include "ingest/records_api.h"
#include "ingest/sealing.h"
#include "ingest/tokens.h"
#include "ledger/embedded_log.h"
#include "ledger/kafka_log.h"
#include "ledger/partition.h"
#include "ledger/rocks_memory.h"
#include "ledger/writer.h"
#include "ops/backup_service.h"
#include "ops/sales_models.h"
#include "projections/views.h"
#include "schemas/iso_codes.h"
#include "schemas/record_state.h"
#include "schemas/sales.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct Config {
  fs::path data = "./data";
  std::string listen = "127.0.0.1:8080";
  uint32_t partitions = 0;  // the existing log's own, or the default for a new log
  size_t cache_mb = ledger::RocksMemoryLimits().block_cache_bytes_max >> 20;
  size_t write_buffers_mb = ledger::RocksMemoryLimits().write_buffers_bytes_max >> 20;
  std::string name = "sales-ledger";
  std::string key_file;
  unsigned threads = 0;
  size_t body_bytes_max = 4 * 1024 * 1024;
  unsigned read_wait_ms = 5000;
  std::string reporting_currency = "CNY";
  size_t analytics_facts_max = 2'000'000;
  std::string kafka_brokers;  // empty: the embedded log
  std::string kafka_topic = std::string(ledger::kKafkaTopicDefault);
  std::vector<std::string> kafka_config;
  std::string group;  // non-empty: a query node projecting in this consumer group
  std::string vkeys;  // verifier keys; default DATA/keys/ledger.vkeys
  uint64_t checkpoint_events = 1000;
  unsigned checkpoint_interval_ms = 1000;
  std::string tokens;           // default DATA/tokens.json
  std::string master_key_file;  // seals personal fields; outside the data dir
  bool dev_open = false;
  double rate = 0;  // requests per second per token; 0 = unlimited
  double burst = 0;
  unsigned read_timeout_s = ingest::ServerOptions{}.read_timeout_s;
  size_t header_bytes_max = ingest::ServerOptions{}.header_bytes_max;
  std::string tls_cert;  // both set: serve HTTPS only
  std::string tls_key;
  bool read_only = false;  // serve a point-in-time copy: no writer, no signing key
  std::string backup_dir;  // empty: POST /v1/admin/backups answers 503
  unsigned backup_every_s = 0;
  unsigned backup_keep = 0;
  std::string subject_keys_backup_dir;
  unsigned subject_keys_keep = 0;
};

// Whether `host` is a loopback address (or "localhost"): --dev-open serves only there.
bool Loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// Parses flags and the optional config file (key = value lines, same names as flags).
int ParseConfig(int argc, char** argv, Config& c) {
  po::options_description opts("ledgerd options");
  std::string config_file;
  opts.add_options()("help,h", "show this help")("data", po::value(&c.data)->default_value(c.data),
                                                 "data directory: log/, keys/")(
      "listen", po::value(&c.listen)->default_value(c.listen),
      "HOST:PORT to serve HTTP on (PORT 0 = any free port)")(
      "partitions", po::value(&c.partitions),
      "partitions of a new log (default 4); an existing log keeps its own, and a different "
      "value given here is an error")("name", po::value(&c.name)->default_value(c.name),
                                      "ledger name: CloudEvents source and key name")(
      "key-file", po::value(&c.key_file),
      "private key file (PRIVATE+KEY+...); default DATA/keys/ledger.key, created if absent")(
      "threads", po::value(&c.threads)->default_value(0), "HTTP threads (0 = one per core)")(
      "body-bytes-max", po::value(&c.body_bytes_max)->default_value(c.body_bytes_max),
      "largest request body")(
      "read-wait-ms", po::value(&c.read_wait_ms)->default_value(c.read_wait_ms),
      "longest wait of a read with ?after=P:SEQ for the views to include that position "
      "(then 503)")("kafka-brokers", po::value(&c.kafka_brokers),
                    "HOST:PORT[,...]: keep the events in this Kafka cluster instead of the "
                    "embedded log (the writer state goes to DATA/kafka-state)")(
      "kafka-topic", po::value(&c.kafka_topic)->default_value(c.kafka_topic),
      "the ledger's topic; created with --partitions if missing")(
      "kafka-config", po::value(&c.kafka_config)->composing(),
      "KEY=VALUE librdkafka setting for every Kafka client, e.g. security.protocol=ssl "
      "(repeatable)")("group", po::value(&c.group),
                      "with --kafka-brokers: run as a query node in this Kafka consumer group: "
                      "project only the partitions the group assigns, serve reads, take no "
                      "appends")(
      "checkpoint-events", po::value(&c.checkpoint_events)->default_value(c.checkpoint_events),
      "sign a checkpoint of a partition's Merkle tree once this many of its events are not "
      "covered by one")(
      "checkpoint-interval-ms",
      po::value(&c.checkpoint_interval_ms)->default_value(c.checkpoint_interval_ms),
      "... or once the oldest of them has waited this long")(
      "tokens", po::value(&c.tokens),
      "the bearer tokens file (default DATA/tokens.json; ledgerctl tokens create adds to it, "
      "and ledgerd sees changes within a second)")(
      "master-key-file", po::value(&c.master_key_file),
      "the master key wrapping each data subject's key (ledgerctl keys master --out FILE); "
      "keep it outside the data dir and its backups. Without it, personal fields are refused")(
      "dev-open", po::bool_switch(&c.dev_open),
      "let every request in, with every right, as user:dev: for a demo on a loopback "
      "address only, never in production")(
      "read-timeout-s", po::value(&c.read_timeout_s)->default_value(c.read_timeout_s),
      "a client must send a whole request (headers and body) within this many seconds, "
      "else its connection is dropped (slow or idle clients)")(
      "header-bytes-max", po::value(&c.header_bytes_max)->default_value(c.header_bytes_max),
      "the largest request header; beyond it: 431 and the connection is closed")(
      "rate-per-token", po::value(&c.rate)->default_value(c.rate),
      "requests per second each token may send (0 = unlimited); over it: 429 Retry-After")(
      "reporting-currency", po::value(&c.reporting_currency)->default_value(c.reporting_currency),
      "the currency analytics report in when a request names none (?currency=)")(
      "analytics-facts-max",
      po::value(&c.analytics_facts_max)->default_value(c.analytics_facts_max),
      "the most facts (events) one analytics request folds; beyond it: 503")(
      "cache-mb", po::value(&c.cache_mb)->default_value(c.cache_mb),
      "MiB of block cache shared by every database (log, views, access log), index and "
      "filter blocks included")(
      "write-buffers-mb", po::value(&c.write_buffers_mb)->default_value(c.write_buffers_mb),
      "MiB of memtables shared by every database; beyond it the largest is flushed")(
      "rate-burst", po::value(&c.burst)->default_value(c.burst),
      "requests a token may send at once before the rate applies (default: one second's)")(
      "vkeys", po::value(&c.vkeys),
      "verifier keys the projections trust (default DATA/keys/ledger.vkeys; a query node "
      "needs the writer's)")(
      "config", po::value(&config_file),
      "file of option = value lines, e.g. listen = 0.0.0.0:8080; flags given "
      "on the command line win");
  opts.add_options()("tls-cert", po::value(&c.tls_cert),
                     "PEM certificate chain (the server's certificate first): serve HTTPS only "
                     "(TLS 1.2+); needs --tls-key; read at start, so a new one needs a restart")(
      "tls-key", po::value(&c.tls_key),
      "PEM private key (unencrypted) of --tls-cert's certificate");
  opts.add_options()("read-only", po::bool_switch(&c.read_only),
                     "serve DATA read-only (a copy made by ledgerctl replay --until --into): no "
                     "writer and no signing key; every write is answered 405")(
      "backup-dir", po::value(&c.backup_dir),
      "keep backup sets here (POST /v1/admin/backups, --backup-every-s); ledgerctl backup "
      "list|verify|restore read it")(
      "backup-every-s", po::value(&c.backup_every_s)->default_value(0),
      "take a backup set every this many seconds (0 = only when asked)")(
      "backup-keep", po::value(&c.backup_keep)->default_value(0),
      "keep the newest this many backup sets, deleting older ones (0 = all)")(
      "subject-keys-backup-dir", po::value(&c.subject_keys_backup_dir),
      "with each backup set, back DATA/subject-keys up here, apart from the ledger")(
      "subject-keys-keep", po::value(&c.subject_keys_keep)->default_value(0),
      "keep the newest this many subject-key backups (0 = all): an erased key leaves "
      "the backups once this many newer ones exist");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    if (vm.count("config")) {
      std::ifstream in(vm["config"].as<std::string>());
      if (!in) {
        std::cerr << "ledgerd: cannot read config file " << vm["config"].as<std::string>() << "\n";
        return 2;
      }
      po::store(po::parse_config_file(in, opts), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ledgerd: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: ledgerd [options]\n\n" << opts;
    return 0;
  }
  return -1;
}

// The combinations of --read-only, --group and the backup options that make no sense;
// -1 when the configuration is fine.
int CheckModes(const Config& c) {
  const char* wrong = nullptr;
  if (c.read_only && !c.kafka_brokers.empty())
    wrong = "--read-only serves a copy of an embedded log (ledgerctl replay --until --into)";
  else if (!c.backup_dir.empty() && (c.read_only || !c.kafka_brokers.empty()))
    wrong = "--backup-dir backs up the embedded log of a writer, not a --read-only copy or Kafka";
  else if (c.backup_dir.empty() &&
           (c.backup_every_s > 0 || c.backup_keep > 0 || !c.subject_keys_backup_dir.empty()))
    wrong = "--backup-every-s, --backup-keep and --subject-keys-backup-dir need --backup-dir";
  if (wrong == nullptr) return -1;
  std::cerr << "ledgerd: " << wrong << "\n";
  return 2;
}

// With --backup-dir: ledgerd's backups on its open databases, started (its schedule),
// and `hooks` answering /v1/admin/backups through them. Null without --backup-dir.
std::unique_ptr<ops::BackupService> StartBackups(const Config& c, ledger::EmbeddedLog* log,
                                                 const projections::LiveViews& views,
                                                 const ingest::AccessLog* access,
                                                 const ingest::SubjectKeys* subject_keys,
                                                 ingest::AdminHooks& hooks) {
  if (c.backup_dir.empty()) return nullptr;
  LEDGER_ASSERT(log != nullptr);  // CheckModes: only on the embedded log
  auto backups = std::make_unique<ops::BackupService>(
      ops::BackupServiceOptions{.data = c.data,
                                .backup_dir = c.backup_dir,
                                .keep = c.backup_keep,
                                .subject_keys_dir = c.subject_keys_backup_dir,
                                .subject_keys_keep = c.subject_keys_keep,
                                .every = std::chrono::seconds(c.backup_every_s)},
      *log, views, access, subject_keys);
  ops::BackupService* service = backups.get();
  hooks.create_backup = [service] { return service->Create(); };
  hooks.list_backups = [service] { return service->List(); };
  service->Start();
  return backups;
}

int Fail(const std::string& what, const ledger::Status& s) {
  std::cerr << "ledgerd: " << what << ": " << s.ToString() << "\n";
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (int rc = ParseConfig(argc, argv, c); rc >= 0) return rc;
  if (schemas::FindCurrency(c.reporting_currency) == nullptr) {
    std::cerr << "ledgerd: --reporting-currency must be an ISO 4217 code, not "
              << c.reporting_currency << "\n";
    return 2;
  }
  if (c.cache_mb < 8 || c.write_buffers_mb < 8) {
    std::cerr << "ledgerd: --cache-mb and --write-buffers-mb must be at least 8\n";
    return 2;
  }
  ledger::SetRocksMemoryLimits({.block_cache_bytes_max = c.cache_mb << 20,
                                .write_buffers_bytes_max = c.write_buffers_mb << 20});
  size_t colon = c.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "ledgerd: --listen must be HOST:PORT, not " << c.listen << "\n";
    return 2;
  }
  if (c.dev_open && !Loopback(c.listen.substr(0, colon))) {
    std::cerr << "ledgerd: --dev-open lets anyone in, so it serves only on a loopback address, "
                 "not "
              << c.listen << "\n";
    return 2;
  }
  if (c.rate < 0 || c.burst < 0) {
    std::cerr << "ledgerd: --rate-per-token and --rate-burst must not be negative\n";
    return 2;
  }
  std::optional<ingest::SecretKey> master;
  if (!c.master_key_file.empty()) {
    std::error_code ec;
    const fs::path key_path = fs::weakly_canonical(c.master_key_file, ec);
    const fs::path data_path = fs::weakly_canonical(c.data, ec);
    const auto [end, _] =
        std::mismatch(data_path.begin(), data_path.end(), key_path.begin(), key_path.end());
    if (end == data_path.end()) {
      std::cerr << "ledgerd: the master key must not be inside the data dir (" << c.data.string()
                << "): a copy of the data dir must not hold the key that opens it\n";
      return 2;
    }
    auto read = ingest::ReadMasterKey(c.master_key_file);
    if (!read.ok()) return Fail("cannot read the master key", read.status());
    master = *read;
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    std::cerr << "ledgerd: --tls-cert and --tls-key go together: both (HTTPS) or neither (HTTP)\n";
    return 2;
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (int rc = CheckModes(c); rc >= 0) return rc;
  // A query node (--group) and a read-only copy sign nothing: they need the verifier keys.
  std::optional<ledger::SigningKey> key;
  if (c.group.empty() && !c.read_only) {
    auto loaded = c.key_file.empty() ? ledger::LoadOrCreateKey(c.data / "keys", c.name)
                                     : ledger::LoadKeyFile(c.key_file);
    if (!loaded.ok()) return Fail("cannot load the signing key", loaded.status());
    key = std::move(loaded).value();
    if (!c.key_file.empty()) {
      if (auto s = ledger::AddVerifierKey(c.data / "keys" / ledger::kVerifierKeysFile,
                                          key->public_key());
          !s.ok()) {
        return Fail("cannot publish the verifier key", s);
      }
    }
  }
  const fs::path vkeys =
      c.vkeys.empty() ? c.data / "keys" / ledger::kVerifierKeysFile : fs::path(c.vkeys);
  auto keyring = ledger::LoadVerifierKeys(vkeys);
  if (!keyring.ok()) return Fail("cannot load verifier keys", keyring.status());
  std::unique_ptr<ledger::EventLog> log;
  ledger::EmbeddedLog* embedded = nullptr;
  std::string where;
  if (c.kafka_brokers.empty()) {
    auto opened = ledger::EmbeddedLog::Open(c.data / "log",
                                            {.partitions = c.partitions, .read_only = c.read_only});
    if (!opened.ok()) return Fail("cannot open the event log", opened.status());
    embedded = opened->get();
    log = std::move(opened).value();
    where = "embedded log " + (c.data / "log").string();
  } else {
    ledger::KafkaLogOptions options{
        .brokers = c.kafka_brokers, .topic = c.kafka_topic, .partitions = c.partitions};
    if (c.group.empty()) options.state_dir = c.data / "kafka-state";  // the writer's
    for (const std::string& setting : c.kafka_config) {
      if (auto s = options.config.Add(setting); !s.ok()) {
        std::cerr << "ledgerd: --kafka-config " << setting << ": " << s.message() << "\n";
        return 2;
      }
    }
    auto opened = ledger::KafkaLog::Open(options);
    if (!opened.ok()) return Fail("cannot open the Kafka log", opened.status());
    log = std::move(opened).value();
    where = "Kafka topic " + c.kafka_topic + " on " + c.kafka_brokers;
    if (!c.group.empty()) where += ", query node in consumer group " + c.group;
  }
  if (!c.group.empty() && c.kafka_brokers.empty()) {
    std::cerr << "ledgerd: --group needs --kafka-brokers\n";
    return 2;
  }
  projections::LiveViewsOptions views_options;
  schemas::SalesDecider decider;
  // The data subjects' keys live with the writer; a query node has none, and its
  // answers show personal fields as withheld.
  std::unique_ptr<ingest::SubjectKeys> subject_keys;
  if (master && c.group.empty() && (!c.read_only || fs::exists(c.data / "subject-keys"))) {
    auto opened = ingest::SubjectKeys::Open(c.data / "subject-keys", *master);
    if (!opened.ok()) return Fail("cannot open the subject keys", opened.status());
    subject_keys = std::move(opened).value();
  }
  const ingest::PersonalDataSealer sealer(subject_keys.get());
  std::unique_ptr<ledger::Writer> writer;
  if (c.group.empty() && !c.read_only) {
    auto opened = ledger::Writer::Open(
        *log, *key, decider, ledger::SystemClock::Instance(),
        {.source = c.name,
         .checkpoint_events = c.checkpoint_events,
         .checkpoint_interval = std::chrono::milliseconds(c.checkpoint_interval_ms),
         .sealer = &sealer});
    if (!opened.ok()) return Fail("cannot start the writer", opened.status());
    writer = std::move(opened).value();
  } else if (!c.group.empty()) {
    views_options.runner.group = projections::GroupOptions{
        .brokers = c.kafka_brokers, .topic = c.kafka_topic, .group = c.group};
    for (const std::string& setting : c.kafka_config)
      (void)views_options.runner.group->config.Add(setting);  // checked above
    views_options.watch = false;
  }
  // The read models: rebuilt from the log if the views are missing, resumed otherwise;
  // a generation published by `ledgerctl replay` is swapped in while serving.
  const projections::Models models = ops::SalesModels();
  auto views =
      projections::LiveViews::Open(c.data / "views", *log, *keyring, models, views_options);
  if (!views.ok()) return Fail("cannot open the read models", views.status());
  ingest::RecordsApi records(
      **views, {.read_wait = std::chrono::milliseconds(c.read_wait_ms), .read_only = c.read_only});
  ingest::Api api(writer.get(), *log, *keyring,
                  {.body_bytes_max = c.body_bytes_max,
                   .token_rate_per_s = c.rate,
                   .token_burst = c.burst > 0 ? c.burst : std::max(1.0, c.rate)});
  api.AttachRecords(&records);
  ingest::AnalyticsApi analytics(**views, {.reporting_currency = c.reporting_currency,
                                           .facts_max = c.analytics_facts_max,
                                           .read_wait = std::chrono::milliseconds(c.read_wait_ms)});
  api.AttachAnalytics(&analytics);
  if (c.read_only) api.ServeReadOnly();
  ingest::TokenDirectory tokens(c.tokens.empty() ? ingest::TokenFile(c.data) : fs::path(c.tokens));
  if (auto s = tokens.Load(); !s.ok()) return Fail("cannot read the tokens", s);
  api.AttachTokens(&tokens);
  api.AttachSubjectKeys(subject_keys.get());
  records.AttachSubjectKeys(subject_keys.get());
  if (c.dev_open) {
    api.OpenForDevelopment();
    std::fprintf(stderr, "ledgerd: --dev-open: every request is let in as user:dev\n");
  } else if (tokens.size() == 0) {
    std::fprintf(stderr,
                 "ledgerd: no tokens yet, so every request but /healthz is refused (401); make "
                 "one with: ledgerctl tokens create --data %s --role admin --actor user:NAME\n",
                 c.data.c_str());
  }
  // Every read of records is recorded in this node's access log, signed with its own
  // access key (a query node has no ledger key, and readers must not trust it for events).
  auto access_key = ledger::LoadOrCreateKey(c.data / "access-keys", c.name + "-access");
  if (!access_key.ok()) return Fail("cannot load the access log's key", access_key.status());
  auto access = ingest::AccessLog::Open(c.data / "access", *access_key, c.name + "/access");
  if (!access.ok()) return Fail("cannot open the access log", access.status());
  api.AttachAccessLog(access->get());
  ingest::AdminHooks admin_hooks;
  const std::unique_ptr<ops::BackupService> backups =
      StartBackups(c, embedded, **views, access->get(), subject_keys.get(), admin_hooks);
  const ingest::AdminApi admin(admin_hooks);
  api.AttachAdmin(&admin);
  const ingest::ProofsApi proofs(*log, *keyring, **views, writer.get(),
                                 {.read_wait = std::chrono::milliseconds(c.read_wait_ms)});
  api.AttachProofs(&proofs);
  records.AttachProofs(&proofs);
  ingest::ServerOptions server_options;
  server_options.host = c.listen.substr(0, colon);
  server_options.port = static_cast<uint16_t>(std::stoul(c.listen.substr(colon + 1)));
  server_options.threads = c.threads;
  server_options.read_timeout_s = std::max(1u, c.read_timeout_s);
  server_options.header_bytes_max = c.header_bytes_max;
  server_options.tls_cert_chain_file = c.tls_cert;
  server_options.tls_private_key_file = c.tls_key;
  auto server = ingest::HttpServer::Start(api, server_options);
  if (!server.ok()) return Fail("cannot start the HTTP server", server.status());

  std::printf("ledgerd: serving %s://%s:%u (data %s, %s, %u partitions, key %s)\n",
              server_options.tls() ? "https" : "http", server_options.host.c_str(),
              (*server)->port(), c.data.c_str(), where.c_str(), log->partitions(),
              key           ? key->public_key().VerifierKey().c_str()
              : c.read_only ? "none: read-only"
                            : "none: query node");
  if (writer && writer->caught_up_events() > 0) {
    std::printf("ledgerd: folded %llu events into the writer state that it lagged behind\n",
                static_cast<unsigned long long>(writer->caught_up_events()));
  }
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::printf("ledgerd: %s received; finishing in-flight appends\n",
              signal == SIGTERM ? "SIGTERM" : "SIGINT");
  if (backups) backups->Stop();  // waits for a scheduled backup in progress
  if (writer) writer->Close();   // answers everything queued (after it is durable)
  (*access)->Close();            // and every read waiting for its access-log entry
  (*server)->Stop();             // sends those answers, then closes connections
  (*views)->Stop();
  if (embedded != nullptr) embedded->Close();
  std::printf("ledgerd: stopped\n");
  return 0;
}
