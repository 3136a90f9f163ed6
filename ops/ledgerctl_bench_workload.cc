// The bench's commands, written straight into the request body (no JSON library): the
// client must build a batch of a thousand in well under a millisecond. The shapes and
// texts follow schemas/examples/lifecycle.ndjson, whose commands the decider accepts;
// free text is Chinese and English, as in the sales teams' own records. The record
// number `n` picks a company, a city, a person and amounts from small tables, so the
// records are not all alike.
#include "ops/ledgerctl_bench_workload.h"

#include <array>
#include <charconv>

namespace ledgerctl::bench {
namespace {

using std::string_view;

template <typename... Parts>
void Append(std::string& out, const Parts&... parts) {
  (out.append(parts), ...);
}

constexpr std::array<string_view, 4> kOwners = {"u:zhang.wei", "u:li.na", "u:wang.fang",
                                                "u:chen.jie"};
constexpr std::array<string_view, 5> kIndustries = {"manufacturing", "automotive", "electronics",
                                                    "logistics", "retail"};
constexpr std::array<string_view, 5> kSizes = {"micro", "small", "medium", "large", "enterprise"};

struct Company {
  string_view name;  // Chinese and English, as on the account
  string_view line1, city, region, postal_code;
};
constexpr std::array<Company, 5> kCompanies = {{
    {"恒锐精密机械 Hengrui Precision Machinery", "嘉定区安亭镇墨玉南路 888 号", "上海 Shanghai",
     "上海市", "201805"},
    {"明辉电子 Minghui Electronics", "工业园区星湖街 218 号", "苏州 Suzhou", "江苏省", "215000"},
    {"远航物流 Yuanhang Logistics", "宝安区福永街道凤凰路 66 号", "深圳 Shenzhen", "广东省",
     "518103"},
    {"鼎新汽车部件 Dingxin Auto Parts", "经济技术开发区东区 12 号", "长春 Changchun", "吉林省",
     "130033"},
    {"华泰零售 Huatai Retail", "朝阳区建国路 93 号万达广场 B 座", "北京 Beijing", "北京市",
     "100022"},
}};

struct Person {
  string_view name, title, email;
};
constexpr std::array<Person, 4> kPeople = {{
    {"王建国", "生产总监 Production Director", "wang.jianguo"},
    {"刘晓燕", "采购经理 Purchasing Manager", "liu.xiaoyan"},
    {"陈思远", "IT 负责人 Head of IT", "chen.siyuan"},
    {"Michael Turner", "VP Operations 运营副总裁", "m.turner"},
}};

// An amount of CNY in minor units (fen) that depends on the deal: 12,000.00 to 240,000.00.
uint64_t UnitPrice(uint64_t n) { return (n % 20 + 1) * 1'200'000; }
uint64_t Quantity(uint64_t n) { return n % 9 + 2; }
uint64_t OrderNet(uint64_t n) { return UnitPrice(n) * Quantity(n); }
uint64_t OrderTax(uint64_t n) { return OrderNet(n) * 13 / 100; }

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kAccount:
      return "account";
    case Kind::kActivity:
      return "activity";
    case Kind::kMix:
      return "mix";
  }
  return "?";
}

void AppendUint(std::string& out, uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

Workload::Workload(Kind kind, std::string run_id) : kind_(kind), run_id_(std::move(run_id)) {}

size_t Workload::RenderBody(unsigned client, uint64_t seq, size_t count, std::string& body) const {
  body += R"({"events":[)";
  size_t command_bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i) body += ',';
    const size_t before = body.size();
    RenderCommand(client, seq + i, body);
    command_bytes += body.size() - before;
  }
  body += "]}";
  return command_bytes;
}

void Workload::RenderCommand(unsigned client, uint64_t seq, std::string& out) const {
  switch (kind_) {
    case Kind::kAccount:
      return Account(client, seq, seq, false, out);
    case Kind::kActivity:
      return Activity(client, seq, out);
    case Kind::kMix:
      return Mix(client, seq, out);
  }
}

// One deal per kMixCycle events, each event referring only to earlier ones of the deal.
void Workload::Mix(unsigned client, uint64_t seq, std::string& out) const {
  static_assert(kMixCycle == 20, "the cases below are the cycle");
  const uint64_t n = seq / kMixCycle;
  switch (seq % kMixCycle) {
    case 0:
      return Account(client, seq, n, true, out);
    case 1:
      return Contact(client, seq, n, out);
    case 2:
      return FirstCall(client, seq, n, out);
    case 3:
      return Opportunity(client, seq, n, out);
    case 4:
      return VisitScheduled(client, seq, n, out);
    case 5:
      return StageChanged(client, seq, n, 0, out);
    case 6:
      return VisitCompleted(client, seq, n, out);
    case 7:
      return StageChanged(client, seq, n, 1, out);
    case 8:
      return StageChanged(client, seq, n, 2, out);
    case 9:
      return StageChanged(client, seq, n, 3, out);
    case 10:
      return Won(client, seq, n, out);
    case 11:
      return Product(client, seq, n, out);
    case 12:
      return Contract(client, seq, n, out);
    case 13:
      return Order(client, seq, n, out);
    case 14:
      return OrderStatus(client, seq, n, out);
    case 15:
      return Invoice(client, seq, n, out);
    case 16:
      return Payment(client, seq, n, out);
    case 17:
      return TicketOpened(client, seq, n, out);
    case 18:
      return TicketAssigned(client, seq, n, out);
    default:
      return TicketAction(client, seq, n, out);
  }
}

// "<prefix><run>-<client>-<n><suffix>", e.g. ACC-k3j4h2ab-0-17 or ACT-k3j4h2ab-0-17-v.
void Workload::Id(std::string& out, string_view prefix, unsigned client, uint64_t n,
                  string_view suffix) const {
  Append(out, prefix, run_id_, string_view("-"));
  AppendUint(out, client);
  out += '-';
  AppendUint(out, n);
  out += suffix;
}

// {"type":..,"subject":"<kind>/<id>","id":"bench-<run>-<client>-<seq>","data":{
void Workload::Head(std::string& out, string_view type, string_view subject_prefix, unsigned client,
                    uint64_t seq, uint64_t record, string_view suffix) const {
  const string_view kind = type.substr(0, type.find('.'));
  Append(out, string_view(R"({"type":")"), type, string_view(R"(","subject":")"), kind,
         string_view("/"));
  Id(out, subject_prefix, client, record, suffix);
  out += R"(","id":")";
  Id(out, "bench-", client, seq);
  out += R"(","data":{)";
}

// `varied` (the mix): the company by `n` and a longer description. Otherwise the shape
// --kind account always had, so its figures stay comparable (docs/BENCHMARKS.md).
void Workload::Account(unsigned client, uint64_t seq, uint64_t n, bool varied,
                       std::string& out) const {
  const Company& company = kCompanies[varied ? n % kCompanies.size() : 0];
  Head(out, "account.registered", "ACC-", client, seq, n);
  Append(out, string_view(R"("name":")"), company.name, string_view(" No. "));
  AppendUint(out, n);
  Append(out, string_view(R"(","owner":")"), kOwners[n % kOwners.size()],
         string_view(R"(","industry":")"), kIndustries[n % kIndustries.size()],
         string_view(R"(","size":")"), kSizes[n % kSizes.size()],
         string_view(R"(","address":{"line1":")"), company.line1, string_view(R"(","city":")"),
         company.city, string_view(R"(","region":")"), company.region,
         string_view(R"(","postal_code":")"), company.postal_code);
  out += R"(","country":"CN"},"phone":"+86 21 5957 8800","tags":["bench","MES 目标客户"],)";
  if (!varied) {
    out += R"("description":"为新能源汽车生产精密齿轮与壳体。Precision gears and housings )"
           R"(for EV makers."}})";
    return;
  }
  out += R"("description":"为新能源汽车生产精密齿轮与壳体，三个车间，约 600 人；)"
         R"(2025 年产值约 4.2 亿元，计划两年内完成车间数字化改造。\n)"
         R"(Precision gears and housings for EV makers; three workshops, about 600 staff. )"
         R"(Plans to digitise the shop floor within two years."}})";
}

void Workload::Contact(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  const Person& person = kPeople[n % kPeople.size()];
  Head(out, "contact.registered", "CON-", client, seq, n);
  Append(out, string_view(R"("name":")"), person.name, string_view(R"(","title":")"), person.title,
         string_view(R"(","department":"生产部 Production","account":")"));
  Id(out, "ACC-", client, n);
  Append(out, string_view(R"(","role":"decision_maker","emails":[")"), person.email,
         string_view(R"(@customer.example.cn"],)"
                     R"("phones":[{"kind":"work","number":"+86 21 5957 8801"},)"
                     R"({"kind":"mobile","number":"+86 139 1234 5678"}],"wechat":"wjg_customer",)"
                     R"("preferred_channel":"wechat","needs":"报工靠纸质单据，月底对账慢；)"
                     R"(希望实时看到各车间 OEE。Paper job tickets slow down month-end.",)"
                     R"("owner":")"),
         kOwners[n % kOwners.size()], string_view(R"("}})"));
}

void Workload::FirstCall(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "activity.logged", "ACT-", client, seq, n, "-c");
  Append(out,
         string_view(R"("channel":"call","subject":"首次电话沟通 MES 需求 / first call about MES",)"
                     R"("started_at":"2026-03-05T15:00:00+08:00","duration_minutes":25,"owner":")"),
         kOwners[n % kOwners.size()], string_view(R"(","direction":"outbound","account":")"));
  Id(out, "ACC-", client, n);
  out += R"(","contacts":[")";
  Id(out, "CON-", client, n);
  out += R"("],"content":"客户介绍三个车间现状：12 台加工中心、两条装配线，报工仍靠纸质单据，)"
         R"(月底对账需要三天。对实时报工和质量追溯最感兴趣，预算需在 4 月董事会审批。\n)"
         R"(Described the three workshops: 12 machining centres and two assembly lines, )"
         R"(paper job tickets, three days to close the month. Most interested in live )"
         R"(reporting and traceability; the budget goes to the board in April.",)"
         R"("customer_feedback":"希望先看同行业案例，最好能去现场参观。)"
         R"(Wants references from the same industry, ideally a site visit.",)"
         R"("outcome":"positive","next_follow_up":{"date":"2026-03-18",)"
         R"("action":"上门拜访工厂 / visit the plant"}}})";
}

void Workload::Opportunity(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "opportunity.opened", "OPP-", client, seq, n);
  out += R"("name":"MES 数字化车间项目 / MES digital workshop","account":")";
  Id(out, "ACC-", client, n);
  Append(out, string_view(R"(","owner":")"), kOwners[n % kOwners.size()],
         string_view(R"(","stage":"prospecting","amount":{"amount":)"));
  AppendUint(out, OrderNet(n));
  out += R"(,"currency":"CNY"},"close_date":"2026-06-30","probability":10,)"
         R"("source":"trade_show","contacts":[")";
  Id(out, "CON-", client, n);
  out += R"("],"description":"三个车间上线 MES，含报工终端与数据采集网关；一期为 2 号车间试点，)"
         R"(二期推广到全厂并对接 ERP。\nMES for three workshops with terminals and data )"
         R"(gateways; phase 1 pilots workshop 2, phase 2 covers the plant and the ERP."}})";
}

void Workload::VisitScheduled(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  const Company& company = kCompanies[n % kCompanies.size()];
  Head(out, "activity.scheduled", "ACT-", client, seq, n, "-v");
  Append(out,
         string_view(R"("channel":"visit","subject":"工厂现场调研 / on-site survey",)"
                     R"("starts_at":"2026-03-20T14:00:00+08:00","duration_minutes":180,"owner":")"),
         kOwners[n % kOwners.size()], string_view(R"(","account":")"));
  Id(out, "ACC-", client, n);
  out += R"(","contacts":[")";
  Id(out, "CON-", client, n);
  out += R"("],"opportunity":")";
  Id(out, "OPP-", client, n);
  Append(out, string_view(R"(","location":")"), company.line1,
         string_view(R"( 2 号车间","agenda":"1. 参观产线 2. 访谈班组长 3. 梳理报工流程\n)"
                     R"(1. Line tour 2. Interview team leads 3. Map the reporting flow"}})"));
}

void Workload::VisitCompleted(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "activity.completed", "ACT-", client, seq, n, "-v");
  out += R"("outcome":"positive","duration_minutes":200,)"
         R"("content":"调研 2 号车间 12 台加工中心；班组长希望扫码报工，质量部要求每批次)"
         R"(可追溯到原材料炉号。现有 ERP 为用友 U8，需要接口对接工单与物料。\n)"
         R"(Surveyed 12 machining centres; team leads want scan-to-report, quality wants )"
         R"(each batch traced to the heat number of its steel. The ERP is Yonyou U8; work )"
         R"(orders and materials need an interface.",)"
         R"("customer_feedback":"先在 2 号车间试点，效果好再推广。Pilot in workshop 2 first.",)"
         R"("next_follow_up":{"date":"2026-04-02","action":"远程演示排产模块 / remote demo"}}})";
}

// The open stages in order; `step` moves from stages[step] to stages[step + 1].
void Workload::StageChanged(unsigned client, uint64_t seq, uint64_t n, unsigned step,
                            std::string& out) const {
  static constexpr std::array<string_view, 5> kStages = {
      "prospecting", "qualification", "needs_analysis", "proposal", "negotiation"};
  static constexpr std::array<string_view, 4> kReasons = {
      "预算与决策人已确认 / budget and decision maker confirmed",
      "现场调研完成，需求清单已确认 / site survey done, requirements agreed",
      "已提交方案与报价 / proposal and quote sent",
      "客户进入商务谈判，法务审阅合同 / commercial terms under review by legal"};
  static constexpr std::array<unsigned, 4> kProbability = {20, 40, 60, 80};
  Head(out, "opportunity.stage_changed", "OPP-", client, seq, n);
  Append(out, string_view(R"("from":")"), kStages[step], string_view(R"(","to":")"),
         kStages[step + 1], string_view(R"(","reason":")"), kReasons[step],
         string_view(R"(","probability":)"));
  AppendUint(out, kProbability[step]);
  out += "}}";
}

void Workload::Won(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "opportunity.won", "OPP-", client, seq, n);
  out += R"("amount":{"amount":)";
  AppendUint(out, OrderNet(n));
  out += R"(,"currency":"CNY"},"close_date":"2026-04-28",)"
         R"("reason":"试点方案与本地实施团队 / pilot plan and local implementation team"}})";
}

void Workload::Product(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "product.listed", "PRD-", client, seq, n);
  out += R"("sku":"MES-STD-)";
  AppendUint(out, n);
  out += R"(","name":"云帆 MES 标准版 / Yunfan MES Standard Edition",)"
         R"("category":"软件许可 Software licence","list_price":{"amount":)";
  AppendUint(out, UnitPrice(n));
  out += R"(,"currency":"CNY"},"unit":"license","description":"制造执行系统：排产、报工、)"
         R"(质量追溯。\nManufacturing execution: scheduling, shop-floor reporting, quality )"
         R"(traceability."}})";
}

void Workload::Contract(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  const Person& person = kPeople[n % kPeople.size()];
  Head(out, "contract.signed", "CTR-", client, seq, n);
  out += R"("number":"HT-)";
  AppendUint(out, n);
  out += R"(","title":"MES 实施与许可合同 / MES licence and implementation agreement",)"
         R"("account":")";
  Id(out, "ACC-", client, n);
  out += R"(","opportunity":")";
  Id(out, "OPP-", client, n);
  out += R"(","lines":[{"product":")";
  Id(out, "PRD-", client, n);
  out += R"(","quantity":)";
  AppendUint(out, Quantity(n));
  out += R"(,"unit_price":{"amount":)";
  AppendUint(out, UnitPrice(n));
  Append(out,
         string_view(R"(,"currency":"CNY"},"description":"MES 许可 / MES licences"}],)"
                     R"("payment_terms":"net_30","start_date":"2026-05-01",)"
                     R"("end_date":"2027-04-30","auto_renew":true,"customer_signatory":")"),
         person.name, string_view(R"("}})"));
}

void Workload::Order(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  const Company& company = kCompanies[n % kCompanies.size()];
  const Person& person = kPeople[n % kPeople.size()];
  Head(out, "order.placed", "ORD-", client, seq, n);
  out += R"("number":"SO-)";
  AppendUint(out, n);
  out += R"(","account":")";
  Id(out, "ACC-", client, n);
  out += R"(","contract":")";
  Id(out, "CTR-", client, n);
  out += R"(","purchase_order":"PO-26-)";
  AppendUint(out, n);
  out += R"(","lines":[{"product":")";
  Id(out, "PRD-", client, n);
  out += R"(","quantity":)";
  AppendUint(out, Quantity(n));
  out += R"(,"unit_price":{"amount":)";
  AppendUint(out, UnitPrice(n));
  Append(out, string_view(R"(,"currency":"CNY"}}],"shipping_address":{"line1":")"), company.line1,
         string_view(R"(","city":")"), company.city, string_view(R"(","postal_code":")"),
         company.postal_code, string_view(R"(","country":"CN"},"recipient":")"), person.name,
         string_view(R"(","recipient_phone":"+86 139 1234 5678",)"
                     R"("requested_delivery":"2026-05-20"}})"));
}

void Workload::OrderStatus(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "order.status_changed", "ORD-", client, seq, n);
  out += R"("from":"placed","to":"awaiting_payment",)"
         R"("reason":"已开具发票，等待首付款 / invoiced, awaiting the deposit"}})";
}

void Workload::Invoice(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "invoice.issued", "INV-", client, seq, n);
  out += R"("number":"FP-)";
  AppendUint(out, n);
  out += R"(","order":")";
  Id(out, "ORD-", client, n);
  out += R"(","issue_date":"2026-05-07","due_date":"2026-06-06","amount":{"amount":)";
  AppendUint(out, OrderNet(n));
  out += R"(,"currency":"CNY"},"tax":{"amount":)";
  AppendUint(out, OrderTax(n));
  out += R"(,"currency":"CNY"},"tax_rate_percent":13,)"
         R"("notes":"分期：首付 30%，余款验收后 / 30% deposit, balance on acceptance"}})";
}

void Workload::Payment(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  const Company& company = kCompanies[n % kCompanies.size()];
  Head(out, "payment.received", "PAY-", client, seq, n);
  out += R"("invoice":")";
  Id(out, "INV-", client, n);
  out += R"(","amount":{"amount":)";
  AppendUint(out, (OrderNet(n) + OrderTax(n)) * 3 / 10);
  out += R"(,"currency":"CNY"},"method":"bank_transfer","received_at":)"
         R"("2026-05-12T10:20:00+08:00","reference":"ICBC 20260512-)";
  AppendUint(out, n);
  Append(out, string_view(R"(","payer":")"), company.name, string_view(R"("}})"));
}

void Workload::TicketOpened(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "ticket.opened", "TKT-", client, seq, n);
  out += R"("title":"报工终端无法同步 / shop-floor terminals do not sync",)"
         R"("request":"2 号车间 3 台报工终端从昨晚起无法上传报工记录，影响夜班交接。)"
         R"(终端显示“网络超时”，重启后约十分钟再次失败；其他车间正常。\n)"
         R"(Three terminals in workshop 2 stopped uploading since last night; they show a )"
         R"(network timeout and fail again ten minutes after a restart. Other workshops )"
         R"(are fine.",)"
         R"("category":"defect","severity":"high","channel":"wechat","account":")";
  Id(out, "ACC-", client, n);
  out += R"(","contact":")";
  Id(out, "CON-", client, n);
  out += R"(","order":")";
  Id(out, "ORD-", client, n);
  out += R"(","product":")";
  Id(out, "PRD-", client, n);
  out += R"(","respond_by":"2026-06-10T12:00:00+08:00"}})";
}

void Workload::TicketAssigned(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "ticket.assigned", "TKT-", client, seq, n);
  Append(out, string_view(R"("handler":")"), kOwners[(n + 1) % kOwners.size()],
         string_view(R"(","team":"华东技术支持 / East China support"}})"));
}

void Workload::TicketAction(unsigned client, uint64_t seq, uint64_t n, std::string& out) const {
  Head(out, "ticket.action_taken", "TKT-", client, seq, n);
  out += R"("action":"remote_support","details":"远程重启同步服务并清理积压队列，)"
         R"(检查终端日志发现 DHCP 租期过短，已请客户 IT 调整；已通知夜班班长继续观察。\n)"
         R"(Restarted the sync service remotely and cleared the queue; the terminal logs )"
         R"(show a short DHCP lease, which the customer's IT will extend.",)"
         R"("minutes_spent":45}})";
}

// The shape of ledger_bench's in-process append (bench/append_bench.cc), made valid.
void Workload::Activity(unsigned client, uint64_t seq, std::string& out) const {
  Head(out, "activity.logged", "ACT-", client, seq, seq);
  Append(out,
         string_view(R"("channel":"visit","subject":"季度回访 quarterly review",)"
                     R"("started_at":"2026-03-02T10:00:00+08:00",)"
                     R"("duration_minutes":45,"owner":")"),
         kOwners[seq % kOwners.size()]);
  out += R"(","direction":"outbound","content":"与采购部王经理讨论了第二季度的续约和新增席位，)"
         R"(客户关注价格和交付周期。Discussed Q2 renewal and extra seats.","outcome":"positive",)"
         R"("next_follow_up":{"date":"2026-03-09","action":"发送报价 / send the quote"}}})";
}

}  // namespace ledgerctl::bench
