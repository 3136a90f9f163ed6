// A deterministic sales data set for the analytics tests, as NDJSON command lines
// (type, subject, data, occurredat, id) in the order they are to be appended: reps in
// teams with membership changes, ~30 accounts, opportunities through stages with wins,
// losses and reopens, activities, orders in CNY/USD/EUR/GBP (no GBP rate) with a
// cancellation and a return, invoices, payments, refunds, tickets, targets, forecasts,
// monthly fx rates, and at the end retractions of retractable events. It stands in for
// seed::GenerateCommands(SeedOptions) and can be swapped for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace analytics_data {

std::vector<std::string> GenerateCommands(uint32_t opportunities = 36);

}  // namespace analytics_data
