#include "ledger/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

namespace ledger {
namespace {

// The example key and signed note of golang.org/x/mod/sumdb/note, the reference
// implementation of C2SP signed notes.
constexpr const char* kGoSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* kGoVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* kGoText =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your "
    "problem is.\n";
constexpr const char* kGoSig =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

TEST(Keys, MatchesGoSignedNoteVector) {
  auto key = SigningKey::ParsePrivateKey(kGoSkey);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->public_key().VerifierKey(), kGoVkey);
  EXPECT_EQ(key->PrivateKeyString(), kGoSkey);
  auto blob = FromBase64(kGoSig);
  ASSERT_TRUE(blob && blob->size() == 68);
  EXPECT_EQ(Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(blob->data()), 4)),
            "c74f20a3");
  Signature expected;
  std::memcpy(expected.data(), blob->data() + 4, 64);
  EXPECT_EQ(key->Sign(std::string_view(kGoText)), expected);  // Ed25519 is deterministic
  auto vkey = ParseVerifierKey(kGoVkey);
  ASSERT_TRUE(vkey.ok());
  EXPECT_TRUE(vkey->Verify(std::string_view(kGoText), expected));
  EXPECT_FALSE(vkey->Verify(std::string_view("tampered"), expected));
}

TEST(Keys, RejectsMalformedKeys) {
  for (const char* bad : {"", "PeterNeumann+c74f20a3",
                          "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10"}) {
    EXPECT_FALSE(ParseVerifierKey(bad).ok()) << bad;
  }
  EXPECT_FALSE(SigningKey::ParsePrivateKey(
                   "PRIVATE+KEY+PeterNeumann+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
                   .ok());
  EXPECT_FALSE(SigningKey::Generate("bad+name").ok());
}

class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledger-keys-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KeyFiles, CreatesOnceWith0600AndReloads) {
  auto first = LoadOrCreateKey(dir_ / "keys", "sales-ledger");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st;
  ASSERT_EQ(stat((dir_ / "keys" / "ledger.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateKey(dir_ / "keys", "sales-ledger");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->public_key().VerifierKey(), first->public_key().VerifierKey());
  auto ring = LoadVerifierKeys(dir_ / "keys" / "ledger.vkeys");
  ASSERT_TRUE(ring.ok());
  ASSERT_EQ(ring->keys().size(), 1u);
  EXPECT_NE(ring->Find(first->public_key().id), nullptr);
}

TEST_F(KeyFiles, RefusesReadableKeyFileAndNamesBadVkeyLine) {
  auto key = SigningKey::Generate("k");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(WriteKeyFile(dir_ / "k.key", *key).ok());
  EXPECT_TRUE(LoadKeyFile(dir_ / "k.key").ok());
  chmod((dir_ / "k.key").c_str(), 0644);
  EXPECT_EQ(LoadKeyFile(dir_ / "k.key").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(WriteKeyFile(dir_ / "k.key", *key).code(), Code::kConflict);
  std::ofstream(dir_ / "v") << "# comment\n" << key->public_key().VerifierKey() << "\nnot-a-key\n";
  auto ring = LoadVerifierKeys(dir_ / "v");
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.status().message().find(":3:"), std::string::npos) << ring.status().message();
}

}  // namespace
}  // namespace ledger
