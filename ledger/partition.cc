#include "ledger/partition.h"

#include <librdkafka/rdkafka.h>

#include "ledger/status.h"

namespace ledger {

uint32_t PartitionOf(std::string_view subject, uint32_t partitions) {
  LEDGER_ASSERT(partitions >= 1 && partitions <= kPartitionsMax);
  // librdkafka's own implementation, so the Kafka path cannot drift from ours; it does
  // not touch the topic handle.
  int32_t p = rd_kafka_msg_partitioner_murmur2(nullptr, subject.data(), subject.size(),
                                               static_cast<int32_t>(partitions), nullptr, nullptr);
  LEDGER_ASSERT(p >= 0 && static_cast<uint32_t>(p) < partitions);
  return static_cast<uint32_t>(p);
}

int32_t KafkaMurmur2(std::string_view key) {
  // Kafka's Utils.murmur2, for the test vectors and for documentation.
  constexpr uint32_t kSeed = 0x9747b28c, kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  size_t length = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    uint32_t k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (uint32_t{data[i + 3]} << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= uint32_t{data[i + 2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{data[i + 1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= data[i];
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

}  // namespace ledger
