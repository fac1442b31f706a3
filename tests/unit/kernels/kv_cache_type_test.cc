// KvCacheType: the names --kv-cache-type accepts, the head_dim rule for Q8_0
// and the bytes each type takes.
#include "kernels/kv_cache_type.h"

#include <gtest/gtest.h>

namespace citadel::kernels {
namespace {

TEST(KvCacheTypeTest, ParsesTheTwoNamesAndRoundTrips) {
  for (KvCacheType type : {KvCacheType::kF16, KvCacheType::kQ8_0}) {
    auto parsed = ParseKvCacheType(KvCacheTypeName(type));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(KvCacheTypeName(KvCacheType::kF16), "f16");
  EXPECT_EQ(KvCacheTypeName(KvCacheType::kQ8_0), "q8_0");
}

TEST(KvCacheTypeTest, UnknownNameNamesTheAllowedValues) {
  for (const char* bad : {"bogus", "", "Q8_0", "q4_0", "f32"}) {
    auto parsed = ParseKvCacheType(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("f16, q8_0"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(KvCacheTypeTest, Q8_0NeedsHeadDimAMultipleOf32) {
  EXPECT_TRUE(CheckKvCacheType(KvCacheType::kQ8_0, 64).ok());
  EXPECT_TRUE(CheckKvCacheType(KvCacheType::kQ8_0, 32).ok());
  EXPECT_TRUE(CheckKvCacheType(KvCacheType::kF16, 8).ok());
  const Status status = CheckKvCacheType(KvCacheType::kQ8_0, 80);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--kv-cache-type q8_0 needs head_dim a multiple of 32"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("80"), std::string::npos);
  EXPECT_FALSE(CheckKvCacheType(KvCacheType::kF16, 0).ok());
}

TEST(KvCacheTypeTest, Q8_0Takes34BytesPer32Elements) {
  EXPECT_EQ(KvBytes(KvCacheType::kF16, 64), 128);
  EXPECT_EQ(KvBytes(KvCacheType::kQ8_0, 64), 68);
  EXPECT_EQ(KvBytes(KvCacheType::kQ8_0, 4096), 4096 / 32 * 34);
}

}  // namespace
}  // namespace citadel::kernels
