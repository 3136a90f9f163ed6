#include "projections/queries.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <set>

#include "projections/test_util.h"

namespace projections {
namespace {

namespace json = boost::json;
using testing::kStartMicros;
using testing::ProjectionTest;

class QueriesTest : public ProjectionTest {
 protected:
  void SetUp() override {
    ProjectionTest::SetUp();
    StartRunner();
  }
  std::vector<std::string> Subjects(const ListPage& page) {
    std::vector<std::string> out;
    for (const RecordState& r : page.records) out.push_back(r.subject());
    return out;
  }
  // Every page of a list, `limit` at a time.
  std::vector<std::string> ListAll(std::string_view kind, const ListFilter& filter, size_t limit) {
    std::vector<std::string> out;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = Reader().List(kind, filter, limit, cursor);
      LEDGER_ASSERT(page.ok());
      EXPECT_LE(page->records.size(), limit);
      for (const std::string& s : Subjects(*page)) out.push_back(s);
      cursor = page->cursor;
      if (cursor.empty()) break;
    }
    return out;
  }
  std::vector<std::string> IndexKeysInStore() {
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(Family::kIndex)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    return keys;
  }
  json::object Obj(std::string_view text) { return json::parse(text).as_object(); }
};

TEST_F(QueriesTest, RecordHoldsTheCurrentStateAndItsProvenance) {
  ledger::Appended first = Append("opportunity/OPP-1", R"({"owner":"li","amount":5})");
  ledger::Appended last = Append("opportunity/OPP-1", R"({"to":"won"})", "opportunity.stage",
                                 "2026-01-05T08:00:00+08:00");
  CatchUp();
  auto r = Reader().GetRecord("opportunity/OPP-1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "opportunity");
  EXPECT_EQ(r->id, "OPP-1");
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->last_hash, ledger::Hex(last.hash));
  EXPECT_EQ(r->created, first.time);
  EXPECT_EQ(r->updated, last.time);
  EXPECT_EQ(r->updated_occurredat, "2026-01-05T08:00:00+08:00");
  EXPECT_EQ(r->partition, last.partition);
  EXPECT_EQ(r->ledgerseq, last.ledgerseq);
  EXPECT_EQ(r->state, Obj(R"({"owner":"li","amount":5,"stage":"won"})"));
  EXPECT_EQ(r->indexed, (IndexFields{"li", "won", "", ""}));
  EXPECT_FALSE(r->archived);
  EXPECT_EQ(Reader().GetRecord("opportunity/OPP-2").status().code(), ledger::Code::kNotFound);
}

TEST_F(QueriesTest, HistoryListsFieldChangesWithPaging) {
  Append("deal/D-1", R"({"owner":"li","terms":{"net":30,"due":"eom"},"lines":[1]})");
  Append("deal/D-1", R"({"terms":{"net":45},"lines":[1,2]})");
  Append("deal/D-1", R"({"owner":null,"note":"x"})");
  ledger::Appended fourth = Append("deal/D-1", R"({"to":"won"})", "deal.stage");
  CatchUp();
  auto all = Reader().History("deal/D-1", 0, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->entries.size(), 4u);
  EXPECT_EQ(all->next_after, 0u);
  const HistoryEntry& e2 = all->entries[1];
  EXPECT_EQ(e2.version, 2u);
  EXPECT_EQ(e2.type, "deal.updated");
  EXPECT_EQ(e2.actor, "user:test");
  EXPECT_EQ(json::serialize(ChangesToJson(e2.changes)),
            R"([{"path":"/lines","old":[1],"new":[1,2]},{"path":"/terms/net","old":30,"new":45}])");
  EXPECT_EQ(json::serialize(ChangesToJson(all->entries[2].changes)),
            R"([{"path":"/note","new":"x"},{"path":"/owner","old":"li"}])");
  const HistoryEntry& e4 = all->entries[3];
  EXPECT_EQ(e4.hash, ledger::Hex(fourth.hash));
  EXPECT_EQ(e4.ledgerseq, fourth.ledgerseq);
  EXPECT_EQ(e4.partition, fourth.partition);
  EXPECT_EQ(e4.event_id, fourth.id);
  EXPECT_EQ(e4.state, Reader().GetRecord("deal/D-1")->state);

  auto page1 = Reader().History("deal/D-1", 0, 3);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->entries.size(), 3u);
  EXPECT_EQ(page1->next_after, 3u);
  auto page2 = Reader().History("deal/D-1", page1->next_after, 3);
  ASSERT_EQ(page2->entries.size(), 1u);
  EXPECT_EQ(page2->entries[0].version, 4u);
  EXPECT_EQ(page2->next_after, 0u);
  EXPECT_EQ(Reader().History("deal/D-2", 0, 10).status().code(), ledger::Code::kNotFound);
  EXPECT_EQ(Reader().History("deal/D-1", 0, 1001).status().code(), ledger::Code::kInvalidArgument);
}

TEST_F(QueriesTest, StateAsOfRecordedTime) {
  ledger::Appended a1 = Append("lead/L-1", R"({"v":1})");
  Append("lead/L-2", R"({"v":1})");
  ledger::Appended a2 = Append("lead/L-1", R"({"v":2})");
  CatchUp();
  const ledger::Micros t1 = *ledger::ParseRfc3339(a1.time), t2 = *ledger::ParseRfc3339(a2.time);
  EXPECT_EQ(Reader().StateAsOf("lead/L-1", t1 - 1).status().code(), ledger::Code::kNotFound);
  auto at1 = Reader().StateAsOf("lead/L-1", t1);
  ASSERT_TRUE(at1.ok());
  EXPECT_EQ(at1->version, 1u);
  EXPECT_EQ(at1->state, Obj(R"({"v":1})"));
  EXPECT_EQ(Reader().StateAsOf("lead/L-1", t2 - 1)->version, 1u);
  EXPECT_EQ(Reader().StateAsOf("lead/L-1", t2)->version, 2u);
  EXPECT_EQ(Reader().StateAsOf("lead/L-1", t2 + 86'400'000'000)->state, Obj(R"({"v":2})"));
  EXPECT_EQ(Reader().StateAsOf("lead/L-9", t2).status().code(), ledger::Code::kNotFound);
}

TEST_F(QueriesTest, FactsAreTheDomainsPartOfEachEventInRecordedOrder) {
  ledger::Appended a1 = Append("lead/L-1", R"({"v":1,"note":"private"})");
  Append("secret/S-1", R"({"v":1})");
  Append("lead/L-2", R"({"v":1})", "", "2020-01-01T00:00:00+08:00");
  ledger::Appended a4 = Append("lead/L-1", R"({"v":2})");
  CatchUp();
  auto all = Reader().Facts(std::nullopt, 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);  // no fact of the secret
  EXPECT_EQ((*all)[0].subject, "lead/L-1");
  EXPECT_EQ((*all)[0].data, Obj(R"({"v":1})"));  // the note left out
  EXPECT_EQ((*all)[0].time, a1.time);
  EXPECT_EQ((*all)[0].streamversion, 1u);
  EXPECT_EQ((*all)[1].subject, "lead/L-2");
  EXPECT_EQ((*all)[1].occurredat, "2020-01-01T00:00:00+08:00");
  EXPECT_EQ((*all)[2].streamversion, 2u);
  // As of a recorded time: exactly the facts recorded by then.
  const ledger::Micros t4 = *ledger::ParseRfc3339(a4.time);
  EXPECT_EQ(Reader().Facts(t4 - 1, 100)->size(), 2u);
  EXPECT_EQ(Reader().Facts(t4, 100)->size(), 3u);
  EXPECT_EQ(Reader().Facts(*ledger::ParseRfc3339(a1.time) - 1, 100)->size(), 0u);
  // A bound on how many one request may hold.
  EXPECT_EQ(Reader().Facts(std::nullopt, 2).status().code(), ledger::Code::kResourceExhausted);
}

TEST_F(QueriesTest, StateAsOfBusinessTimeFoldsWhatHappenedByThen) {
  // Recorded in this order, but the second happened first (reported late).
  Append("ticket/T-1", R"({"a":1,"b":1})", "", "2026-01-10T00:00:00Z");
  Append("ticket/T-1", R"({"b":2})", "", "2026-01-05T00:00:00Z");
  Append("ticket/T-1", R"({"a":3})", "", "2026-01-20T09:00:00+08:00");  // 01:00Z
  CatchUp();
  auto t = [](const char* s) { return *ledger::ParseRfc3339(s); };
  EXPECT_EQ(Reader().StateAsOfBusiness("ticket/T-1", t("2026-01-01T00:00:00Z")).status().code(),
            ledger::Code::kNotFound);
  auto jan5 = Reader().StateAsOfBusiness("ticket/T-1", t("2026-01-05T00:00:00Z"));
  ASSERT_TRUE(jan5.ok());
  EXPECT_EQ(jan5->state, Obj(R"({"b":2})"));
  EXPECT_EQ(jan5->version, 2u);
  EXPECT_EQ(jan5->events, 1u);
  auto jan10 = Reader().StateAsOfBusiness("ticket/T-1", t("2026-01-10T00:00:00Z"));
  EXPECT_EQ(jan10->state, Obj(R"({"a":1,"b":2})"));  // in stream order: b=1 then b=2
  EXPECT_EQ(jan10->events, 2u);
  EXPECT_EQ(Reader().StateAsOfBusiness("ticket/T-1", t("2026-01-20T00:59:59Z"))->events, 2u);
  auto later = Reader().StateAsOfBusiness("ticket/T-1", t("2026-01-20T01:00:00Z"));
  EXPECT_EQ(later->state, Reader().GetRecord("ticket/T-1")->state);
  EXPECT_EQ(later->version, 3u);
}

TEST_F(QueriesTest, ListFiltersAndPagesFromTheIndex) {
  for (int i = 0; i < 25; ++i) {
    std::string owner = i % 2 ? "li" : "wang";
    std::string stage = i % 3 ? "proposal" : "won";
    Append("opportunity/OPP-" + std::to_string(100 + i),
           R"({"owner":")" + owner + R"(","stage":")" + stage + R"(","account":"ACC-)" +
               std::to_string(i % 5) + R"("})");
  }
  Append("lead/L-1", R"({"owner":"li"})");
  CatchUp();
  std::vector<std::string> li = ListAll("opportunity", {.owner = "li"}, 4);
  EXPECT_EQ(li.size(), 12u);
  EXPECT_TRUE(std::is_sorted(li.begin(), li.end()));
  EXPECT_EQ(std::set<std::string>(li.begin(), li.end()).size(), 12u);
  EXPECT_EQ(ListAll("opportunity", {.owner = "li", .stage = "won"}, 2).size(), 4u);  // 3,9,15,21
  EXPECT_EQ(ListAll("opportunity", {.stage = "won", .account = "ACC-0"}, 1),
            (std::vector<std::string>{"opportunity/OPP-100", "opportunity/OPP-115"}));
  EXPECT_EQ(ListAll("opportunity", {}, 7).size(), 25u);
  EXPECT_EQ(ListAll("lead", {.owner = "li"}, 10), (std::vector<std::string>{"lead/L-1"}));
  EXPECT_TRUE(ListAll("opportunity", {.owner = "nobody"}, 10).empty());

  // updated_since: the last 5 opportunities, oldest first.
  auto since = Reader().GetRecord("opportunity/OPP-120")->updated;
  std::vector<std::string> recent =
      ListAll("opportunity", {.updated_since = *ledger::ParseRfc3339(since)}, 2);
  ASSERT_EQ(recent.size(), 5u);
  EXPECT_EQ(recent.front(), "opportunity/OPP-120");
  EXPECT_EQ(recent.back(), "opportunity/OPP-124");
  EXPECT_EQ(
      ListAll("opportunity", {.owner = "wang", .updated_since = *ledger::ParseRfc3339(since)}, 10)
          .size(),
      3u);  // 120, 122, 124
}

TEST_F(QueriesTest, ListRejectsBadArguments) {
  Append("opportunity/OPP-1", R"({"owner":"li"})");
  Append("opportunity/OPP-2", R"({"owner":"li"})");
  CatchUp();
  EXPECT_EQ(Reader().List("opportunity", {}, 1001, "").status().code(),
            ledger::Code::kInvalidArgument);
  EXPECT_EQ(Reader().List("", {}, 10, "").status().code(), ledger::Code::kInvalidArgument);
  EXPECT_EQ(Reader().List("opportunity", {}, 10, "not base64!").status().code(),
            ledger::Code::kInvalidArgument);
  auto page = Reader().List("opportunity", {.owner = "li"}, 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->cursor.empty());
  // A cursor from another query is refused rather than misread.
  EXPECT_EQ(Reader().List("opportunity", {.owner = "wang"}, 1, page->cursor).status().code(),
            ledger::Code::kInvalidArgument);
  EXPECT_EQ(Reader().List("opportunity", {}, 0, "")->records.size(), 2u);
}

TEST_F(QueriesTest, IndexKeysFollowEveryChange) {
  Append("opportunity/OPP-1", R"({"owner":"li","stage":"proposal","status":"open"})");
  Append("opportunity/OPP-1", R"({"owner":"wang","status":null})");
  Append("opportunity/OPP-1", R"({"to":"won"})", "opportunity.stage");
  CatchUp();
  auto r = Reader().GetRecord("opportunity/OPP-1");
  std::vector<std::string> expected = {
      "owner/wang/opportunity/opportunity/OPP-1",
      "stage/opportunity/won/opportunity/OPP-1",
      "updated/opportunity/" + r->updated + "/opportunity/OPP-1",
  };
  EXPECT_EQ(IndexKeysInStore(), expected);
  EXPECT_TRUE(ListAll("opportunity", {.owner = "li"}, 10).empty());
  EXPECT_TRUE(ListAll("opportunity", {.stage = "proposal"}, 10).empty());
  EXPECT_TRUE(ListAll("opportunity", {.status = "open"}, 10).empty());
  EXPECT_EQ(ListAll("opportunity", {.owner = "wang", .stage = "won"}, 10).size(), 1u);
}

TEST_F(QueriesTest, FilterValuesWithSlashesCannotCollide) {
  Append("x/1", R"({"owner":"a/x"})");
  Append("x/2", R"({"owner":"a"})");
  CatchUp();
  EXPECT_EQ(ListAll("x", {.owner = "a"}, 10), (std::vector<std::string>{"x/2"}));
  EXPECT_EQ(ListAll("x", {.owner = "a/x"}, 10), (std::vector<std::string>{"x/1"}));
}

}  // namespace
}  // namespace projections
