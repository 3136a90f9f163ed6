// Customer interactions over every channel and outcome: logged after the fact, or
// scheduled and then rescheduled, completed or cancelled.
#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

constexpr int kLoggedPercent = 60;
constexpr int kRescheduledPercent = 15;
constexpr int kCancelledPercent = 12;
constexpr int kFeedbackPercent = 35;
constexpr int kFollowUpPercent = 50;

struct Channel {
  const char* name;
  const char* subject_zh;  // bilingual, for Chinese accounts
  const char* subject_en;
  int minutes_min, minutes_max;
};

const std::vector<Channel>& Channels() {
  static const std::vector<Channel> channels = {
      {"call", "电话跟进 / follow-up call", "Follow-up call", 5, 40},
      {"email", "邮件发送资料 / materials by e-mail", "Sent materials by e-mail", 5, 20},
      {"meeting", "需求讨论会 / requirements meeting", "Requirements meeting", 45, 120},
      {"visit", "客户现场拜访 / on-site visit", "On-site visit", 90, 240},
      {"message", "微信沟通 / WeChat messages", "Chat messages", 5, 30},
      {"demo", "产品演示 / product demo", "Product demo", 45, 120},
  };
  return channels;
}

const std::vector<std::string> kOutcomes = {"positive", "neutral", "negative", "no_answer",
                                            "left_message"};
const std::vector<int> kWarmOutcomeWeights = {55, 25, 5, 8, 7};
const std::vector<int> kColdOutcomeWeights = {20, 30, 25, 15, 10};

boost::json::array SomeContacts(Rng& rng, const AccountCtx& account) {
  boost::json::array out;
  if (account.contacts.empty()) return out;
  out.push_back(boost::json::string(rng.Pick(account.contacts)));
  return out;
}

// Fields a logged or completed interaction reports.
void Report(World& world, Story& story, boost::json::object& data, bool chinese, bool warm) {
  Rng& rng = world.rng;
  const std::string& outcome =
      kOutcomes[rng.Weighted(warm ? kWarmOutcomeWeights : kColdOutcomeWeights)];
  data["outcome"] = outcome;
  data["content"] = chinese ? "讨论了实施范围与预算。Discussed scope and budget."
                            : "Discussed scope, timeline and budget.";
  if (rng.Chance(kFeedbackPercent)) {
    data["customer_feedback"] =
        outcome == "negative" ? "价格偏高。The price is high." : "方案清楚。The proposal is clear.";
  }
  if (rng.Chance(kFollowUpPercent)) {
    data["next_follow_up"] = {
        {"date", FormatDate(story.now() + rng.Uniform(3, 14) * kMinutesPerDay)},
        {"action", chinese ? "发送报价 / send the quote" : "Send the quote"}};
  }
}

void Scheduled(World& world, Story& story, const AccountCtx& account, boost::json::object data,
               const Channel& channel, bool warm) {
  Rng& rng = world.rng;
  const std::string subject = "activity/ACT-" + std::to_string(world.next_activity++);
  int64_t starts = story.now() + rng.Uniform(2, 10) * kMinutesPerDay;
  data["starts_at"] = FormatDateTime(starts);
  data["location"] = channel.name == std::string("visit") ? account.street : "腾讯会议 / online";
  if (!story.Emit("activity.scheduled", subject, std::move(data))) return;
  if (rng.Chance(kRescheduledPercent)) {
    story.Advance(rng.Uniform(60, kMinutesPerDay));
    starts += rng.Uniform(1, 5) * kMinutesPerDay;
    story.Emit("activity.rescheduled", subject,
               {{"starts_at", FormatDateTime(starts)},
                {"reason", "客户时间冲突 / the customer asked to move it"}});
  }
  if (rng.Chance(kCancelledPercent)) {
    story.Advance(rng.Uniform(60, kMinutesPerDay));
    story.Emit("activity.cancelled", subject,
               {{"reason", "客户临时出差 / the customer had to travel"}});
    return;
  }
  const int64_t minutes = rng.Uniform(channel.minutes_min, channel.minutes_max);
  story.Advance(std::max<int64_t>(starts + minutes - story.now(), 1));
  boost::json::object done = {{"duration_minutes", minutes}};
  Report(world, story, done, account.chinese, warm);
  story.Emit("activity.completed", subject, std::move(done));
}

}  // namespace

void LogActivity(World& world, Story& story, const AccountCtx& account, const std::string& owner,
                 const std::string& opportunity, bool warm) {
  Rng& rng = world.rng;
  const Channel& channel = rng.Pick(Channels());
  boost::json::object data = {
      {"channel", channel.name},
      {"subject", account.chinese ? channel.subject_zh : channel.subject_en}};
  boost::json::object people = {{"account", account.id}};
  boost::json::array contacts = SomeContacts(rng, account);
  if (!contacts.empty()) people["contacts"] = std::move(contacts);
  if (!opportunity.empty()) people["opportunity"] = opportunity;
  if (!rng.Chance(kLoggedPercent)) {
    data["duration_minutes"] = rng.Uniform(channel.minutes_min, channel.minutes_max);
    data["owner"] = owner;
    for (auto& [key, value] : people) data[key] = value;
    return Scheduled(world, story, account, std::move(data), channel, warm);
  }
  const int64_t minutes = rng.Uniform(channel.minutes_min, channel.minutes_max);
  data["started_at"] = FormatDateTime(story.now() - minutes);
  data["duration_minutes"] = minutes;
  data["owner"] = owner;
  data["direction"] = rng.Chance(70) ? "outbound" : "inbound";
  for (auto& [key, value] : people) data[key] = value;
  Report(world, story, data, account.chinese, warm);
  story.Emit("activity.logged", "activity/ACT-" + std::to_string(world.next_activity++),
             std::move(data));
}

}  // namespace seed::internal
