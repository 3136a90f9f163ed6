// After-sales service on delivered orders: tickets opened, assigned (sometimes handed
// over), worked, resolved, sometimes reopened, rated and closed.
#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

constexpr int kTicketPercent = 60;
constexpr int kSecondTicketPercent = 25;
constexpr int kHandOverPercent = 15;
constexpr int kReopenPercent = 20;
constexpr int kRatedPercent = 80;
constexpr int kRespondHours = 8;

struct Request {
  const char* category;
  const char* title;
  const char* request;
  const char* action;
  const char* resolution_code;
};

const std::vector<Request>& Requests() {
  static const std::vector<Request> requests = {
      {"defect", "终端无法同步 / terminals do not sync",
       "3 台终端从昨晚起无法上传数据。Three terminals stopped uploading.", "remote_support",
       "fixed"},
      {"installation", "网关安装 / gateway installation",
       "需要工程师协助安装网关。Need an engineer to install gateways.", "onsite_visit", "fixed"},
      {"how_to", "报表配置 / report setup",
       "如何配置 OEE 日报？How do we set up the daily OEE report?", "phone_support", "workaround"},
      {"billing", "发票抬头错误 / wrong invoice header",
       "发票抬头需要更正。The invoice header is wrong.", "customer_contacted", "fixed"},
      {"delivery", "到货破损 / damaged on arrival", "两台设备外壳破损。Two units arrived damaged.",
       "replacement", "replaced"},
      {"feature_request", "希望支持移动端 / mobile app wanted",
       "希望在手机上查看报工。Want shop-floor data on phones.", "escalation", "wont_fix"},
      {"complaint", "响应太慢 / slow response",
       "上次问题两天才回复。Last issue took two days to answer.", "customer_contacted",
       "no_fault_found"},
  };
  return requests;
}

const std::vector<std::string> kSeverities = {"low", "medium", "high", "critical"};
const std::vector<int> kSeverityWeights = {30, 40, 22, 8};
const std::vector<std::string> kTicketChannels = {"phone",  "email", "web",
                                                  "wechat", "chat",  "visit"};

bool WorkAndResolve(World& world, Story& story, const std::string& subject, const Request& r,
                    const std::string& handler) {
  Rng& rng = world.rng;
  const int actions = static_cast<int>(rng.Uniform(1, 3));
  for (int i = 0; i < actions; ++i) {
    story.Advance(rng.Uniform(20, i == 0 ? 4 * kMinutesPerHour : 2 * kMinutesPerDay));
    boost::json::object data = {
        {"action", i == 0 ? r.action : "customer_contacted"},
        {"details", "已处理并与客户确认。Handled and confirmed with the customer."},
        {"minutes_spent", rng.Uniform(10, 240)}};
    if (rng.Chance(10)) data["by"] = handler == "u:zhou.lei" ? "u:xu.ming" : "u:zhou.lei";
    if (!story.Emit("ticket.action_taken", subject, std::move(data))) return false;
  }
  story.Advance(rng.Uniform(30, kMinutesPerDay));
  return story.Emit(
      "ticket.resolved", subject,
      {{"resolution_code", r.resolution_code}, {"resolution", "问题已解决。Solved."}});
}

void OneTicket(World& world, Story& story, const AccountCtx& account, const Delivered& order) {
  Rng& rng = world.rng;
  const Request& r = rng.Pick(Requests());
  const std::string subject = "ticket/TKT-" + std::to_string(world.next_ticket++);
  boost::json::object data = {
      {"title", r.title},
      {"request", r.request},
      {"category", r.category},
      {"severity", kSeverities[rng.Weighted(kSeverityWeights)]},
      {"channel", rng.Pick(kTicketChannels)},
      {"account", account.id},
      {"order", order.order},
      {"product", rng.Pick(order.products)},
      {"respond_by", FormatDateTime(story.now() + kRespondHours * kMinutesPerHour)}};
  if (!order.contact.empty()) data["contact"] = order.contact;
  if (!story.Emit("ticket.opened", subject, std::move(data))) return;
  std::string handler = rng.Pick(SupportHandlers());
  story.Advance(rng.Uniform(10, 6 * kMinutesPerHour));
  story.Emit("ticket.assigned", subject,
             {{"handler", handler},
              {"team", account.chinese ? "华东技术支持 / East China support" : "Global support"}});
  if (rng.Chance(kHandOverPercent)) {
    std::string next = rng.Pick(SupportHandlers());
    if (next == handler) next = handler == "u:wang.fang" ? "u:zhou.lei" : "u:wang.fang";
    story.Advance(rng.Uniform(30, 300));
    if (story.Emit("ticket.assigned", subject, {{"handler", next}})) handler = next;
  }
  if (!WorkAndResolve(world, story, subject, r, handler)) return;
  const bool reopened = rng.Chance(kReopenPercent);
  if (reopened) {
    story.Advance(rng.Uniform(2 * kMinutesPerHour, 3 * kMinutesPerDay));
    story.Emit("ticket.reopened", subject, {{"reason", "问题再次出现 / it happened again"}});
    if (!WorkAndResolve(world, story, subject, r, handler)) return;
  }
  const bool rated = rng.Chance(kRatedPercent);
  const int64_t score = reopened ? rng.Uniform(1, 4) : rng.Uniform(3, 5);
  story.Advance(rng.Uniform(60, 2 * kMinutesPerDay));
  if (rated)
    story.Emit("ticket.satisfaction_rated", subject,
               {{"score", score},
                {"comment", score >= 4 ? "满意。Happy with it." : "还需改进。Could be better."}});
  story.Advance(rng.Uniform(5, 60));
  story.Emit("ticket.closed", subject,
             {{"close_code", rated            ? "confirmed_by_customer"
                             : rng.Chance(50) ? "no_customer_response"
                                              : "by_policy"}});
}

}  // namespace

void ServiceTickets(World& world, Story& story, const AccountCtx& account,
                    const std::vector<Delivered>& delivered) {
  Rng& rng = world.rng;
  for (const Delivered& order : delivered) {
    if (order.products.empty() || !rng.Chance(kTicketPercent)) continue;
    story.NextWorkTime(rng, 3, 60);
    OneTicket(world, story, account, order);
    if (rng.Chance(kSecondTicketPercent)) {
      story.NextWorkTime(rng, 10, 90);
      OneTicket(world, story, account, order);
    }
  }
}

}  // namespace seed::internal
