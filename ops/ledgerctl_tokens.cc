// ledgerctl tokens: issue, list and revoke the bearer tokens a ledgerd accepts
// (ingest/tokens.h). They work on the tokens file beside a running ledgerd, which sees
// a change within a second.
#include <cstdio>

#include "ingest/tokens.h"
#include "ops/ledgerctl_common.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

constexpr const char* kTokensUsage =
    "usage: ledgerctl tokens create (--data DIR | --file FILE) --role ROLE --actor ACTOR "
    "[--team TEAM]\n"
    "       ledgerctl tokens list (--data DIR | --file FILE)\n"
    "       ledgerctl tokens revoke (--data DIR | --file FILE) --id ID\n"
    "roles: rep, manager, compliance, consumer, ops, admin (docs/API.md \"Roles\").\n";

void AddFileOptions(po::options_description_easy_init& add) {
  add("data", po::value<std::string>(), "the ledgerd data dir: its tokens.json");
  add("file", po::value<std::string>(), "a tokens file instead (ledgerd --tokens FILE)");
}

// The tokens file the options name, or nullopt after printing why.
std::optional<fs::path> FileOf(std::string_view command, const po::variables_map& vm) {
  if (vm.count("data") == vm.count("file")) {
    Fail(command, "give exactly one of --data and --file", kExitUsage);
    return std::nullopt;
  }
  return vm.count("file") ? fs::path(vm["file"].as<std::string>())
                          : ingest::TokenFile(vm["data"].as<std::string>());
}

int Create(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "tokens create";
  po::options_description options("options");
  auto add = options.add_options();
  AddFileOptions(add);
  add("role", po::value<std::string>()->required(),
      "rep, manager, compliance, consumer, ops or admin");
  add("actor", po::value<std::string>()->required(),
      "who the token's requests come from: user:NAME or service:NAME; it is the actor of "
      "every event appended with it");
  add("team", po::value<std::string>()->default_value(""),
      "the team: a manager reads its team's records; a rep's team puts it in one");
  Parsed parsed = Parse(kCommand,
                        "tokens create (--data DIR | --file FILE) --role ROLE --actor ACTOR "
                        "[--team TEAM]",
                        "Issues a bearer token and prints it once, on stdout; only a hash of it "
                        "is kept.\nSend it as 'Authorization: Bearer <token>'.",
                        options, args);
  if (parsed.done) return parsed.exit;
  auto file = FileOf(kCommand, parsed.vm);
  if (!file) return kExitUsage;
  const std::string role_name = parsed.vm["role"].as<std::string>();
  auto role = ingest::ParseRole(role_name);
  if (!role) {
    return Fail(kCommand,
                "no role \"" + role_name + "\": rep, manager, compliance, consumer, ops or admin",
                kExitUsage);
  }
  auto issued = ingest::IssueToken(*file, *role, parsed.vm["actor"].as<std::string>(),
                                   parsed.vm["team"].as<std::string>());
  if (!issued.ok()) return Fail(kCommand, issued.status());
  std::printf("%s\n", issued->token.c_str());
  std::fprintf(stderr, "ledgerctl tokens create: token %s for %s, role %s%s%s (in %s)\n",
               issued->record.id.c_str(), issued->record.actor.c_str(), role_name.c_str(),
               issued->record.team.empty() ? "" : ", team ", issued->record.team.c_str(),
               file->c_str());
  return kExitOk;
}

int List(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "tokens list";
  po::options_description options("options");
  auto add = options.add_options();
  AddFileOptions(add);
  Parsed parsed =
      Parse(kCommand, "tokens list (--data DIR | --file FILE)",
            "Lists the issued tokens, one a line (never the tokens themselves).", options, args);
  if (parsed.done) return parsed.exit;
  auto file = FileOf(kCommand, parsed.vm);
  if (!file) return kExitUsage;
  auto tokens = ingest::ReadTokens(*file);
  if (!tokens.ok()) return Fail(kCommand, tokens.status());
  for (const ingest::TokenRecord& t : *tokens) {
    std::printf("id=%s role=%s actor=%s team=%s created=%s%s%s\n", t.id.c_str(),
                std::string(ingest::RoleName(t.role)).c_str(), t.actor.c_str(),
                t.team.empty() ? "-" : t.team.c_str(), t.created.c_str(),
                t.revoked.empty() ? "" : " revoked=", t.revoked.c_str());
  }
  return kExitOk;
}

int Revoke(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "tokens revoke";
  po::options_description options("options");
  auto add = options.add_options();
  AddFileOptions(add);
  add("id", po::value<std::string>()->required(), "the token's id (tokens list shows it)");
  Parsed parsed = Parse(kCommand, "tokens revoke (--data DIR | --file FILE) --id ID",
                        "Revokes a token: ledgerd refuses it within a second.", options, args);
  if (parsed.done) return parsed.exit;
  auto file = FileOf(kCommand, parsed.vm);
  if (!file) return kExitUsage;
  if (auto s = ingest::RevokeToken(*file, parsed.vm["id"].as<std::string>()); !s.ok())
    return Fail(kCommand, s);
  return kExitOk;
}

}  // namespace

int RunTokens(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kTokensUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "create") return Create(rest);
  if (args[0] == "list") return List(rest);
  if (args[0] == "revoke") return Revoke(rest);
  std::fprintf(stderr, "ledgerctl tokens: unknown subcommand \"%s\"\n%s", args[0].c_str(),
               kTokensUsage);
  return kExitUsage;
}

}  // namespace ledgerctl
