#include "ledger/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <memory>

#include "ledger/status.h"

namespace ledger {
namespace {

// OpenSSL's SHA-256 uses the CPU's SHA extensions where present. One context per thread,
// reused, so hashing allocates nothing.
struct Sha256Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  ~Sha256Ctx() {
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
  }
};

Hash Digest(std::initializer_list<std::string_view> parts) {
  thread_local Sha256Ctx t;
  LEDGER_ASSERT(t.ctx != nullptr && t.md != nullptr);
  Hash out;
  unsigned int len = 0;
  LEDGER_ASSERT(EVP_DigestInit_ex2(t.ctx, t.md, nullptr) == 1);
  for (std::string_view p : parts) LEDGER_ASSERT(EVP_DigestUpdate(t.ctx, p.data(), p.size()) == 1);
  LEDGER_ASSERT(EVP_DigestFinal_ex(t.ctx, out.data(), &len) == 1 && len == out.size());
  return out;
}

std::string_view AsView(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace

Hash Sha256(std::string_view bytes) { return Digest({bytes}); }

Hash LeafHash(std::string_view canonical_event) {
  static constexpr char kLeafPrefix = 0x00;
  return Digest({std::string_view(&kLeafPrefix, 1), canonical_event});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  static constexpr char kNodePrefix = 0x01;
  return Digest({std::string_view(&kNodePrefix, 1), AsView(left), AsView(right)});
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

std::optional<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash h;
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (char c : {hex[2 * i], hex[2 * i + 1]}) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    h[i] = static_cast<uint8_t>(v);
  }
  return h;
}

void EnsureSodium() {
  static const int kInit = sodium_init();
  LEDGER_ASSERT(kInit >= 0);
}

std::string Base64(std::span<const uint8_t> bytes) {
  EnsureSodium();
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  EnsureSodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  if (Base64(out) != text) return std::nullopt;  // non-canonical trailing bits
  return out;
}

}  // namespace ledger
