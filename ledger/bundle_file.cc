#include "ledger/bundle_file.h"

#include <zlib.h>

#include <cstring>
#include <set>

namespace ledger {
namespace {

// ustar (POSIX.1-1988) header fields: offset and length.
constexpr size_t kBlock = 512;
constexpr size_t kNameAt = 0, kNameLen = 100;
constexpr size_t kModeAt = 100, kUidAt = 108, kGidAt = 116, kIdLen = 8;
constexpr size_t kSizeAt = 124, kSizeLen = 12;
constexpr size_t kMtimeAt = 136, kMtimeLen = 12;
constexpr size_t kChecksumAt = 148, kChecksumLen = 8;
constexpr size_t kTypeAt = 156;
constexpr size_t kMagicAt = 257;
constexpr std::string_view kMagic{
    "ustar\0"
    "00",
    8};
static_assert(kNameLen == kBundleNameBytesMax + 1);
constexpr int kGzipWindowBits = 15 + 16;    // zlib: 32 KiB window, gzip wrapper
constexpr int kGunzipWindowBits = 15 + 16;  // gzip only
constexpr size_t kInflateChunkBytes = 1 << 16;

Status Bad(std::string what) { return Status::Corruption("bundle: " + std::move(what)); }

void PutOctal(std::string& block, size_t at, size_t len, uint64_t value) {
  // len - 1 octal digits, then NUL
  for (size_t i = len - 1; i-- > 0;) {
    block[at + i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  block[at + len - 1] = '\0';
}

bool ReadOctal(std::string_view field, uint64_t& value) {
  value = 0;
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 60) return false;
    value = value * 8 + static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i) {
    if (field[i] != '\0' && field[i] != ' ') return false;
  }
  return any;
}

uint64_t HeaderChecksum(std::string_view block) {
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= kChecksumAt && i < kChecksumAt + kChecksumLen;
    sum += in_field ? uint64_t{' '} : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kBundleNameBytesMax || name.front() == '/') return false;
  if (name.find('\0') != std::string_view::npos || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

std::string Header(const BundleMember& m) {
  std::string block(kBlock, '\0');
  std::memcpy(block.data() + kNameAt, m.name.data(), m.name.size());
  PutOctal(block, kModeAt, kIdLen, 0644);
  PutOctal(block, kUidAt, kIdLen, 0);
  PutOctal(block, kGidAt, kIdLen, 0);
  PutOctal(block, kSizeAt, kSizeLen, m.bytes.size());
  PutOctal(block, kMtimeAt, kMtimeLen, 0);
  block[kTypeAt] = '0';
  std::memcpy(block.data() + kMagicAt, kMagic.data(), kMagic.size());
  // The checksum: six octal digits, NUL, space (as tar writes it).
  const uint64_t sum = HeaderChecksum(block);
  PutOctal(block, kChecksumAt, 7, sum);
  block[kChecksumAt + 7] = ' ';
  return block;
}

size_t Padded(uint64_t size) { return static_cast<size_t>((size + kBlock - 1) / kBlock * kBlock); }

// One member at `at` of the tar bytes; advances `at`. Sets `end` at the end-of-archive.
Status ReadMember(std::string_view tar, size_t& at, BundleMember& out, bool& end) {
  if (tar.size() - at < kBlock) return Bad("the archive ends inside a header");
  std::string_view block = tar.substr(at, kBlock);
  if (block.find_first_not_of('\0') == std::string_view::npos) {
    end = true;
    return Status::Ok();
  }
  const std::string where = "the header at byte " + std::to_string(at);
  uint64_t checksum = 0, size = 0;
  if (!ReadOctal(block.substr(kChecksumAt, kChecksumLen), checksum) ||
      checksum != HeaderChecksum(block))
    return Bad(where + " fails its checksum");
  if (block.substr(kMagicAt, 6) != kMagic.substr(0, 6))
    return Bad(where + " is not a ustar header");
  if (block[kTypeAt] != '0' && block[kTypeAt] != '\0')
    return Bad(where + " is not of a regular file");
  std::string_view name = block.substr(kNameAt, kNameLen);
  name = name.substr(0, name.find('\0'));
  if (!ValidName(name)) return Bad(where + " names no valid member");
  if (!ReadOctal(block.substr(kSizeAt, kSizeLen), size)) return Bad(where + " has a bad size");
  at += kBlock;
  if (size > tar.size() - at) return Bad("member " + std::string(name) + " is truncated");
  out.name = std::string(name);
  out.bytes = std::string(tar.substr(at, static_cast<size_t>(size)));
  at += std::min(Padded(size), tar.size() - at);
  return Status::Ok();
}

}  // namespace

Result<std::string> Gzip(std::string_view bytes) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return Status::Internal("zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal("zlib: deflate did not finish");
  return out;
}

Result<std::string> Gunzip(std::string_view bytes, uint64_t max) {
  z_stream z{};
  if (inflateInit2(&z, kGunzipWindowBits) != Z_OK)
    return Status::Internal("zlib: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (out.size() >= max + 1) break;
    const size_t had = out.size();
    out.resize(had + kInflateChunkBytes);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + had);
    z.avail_out = static_cast<uInt>(kInflateChunkBytes);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(had + kInflateChunkBytes - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  const bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (out.size() > max) return Bad("more than " + std::to_string(max) + " bytes decompressed");
  if (rc != Z_STREAM_END) return Bad("not a whole gzip stream (truncated or corrupt)");
  if (trailing) return Bad("bytes after the gzip stream");
  return out;
}

Result<std::string> PackBundle(std::span<const BundleMember> members) {
  std::set<std::string_view> names;
  std::string tar;
  for (const BundleMember& m : members) {
    if (!ValidName(m.name)) return Status::Invalid("bundle: bad member name \"" + m.name + "\"");
    if (!names.insert(m.name).second)
      return Status::Invalid("bundle: member " + m.name + " given twice");
    tar += Header(m);
    tar += m.bytes;
    tar.append(Padded(m.bytes.size()) - m.bytes.size(), '\0');
    if (tar.size() > kBundleBytesMax) return Status::Invalid("bundle: beyond kBundleBytesMax");
  }
  tar.append(2 * kBlock, '\0');
  return Gzip(tar);
}

Result<std::vector<BundleMember>> UnpackBundle(std::string_view bytes) {
  auto tar = Gunzip(bytes, kBundleBytesMax);
  if (!tar.ok()) return tar.status();
  std::vector<BundleMember> members;
  std::set<std::string> names;
  size_t at = 0;
  for (bool end = false; !end;) {
    BundleMember m;
    if (Status s = ReadMember(*tar, at, m, end); !s.ok()) return s;
    if (end) break;
    if (!names.insert(m.name).second) return Bad("member " + m.name + " appears twice");
    if (members.size() == kBundleMembersMax) return Bad("more than kBundleMembersMax members");
    members.push_back(std::move(m));
  }
  return members;
}

}  // namespace ledger
