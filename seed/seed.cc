// GenerateCommands: runs every story, orders their events by time and writes them as
// NDJSON commands.
#include "seed/seed.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "seed/seed_internal.h"

namespace seed {

using internal::Event;
using internal::World;

std::optional<std::string> CheckOptions(const SeedOptions& options) {
  if (options.accounts < 1 || options.accounts > kAccountsMax) {
    return "--accounts must be 1.." + std::to_string(kAccountsMax);
  }
  if (options.months < kMonthsMin || options.months > kMonthsMax) {
    return "--months must be " + std::to_string(kMonthsMin) + ".." + std::to_string(kMonthsMax);
  }
  int64_t start = 0;
  if (!internal::ParseStartDate(options.start_date, start)) {
    return "--start must be a real date YYYY-MM-DD between 1971 and 9000, not \"" +
           options.start_date + "\"";
  }
  return std::nullopt;
}

std::vector<std::string> GenerateCommands(const SeedOptions& options) {
  World world(options);
  const bool parsed = internal::ParseStartDate(options.start_date, world.start);
  if (!parsed || CheckOptions(options)) return {};
  world.end = internal::AddMonths(world.start, options.months);
  internal::ListProducts(world);
  internal::PublishRates(world);
  internal::FormTeams(world);
  for (int i = 0; i < options.accounts; ++i) internal::AccountStory(world, i);
  internal::PlanTargetsAndForecasts(world);
  // Stable: a story's events keep their order at equal times.
  std::stable_sort(world.events.begin(), world.events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  std::vector<std::string> lines;
  lines.reserve(world.events.size());
  const std::string id_prefix = "seed-" + std::to_string(options.seed) + "-";
  for (Event& event : world.events) {
    boost::json::object command = {{"type", std::move(event.type)},
                                   {"subject", std::move(event.subject)},
                                   {"data", std::move(event.data)},
                                   {"occurredat", internal::FormatDateTime(event.at)},
                                   {"id", id_prefix + std::to_string(lines.size() + 1)}};
    lines.push_back(boost::json::serialize(command));
  }
  return lines;
}

}  // namespace seed
