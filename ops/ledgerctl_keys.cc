// ledgerctl keys: generate a signing key file; show a data dir's verifier keys.
#include <cstdio>

#include "ingest/sealing.h"
#include "ledger/crypto.h"
#include "ledger/embedded_log.h"
#include "ledger/keys.h"
#include "ledger/time.h"
#include "ops/ledgerctl_common.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

constexpr const char* kKeysUsage =
    "usage: ledgerctl keys generate --out FILE [--name NAME]\n"
    "       ledgerctl keys show (--data DIR | --vkeys FILE)\n"
    "       ledgerctl keys master --out FILE\n"
    "       ledgerctl keys rotate --data DIR\n"
    "'ledgerctl keys generate --help' and 'ledgerctl keys show --help' explain the options.\n";

int Generate(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "keys generate";
  po::options_description options("options");
  auto add = options.add_options();
  add("out", po::value<std::string>()->required(),
      "the private key file to write (mode 0600; must not exist)");
  add("name", po::value<std::string>()->default_value(std::string(kDefaultKeyName)),
      "the key name (C2SP signed-note; printable ASCII, no spaces or '+')");
  Parsed parsed =
      Parse(kCommand, "keys generate --out FILE [--name NAME]",
            "Generates an Ed25519 signing key, writes it to FILE as\n"
            "'PRIVATE+KEY+<name>+<kid>+<base64>' with mode 0600, and prints its verifier key\n"
            "'<name>+<kid>+<base64>' to stdout (add that line to a ledger.vkeys file to trust it).",
            options, args);
  if (parsed.done) return parsed.exit;
  const std::string name = parsed.vm["name"].as<std::string>();
  if (!ledger::ValidKeyName(name)) {
    return Fail(
        kCommand,
        "--name \"" + name + "\" is not a valid key name (printable ASCII, no spaces or '+')",
        kExitUsage);
  }
  const fs::path out = parsed.vm["out"].as<std::string>();
  auto key = ledger::SigningKey::Generate(name);
  if (!key.ok()) return Fail(kCommand, key.status());
  if (ledger::Status s = ledger::WriteKeyFile(out, *key); !s.ok()) return Fail(kCommand, s);
  std::printf("%s\n", key->public_key().VerifierKey().c_str());
  return kExitOk;
}

int Show(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "keys show";
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>(), "the data dir: shows DIR/keys/ledger.vkeys");
  add("vkeys", po::value<std::string>(), "a verifier keys file to show instead");
  Parsed parsed =
      Parse(kCommand, "keys show (--data DIR | --vkeys FILE)",
            "Lists the verifier keys the ledger signed with, one a line:\n"
            "'kid=<8 hex> name=<name> public=<base64 Ed25519 key> vkey=<verifier key>'.",
            options, args);
  if (parsed.done) return parsed.exit;
  if (parsed.vm.count("data") == parsed.vm.count("vkeys")) {
    return Fail(kCommand, "give exactly one of --data and --vkeys (see ledgerctl keys show --help)",
                kExitUsage);
  }
  const fs::path file = parsed.vm.count("vkeys")
                            ? fs::path(parsed.vm["vkeys"].as<std::string>())
                            : VerifierKeysFile(parsed.vm["data"].as<std::string>());
  if (!fs::is_regular_file(file))
    return Fail(kCommand, "no verifier keys file " + file.string(), kExitUsage);
  auto ring = ledger::LoadVerifierKeys(file);
  if (!ring.ok()) return Fail(kCommand, ring.status());
  for (const ledger::PublicKey& k : ring->keys()) {
    std::printf("kid=%s name=%s public=%s vkey=%s%s%s%s%s\n", k.KidHex().c_str(), k.name.c_str(),
                ledger::Base64(std::span<const uint8_t>(k.key)).c_str(), k.VerifierKey().c_str(),
                k.valid_from.empty() ? "" : " from=", k.valid_from.c_str(),
                k.valid_until.empty() ? "" : " until=", k.valid_until.c_str());
  }
  return kExitOk;
}

int Rotate(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "keys rotate";
  po::options_description options("options");
  auto add = options.add_options();
  add("data", po::value<std::string>()->required(), "the data dir (its ledgerd stopped)");
  Parsed parsed = Parse(
      kCommand, "keys rotate --data DIR",
      "Starts signing with a new key: DIR/keys/ledger.key is replaced by a new Ed25519 key of\n"
      "the same name (the old private key is gone), and DIR/keys/ledger.vkeys keeps the old\n"
      "public key, valid until now, and adds the new one, valid from now. Verification accepts\n"
      "each event under the key valid when it was recorded. Stop ledgerd first; it signs with\n"
      "the new key when it starts. Prints the new verifier key line.",
      options, args);
  if (parsed.done) return parsed.exit;
  const fs::path data = parsed.vm["data"].as<std::string>();
  // A running ledgerd holds the log's lock: refuse rather than swap its key under it.
  if (fs::exists(LogDir(data))) {
    auto log = ledger::EmbeddedLog::Open(LogDir(data), {});
    if (!log.ok()) {
      return Fail(kCommand,
                  "cannot open " + LogDir(data).string() +
                      " (is ledgerd running? stop it first): " + log.status().message(),
                  kExitFailure);
    }
  }
  const std::string now = ledger::FormatRfc3339(ledger::SystemClock::Instance().NowMicros());
  auto key = ledger::RotateKey(KeysDir(data), now);
  if (!key.ok()) return Fail(kCommand, key.status());
  ledger::PublicKey shown = key->public_key();
  shown.valid_from = now;
  std::printf("%s\n", shown.VerifierKeyLine().c_str());
  return kExitOk;
}

int Master(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "keys master";
  po::options_description options("options");
  auto add = options.add_options();
  add("out", po::value<std::string>()->required(),
      "the master key file to write (mode 0600; must not exist); keep it outside the data "
      "dir and its backups");
  Parsed parsed = Parse(kCommand, "keys master --out FILE",
                        "Generates the master key that wraps each data subject's key (ledgerd "
                        "--master-key-file).\nWhoever holds it and a copy of the data dir can "
                        "read the personal fields; losing it\nloses them all.",
                        options, args);
  if (parsed.done) return parsed.exit;
  if (auto s = ingest::WriteNewMasterKey(parsed.vm["out"].as<std::string>()); !s.ok())
    return Fail(kCommand, s);
  return kExitOk;
}

}  // namespace

int RunKeys(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kKeysUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "generate") return Generate(rest);
  if (args[0] == "show") return Show(rest);
  if (args[0] == "master") return Master(rest);
  if (args[0] == "rotate") return Rotate(rest);
  std::fprintf(
      stderr,
      "ledgerctl keys: unknown subcommand \"%s\" (generate or show; see ledgerctl keys --help)\n",
      args[0].c_str());
  return kExitUsage;
}

}  // namespace ledgerctl
