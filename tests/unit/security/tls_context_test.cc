// What the TLS context builder accepts and how it says no. The handshake
// itself is tested end to end in tests/integration/tls.test.mjs.
#include "security/tls_context.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace citadel::security {
namespace {

TEST(TlsContextTest, ParsesMinVersion) {
  EXPECT_EQ(*ParseTlsVersion("1.3"), TlsVersion::k1_3);
  EXPECT_EQ(*ParseTlsVersion("1.2"), TlsVersion::k1_2);
  for (const char* bad : {"1.1", "", "tls1.3", "1.3 "}) {
    const auto parsed = ParseTlsVersion(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("tls.min_version"), std::string::npos);
  }
}

TEST(TlsContextTest, SelfSignedHasAFreshSerialEachTime) {
  auto first = TlsContext::SelfSigned(TlsVersion::k1_3);
  auto second = TlsContext::SelfSigned(TlsVersion::k1_2);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(first->serial_hex().empty());
  EXPECT_NE(first->serial_hex(), second->serial_hex());
  EXPECT_EQ(first->fingerprint_sha256().size(), 32u * 3 - 1);  // AA:BB:...
  EXPECT_FALSE(first->mutual());
  TlsContext moved = std::move(*first);  // the SSL_CTX changes hands once
  EXPECT_EQ(first->Release(), nullptr);
  EXPECT_FALSE(moved.serial_hex().empty());
}

TEST(TlsContextTest, NamesTheFileThatDoesNotLoad) {
  const auto dir = std::filesystem::temp_directory_path() / "citadel-tls-context-test";
  std::filesystem::create_directories(dir);
  const std::string garbage = (dir / "garbage.pem").string();
  std::ofstream(garbage) << "not a certificate\n";

  const auto missing = TlsContext::FromFiles({"/nonexistent/cert.pem", garbage, ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("tls.cert '/nonexistent/cert.pem'"), std::string::npos)
      << missing.status().message();

  const auto not_pem = TlsContext::FromFiles({garbage, garbage, ""});
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.status().message().find("tls.cert"), std::string::npos);

  const auto no_key = TlsContext::FromFiles({garbage, "", ""});
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("tls.key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citadel::security
