// Signed notes and checkpoints against the Go reference implementation's published
// vector (golang.org/x/mod/sumdb/note: the PeterNeumann key, text and signature), so
// that what the ledger signs is what any C2SP client accepts.
#include "ledger/note.h"

#include <gtest/gtest.h>

#include "ledger/test_util.h"

namespace ledger {
namespace {

constexpr std::string_view kSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kSigLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(Note, SignsExactlyAsTheGoReferenceAndOpensIt) {
  auto key = SigningKey::ParsePrivateKey(kSkey);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->public_key().VerifierKey(), kVkey);
  auto note = SignNote(kText, *key);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(*note, std::string(kText) + "\n" + std::string(kSigLine));
  Keyring ring;
  ring.Add(*ParseVerifierKey(kVkey));
  auto opened = OpenNote(*note, ring);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, kText);
  EXPECT_EQ(opened->signers, std::vector<std::string>{"PeterNeumann"});
}

TEST(Note, RefusesAlteredTextsSignaturesAndUntrustedKeys) {
  Keyring ring;
  ring.Add(*ParseVerifierKey(kVkey));
  const std::string note = std::string(kText) + "\n" + std::string(kSigLine);
  std::string text_changed = note;
  text_changed[3] = 'X';
  EXPECT_EQ(OpenNote(text_changed, ring).status().code(), Code::kCorruption);
  std::string sig_changed = note;
  sig_changed[note.size() - 10] = sig_changed[note.size() - 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenNote(sig_changed, ring).status().code(), Code::kCorruption);
  Keyring other;
  other.Add(testing::TestKey().public_key());
  EXPECT_EQ(OpenNote(note, other).status().code(), Code::kNotFound);
  EXPECT_EQ(OpenNote(std::string(kText), ring).status().code(), Code::kCorruption);
  EXPECT_EQ(OpenNote(note.substr(0, note.size() - 1), ring).status().code(), Code::kCorruption);
  // A second signature by a key nobody trusts is ignored; the trusted one still counts.
  auto extra = SignNote(kText, testing::TestKey());
  ASSERT_TRUE(extra.ok());
  const std::string both = note + extra->substr(kText.size() + 1);
  auto opened = OpenNote(both, ring);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->signers.size(), 1u);
  EXPECT_EQ(SignNote("no newline", testing::TestKey()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SignNote("a\n\nb\n", testing::TestKey()).status().code(), Code::kInvalidArgument);
}

TEST(Checkpoint, RoundTripsAndRefusesMalformedLines) {
  Checkpoint c{"sales-ledger/3", 12345, Sha256("root"), {"ext one"}};
  const std::string text = CheckpointText(c);
  EXPECT_EQ(text.substr(0, 21), "sales-ledger/3\n12345\n");
  auto parsed = ParseCheckpoint(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->origin, c.origin);
  EXPECT_EQ(parsed->size, c.size);
  EXPECT_EQ(parsed->root, c.root);
  EXPECT_EQ(parsed->extensions, c.extensions);
  auto signed_note = SignNote(text, testing::TestKey());
  ASSERT_TRUE(signed_note.ok());
  Keyring ring;
  ring.Add(testing::TestKey().public_key());
  auto opened = OpenNote(*signed_note, ring);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(ParseCheckpoint(opened->text)->size, 12345u);
  EXPECT_EQ(ParseCheckpoint("o\n12x\nAAAA\n").status().code(), Code::kCorruption);
  EXPECT_EQ(
      ParseCheckpoint("o\n012\n" + Base64(std::span<const uint8_t>(c.root)) + "\n").status().code(),
      Code::kCorruption);
  EXPECT_EQ(ParseCheckpoint("o\n12\nAAAA\n").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseCheckpoint("o\n12\n").status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace ledger
