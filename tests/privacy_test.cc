// Personal data against the real ledgerd: sealed in the event itself (absent from every
// file of the data dir and from the feed, readable through the API), erased by
// destroying the subject's key (every answer shows the fields as erased, the ledger
// still verifies, replay keeps them erased), and refused without a master key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fstream>
#include <sstream>

#include "ingest/sealing.h"
#include "tests/http_fixtures.h"

namespace ledger_test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

constexpr std::string_view kEmail = "zhang.private.4711@example.cn";
constexpr std::string_view kName = "张秘密 Zhang Secret";
constexpr std::string_view kPhone = "+86 139 0000 4711";
constexpr std::string_view kNote = "Prefers calls after 18:00, daughter at 实验小学";

std::string Command(const std::string& type, const std::string& subject, json::object data,
                    const std::string& id = "") {
  json::object c{{"type", type}, {"subject", subject}, {"data", std::move(data)}};
  if (!id.empty()) c["id"] = id;
  return json::serialize(c);
}

constexpr std::string_view kOtherName = "王其他 Wang Other";

// A contact with the secrets above, or (`other`) with other personal data.
std::string RegisterContact(const std::string& id, const std::string& event_id = "",
                            bool other = false) {
  return Command("contact.registered", "contact/" + id,
                 {{"name", other ? kOtherName : kName},
                  {"account", "ACC-1"},
                  {"emails", json::array{other ? "wang.other@example.cn" : kEmail}},
                  {"phones", json::array{json::object{{"kind", "mobile"},
                                                      {"number", other ? "+86 1" : kPhone}}}},
                  {"needs", other ? "none" : kNote},
                  {"title", "采购经理 Purchasing Manager"},
                  {"owner", "u:li.wei"}},
                 event_id);
}

// How many times `needle` occurs in the files under `dir`, as bytes on disk.
size_t InFiles(const fs::path& dir, std::string_view needle) {
  size_t found = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    for (size_t at = bytes.str().find(needle); at != std::string::npos;
         at = bytes.str().find(needle, at + 1))
      ++found;
  }
  return found;
}

// How many keys and values of every column family of the RocksDB at `dir` contain
// `needle` once decompressed (files alone could hide it in a compressed block).
size_t InRocksDb(fs::path dir, std::string_view needle) {
  if (fs::exists(dir / "ACTIVE")) {  // the views: their served generation
    std::string active = ReadFile(dir / "ACTIVE");
    while (!active.empty() && active.back() == '\n') active.pop_back();
    dir /= active;
  }
  std::vector<std::string> names;
  rocksdb::Options options;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, dir.string(), &names).ok()) << dir;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, dir.string(), cfs, &handles, &raw);
  EXPECT_TRUE(s.ok()) << dir << ": " << s.ToString();
  if (!s.ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  size_t found = 0, scanned = 0;
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++scanned;
      if (it->key().ToStringView().find(needle) != std::string_view::npos ||
          it->value().ToStringView().find(needle) != std::string_view::npos) {
        ++found;
      }
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  EXPECT_GT(scanned, 0u) << dir << " was scanned empty";
  return found;
}

Reply Erase(uint16_t port, const std::string& id, const std::string& body,
            const std::string& role = "admin") {
  return Request(port, http::verb::post, "/v1/subjects/" + id + "/erase", body, {.role = role});
}

TEST(Privacy, PersonalFieldsAreSealedInTheEventAndReadableOnlyThroughTheApi) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  Ledgerd server(data);
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  AppendOne(port, RegisterAccount("ACC-1", "", "u:li.wei"));
  const Appended contact = AppendOne(port, RegisterContact("CON-1"));
  AppendOne(port, Command("activity.logged", "activity/ACT-1",
                          {{"channel", "call"},
                           {"subject", "Call about the renewal"},
                           {"started_at", "2026-01-05T10:00:00Z"},
                           {"owner", "u:li.wei"},
                           {"outcome", "positive"},
                           {"account", "ACC-1"},
                           {"contacts", json::array{"CON-1"}},
                           {"content", std::string("Spoke with ") + std::string(kName)}}));
  WaitCaughtUp(port);

  // Authorized readers get plaintext.
  const json::object record = Get(port, "/v1/records/contact/CON-1");
  EXPECT_EQ(record.at("state").at("name").as_string(), kName);
  EXPECT_EQ(record.at("state").at("emails").at(0).as_string(), kEmail);
  EXPECT_EQ(record.at("state").at("phones").at(0).at("number").as_string(), kPhone);
  EXPECT_EQ(record.at("state").at("phones").at(0).at("kind").as_string(), "mobile");
  EXPECT_EQ(record.at("state").at("title").as_string(), "采购经理 Purchasing Manager");
  const json::object history = Get(port, "/v1/records/contact/CON-1/history");
  EXPECT_THAT(json::serialize(history), HasSubstr(std::string(kEmail)));
  EXPECT_THAT(json::serialize(Get(port, "/v1/records/activity/ACT-1")),
              HasSubstr(std::string(kName)));

  // The event itself, as signed and served to consumers, holds only ciphertext.
  std::string event;
  for (const FeedLine& line : ReadFeed(port, contact.partition))
    if (line.event.at("id").as_string() == contact.id) event = json::serialize(line.event);
  ASSERT_FALSE(event.empty());
  EXPECT_THAT(event, HasSubstr(R"("name":{"sealed":{"ct":")"));
  EXPECT_THAT(event, HasSubstr(R"("subject":"contact/CON-1")"));
  EXPECT_THAT(event, HasSubstr("采购经理"));  // a job title is not personal
  for (std::string_view secret : {kEmail, kName, kPhone, kNote})
    EXPECT_EQ(event.find(secret), std::string::npos) << secret;

  // No file of the data dir holds them, nor any RocksDB key or value once decompressed.
  EXPECT_EQ(server.Stop().exit_code, 0);
  for (std::string_view secret : {kEmail, kName, kPhone, std::string_view("daughter")}) {
    EXPECT_EQ(InFiles(data, secret), 0u) << secret;
    for (const char* db : {"log", "views", "access", "subject-keys"})
      EXPECT_EQ(InRocksDb(data / db, secret), 0u) << db << ": " << secret;
  }
  // ... while a non-personal field is there to be found (the scan is not blind).
  EXPECT_GT(InRocksDb(data / "views", "Purchasing Manager"), 0u);
  ProcessResult verify = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST(Privacy, ErasureDestroysTheKeyAndTheHistoryStaysVerifiable) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  std::string before_replay;
  {
    Ledgerd server(data);
    ASSERT_TRUE(server.serving());
    const uint16_t port = server.port();
    AppendOne(port, RegisterAccount("ACC-1", "", "u:li.wei"));
    AppendOne(port, RegisterContact("CON-1", "reg-con-1"));
    AppendOne(port, RegisterContact("CON-2", "", true));  // another person, left alone
    AppendOne(port, Command("contact.details_updated", "contact/CON-1",
                            {{"emails", json::array{"new.address@example.cn"}}}));
    AppendOne(port, Command("contact.consent_recorded", "contact/CON-1",
                            {{"purpose", "marketing_email"}, {"status", "granted"}}));
    AppendOne(port, Command("ticket.opened", "ticket/TKT-1",
                            {{"title", "Cannot log in"},
                             {"account", "ACC-1"},
                             {"contact", "CON-1"},
                             {"channel", "phone"},
                             {"severity", "low"},
                             {"category", "how_to"},
                             {"request", std::string("Call me at ") + std::string(kPhone)}}));
    WaitCaughtUp(port);

    // Who may erase, and what it takes.
    EXPECT_EQ(Erase(port, "CON-1", R"({"reason":"PIPL request 7"})", "compliance").status, 403);
    EXPECT_EQ(Erase(port, "CON-1", R"({"reason":"PIPL request 7"})", "rep").status, 403);
    EXPECT_THAT(ProblemPointers(Erase(port, "CON-1", "{}"), 400),
                ::testing::ElementsAre("/reason"));
    EXPECT_EQ(Erase(port, "CON-404", R"({"reason":"x"})").status, 404);
    EXPECT_EQ(
        Request(port, http::verb::get, "/v1/subjects/CON-1/erase", "", {.role = "admin"}).status,
        405);

    Reply erased = Erase(port, "CON-1", R"({"reason":"PIPL request 7"})");
    ASSERT_EQ(erased.status, 200) << erased.body;
    EXPECT_EQ(erased.Json().at("subject").as_string(), "contact/CON-1");
    // Again: the same event (a replay), the key already gone.
    Reply again = Erase(port, "CON-1", R"({"reason":"PIPL request 7"})");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_TRUE(again.Json().at("event").at("replayed").as_bool());
    WaitCaughtUp(port);

    // Every answer shows the personal fields as erased; the rest stays.
    const json::object contact = Get(port, "/v1/records/contact/CON-1");
    const json::value erased_field = json::object{{"erased", true}};
    EXPECT_EQ(contact.at("state").at("name"), erased_field);
    EXPECT_EQ(contact.at("state").at("emails"), erased_field);
    EXPECT_EQ(contact.at("state").at("phones").at(0).at("number"), erased_field);
    EXPECT_EQ(contact.at("state").at("phones").at(0).at("kind"), "mobile");
    EXPECT_EQ(contact.at("state").at("title"), "采购经理 Purchasing Manager");
    EXPECT_EQ(contact.at("state").at("consent").at("marketing_email").at("status"), "granted");
    EXPECT_EQ(contact.at("state").at("erased").at("reason"), "PIPL request 7");
    const std::string everything =
        json::serialize(Get(port, "/v1/records/contact/CON-1/history")) +
        json::serialize(Get(port, "/v1/records/contact/CON-1?asof=" +
                                      json::value_to<std::string>(contact.at("created")))) +
        json::serialize(Get(port, "/v1/records/ticket/TKT-1")) +
        json::serialize(Get(port, "/v1/records/ticket/TKT-1/history")) +
        json::serialize(Get(port, "/v1/records/contact")) +
        json::serialize(Get(port, "/v1/records/account/ACC-1/related"));
    for (std::string_view secret : {kEmail, kName, kPhone, std::string_view("new.address")})
      EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
    EXPECT_THAT(everything, HasSubstr(R"("erased":true)"));
    // The other person is untouched.
    EXPECT_EQ(Get(port, "/v1/records/contact/CON-2").at("state").at("name").as_string(),
              kOtherName);

    // Nothing more is recorded about the person, from any record.
    Reply update =
        Post(port, Command("contact.details_updated", "contact/CON-1", {{"name", "Someone else"}}));
    EXPECT_EQ(update.status, 422) << update.body;
    Reply naming = Post(port, Command("ticket.opened", "ticket/TKT-2",
                                      {{"title", "Again"},
                                       {"account", "ACC-1"},
                                       {"contact", "CON-1"},
                                       {"severity", "low"},
                                       {"category", "how_to"},
                                       {"request", "again"}}));
    EXPECT_EQ(naming.status, 422) << naming.body;
    EXPECT_THAT(naming.body, HasSubstr("contact/CON-1 was erased"));
    // A client may not append the erasure event itself (the key would live on).
    EXPECT_THAT(ProblemPointers(
                    Post(port, Command("contact.erased", "contact/CON-2", {{"reason", "x"}})), 400),
                ::testing::ElementsAre("/events/0/type"));
    // A retry of an event recorded before the erasure is still a replay.
    Reply retry = Post(port, RegisterContact("CON-1", "reg-con-1"));
    ASSERT_EQ(retry.status, 201) << retry.body;
    EXPECT_TRUE(AppendedEvents(retry).at(0).replayed);

    // The audit pack of the erased contact still verifies, and holds no plaintext.
    const fs::path pack = tmp / "pack.json";
    ProcessResult fetched =
        Ledgerctl({"auditpack", "--token", server.token("compliance"), "--url", server.url(),
                   "--subject", "contact/CON-1", "--out", pack.string()});
    EXPECT_EQ(fetched.exit_code, 0) << fetched.out << fetched.err;
    EXPECT_THAT(fetched.out, HasSubstr("4 events of contact/CON-1, verified"));
    EXPECT_EQ(ReadFile(pack).find(kEmail), std::string::npos);
    before_replay = json::serialize(Get(port, "/v1/records/contact/CON-1"));
    EXPECT_EQ(server.Stop().exit_code, 0);
  }
  // The ledger verifies end to end; the key is gone from disk.
  ProcessResult verify = Ledgerctl({"verify", "--data", data.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(InRocksDb(data / "subject-keys", "k/contact/CON-1"), 0u);
  EXPECT_EQ(InRocksDb(data / "subject-keys", "e/contact/CON-1"), 1u);
  EXPECT_EQ(InRocksDb(data / "subject-keys", "k/contact/CON-2"), 1u);
  // Replayed from the log, the fields stay erased.
  fs::remove_all(data / "views");
  Ledgerd rebuilt(data);
  ASSERT_TRUE(rebuilt.serving());
  WaitCaughtUp(rebuilt.port());
  EXPECT_EQ(json::serialize(Get(rebuilt.port(), "/v1/records/contact/CON-1")), before_replay);
}

TEST(Privacy, WithoutAMasterKeyPersonalFieldsAreRefusedNotStoredInClear) {
  TempDir tmp;
  const fs::path data = tmp / "data";
  // A master key inside the data dir would travel with every copy of it.
  fs::create_directories(data);
  ASSERT_TRUE(ingest::WriteNewMasterKey(data / "master.key").ok());
  ProcessResult inside =
      RunProcess({LedgerdPath(), "--data", data.string(), "--listen", "127.0.0.1:0",
                  "--master-key-file", (data / "master.key").string()},
                 std::chrono::seconds(30));
  EXPECT_EQ(inside.exit_code, 2);
  EXPECT_THAT(inside.err, HasSubstr("must not be inside the data dir"));
  fs::remove(data / "master.key");

  Ledgerd server(data, {"--master-key-file", ""});
  ASSERT_TRUE(server.serving());
  const uint16_t port = server.port();
  AppendOne(port, RegisterAccount("ACC-1", "", "u:li.wei"));
  Reply refused = Post(port, RegisterContact("CON-1"));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("no master key"));
  // Without personal fields a contact is recorded.
  EXPECT_EQ(Post(port, Command("contact.registered", "contact/CON-2",
                               {{"title", "Buyer"}, {"account", "ACC-1"}}))
                .status,
            400)
      << "a contact needs a name, which is personal";
  EXPECT_EQ(InFiles(data, kName), 0u);
}

}  // namespace
}  // namespace ledger_test
