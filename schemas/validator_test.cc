#include "schemas/validator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "schemas/catalog.h"
#include "schemas/test_context.h"

namespace schemas {
namespace {

using ledger::Violation;
using testing::MakeCommand;

using testing::ExampleCommand;

TEST(ValidatorTest, EveryEventTypeAcceptsAnExampleWithRequiredFieldsOnly) {
  for (const EventTypeSpec& spec : Catalog()) {
    ledger::Command command = ExampleCommand(spec, false);
    std::vector<Violation> violations = ValidateCommand(command);
    EXPECT_TRUE(violations.empty())
        << spec.type << " " << boost::json::serialize(command.data) << ": "
        << violations.front().pointer << " " << violations.front().reason;
  }
}

TEST(ValidatorTest, EveryEventTypeAcceptsAnExampleWithEveryField) {
  for (const EventTypeSpec& spec : Catalog()) {
    ledger::Command command = ExampleCommand(spec, true);
    command.occurredat = "2025-03-14T09:30:00+08:00";
    std::vector<Violation> violations = ValidateCommand(command);
    EXPECT_TRUE(violations.empty())
        << spec.type << " " << boost::json::serialize(command.data) << ": "
        << violations.front().pointer << " " << violations.front().reason;
  }
}

// --- Bad inputs ------------------------------------------------------------------

struct Expected {
  std::string pointer;
  std::string reason_part;  // a fragment the reason must contain
};

struct BadCase {
  std::string name;
  std::string type;
  std::string subject;
  std::string data;
  std::vector<Expected> expected;  // every violation, in order
};

void ExpectViolations(const std::vector<Violation>& actual, const std::vector<Expected>& expected,
                      const std::string& name) {
  SCOPED_TRACE(name);
  std::string listing;
  for (const Violation& v : actual) listing += "\n  " + v.pointer + ": " + v.reason;
  ASSERT_EQ(actual.size(), expected.size()) << listing;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].pointer, expected[i].pointer) << listing;
    EXPECT_NE(actual[i].reason.find(expected[i].reason_part), std::string::npos)
        << "reason \"" << actual[i].reason << "\" lacks \"" << expected[i].reason_part << "\"";
  }
}

// A valid opportunity.opened; cases replace the parts they break.
std::string Opportunity(const std::string& replace_from, const std::string& replace_to) {
  std::string data = R"({"name":"MES 项目","account":"ACC-1","owner":"u:zhang.wei",)"
                     R"("stage":"prospecting","amount":{"amount":100000,"currency":"CNY"},)"
                     R"("close_date":"2025-06-30","probability":10,"contacts":["CON-1"]})";
  if (replace_from.empty()) return data;
  size_t at = data.find(replace_from);
  LEDGER_ASSERT(at != std::string::npos);
  return data.replace(at, replace_from.size(), replace_to);
}

std::string Line(const std::string& product, int quantity, const std::string& currency) {
  return R"({"product":")" + product + R"(","quantity":)" + std::to_string(quantity) +
         R"(,"unit_price":{"amount":250000,"currency":")" + currency + R"("}})";
}

std::string Contract(const std::string& lines, const std::string& extra = "") {
  return R"({"number":"HT-1","account":"ACC-1","lines":[)" + lines +
         R"(],"payment_terms":"net_30","start_date":"2025-05-01")" + extra + "}";
}

BadCase Bad(std::string name, std::string type, std::string subject, std::string data,
            std::vector<Expected> expected) {
  return {std::move(name), std::move(type), std::move(subject), std::move(data),
          std::move(expected)};
}

// A case on a valid opportunity.opened whose data is `data`.
BadCase Opp(std::string name, std::string data, std::vector<Expected> expected) {
  return {std::move(name), "opportunity.opened", "opportunity/OPP-1", std::move(data),
          std::move(expected)};
}

std::vector<BadCase> TextAndEnumCases() {
  std::string long_name(201, 'x');
  std::string emoji_name;
  for (int i = 0; i < 200; ++i) emoji_name += "😀";
  return {
      Opp("missing required", Opportunity(R"("name":"MES 项目",)", ""),
          {{"/data/name", "is required"}}),
      Opp("wrong type", Opportunity(R"("MES 项目")", "42"),
          {{"/data/name", "must be a string, not an integer"}}),
      Opp("null", Opportunity(R"("MES 项目")", "null"), {{"/data/name", "not null"}}),
      Opp("unknown field", Opportunity(R"("owner")", R"("colour":"red","owner")"),
          {{"/data/colour", "unknown field"}}),
      Opp("unknown field, escaped", Opportunity(R"("owner")", R"("a/b~c":1,"owner")"),
          {{"/data/a~1b~0c", "unknown field"}}),
      Opp("bad enum", Opportunity("prospecting", "won"),
          {{"/data/stage", "must be one of: prospecting, qualification"}}),
      Opp("closed stage at opening", Opportunity("prospecting", "closed_won"),
          {{"/data/stage", "must be one of"}}),
      Opp("too long text", Opportunity("MES 项目", long_name),
          {{"/data/name", "at most 200 characters (got 201)"}}),
      Opp("byte cap", Opportunity("MES 项目", emoji_name),
          {{"/data/name", "at most 600 bytes of UTF-8 (got 800)"}}),
      Opp("blank text", Opportunity("MES 项目", "   "),
          {{"/data/name", "must not be empty or blank"}}),
      Opp("line break in a single-line text", Opportunity("MES 项目", R"(a\nb)"),
          {{"/data/name", "single line"}}),
      Opp("bad date", Opportunity("2025-06-30", "2025-02-30"),
          {{"/data/close_date", "calendar date as YYYY-MM-DD (got \"2025-02-30\")"}}),
      Opp("reference with its kind", Opportunity(R"("ACC-1")", R"("account/ACC-1")"),
          {{"/data/account", "without the \"account/\" prefix"}}),
      Opp("malformed reference", Opportunity(R"("ACC-1")", R"("ACC 1")"),
          {{"/data/account", "must be the id of the account"}}),
  };
}

std::vector<BadCase> NumberAndMoneyCases() {
  return {
      Opp("unknown field in money",
          Opportunity(R"("currency":"CNY")", R"("currency":"CNY","cents":5)"),
          {{"/data/amount/cents", "money has only amount and currency"}}),
      Opp("float percent", Opportunity(R"("probability":10)", R"("probability":10.5)"),
          {{"/data/probability", "floating-point numbers are not allowed"}}),
      Opp("float written as integer", Opportunity(R"("probability":10)", R"("probability":10.0)"),
          {{"/data/probability", "floating-point"}}),
      Opp("float money", Opportunity("100000", "1000.50"),
          {{"/data/amount/amount", "minor units"}}),
      Opp("percent out of range", Opportunity(R"("probability":10)", R"("probability":101)"),
          {{"/data/probability", "between 0 and 100 (got 101)"}}),
      Opp("integer beyond 2^53-1", Opportunity("100000", "9007199254740992"),
          {{"/data/amount/amount", "2^53-1"}}),
      Opp("huge unsigned integer", Opportunity("100000", "18446744073709551615"),
          {{"/data/amount/amount", "2^53-1"}}),
      Opp("negative money", Opportunity("100000", "-1"),
          {{"/data/amount/amount", "at least 0 (got -1)"}}),
      Opp("unknown currency", Opportunity(R"("CNY")", R"("RMB")"),
          {{"/data/amount/currency", "\"RMB\" is not an active ISO 4217 currency code"}}),
      Opp("lower-case currency", Opportunity(R"("CNY")", R"("cny")"),
          {{"/data/amount/currency", "ISO 4217"}}),
      Opp("withdrawn currency", Opportunity(R"("CNY")", R"("HRK")"),
          {{"/data/amount/currency", "ISO 4217"}}),
      Opp("metal is not money", Opportunity(R"("CNY")", R"("XAU")"),
          {{"/data/amount/currency", "no minor unit"}}),
      Opp("money without currency", Opportunity(R"(,"currency":"CNY")", ""),
          {{"/data/amount/currency", "is required"}}),
      Opp("money as a number", Opportunity(R"({"amount":100000,"currency":"CNY"})", "100000"),
          {{"/data/amount", "must be money"}}),
  };
}

std::string Contacts(int count) {
  std::string items;
  for (int i = 0; i < count; ++i) items += (i ? ",\"C-" : "\"C-") + std::to_string(i) + "\"";
  return "[" + items + "]";
}

std::vector<BadCase> ArrayCases() {
  return {
      Opp("array too long", Opportunity(R"(["CON-1"])", Contacts(21)),
          {{"/data/contacts", "at most 20 items (got 21)"}}),
      Opp("duplicate items", Opportunity(R"(["CON-1"])", R"(["CON-1","CON-1"])"),
          {{"/data/contacts/1", "duplicates item 0"}}),
      Opp("array item of the wrong type", Opportunity(R"(["CON-1"])", "[7]"),
          {{"/data/contacts/0", "must be a string"}}),
      Opp("array as a string", Opportunity(R"(["CON-1"])", R"("CON-1")"),
          {{"/data/contacts", "must be an array"}}),
  };
}

std::vector<BadCase> NestedCases() {
  const std::string kSigned = "contract.signed";
  const std::string kSubject = "contract/CTR-1";
  std::string many_lines;
  for (int i = 0; i < 101; ++i) many_lines += (i ? "," : "") + Line("P-1", 1, "CNY");
  return {
      Bad("line errors point into the line", kSigned, kSubject,
          Contract(R"({"quantity":1,"unit_price":{"amount":1,"currency":"CNY"}},)" +
                   Line("P-1", 1, "CNY").replace(1, 0, R"("sku":"x",)") + "," +
                   Line("P-2", 0, "CNY")),
          {{"/data/lines/0/product", "is required"},
           {"/data/lines/1/sku", "unknown field"},
           {"/data/lines/2/quantity", "between 1 and 1000000 (got 0)"}}),
      Bad("no lines", kSigned, kSubject, Contract(""), {{"/data/lines", "at least 1 item"}}),
      Bad("too many lines", kSigned, kSubject, Contract(many_lines),
          {{"/data/lines", "at most 100 items (got 101)"}}),
      Bad("lines in two currencies", kSigned, kSubject,
          Contract(Line("P-1", 1, "CNY") + "," + Line("P-2", 1, "USD")),
          {{"/data/lines/1/unit_price/currency", "must be CNY like the other lines"}}),
      Bad("discount over 100", kSigned, kSubject,
          Contract(R"({"product":"P-1","quantity":1,"unit_price":{"amount":1,"currency":"CNY"},)"
                   R"("discount_percent":120})"),
          {{"/data/lines/0/discount_percent", "between 0 and 100"}}),
      Bad("end before start", kSigned, kSubject,
          Contract(Line("P-1", 1, "CNY"), R"(,"end_date":"2025-04-30")"),
          {{"/data/end_date", "must not be before start_date (2025-05-01)"}}),
      Bad("boolean as text", kSigned, kSubject,
          Contract(Line("P-1", 1, "CNY"), R"(,"auto_renew":"yes")"),
          {{"/data/auto_renew", "must be true or false, not a string"}}),
      Bad("address with a bad country", "account.registered", "account/ACC-1",
          R"({"name":"恒锐","owner":"u:a","address":{"line1":"墨玉南路 888 号","city":"上海",)"
          R"("country":"CHN"},"website":"www.example.com"})",
          {{"/data/address/country", "ISO 3166-1 alpha-2"},
           {"/data/website", "http or https URL"}}),
      Bad("address missing city", "account.registered", "account/ACC-1",
          R"({"name":"恒锐","owner":"u:a","address":{"line1":"墨玉南路 888 号","country":"CN"}})",
          {{"/data/address/city", "is required"}}),
      Bad("contact phones and e-mails", "contact.registered", "contact/CON-1",
          R"({"name":"王建国","phones":[{"kind":"pager","number":"+86 139"},)"
          R"({"kind":"work","number":"call me"}],"emails":["wang@example.cn","not-an-address"]})",
          {{"/data/phones/0/kind", "must be one of: work, mobile"},
           {"/data/phones/1/number", "must be a phone number"},
           {"/data/emails/1", "must be an e-mail address"}}),
      Bad("bad date-time", "activity.rescheduled", "activity/ACT-1",
          R"({"starts_at":"2025-03-18 14:00"})", {{"/data/starts_at", "RFC 3339"}}),
      Bad("bad period", "forecast.submitted", "forecast/FC-1",
          R"({"owner":"u:a","period":"2025-Q5","commit":{"amount":1,"currency":"CNY"},)"
          R"("best_case":{"amount":1,"currency":"CNY"}})",
          {{"/data/period", "must be a period"}}),
      Bad("multi-line note allows line breaks but not NUL", "activity.cancelled", "activity/ACT-1",
          R"({"reason":"a\u0000b"})", {{"/data/reason", "single line"}}),
  };
}

std::vector<BadCase> CrossFieldCases() {
  return {
      Bad("stage unchanged", "opportunity.stage_changed", "opportunity/OPP-1",
          R"({"from":"proposal","to":"proposal"})", {{"/data/to", "must differ from from"}}),
      Bad("cancelled without a reason", "order.status_changed", "order/ORD-1",
          R"({"from":"placed","to":"cancelled"})",
          {{"/data/reason", "is required when to is cancelled"}}),
      Bad("invoice due before issue, tax in another currency", "invoice.issued", "invoice/INV-1",
          R"({"number":"FP-1","order":"ORD-1","issue_date":"2025-05-07","due_date":"2025-05-01",)"
          R"("amount":{"amount":100,"currency":"CNY"},"tax":{"amount":13,"currency":"USD"}})",
          {{"/data/due_date", "must not be before issue_date"},
           {"/data/tax/currency", "must be CNY like amount"}}),
      Bad("money target without amount, with count", "target.set", "target/T-1",
          R"({"owner_type":"team","owner":"east","period":"2025","metric":"revenue","count":3})",
          {{"/data/amount", "is required for metric revenue"},
           {"/data/count", "is not allowed for metric revenue"}}),
      Bad("count target with amount", "target.set", "target/T-1",
          R"({"owner_type":"rep","owner":"u:a","period":"2025-07","metric":"deals_won",)"
          R"("amount":{"amount":1,"currency":"CNY"}})",
          {{"/data/count", "is required for metric deals_won"},
           {"/data/amount", "is not allowed for metric deals_won"}}),
      Bad("target revised with both", "target.revised", "target/T-1",
          R"({"amount":{"amount":1,"currency":"CNY"},"count":2,"reason":"r"})",
          {{"/data/count", "either amount or count"}}),
      Bad("best case below commit", "forecast.submitted", "forecast/FC-1",
          R"({"owner":"u:a","period":"2025-Q2","commit":{"amount":500,"currency":"CNY"},)"
          R"("best_case":{"amount":400,"currency":"CNY"},"pipeline":{"amount":900,"currency":"USD"}})",
          {{"/data/pipeline/currency", "must be CNY like commit"},
           {"/data/best_case", "must be at least commit"}}),
      Bad("lost to a competitor without naming it", "opportunity.lost", "opportunity/OPP-1",
          R"({"reason":"competitor","close_date":"2025-04-15"})",
          {{"/data/competitor", "is required when reason is competitor"}}),
      Bad("own parent", "account.profile_updated", "account/ACC-1", R"({"parent":"ACC-1"})",
          {{"/data/parent", "cannot be its own parent"}}),
      Bad("merged without a survivor", "account.deactivated", "account/ACC-1",
          R"({"reason":"merged"})", {{"/data/merged_into", "is required when reason is merged"}}),
      Bad("product replaces itself", "product.discontinued", "product/P-1",
          R"({"replacement":"P-1"})", {{"/data/replacement", "cannot replace itself"}}),
      Bad("empty update", "account.profile_updated", "account/ACC-1", "{}",
          {{"/data", "must contain at least one of: name, legal_name"}}),
      Bad("amendment with only a reason", "contract.amended", "contract/CTR-1", R"({"reason":"r"})",
          {{"/data", "at least one of: lines, payment_terms"}}),
  };
}

std::vector<BadCase> EnvelopeCases() {
  const std::string data = Opportunity("", "");
  return {
      Bad("missing type", "", "opportunity/OPP-1", data, {{"/type", "is required"}}),
      Bad("unknown type of a known kind", "opportunity.deleted", "opportunity/OPP-1", data,
          {{"/type", "opportunity events are: opportunity.opened, opportunity.stage_changed"}}),
      Bad("unknown type and kind", "lead.created", "lead/L-1", data,
          {{"/type", "unknown event type \"lead.created\""}, {"/subject", "unknown record kind"}}),
      Bad("missing subject", "opportunity.opened", "", data, {{"/subject", "is required"}}),
      Bad("subject without kind", "opportunity.opened", "OPP-1", data,
          {{"/subject", "must be <kind>/<id>"}}),
      Bad("subject of another kind", "opportunity.opened", "account/OPP-1", data,
          {{"/subject", "must be opportunity/<id> for event type opportunity.opened"}}),
      Bad("bad record id", "opportunity.opened", "opportunity/-1", data,
          {{"/subject", "the record id after \"/\""}}),
      Bad("empty record id", "opportunity.opened", "opportunity/", data,
          {{"/subject", "the record id after \"/\""}}),
      Bad("record id too long", "opportunity.opened", "opportunity/" + std::string(65, 'A'), data,
          {{"/subject", "the record id"}}),
  };
}

void RunCases(const std::vector<BadCase>& cases) {
  for (const BadCase& c : cases) {
    ExpectViolations(ValidateCommand(MakeCommand(c.type, c.subject, c.data)), c.expected, c.name);
  }
}

TEST(ValidatorTest, TextAndEnumViolations) { RunCases(TextAndEnumCases()); }
TEST(ValidatorTest, NumberAndMoneyViolations) { RunCases(NumberAndMoneyCases()); }
TEST(ValidatorTest, ArrayViolations) { RunCases(ArrayCases()); }
TEST(ValidatorTest, NestedViolations) { RunCases(NestedCases()); }
TEST(ValidatorTest, CrossFieldViolations) { RunCases(CrossFieldCases()); }
TEST(ValidatorTest, EnvelopeViolations) { RunCases(EnvelopeCases()); }

TEST(ValidatorTest, SchemaVersionMustBeKnown) {
  ledger::Command command =
      MakeCommand("opportunity.opened", "opportunity/OPP-1", Opportunity("", ""));
  command.schemaversion = 2;
  ExpectViolations(ValidateCommand(command), {{"/schemaversion", "schema version 2"}}, "v2");
}

TEST(ValidatorTest, OccurredAtMustBeRfc3339) {
  ledger::Command command =
      MakeCommand("opportunity.opened", "opportunity/OPP-1", Opportunity("", ""));
  command.occurredat = "2025-03-14T09:30:00+08:00";
  EXPECT_TRUE(ValidateCommand(command).empty());
  command.occurredat = "yesterday";
  ExpectViolations(ValidateCommand(command), {{"/occurredat", "RFC 3339"}}, "occurredat");
}

TEST(ValidatorTest, ReportsEveryViolationOfOneCommandAtOnce) {
  ledger::Command command = MakeCommand(
      "contract.signed", "contract/-CTR",
      R"({"number":"HT 1","account":"ACC-1","colour":"red","lines":[)"
      R"({"product":"P-1","quantity":1.5,"unit_price":{"amount":100,"currency":"CNY"}},)"
      R"({"product":"P-2","quantity":2,"unit_price":{"amount":100,"currency":"ABC"}}],)"
      R"("payment_terms":"net_31","end_date":"2025-13-01"})");
  command.occurredat = "now";
  ExpectViolations(ValidateCommand(command),
                   {{"/subject", "record id"},
                    {"/occurredat", "RFC 3339"},
                    {"/data/colour", "unknown field"},
                    {"/data/number", "must be an identifier"},
                    {"/data/lines/0/quantity", "must be an integer"},
                    {"/data/lines/1/unit_price/currency", "ISO 4217"},
                    {"/data/payment_terms", "must be one of"},
                    {"/data/start_date", "is required"},
                    {"/data/end_date", "calendar date"}},
                   "all at once");
}

TEST(ValidatorTest, CapsTheNumberOfViolations) {
  boost::json::object data;
  for (int i = 0; i < 150; ++i) data["unknown_" + std::to_string(i)] = i;
  ledger::Command command = MakeCommand("account.reactivated", "account/ACC-1", "{}");
  command.data = data;
  std::vector<Violation> violations = ValidateCommand(command);
  ASSERT_EQ(violations.size(), kViolationsMax + 1);
  EXPECT_EQ(violations.back().pointer, "");
  EXPECT_NE(violations.back().reason.find("more than 100 violations"), std::string::npos);
}

TEST(ValidatorTest, PersonalValuesAreNotEchoedInReasons) {
  ledger::Command command = MakeCommand(
      "contact.registered", "contact/CON-1",
      R"({"name":"王建国","emails":["secret-address"],"phones":[{"kind":"work","number":"secret-phone"}]})");
  std::vector<Violation> violations = ValidateCommand(command);
  ASSERT_EQ(violations.size(), 2u);
  for (const Violation& v : violations) {
    EXPECT_EQ(v.reason.find("secret"), std::string::npos) << v.reason;
  }
  // Values that are not personal are quoted, to help the caller.
  command = MakeCommand("account.registered", "account/ACC-1",
                        R"({"name":"恒锐","owner":"u:a","size":"huge"})");
  ExpectViolations(ValidateCommand(command), {{"/data/size", "(got \"huge\")"}}, "quoted");
}

TEST(ValidatorTest, InvalidUtf8IsRejected) {
  ledger::Command command = MakeCommand("account.reactivated", "account/ACC-1", "{}");
  command.data["reason"] = "bad \xff byte";
  ExpectViolations(ValidateCommand(command), {{"/data/reason", "valid UTF-8"}}, "utf8");
}

}  // namespace
}  // namespace schemas
