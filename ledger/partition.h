// Which partition a subject lives in: murmur2(subject) mod N, exactly as the Java
// Kafka client's default partitioner (and librdkafka's "murmur2" partitioner), so the
// embedded log and a Kafka topic place every subject in the same partition.
#pragma once

#include <cstdint>
#include <string_view>

namespace ledger {

inline constexpr uint32_t kPartitionsDefault = 4;
inline constexpr uint32_t kPartitionsMax = 1024;

// (murmur2(subject) & 0x7fffffff) % partitions. `partitions` must be 1..kPartitionsMax.
uint32_t PartitionOf(std::string_view subject, uint32_t partitions);

// The raw Kafka murmur2 hash (seed 0x9747b28c), as a signed 32-bit value like Java's.
int32_t KafkaMurmur2(std::string_view key);

}  // namespace ledger
