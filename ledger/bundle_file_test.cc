// The bundle container: packs deterministically, reads back what it packed (and what
// tar reads), and names what is wrong in corrupt input.
#include "ledger/bundle_file.h"

#include <gtest/gtest.h>

#include <functional>

namespace ledger {
namespace {

std::vector<BundleMember> Members() {
  return {{"manifest.json", "{\"a\":1}\n"},
          {"partitions/0.ndjson", std::string(1000, 'x')},
          {"partitions/0.checkpoint", ""}};
}

TEST(BundleFileTest, PacksDeterministicallyAndUnpacksTheSameMembers) {
  auto a = PackBundle(Members());
  auto b = PackBundle(Members());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, *b);
  auto back = UnpackBundle(*a);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Members());
}

TEST(BundleFileTest, RefusesBadNamesWhenPacking) {
  for (const std::string& name :
       std::vector<std::string>{"", "/abs", "a/../b", "dir/", std::string(100, 'n')}) {
    std::vector<BundleMember> m{{name, "x"}};
    EXPECT_EQ(PackBundle(m).status().code(), Code::kInvalidArgument) << name;
  }
  std::vector<BundleMember> twice{{"a", "1"}, {"a", "2"}};
  EXPECT_EQ(PackBundle(twice).status().code(), Code::kInvalidArgument);
}

// Corrupt inputs, each with the words its error must contain.
TEST(BundleFileTest, CorruptInputsNameTheProblem) {
  auto packed = PackBundle(Members());
  ASSERT_TRUE(packed.ok());
  auto tar = Gunzip(*packed, kBundleBytesMax);
  ASSERT_TRUE(tar.ok());
  auto regzip = [](std::string t) { return Gzip(t).value(); };
  struct Case {
    std::string name;
    std::function<std::string()> make;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"not gzip", [] { return std::string("plain text"); }, "gzip"},
      {"truncated gzip", [&] { return packed->substr(0, packed->size() / 2); }, "gzip"},
      {"trailing bytes", [&] { return *packed + "x"; }, "after the gzip"},
      {"header checksum",
       [&] {
         std::string t = *tar;
         t[0] = 'M';
         return regzip(t);
       },
       "checksum"},
      {"truncated member", [&] { return regzip(tar->substr(0, 3 * 512 + 100)); }, "truncated"},
      {"ends in a header", [&] { return regzip(tar->substr(0, 100)); }, "inside a header"},
      {"not a regular file",
       [&] {
         std::string t = *tar;
         t[156] = '5';
         // fix the checksum: the type byte rose by 5 - 0
         std::string sum = t.substr(148, 6);
         unsigned v = std::stoul(sum, nullptr, 8) + 5;
         char buf[8];
         std::snprintf(buf, sizeof buf, "%06o", v);
         t.replace(148, 6, buf, 6);
         return regzip(t);
       },
       "regular file"},
      {"too large", [] { return Gzip(std::string(2048, '\0')).value(); }, ""},
  };
  for (const Case& c : cases) {
    auto r = UnpackBundle(c.make());
    if (c.expect.empty()) {  // all zero blocks: an empty archive, no members
      ASSERT_TRUE(r.ok()) << c.name;
      EXPECT_TRUE(r->empty());
      continue;
    }
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << c.name;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  EXPECT_FALSE(Gunzip(regzip(std::string(100, 'a')), 10).ok());
}

}  // namespace
}  // namespace ledger
