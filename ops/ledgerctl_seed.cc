// ledgerctl seed: writes the generated demo data set (seed/seed.h) as NDJSON commands,
// for `ledgerctl append` to load.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "ops/ledgerctl_common.h"
#include "seed/seed.h"

namespace ledgerctl {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kCommand = "seed";
constexpr std::string_view kTypePrefix = "{\"type\":\"";

// "account 812, activity 9120, ...": events per record kind, from each line's type.
std::string CountByKind(const std::vector<std::string>& lines) {
  std::map<std::string, size_t> kinds;
  for (const std::string& line : lines) {
    const size_t dot = line.find('.', kTypePrefix.size());
    if (line.starts_with(kTypePrefix) && dot != std::string::npos) {
      ++kinds[line.substr(kTypePrefix.size(), dot - kTypePrefix.size())];
    }
  }
  std::string out;
  for (const auto& [kind, n] : kinds) {
    out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  }
  return out;
}

int Write(const std::vector<std::string>& lines, const std::string& file) {
  std::ofstream to_file;
  if (!file.empty() && file != "-") {
    to_file.open(file, std::ios::binary | std::ios::trunc);
    if (!to_file) return Fail(kCommand, "cannot create " + file, kExitFailure);
  }
  std::ostream& out = to_file.is_open() ? static_cast<std::ostream&>(to_file) : std::cout;
  for (const std::string& line : lines) out << line << '\n';
  out.flush();
  if (!out) return Fail(kCommand, "cannot write " + (file.empty() ? "stdout" : file), kExitFailure);
  return kExitOk;
}

}  // namespace

int RunSeed(const std::vector<std::string>& args) {
  const seed::SeedOptions defaults;
  po::options_description options("options");
  auto add = options.add_options();
  add("accounts", po::value<int>()->required(),
      ("customer companies to generate, 1.." + std::to_string(seed::kAccountsMax)).c_str());
  add("seed", po::value<uint64_t>()->default_value(defaults.seed),
      "the random seed: the same seed gives the same bytes");
  add("start", po::value<std::string>()->default_value(defaults.start_date),
      "first day of the story, YYYY-MM-DD");
  add("months", po::value<int>()->default_value(defaults.months), "length of the story in months");
  add("out", po::value<std::string>()->default_value("-"), "the NDJSON file ('-' for stdout)");
  Parsed parsed = Parse(
      kCommand, "seed --accounts N [--seed S] [--start YYYY-MM-DD] [--months M] [--out FILE]",
      "Generates a realistic sales data set (reps, accounts, contacts, opportunities, activities,\n"
      "contracts, orders, invoices, payments, tickets, targets, forecasts, exchange rates) as\n"
      "NDJSON commands in time order, and prints the events per record kind to stderr. Load it\n"
      "with: ledgerctl append --data DIR --file FILE --master-key-file KEY",
      options, args);
  if (parsed.done) return parsed.exit;
  const po::variables_map& vm = parsed.vm;
  const seed::SeedOptions seed_options{.seed = vm["seed"].as<uint64_t>(),
                                       .accounts = vm["accounts"].as<int>(),
                                       .start_date = vm["start"].as<std::string>(),
                                       .months = vm["months"].as<int>()};
  if (auto error = seed::CheckOptions(seed_options)) return Fail(kCommand, *error, kExitUsage);
  const std::vector<std::string> lines = seed::GenerateCommands(seed_options);
  const std::string file = vm["out"].as<std::string>();
  if (const int code = Write(lines, file); code != kExitOk) return code;
  std::fprintf(stderr, "ledgerctl seed: %zu events for %d accounts (seed %llu): %s\n", lines.size(),
               seed_options.accounts, static_cast<unsigned long long>(seed_options.seed),
               CountByKind(lines).c_str());
  return kExitOk;
}

}  // namespace ledgerctl
