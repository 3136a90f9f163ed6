// A generated, realistic sales data set: the NDJSON commands of a company's two years
// of selling (reps and teams, a price list, accounts and contacts, opportunities through
// their stages, activities, contracts, orders, invoices, payments, tickets, targets,
// forecasts and exchange rates), for demos and for testing the analytics read models.
//
//   seed::SeedOptions options{.seed = 7, .accounts = 200, .start_date = "2025-01-01"};
//   if (auto error = seed::CheckOptions(options)) ...;
//   for (const std::string& line : seed::GenerateCommands(options)) out << line << '\n';
//
// Pure functions of their arguments: no I/O, no clock, no global state; safe on any
// thread. The same options give the same bytes on every platform (the generator's random
// numbers come from std::mt19937_64 and its own integer helpers, never from
// std::*_distribution, whose results are implementation-defined).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace seed {

inline constexpr int kAccountsMax = 100'000;
inline constexpr int kMonthsMin = 1;
inline constexpr int kMonthsMax = 120;

struct SeedOptions {
  uint64_t seed = 1;                      // the random seed; any value
  int accounts = 200;                     // customer companies, 1..kAccountsMax
  std::string start_date = "2025-01-01";  // first business day of the story, YYYY-MM-DD
  int months = 24;                        // length of the story, kMonthsMin..kMonthsMax
};

// nullopt when the options are usable, else why not (one English sentence naming the
// option). GenerateCommands must only be given usable options.
std::optional<std::string> CheckOptions(const SeedOptions& options);

// The story as append commands, one JSON object a line without the newline, in the shape
// of schemas/examples/lifecycle.ndjson: {"type","subject","data","occurredat","id"}.
// Lines are in non-decreasing occurredat order (all times carry +08:00), every occurredat
// lies in [start_date, start_date + months), and each command is accepted by
// schemas::SalesDecider when the lines are appended in order to an empty ledger. Ids are
// "seed-<seed>-<line number>", so appending the same output twice replays it. Every
// event type of schemas::Catalog() occurs except contact.erased (the erase route's).
std::vector<std::string> GenerateCommands(const SeedOptions& options);

}  // namespace seed
