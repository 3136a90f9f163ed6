#include "projections/diff.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace projections {
namespace {

namespace json = boost::json;

std::string DiffText(std::string_view before, std::string_view after) {
  return json::serialize(
      ChangesToJson(DiffStates(json::parse(before).as_object(), json::parse(after).as_object())));
}

TEST(DiffTest, AddedChangedAndRemovedFields) {
  EXPECT_EQ(DiffText("{}", "{}"), "[]");
  EXPECT_EQ(DiffText(R"({"a":1})", R"({"a":1})"), "[]");
  EXPECT_EQ(
      DiffText(R"({"a":1,"b":"x"})", R"({"b":"y","c":null})"),
      R"([{"path":"/a","old":1},{"path":"/b","old":"x","new":"y"},{"path":"/c","new":null}])");
}

TEST(DiffTest, ObjectsRecurseArraysCompareWhole) {
  EXPECT_EQ(DiffText(R"({"t":{"net":30,"due":"x"},"l":[1,2]})",
                     R"({"t":{"net":45,"due":"x"},"l":[1,2,3]})"),
            R"([{"path":"/l","old":[1,2],"new":[1,2,3]},{"path":"/t/net","old":30,"new":45}])");
  EXPECT_EQ(DiffText(R"({"t":{"net":30}})", R"({"t":"none"})"),
            R"([{"path":"/t","old":{"net":30},"new":"none"}])");
  EXPECT_EQ(DiffText(R"({})", R"({"t":{"net":30}})"), R"([{"path":"/t","new":{"net":30}}])");
}

TEST(DiffTest, PathsAreEscapedPointersInNameOrder) {
  EXPECT_EQ(DiffText(R"({})", R"({"b/c":1,"a~":2})"),
            R"([{"path":"/a~0","new":2},{"path":"/b~1c","new":1}])");
  // The same change whatever the insertion order of the members.
  EXPECT_EQ(DiffText(R"({"z":1,"a":1})", R"({"a":2,"z":2})"),
            DiffText(R"({"a":1,"z":1})", R"({"z":2,"a":2})"));
}

TEST(DiffTest, IntegersOfEitherSignednessCompareByValue) {
  json::object a, b;
  a["n"] = int64_t{5};
  b["n"] = uint64_t{5};
  EXPECT_TRUE(DiffStates(a, b).empty());
}

}  // namespace
}  // namespace projections
