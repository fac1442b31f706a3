#include "security/api_key.h"

#include <gtest/gtest.h>

#include <set>

#include "security/key_issuer.h"
#include "security/password_hasher.h"

namespace citadel::security {
namespace {

TEST(ApiKeyTest, GeneratedKeysHaveTheDocumentedShapeAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto key = GenerateApiKey();
    ASSERT_TRUE(key.ok());
    ASSERT_EQ(key->key.size(), 4u + 43u);
    EXPECT_TRUE(key->key.starts_with("cit_"));
    EXPECT_EQ(key->prefix, key->key.substr(4, 8));
    EXPECT_EQ(key->hash_hex, HexEncode(Sha256(key->key)));
    EXPECT_EQ(key->hash_hex.find(key->key.substr(4)), std::string::npos);
    EXPECT_TRUE(seen.insert(key->key).second);
    auto presented = ParsePresentedKey(key->key);
    ASSERT_TRUE(presented.ok());
    EXPECT_EQ(presented->prefix, key->prefix);
    EXPECT_EQ(HexEncode(presented->hash), key->hash_hex);
  }
}

TEST(ApiKeyTest, Base62IsTheZeroPaddedNumber) {
  std::array<std::uint8_t, 32> zero{};
  EXPECT_EQ(Base62Encode(zero), std::string(43, '0'));
  std::array<std::uint8_t, 32> small{};
  small[31] = 61;
  EXPECT_EQ(Base62Encode(small), std::string(42, '0') + "z");
  small[31] = 62;
  EXPECT_EQ(Base62Encode(small), std::string(41, '0') + "10");
  std::array<std::uint8_t, 32> max{};
  max.fill(0xff);
  // 2^256 - 1 fits in 43 base62 digits and needs all of them.
  EXPECT_NE(Base62Encode(max)[0], '0');
}

TEST(ApiKeyTest, MalformedKeysAreUnauthenticatedWithoutEcho) {
  for (std::string bad :
       {std::string(""), std::string("cit_"), std::string("sk-abc"),
        std::string("cit_") + std::string(42, 'a'), std::string("cit_") + std::string(44, 'a'),
        std::string("cit_") + std::string(42, 'a') + "!",
        std::string("CIT_") + std::string(43, 'a')}) {
    auto parsed = ParsePresentedKey(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUnauthenticated);
    if (bad.size() > 8) EXPECT_EQ(parsed.status().message().find(bad), std::string::npos);
  }
}

TEST(ApiKeyTest, ScopesParseAndName) {
  auto scopes = ParseScopes({"chat", "models:read", "audit:read"});
  ASSERT_TRUE(scopes.ok());
  EXPECT_TRUE(HasScope(*scopes, Scope::kChat));
  EXPECT_FALSE(HasScope(*scopes, Scope::kAdmin));
  EXPECT_EQ(ScopeNames(*scopes), (std::vector<std::string>{"chat", "models:read", "audit:read"}));
  auto unknown = ParseScopes({"chat", "root"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("'root'"), std::string::npos);
  EXPECT_EQ(ParseScopes({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ApiKeyTest, DigestsCompareAndDecode) {
  const Sha256Digest a = Sha256("a");
  EXPECT_EQ(HexEncode(a), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_TRUE(DigestsEqual(a, *HexDecodeDigest(HexEncode(a))));
  EXPECT_FALSE(DigestsEqual(a, Sha256("b")));
  EXPECT_FALSE(HexDecodeDigest("xyz").ok());
}

TEST(KeyLifetimeTest, ParsesUnits) {
  EXPECT_EQ(*ParseKeyLifetime("90d"), 90 * 86400);
  EXPECT_EQ(*ParseKeyLifetime("12h"), 12 * 3600);
  EXPECT_EQ(*ParseKeyLifetime("30m"), 1800);
  EXPECT_EQ(*ParseKeyLifetime("2w"), 14 * 86400);
  EXPECT_EQ(*ParseKeyLifetime("3600"), 3600);
  EXPECT_EQ(*ParseKeyLifetime("45s"), 45);
  for (const char* bad : {"", "d", "0d", "-5d", "5y", "1.5h", "99999999999d"}) {
    EXPECT_EQ(ParseKeyLifetime(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PasswordTest, HashesVerifyAndRefuseWeakOnes) {
  const Argon2Params fast{1, 1024, 1};  // keeps the suite quick; defaults are tested below
  auto hash = HashPassword("correct horse battery", fast);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(*VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(*VerifyPassword("correct horse batterY", *hash));
  EXPECT_NE(*HashPassword("correct horse battery", fast), *hash);  // salted
  EXPECT_EQ(HashPassword("short", fast).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyPassword("x", "$2b$bcrypt").status().code(), StatusCode::kInvalidArgument);
  auto standard = HashPassword("another good one");
  ASSERT_TRUE(standard.ok());
  EXPECT_TRUE(standard->starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  auto random = RandomPassword();
  ASSERT_TRUE(random.ok());
  EXPECT_EQ(random->size(), 20u);
  EXPECT_NE(*random, *RandomPassword());
}

}  // namespace
}  // namespace citadel::security
