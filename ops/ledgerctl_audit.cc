// ledgerctl auditpack, verify-pack and monitor: a record's audit pack fetched and checked,
// an audit pack checked offline (no server, no data dir) and printed as a timeline, and
// the transparency-log monitor check that a ledger never rewrote what it had signed.
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ledger/audit_pack.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ops/ledgerctl_common.h"
#include "ops/ledgerctl_tls.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace json = boost::json;

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

bool WriteFile(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// The keys named by --vkeys, when given.
ledger::Result<std::optional<ledger::Keyring>> PinnedKeys(const po::variables_map& vm) {
  if (!vm.count("vkeys")) return std::optional<ledger::Keyring>();
  auto ring = ledger::LoadVerifierKeys(vm["vkeys"].as<std::string>());
  if (!ring.ok()) return ring.status();
  return std::optional<ledger::Keyring>(std::move(ring).value());
}

std::string Shorten(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "…";
}

// The verified history, one block per event.
void PrintTimeline(const ledger::VerifiedPack& pack, bool pinned) {
  const ledger::Event& last = pack.events.back();
  std::printf("audit pack of %s: %zu events, every one verified\n", pack.subject.c_str(),
              pack.events.size());
  std::printf("  proven in checkpoint %s at %llu leaves (root %s)\n",
              pack.checkpoint.origin.c_str(), static_cast<unsigned long long>(pack.checkpoint.size),
              ledger::Base64(pack.checkpoint.root).c_str());
  for (const ledger::PublicKey& k : pack.keys)
    std::printf("  signed by %s%s\n", k.VerifierKey().c_str(), pinned ? " (pinned)" : "");
  if (!pinned) {
    std::printf("  (the keys are the pack's own: pass --vkeys FILE to require the ledger's)\n");
  }
  std::printf("  history complete from version 1 to %llu, chained by streamprev\n\n",
              static_cast<unsigned long long>(last.streamversion));
  for (const ledger::Event& e : pack.events) {
    std::printf("v%-4llu %s  %-32s by %s\n", static_cast<unsigned long long>(e.streamversion),
                e.time.c_str(), e.type.c_str(), e.actor.c_str());
    if (e.occurredat != e.time) std::printf("       occurred %s\n", e.occurredat.c_str());
    std::printf("       id %s, partition %u ledgerseq %llu\n", e.id.c_str(), e.partition,
                static_cast<unsigned long long>(e.ledgerseq));
    for (const auto& [name, value] : e.data) {
      std::printf("       %s: %s\n", std::string(name).c_str(),
                  Shorten(json::serialize(value), 160).c_str());
    }
  }
}

}  // namespace

int RunAuditPack(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "auditpack";
  po::options_description options("options");
  auto add = options.add_options();
  add("url", po::value<std::string>()->required(),
      "the ledgerd: http://HOST[:PORT][/PREFIX] or https://...");
  AddCaCertOption(add);
  AddTokenOption(add);
  add("subject", po::value<std::string>()->required(), "the record: KIND/ID");
  add("out", po::value<std::string>(), "where to write the pack (default KIND-ID.auditpack.json)");
  add("vkeys", po::value<std::string>(),
      "verifier keys to require (e.g. DATA/keys/ledger.vkeys); default: the pack's own");
  Parsed parsed =
      Parse(kCommand,
            "auditpack --url URL [--token T] [--cacert FILE] --subject KIND/ID [--out FILE] "
            "[--vkeys FILE]",
            "Fetches the record's audit pack (GET /v1/records/KIND/ID/auditpack), checks it as\n"
            "verify-pack does, and writes it. Exit 1 if it does not verify.",
            options, args);
  if (parsed.done) return parsed.exit;
  std::string error;
  auto endpoint = ParseUrl(parsed.vm["url"].as<std::string>(), error);
  if (!endpoint) return Fail(kCommand, error, kExitUsage);
  endpoint->token = TokenOf(parsed.vm);
  UseCaCert(parsed.vm, *endpoint);
  const std::string subject = parsed.vm["subject"].as<std::string>();
  const size_t slash = subject.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == subject.size())
    return Fail(kCommand, "--subject must be KIND/ID, not \"" + subject + "\"", kExitUsage);
  auto pinned = PinnedKeys(parsed.vm);
  if (!pinned.ok()) return Fail(kCommand, pinned.status());
  auto reply = HttpGet(*endpoint, "/v1/records/" + subject + "/auditpack");
  if (!reply.ok()) return Fail(kCommand, reply.status());
  if (reply->status != 200) {
    return Fail(
        kCommand,
        "the server answered " + std::to_string(reply->status) + ": " + ProblemDetail(*reply),
        reply->status == 404 ? kExitUsage : kExitFailure);
  }
  std::string file = subject;
  std::replace(file.begin(), file.end(), '/', '-');
  const fs::path out = parsed.vm.count("out") ? fs::path(parsed.vm["out"].as<std::string>())
                                              : fs::path(file + ".auditpack.json");
  if (!WriteFile(out, reply->body))
    return Fail(kCommand, "cannot write " + out.string(), kExitFailure);
  auto verified = ledger::VerifyAuditPack(reply->body, *pinned ? &**pinned : nullptr);
  if (!verified.ok()) {
    return Fail(kCommand, out.string() + ": " + verified.status().message(), kExitVerifyFailed);
  }
  std::printf("%s: %zu events of %s, verified against checkpoint %s at %llu leaves\n", out.c_str(),
              verified->events.size(), subject.c_str(), verified->checkpoint.origin.c_str(),
              static_cast<unsigned long long>(verified->checkpoint.size));
  return kExitOk;
}

int RunVerifyPack(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "verify-pack";
  po::options_description options("options");
  auto add = options.add_options();
  add("file", po::value<std::string>()->required(), "the audit pack");
  add("vkeys", po::value<std::string>(),
      "verifier keys to require; default: the pack's own (which proves only consistency)");
  add("quiet", po::bool_switch(), "print only the one-line verdict");
  std::vector<std::string> with_file = args;  // the FILE operand is --file
  if (!with_file.empty() && !with_file[0].starts_with("-"))
    with_file.insert(with_file.begin(), "--file");
  Parsed parsed =
      Parse(kCommand, "verify-pack FILE [--vkeys FILE] [--quiet]",
            "Checks an audit pack offline, with no server and no data dir: canonical bytes,\n"
            "every event's signature and stream chain from version 1, every inclusion proof\n"
            "into the pack's signed checkpoint. Prints the verified history as a timeline.\n"
            "Exit 1, naming what is wrong, if anything does not verify.",
            options, with_file);
  if (parsed.done) return parsed.exit;
  const fs::path file = parsed.vm["file"].as<std::string>();
  auto pinned = PinnedKeys(parsed.vm);
  if (!pinned.ok()) return Fail(kCommand, pinned.status());
  auto bytes = ReadFile(file);
  if (!bytes) return Fail(kCommand, "cannot read " + file.string(), kExitUsage);
  auto verified = ledger::VerifyAuditPack(*bytes, *pinned ? &**pinned : nullptr);
  if (!verified.ok()) {
    return Fail(kCommand, file.string() + ": " + verified.status().message(), kExitVerifyFailed);
  }
  if (parsed.vm["quiet"].as<bool>()) {
    std::printf("%s: %zu events of %s verified\n", file.c_str(), verified->events.size(),
                verified->subject.c_str());
  } else {
    PrintTimeline(*verified, pinned->has_value());
  }
  return kExitOk;
}

int RunMonitor(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "monitor";
  po::options_description options("options");
  auto add = options.add_options();
  add("url", po::value<std::string>()->required(),
      "the ledgerd: http://HOST[:PORT][/PREFIX] or https://...");
  AddCaCertOption(add);
  AddTokenOption(add);
  add("from", po::value<std::string>()->required(),
      "a checkpoint of the partition seen before (a signed note file)");
  add("vkeys", po::value<std::string>()->required(),
      "the ledger's verifier keys (e.g. a copy of DATA/keys/ledger.vkeys)");
  add("save", po::bool_switch(),
      "when consistent, replace the --from file with the new checkpoint (for the next run)");
  Parsed parsed = Parse(
      kCommand,
      "monitor --url URL [--token T] [--cacert FILE] --from CHECKPOINT_FILE --vkeys FILE [--save]",
      "The transparency-log monitor check: fetches the partition's latest checkpoint and\n"
      "a consistency proof from the one in --from, and fails loudly (exit 1) if the\n"
      "ledger rewrote, dropped or forked anything that checkpoint had signed.",
      options, args);
  if (parsed.done) return parsed.exit;
  std::string error;
  auto endpoint = ParseUrl(parsed.vm["url"].as<std::string>(), error);
  if (!endpoint) return Fail(kCommand, error, kExitUsage);
  endpoint->token = TokenOf(parsed.vm);
  UseCaCert(parsed.vm, *endpoint);
  auto keys = ledger::LoadVerifierKeys(parsed.vm["vkeys"].as<std::string>());
  if (!keys.ok()) return Fail(kCommand, keys.status());
  const fs::path from_file = parsed.vm["from"].as<std::string>();
  auto old_note = ReadFile(from_file);
  if (!old_note) return Fail(kCommand, "cannot read " + from_file.string(), kExitUsage);
  auto old_cp = ledger::OpenCheckpoint(*old_note, *keys);
  if (!old_cp.ok()) {
    return Fail(kCommand, from_file.string() + ": " + old_cp.status().message(), kExitUsage);
  }
  const size_t slash = old_cp->origin.rfind('/');
  const std::string partition = old_cp->origin.substr(slash + 1);
  if (slash == std::string::npos || partition.empty() ||
      partition.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(kCommand,
                from_file.string() + ": origin \"" + old_cp->origin + "\" is not LEDGER/PARTITION",
                kExitUsage);
  }
  auto alarm = [&](const std::string& what) {
    std::fprintf(stderr,
                 "ledgerctl monitor: LOG REWRITTEN OR FORKED: %s (%s, trusted checkpoint "
                 "at %llu leaves from %s)\n",
                 what.c_str(), old_cp->origin.c_str(),
                 static_cast<unsigned long long>(old_cp->size), from_file.c_str());
    return kExitVerifyFailed;
  };
  auto latest = HttpGet(*endpoint, "/v1/checkpoints/" + partition);
  if (!latest.ok()) return Fail(kCommand, latest.status());
  if (latest->status != 200) {
    return Fail(kCommand,
                "GET /v1/checkpoints/" + partition + " answered " + std::to_string(latest->status) +
                    ": " + ProblemDetail(*latest),
                kExitFailure);
  }
  auto new_cp = ledger::OpenCheckpoint(latest->body, *keys);
  if (!new_cp.ok())
    return alarm("the served checkpoint does not verify: " + new_cp.status().message());
  if (new_cp->origin != old_cp->origin) {
    return alarm("the served checkpoint is of \"" + new_cp->origin + "\"");
  }
  if (new_cp->size < old_cp->size) {
    return alarm("the tree shrank to " + std::to_string(new_cp->size) + " leaves");
  }
  std::vector<ledger::Hash> proof;
  if (new_cp->size > old_cp->size) {
    auto reply = HttpGet(*endpoint, "/v1/proofs/consistency?partition=" + partition +
                                        "&from=" + std::to_string(old_cp->size) +
                                        "&to=" + std::to_string(new_cp->size));
    if (!reply.ok()) return Fail(kCommand, reply.status());
    if (reply->status != 200) {
      return alarm("no consistency proof: the server answered " + std::to_string(reply->status) +
                   ": " + ProblemDetail(*reply));
    }
    json::error_code ec;
    json::value body = json::parse(reply->body, ec);
    const json::array* path = nullptr;
    if (!ec && body.is_object()) {
      if (const auto* p = body.as_object().if_contains("consistency_path")) path = p->if_array();
    }
    if (path == nullptr) return alarm("the consistency proof is not RFC 9162 JSON");
    for (const json::value& h : *path) {
      auto raw = h.is_string() ? ledger::FromBase64(h.as_string()) : std::nullopt;
      ledger::Hash hash{};
      if (!raw || raw->size() != hash.size()) return alarm("the consistency proof is malformed");
      std::memcpy(hash.data(), raw->data(), hash.size());
      proof.push_back(hash);
    }
  }
  // (An empty tree is a prefix of every tree.)
  if (old_cp->size > 0 &&
      !ledger::VerifyConsistency(old_cp->size, new_cp->size, old_cp->root, new_cp->root, proof)) {
    return alarm("the tree at " + std::to_string(new_cp->size) +
                 " leaves does not extend the trusted one: the consistency proof fails");
  }
  std::printf("%s: consistent, grew from %llu to %llu leaves\n", new_cp->origin.c_str(),
              static_cast<unsigned long long>(old_cp->size),
              static_cast<unsigned long long>(new_cp->size));
  if (parsed.vm["save"].as<bool>() && !WriteFile(from_file, latest->body)) {
    return Fail(kCommand, "cannot write " + from_file.string(), kExitFailure);
  }
  return kExitOk;
}

}  // namespace ledgerctl
