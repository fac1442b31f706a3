// Checkpoint signatures: HMAC-SHA256 and Ed25519 (a key pair made by the
// real openssl command), each refusing a changed message, another key, and
// a verify-only key signing.
#include "security/audit_signer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "unit/store/test_databases.h"

namespace citadel::security {
namespace {

std::unique_ptr<AuditSigner> Hmac(const std::string& key) {
  AuditSignerConfig config;
  config.hmac_key = key;
  auto signer = LoadAuditSigner(config);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return signer.ok() ? std::move(signer).value() : nullptr;
}

TEST(AuditSignerTest, HmacSignsAndVerifies) {
  auto signer = Hmac(std::string(40, 'k'));
  ASSERT_NE(signer, nullptr);
  auto signature = signer->Sign("checkpoint");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->rfind("hmac-sha256:" + signer->key_id() + ":", 0), 0u);
  EXPECT_TRUE(signer->Verify("checkpoint", *signature).ok());
  EXPECT_EQ(signer->Verify("checkpoinT", *signature).code(), StatusCode::kDataLoss);
  std::string flipped = *signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_EQ(signer->Verify("checkpoint", flipped).code(), StatusCode::kDataLoss);
  auto other = Hmac(std::string(40, 'j'));
  EXPECT_EQ(other->Verify("checkpoint", *signature).code(), StatusCode::kFailedPrecondition);
}

TEST(AuditSignerTest, HmacKeysAreChecked) {
  AuditSignerConfig config;
  EXPECT_EQ(LoadAuditSigner(config).status().code(), StatusCode::kFailedPrecondition);
  config.hmac_key = "short";
  EXPECT_EQ(LoadAuditSigner(config).status().code(), StatusCode::kInvalidArgument);
  config.hmac_key.clear();
  config.hmac_key_file = "/nonexistent/audit.key";
  EXPECT_EQ(LoadAuditSigner(config).status().code(), StatusCode::kNotFound);
  config.algorithm = "rsa";
  EXPECT_EQ(LoadAuditSigner(config).status().code(), StatusCode::kInvalidArgument);
}

TEST(AuditSignerTest, HmacKeyFileIgnoresTrailingNewline) {
  store::testing::ScratchDir scratch;
  auto key = GenerateAuditHmacKey();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 64u);
  const std::string path = (scratch.path() / "audit.key").string();
  std::ofstream(path) << *key << "\n";
  AuditSignerConfig config;
  config.hmac_key_file = path;
  auto from_file = LoadAuditSigner(config);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ((*from_file)->key_id(), Hmac(*key)->key_id());
}

TEST(AuditSignerTest, Ed25519SignsAndAPublicKeyOnlyVerifies) {
  store::testing::ScratchDir scratch;
  const std::string priv = (scratch.path() / "audit.pem").string();
  const std::string pub = (scratch.path() / "audit.pub.pem").string();
  if (std::system(("openssl genpkey -algorithm ed25519 -out " + priv + " 2>/dev/null").c_str()) !=
          0 ||
      std::system(("openssl pkey -in " + priv + " -pubout -out " + pub + " 2>/dev/null").c_str()) !=
          0) {
    GTEST_SKIP() << "the openssl command cannot make an Ed25519 key here";
  }
  AuditSignerConfig config;
  config.algorithm = "ed25519";
  config.ed25519_key_file = priv;
  auto signer = LoadAuditSigner(config);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  auto signature = (*signer)->Sign("checkpoint");
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  config.ed25519_key_file = pub;
  auto verifier = LoadAuditSigner(config);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_EQ((*verifier)->key_id(), (*signer)->key_id());
  EXPECT_TRUE((*verifier)->Verify("checkpoint", *signature).ok());
  EXPECT_EQ((*verifier)->Verify("checkpoint!", *signature).code(), StatusCode::kDataLoss);
  EXPECT_EQ((*verifier)->Sign("x").status().code(), StatusCode::kFailedPrecondition);
  std::ofstream(priv) << "not a key";
  config.ed25519_key_file = priv;
  EXPECT_EQ(LoadAuditSigner(config).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace citadel::security
