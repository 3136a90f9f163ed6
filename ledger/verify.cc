#include "ledger/verify.h"

#include <atomic>
#include <thread>

#include "ledger/event.h"
#include "ledger/partition.h"

namespace ledger {

ChainVerifier::ChainVerifier(uint32_t partition, uint32_t partitions, const Keyring& keys)
    : partition_(partition), partitions_(partitions), keys_(keys) {}

std::optional<std::string> ChainVerifier::Check(const SignedRecord& r) {
  if (r.ledgerseq != next_seq_) {
    if (r.ledgerseq > next_seq_) {
      return "ledgerseq " + std::to_string(next_seq_) + " is missing (the next stored record is " +
             std::to_string(r.ledgerseq) + ")";
    }
    return "record stored out of order (expected ledgerseq " + std::to_string(next_seq_) + ")";
  }
  auto event = ParseEvent(r.event);
  if (!event.ok()) return event.status().message();
  if (event->partition != partition_ || event->ledgerseq != r.ledgerseq) {
    return "the event says partition " + std::to_string(event->partition) + " ledgerseq " +
           std::to_string(event->ledgerseq) + " but is stored at partition " +
           std::to_string(partition_) + " ledgerseq " + std::to_string(r.ledgerseq) +
           " (moved or reordered)";
  }
  if (PartitionOf(event->subject, partitions_) != partition_) {
    return "subject " + event->subject + " belongs in partition " +
           std::to_string(PartitionOf(event->subject, partitions_));
  }
  const std::string expected_prev = r.ledgerseq == 0 ? "" : Hex(last_);
  if (event->ledgerprev != expected_prev) {
    return "ledgerprev does not match the leaf hash of ledgerseq " +
           std::to_string(r.ledgerseq - 1) + " (that event or this link was altered)";
  }
  Stream& stream = streams_[event->subject];
  if (event->streamversion != stream.version + 1) {
    return "streamversion " + std::to_string(event->streamversion) + " of " + event->subject +
           " should be " + std::to_string(stream.version + 1);
  }
  const std::string expected_stream_prev = stream.version == 0 ? "" : Hex(stream.last);
  if (event->streamprev != expected_stream_prev) {
    return "streamprev does not match the leaf hash of " + event->subject + " version " +
           std::to_string(stream.version);
  }
  const PublicKey* key = keys_.Find(r.kid);
  if (key == nullptr) return "signed with key id " + KidHex(r.kid) + ", which is not trusted";
  if (auto why = key->OutsideValidity(event->time))
    return "signed with a key not valid then: " + *why;
  const Hash leaf = r.leaf_hash();
  stream.version = event->streamversion;
  stream.last = leaf;
  last_ = leaf;
  ++next_seq_;
  return std::nullopt;
}

bool SignatureValid(const SignedRecord& record, const Keyring& keys) {
  const PublicKey* key = keys.Find(record.kid);
  return key != nullptr && key->Verify(record.leaf_hash(), record.signature);
}

std::optional<size_t> FirstBadSignature(const std::vector<SignedRecord>& records, size_t count,
                                        const Keyring& keys, unsigned threads) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> first_bad{SIZE_MAX};
  constexpr size_t kChunk = 64;
  auto work = [&] {
    for (size_t i = next.fetch_add(kChunk); i < count; i = next.fetch_add(kChunk)) {
      for (size_t j = i; j < std::min(count, i + kChunk); ++j) {
        if (!SignatureValid(records[j], keys)) {
          size_t cur = first_bad.load();
          while (j < cur && !first_bad.compare_exchange_weak(cur, j)) {
          }
          break;
        }
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads && count > kChunk; ++t) pool.emplace_back(work);
    work();
  }
  if (first_bad.load() == SIZE_MAX) return std::nullopt;
  return first_bad.load();
}

namespace {

// Verifies one partition; fills its summary or the report's failure.
Status VerifyPartition(const EventLog& log, uint32_t p, const Keyring& keys,
                       const VerifyOptions& options, unsigned threads, VerifyReport& report) {
  ChainVerifier chain(p, log.partitions(), keys);
  std::vector<StoredRecord> stored;
  std::vector<SignedRecord> records;
  for (uint64_t from = 0;;) {
    if (Status s = log.Read(p, from, options.chunk_records, &stored); !s.ok()) return s;
    if (stored.empty()) break;
    records.clear();
    std::optional<VerifyFailure> failure;
    for (StoredRecord& sr : stored) {
      auto rec = DecodeRecordValue(sr.value, sr.partition, sr.ledgerseq);
      if (!rec.ok()) {
        failure = VerifyFailure{p, sr.ledgerseq, rec.status().message()};
        break;
      }
      if (auto why = chain.Check(*rec)) {
        failure = VerifyFailure{p, rec->ledgerseq, *why};
        break;
      }
      records.push_back(std::move(*rec));
    }
    if (options.signatures) {
      if (auto bad = FirstBadSignature(records, records.size(), keys, threads)) {
        failure = VerifyFailure{p, records[*bad].ledgerseq, "the signature does not verify"};
      }
      report.signatures_checked += records.size();
    }
    if (failure) {
      report.failure = std::move(failure);
      return Status::Ok();
    }
    report.events += records.size();
    from = stored.back().ledgerseq + 1;
  }
  report.subjects += chain.subjects();
  report.partitions[p] = {chain.next_seq(), chain.last()};
  if (chain.next_seq() != log.End(p)) {
    report.failure = VerifyFailure{
        p, chain.next_seq(), "the log says the partition ends at " + std::to_string(log.End(p))};
  }
  return Status::Ok();
}

}  // namespace

Result<VerifyReport> VerifyLog(const EventLog& log, const Keyring& keys,
                               const VerifyOptions& options) {
  VerifyReport report;
  report.partitions.resize(log.partitions());
  unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (uint32_t p = 0; p < log.partitions() && report.ok(); ++p) {
    if (Status s = VerifyPartition(log, p, keys, options, threads, report); !s.ok()) return s;
  }
  return report;
}

}  // namespace ledger
