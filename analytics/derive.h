// The business facts the reports share, derived from the book by the definitions of
// docs/API.md ("Analytics"): a deal at a time and its close, the activities that
// happened, orders and their value, who owned an account and who was in a team when.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analytics/book.h"
#include "analytics/money.h"

namespace analytics {

inline constexpr std::string_view kOpenStages[] = {"prospecting", "qualification", "needs_analysis",
                                                   "proposal", "negotiation"};

// An opportunity folded from its facts before `to`.
struct Deal {
  std::string id;
  bool exists = false;
  std::string stage;  // an open stage, "won" or "lost"
  std::string owner;
  std::string source;
  std::optional<Amount> amount;
  std::optional<int64_t> probability;
  std::vector<std::string> products;
  Micros opened_at = 0;
  // The close: the last won/lost not followed by a reopen (nullptr while open).
  const Fact* close = nullptr;
  std::string close_owner;
  std::vector<std::string> close_products;

  bool open() const { return exists && close == nullptr; }
};
Deal DealAt(const Stream& opportunity, Micros to);

// An activity that happened (logged, or scheduled and completed).
struct Touch {
  std::string id, owner, channel, outcome, opportunity;
  const Fact* fact = nullptr;  // the logged or completed fact: its time and date
};
std::vector<Touch> Touches(const Book& book);

// An order that was not cancelled, with its value in its own currency.
struct Order {
  std::string id, account;
  const Fact* placed = nullptr;
  Amount value;
  struct Line {
    std::string product;
    int64_t quantity = 0;
    Amount value;
  };
  std::vector<Line> lines;
};
std::vector<Order> Orders(const Book& book);

// The owner of an account at business time `at` (its facts at or before `at`).
std::string AccountOwnerAt(const Book& book, std::string_view account, Micros at);
// The category a product was listed with; "(unknown)" for a product the book lacks.
std::string CategoryOf(const Book& book, std::string_view product);
// Whether `user` was a member of team `team` (an id, or "team:<id>") at `at`.
bool MemberAt(const Book& book, std::string_view team, std::string_view user, Micros at);

// [from, to)
inline bool InWindow(Micros at, Micros from, Micros to) { return from <= at && at < to; }

}  // namespace analytics
