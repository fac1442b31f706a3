#include "kernels/dequantize.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <set>
#include <vector>

#include "kernels/block_formats.h"
#include "kernels/fp16.h"
#include "unit/kernels/reference_vectors.h"

namespace citadel::kernels {
namespace {

constexpr Half kHalfOne = 0x3C00;
constexpr Half kHalfHalf = 0x3800;     // 0.5
constexpr Half kHalfQuarter = 0x3400;  // 0.25
constexpr Half kHalfTwo = 0x4000;
constexpr Half kHalfMinusOne = 0xBC00;

std::vector<float> Dequantize(TensorType type, const void* src, std::int64_t n) {
  std::vector<float> out(static_cast<std::size_t>(n), -12345.0f);
  Status status = DequantizeRow(type, src, out.data(), n);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

// Packs 8 six-bit (scale, min) pairs the way Q4_K/Q5_K store them.
void PackScaleMinK4(const int* scale, const int* min, std::uint8_t* out) {
  std::memset(out, 0, kKScaleSize);
  for (int j = 0; j < 4; ++j) {
    out[j] = static_cast<std::uint8_t>(scale[j] | ((scale[j + 4] >> 4) << 6));
    out[j + 4] = static_cast<std::uint8_t>(min[j] | ((min[j + 4] >> 4) << 6));
    out[j + 8] = static_cast<std::uint8_t>((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
  }
}

TEST(DequantizeTest, MatchesReferenceBitForBit) {
  std::vector<testing::ReferenceVector> vectors = testing::LoadReferenceVectors();
  ASSERT_FALSE(vectors.empty()) << "tests/data/kernels/reference_vectors.vec missing or malformed";
  std::set<std::uint32_t> covered;
  for (const testing::ReferenceVector& v : vectors) {
    if (v.kind != testing::kDequantizeVector) continue;
    const TensorType type = static_cast<TensorType>(v.type_id);
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    ASSERT_EQ(v.in.size(), static_cast<std::size_t>(RowBytes(type, v.n)));
    ASSERT_EQ(v.out.size(), v.n * sizeof(float));
    std::vector<float> got = Dequantize(type, v.in.data(), v.n);
    for (std::uint32_t i = 0; i < v.n; ++i) {
      std::uint32_t want;
      std::memcpy(&want, v.out.data() + 4 * i, 4);
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), want) << "element " << i;
    }
    covered.insert(v.type_id);
  }
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ4_0,
                       TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0,
                       TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K,
                       TensorType::kQ6_K, TensorType::kQ8_K}) {
    EXPECT_TRUE(covered.count(static_cast<std::uint32_t>(t))) << TensorTypeName(t);
  }
}

TEST(DequantizeTest, Q4_0HandMadeBlock) {
  BlockQ4_0 block{};
  block.d = kHalfHalf;
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  std::vector<float> out = Dequantize(TensorType::kQ4_0, &block, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.5f * (j - 8));
    EXPECT_EQ(out[j + 16], 0.5f * (7 - j));
  }
}

TEST(DequantizeTest, Q4_1HandMadeBlock) {
  BlockQ4_1 block{};
  block.d = kHalfQuarter;
  block.m = kHalfMinusOne;
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  std::vector<float> out = Dequantize(TensorType::kQ4_1, &block, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.25f * j - 1.0f);
    EXPECT_EQ(out[j + 16], 0.25f * (15 - j) - 1.0f);
  }
}

TEST(DequantizeTest, Q5_0HandMadeBlockUsesHighBits) {
  BlockQ5_0 block{};
  block.d = kHalfOne;
  const std::uint32_t qh = 0xAAAA5555u;  // bit j = fifth bit of element j
  std::memcpy(block.qh, &qh, 4);
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<std::uint8_t>(j | (j << 4));
  std::vector<float> out = Dequantize(TensorType::kQ5_0, &block, 32);
  for (int e = 0; e < 32; ++e) {
    const int q = (e % 16) | (((qh >> e) & 1) << 4);
    EXPECT_EQ(out[e], static_cast<float>(q - 16)) << e;
  }
}

TEST(DequantizeTest, Q5_1HandMadeBlock) {
  BlockQ5_1 block{};
  block.d = kHalfTwo;
  block.m = kHalfHalf;
  const std::uint32_t qh = 0xFFFF0000u;  // elements 16..31 get 16 added
  std::memcpy(block.qh, &qh, 4);
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<std::uint8_t>(j | (3 << 4));
  std::vector<float> out = Dequantize(TensorType::kQ5_1, &block, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 2.0f * j + 0.5f);
    EXPECT_EQ(out[j + 16], 2.0f * 19 + 0.5f);
  }
}

TEST(DequantizeTest, Q8_0TwoBlocks) {
  BlockQ8_0 blocks[2]{};
  blocks[0].d = kHalfQuarter;
  blocks[1].d = kHalfMinusOne;
  for (int j = 0; j < 32; ++j) {
    blocks[0].qs[j] = static_cast<std::int8_t>(j - 16);
    blocks[1].qs[j] = static_cast<std::int8_t>(j == 0 ? -127 : 127);
  }
  std::vector<float> out = Dequantize(TensorType::kQ8_0, blocks, 64);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], 0.25f * (j - 16));
  EXPECT_EQ(out[32], 127.0f);
  EXPECT_EQ(out[33], -127.0f);
}

TEST(DequantizeTest, Q2_KHandMadeBlock) {
  BlockQ2_K block{};
  block.d = kHalfOne;
  block.dmin = kHalfHalf;
  // Every byte holds q = 0, 1, 2, 3 at shifts 0, 2, 4, 6: element e has q = e % 128 / 32.
  std::memset(block.qs, 0xE4, sizeof(block.qs));
  for (int i = 0; i < 16; ++i) block.scales[i] = static_cast<std::uint8_t>(i | (2 << 4));
  std::vector<float> out = Dequantize(TensorType::kQ2_K, &block, 256);
  for (int e = 0; e < 256; ++e) {
    EXPECT_EQ(out[e], static_cast<float>((e / 16) * (e % 128 / 32)) - 1.0f) << e;
  }
}

TEST(DequantizeTest, Q3_KHandMadeBlock) {
  BlockQ3_K block{};
  block.d = kHalfHalf;
  std::memset(block.qs, 0xE4, sizeof(block.qs));        // low bits = e % 128 / 32
  std::memset(block.hmask, 0xAA, sizeof(block.hmask));  // high bit set when e / 32 is odd
  // All sixteen 6-bit scales = 33 (scale 1): low nibbles 1, top bits 0b10.
  std::memset(block.scales, 0x11, 8);
  std::memset(block.scales + 8, 0xAA, 4);
  std::vector<float> out = Dequantize(TensorType::kQ3_K, &block, 256);
  for (int e = 0; e < 256; ++e) {
    const int q = e % 128 / 32 - ((e / 32) % 2 == 1 ? 0 : 4);
    EXPECT_EQ(out[e], 0.5f * q) << e;
  }
}

TEST(DequantizeTest, Q3_KScalesUnpackToDistinctValues) {
  std::uint8_t packed[12] = {};
  std::int8_t want[16];
  for (int s = 0; s < 16; ++s) {
    const int six_bit = (s * 37 + 5) % 64;
    want[s] = static_cast<std::int8_t>(six_bit - 32);
    packed[s % 8] |= static_cast<std::uint8_t>((six_bit & 0xF) << (s < 8 ? 0 : 4));
    packed[8 + s % 4] |= static_cast<std::uint8_t>((six_bit >> 4) << (2 * (s / 4)));
  }
  std::int8_t got[16];
  UnpackScalesQ3K(packed, got);
  for (int s = 0; s < 16; ++s) EXPECT_EQ(got[s], want[s]) << s;
}

TEST(DequantizeTest, Q4_KHandMadeBlock) {
  BlockQ4_K block{};
  block.d = kHalfOne;
  block.dmin = kHalfQuarter;
  const int scale[8] = {1, 2, 3, 63, 17, 33, 48, 60};
  const int min[8] = {0, 5, 63, 1, 40, 16, 2, 31};
  PackScaleMinK4(scale, min, block.scales);
  for (int i = 0; i < 128; ++i) block.qs[i] = static_cast<std::uint8_t>((i % 16) | ((i % 7) << 4));
  std::vector<float> out = Dequantize(TensorType::kQ4_K, &block, 256);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const int byte = 32 * (e / 64) + e % 32;
    const int q = sub % 2 == 0 ? byte % 16 : byte % 7;
    EXPECT_EQ(out[e], static_cast<float>(scale[sub] * q) - 0.25f * min[sub]) << e;
  }
}

TEST(DequantizeTest, Q5_KHandMadeBlock) {
  BlockQ5_K block{};
  block.d = kHalfHalf;
  block.dmin = kHalfOne;
  const int scale[8] = {2, 4, 6, 8, 10, 12, 14, 16};
  const int min[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  PackScaleMinK4(scale, min, block.scales);
  std::memset(block.qs, 0x3C, sizeof(block.qs));  // low nibble 12, high nibble 3
  std::memset(block.qh, 0x55, sizeof(block.qh));  // fifth bit set in even sub-blocks
  std::vector<float> out = Dequantize(TensorType::kQ5_K, &block, 256);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const int q = (sub % 2 == 0 ? 12 : 3) + (sub % 2 == 0 ? 16 : 0);
    EXPECT_EQ(out[e], 0.5f * scale[sub] * q - static_cast<float>(min[sub])) << e;
  }
}

TEST(DequantizeTest, Q6_KHandMadeBlock) {
  BlockQ6_K block{};
  block.d = kHalfQuarter;
  for (int i = 0; i < 16; ++i) block.scales[i] = static_cast<std::int8_t>(i - 8);
  std::memset(block.ql, 0x21, sizeof(block.ql));  // low nibble 1, high nibble 2
  std::memset(block.qh, 0xE4, sizeof(block.qh));  // top bits of quarter p = p
  std::vector<float> out = Dequantize(TensorType::kQ6_K, &block, 256);
  for (int e = 0; e < 256; ++e) {
    const int part = e % 128 / 32;
    const int q = ((part < 2 ? 1 : 2) | (part << 4)) - 32;
    EXPECT_EQ(out[e], 0.25f * (e / 16 - 8) * q) << e;
  }
}

TEST(DequantizeTest, Q8_KBlock) {
  BlockQ8_K block{};
  block.d = 0.5f;
  for (int j = 0; j < 256; ++j) block.qs[j] = static_cast<std::int8_t>(j - 128);
  std::vector<float> out = Dequantize(TensorType::kQ8_K, &block, 256);
  for (int j = 0; j < 256; ++j) EXPECT_EQ(out[j], 0.5f * (j - 128));
}

TEST(DequantizeTest, FloatFormats) {
  const float f32[3] = {1.5f, -0.0f, 3.0e38f};
  EXPECT_EQ(Dequantize(TensorType::kF32, f32, 3), std::vector<float>(f32, f32 + 3));
  const Half f16[4] = {0x3C00, 0xC000, 0x7BFF, 0x0001};
  EXPECT_EQ(Dequantize(TensorType::kF16, f16, 4),
            (std::vector<float>{1.0f, -2.0f, 65504.0f, 0x1.0p-24f}));
  const BF16 bf16[3] = {0x3F80, 0xC040, 0x0001};
  EXPECT_EQ(Dequantize(TensorType::kBF16, bf16, 3),
            (std::vector<float>{1.0f, -3.0f, std::bit_cast<float>(0x00010000u)}));
}

TEST(DequantizeTest, RowNotWholeBlocksIsInvalidArgument) {
  std::vector<std::uint8_t> src(4096);
  std::vector<float> dst(512, 7.0f);
  Status q4 = DequantizeRow(TensorType::kQ4_0, src.data(), dst.data(), 33);
  EXPECT_EQ(q4.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q4.message().find("33"), std::string::npos) << q4.message();
  EXPECT_NE(q4.message().find("q4_0"), std::string::npos) << q4.message();
  Status k = DequantizeRow(TensorType::kQ4_K, src.data(), dst.data(), 300);
  EXPECT_EQ(k.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(k.message().find("256"), std::string::npos) << k.message();
  EXPECT_EQ(DequantizeRow(TensorType::kQ6_K, src.data(), dst.data(), -256).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(dst[0], 7.0f) << "a rejected call must not write";
  EXPECT_TRUE(DequantizeRow(TensorType::kQ4_K, src.data(), dst.data(), 0).ok());
}

TEST(DequantizeTest, UnsupportedTypeIsUnimplementedAndNamed) {
  std::vector<std::uint8_t> src(4096);
  std::vector<float> dst(256);
  Status s = DequantizeRow(TensorType::kIQ2_XXS, src.data(), dst.data(), 256);
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_NE(s.message().find("iq2_xxs"), std::string::npos) << s.message();
  Status unknown = DequantizeRow(static_cast<TensorType>(4), src.data(), dst.data(), 32);
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace citadel::kernels
