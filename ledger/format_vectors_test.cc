// docs/FORMAT.md's worked test vectors, read from the document itself so that the
// document and the code cannot drift apart.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "ledger/canonical.h"
#include "ledger/event.h"
#include "ledger/keys.h"
#include "ledger/partition.h"
#include "ledger/test_util.h"

namespace ledger {
namespace {

// The body of the fenced block that follows "<!-- vector:NAME -->".
std::string Vector(const std::string& name) {
  static const std::string doc = [] {
    std::ifstream in(std::string(LEDGER_SOURCE_DIR) + "/docs/FORMAT.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  size_t marker = doc.find("<!-- vector:" + name + " -->");
  EXPECT_NE(marker, std::string::npos) << name;
  size_t body = doc.find('\n', doc.find("```", marker)) + 1;
  size_t end = doc.find("```", body);
  std::string text = doc.substr(body, end - body);
  if (name != "event" && !text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

TEST(FormatVectors, KeyStringsComeFromTheDocumentedSeed) {
  SigningKey key = testing::TestKey();
  EXPECT_EQ(key.PrivateKeyString(), Vector("private-key"));
  EXPECT_EQ(key.public_key().VerifierKey(), Vector("verifier-key"));
  auto parsed = SigningKey::ParsePrivateKey(Vector("private-key"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->public_key().VerifierKey(), Vector("verifier-key"));
}

TEST(FormatVectors, EventCanonicalBytesHashAndSignature) {
  boost::json::value event = boost::json::parse(Vector("event"));
  const std::string canonical = Canonical(event);
  EXPECT_EQ(canonical, Vector("canonical"));
  auto parsed = ParseEvent(canonical);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Canonical(), canonical);
  EXPECT_EQ(PartitionOf(parsed->subject, 4), parsed->partition);

  const Hash leaf = LeafHash(canonical);
  EXPECT_EQ(Hex(leaf), Vector("leaf-hash"));

  auto signature = FromBase64(Vector("signature"));
  ASSERT_TRUE(signature && signature->size() == 64);
  Signature sig;
  std::memcpy(sig.data(), signature->data(), 64);
  EXPECT_EQ(testing::TestKey().Sign(leaf), sig);  // Ed25519 is deterministic
  auto vkey = ParseVerifierKey(Vector("verifier-key"));
  ASSERT_TRUE(vkey.ok());
  EXPECT_TRUE(vkey->Verify(leaf, sig));
}

}  // namespace
}  // namespace ledger
