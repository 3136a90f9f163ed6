#include "ledger/crypto.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

TEST(Crypto, Sha256KnownAnswers) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 9162 §2.1.1: the hash of an empty tree's leaf "" is SHA-256(0x00).
TEST(Crypto, LeafAndNodeHashesArePrefixed) {
  EXPECT_EQ(Hex(LeafHash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(LeafHash("abc"), Sha256(std::string("\0abc", 4)));
  Hash a = LeafHash("a"), b = LeafHash("b");
  std::string node("\x01", 1);
  node.append(reinterpret_cast<const char*>(a.data()), 32);
  node.append(reinterpret_cast<const char*>(b.data()), 32);
  EXPECT_EQ(NodeHash(a, b), Sha256(node));
}

TEST(Crypto, HexRoundTripAndStrictness) {
  Hash h = Sha256("x");
  EXPECT_EQ(HashFromHex(Hex(h)), h);
  EXPECT_FALSE(HashFromHex(Hex(h).substr(1)).has_value());
  std::string upper = Hex(h);
  upper[0] = 'A';
  EXPECT_FALSE(HashFromHex(upper).has_value());
}

TEST(Crypto, Base64RoundTripAndStrictness) {
  EXPECT_EQ(Base64(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(FromBase64("Zm8="), "fo");
  EXPECT_FALSE(FromBase64("Zm8").has_value());
  EXPECT_FALSE(FromBase64("Zm9=").has_value());  // non-zero trailing bits
  EXPECT_FALSE(FromBase64("Zm 8=").has_value());
  EXPECT_FALSE(FromBase64("Zm8=\n").has_value());
}

}  // namespace
}  // namespace ledger
