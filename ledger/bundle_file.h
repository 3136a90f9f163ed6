// The container of archive bundles (docs/FORMAT.md §6c): a POSIX ustar archive of
// regular files, gzip-compressed (RFC 1952). Any tar and gzip read it
// (`tar xzf NAME.bundle`), so a bundle can be checked without our code.
//
// Packing is deterministic: members in the order given, mode 0644, uid/gid 0, mtime 0,
// no user or group names, gzip header without a name or time. The same members give
// the same bytes.
//
// Unpacking accepts only what Pack writes: regular files with names of at most
// kBundleNameBytesMax bytes (no "..", no leading '/'), each name once, valid header
// checksums, and at most kBundleBytesMax bytes once decompressed. Pure functions; safe
// on any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace ledger {

inline constexpr uint64_t kBundleBytesMax = uint64_t{1} << 30;  // decompressed, 1 GiB
inline constexpr size_t kBundleMembersMax = 100000;
inline constexpr size_t kBundleNameBytesMax = 99;  // ustar's name field, with its NUL

struct BundleMember {
  std::string name;  // "manifest.json", "partitions/3.ndjson"
  std::string bytes;
  bool operator==(const BundleMember&) const = default;
};

// The members as a gzip-compressed ustar archive. kInvalidArgument for a bad name, a
// name given twice, or a total beyond kBundleBytesMax.
Result<std::string> PackBundle(std::span<const BundleMember> members);

// The members of a bundle, in archive order. kCorruption naming what is wrong (not
// gzip, truncated, a header checksum, a member that is not a regular file, too large).
Result<std::vector<BundleMember>> UnpackBundle(std::string_view bytes);

// gzip (RFC 1952) of `bytes`, deterministic; and back, refusing output beyond `max`.
Result<std::string> Gzip(std::string_view bytes);
Result<std::string> Gunzip(std::string_view bytes, uint64_t max);

}  // namespace ledger
