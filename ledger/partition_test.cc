#include "ledger/partition.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

// Apache Kafka's UtilsTest.testMurmur2 vectors (the Java client's partitioner hash).
TEST(Partition, MatchesKafkaMurmur2Vectors) {
  const std::pair<const char*, int32_t> vectors[] = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [key, hash] : vectors) EXPECT_EQ(KafkaMurmur2(key), hash) << key;
}

TEST(Partition, AgreesWithLibrdkafkaAndJavaToPositive) {
  for (uint32_t n : {1u, 3u, 4u, 12u, 1024u}) {
    for (const char* subject :
         {"opportunity/OPP-42", "account/ACC-1", "contact/联系人-1", "21", "foobar"}) {
      uint32_t expected = static_cast<uint32_t>(KafkaMurmur2(subject) & 0x7fffffff) % n;
      EXPECT_EQ(PartitionOf(subject, n), expected) << subject << " " << n;
    }
  }
}

TEST(Partition, SpreadsSubjects) {
  std::vector<int> counts(4);
  for (int i = 0; i < 4000; ++i) ++counts[PartitionOf("account/ACC-" + std::to_string(i), 4)];
  for (int c : counts) EXPECT_GT(c, 800);
}

}  // namespace
}  // namespace ledger
