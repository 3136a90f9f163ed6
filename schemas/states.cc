#include "schemas/states.h"

#include <algorithm>

namespace schemas {
namespace {

struct OrderTransitions {
  std::string_view from;
  std::array<std::string_view, 3> to;  // "" pads
  std::string_view listed;
};

constexpr OrderTransitions kOrderTransitions[] = {
    {"placed", {"awaiting_payment", "cancelled", ""}, "awaiting_payment, cancelled"},
    {"awaiting_payment", {"paid", "cancelled", ""}, "paid, cancelled"},
    {"paid", {"shipped", "cancelled", ""}, "shipped, cancelled"},
    {"shipped", {"delivered", "returned", ""}, "delivered, returned"},
    {"delivered", {"returned", "", ""}, "returned"},
};

const OrderTransitions* FindOrderTransitions(std::string_view from) {
  for (const auto& t : kOrderTransitions) {
    if (t.from == from) return &t;
  }
  return nullptr;
}

}  // namespace

bool IsOpenStage(std::string_view stage) {
  return std::find(kOpenStages.begin(), kOpenStages.end(), stage) != kOpenStages.end();
}

bool IsOrderTransitionAllowed(std::string_view from, std::string_view to) {
  const OrderTransitions* t = FindOrderTransitions(from);
  if (t == nullptr || to.empty()) return false;
  return std::find(t->to.begin(), t->to.end(), to) != t->to.end();
}

std::string_view OrderNextStatuses(std::string_view from) {
  const OrderTransitions* t = FindOrderTransitions(from);
  return t == nullptr ? std::string_view() : t->listed;
}

bool IsClosedRecord(std::string_view kind, std::string_view stage, std::string_view status) {
  if (kind == "opportunity") return stage == "closed_won" || stage == "closed_lost";
  if (kind == "order")
    return status == "delivered" || status == "cancelled" || status == "returned";
  if (kind == "ticket") return status == kTicketResolved || status == kTicketClosed;
  return false;
}

}  // namespace schemas
