#include "kernels/activation_quant.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "kernels/dequantize.h"
#include "kernels/fp16.h"
#include "unit/kernels/reference_vectors.h"

namespace citadel::kernels {
namespace {

std::vector<float> NormalRow(std::int64_t n, float scale, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> row(static_cast<std::size_t>(n));
  for (float& v : row) v = normal(rng);
  return row;
}

TEST(ActivationQuantTest, MatchesReferenceBitForBit) {
  std::vector<testing::ReferenceVector> vectors = testing::LoadReferenceVectors();
  ASSERT_FALSE(vectors.empty()) << "tests/data/kernels/reference_vectors.vec missing or malformed";
  std::set<std::uint32_t> covered;
  for (const testing::ReferenceVector& v : vectors) {
    if (v.kind != testing::kActivationVector) continue;
    const TensorType type = static_cast<TensorType>(v.type_id);
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    ASSERT_EQ(v.in.size(), v.n * sizeof(float));
    ASSERT_EQ(v.out.size(), static_cast<std::size_t>(RowBytes(type, v.n)));
    std::vector<float> src(v.n);
    std::memcpy(src.data(), v.in.data(), v.in.size());
    std::vector<std::uint8_t> got(v.out.size(), 0xCD);
    ASSERT_TRUE(QuantizeActivationRow(type, src.data(), got.data(), v.n).ok());
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], v.out[i]) << "byte " << i;
    covered.insert(v.type_id);
  }
  for (TensorType t : {TensorType::kQ8_0, TensorType::kQ8_1, TensorType::kQ8_K, TensorType::kF16}) {
    EXPECT_TRUE(covered.count(static_cast<std::uint32_t>(t))) << TensorTypeName(t);
  }
}

TEST(ActivationQuantTest, CpuBackendFormsMatchReferenceBitForBit) {
  std::vector<testing::ReferenceVector> vectors = testing::LoadReferenceVectors();
  int checked = 0;
  for (const testing::ReferenceVector& v : vectors) {
    if (v.kind != testing::kCpuBackendActivationVector) continue;
    const TensorType type = static_cast<TensorType>(v.type_id);
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    ASSERT_EQ(v.out.size(), static_cast<std::size_t>(RowBytes(type, v.n)));
    std::vector<float> src(v.n);
    std::memcpy(src.data(), v.in.data(), v.in.size());
    std::vector<std::uint8_t> got(v.out.size(), 0xCD);
    if (type == TensorType::kQ8_0) {
      QuantizeRowQ8_0AsCpuBackend(src.data(), reinterpret_cast<BlockQ8_0*>(got.data()), v.n);
    } else {
      ASSERT_EQ(type, TensorType::kQ8_1);
      QuantizeRowQ8_1AsCpuBackend(src.data(), reinterpret_cast<BlockQ8_1*>(got.data()), v.n);
    }
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], v.out[i]) << "byte " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(ActivationQuantTest, CpuBackendFormRoundsHalfToEven) {
  std::vector<float> x(32, 0.0f);
  const float values[] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f};
  const int want[] = {127, 0, 2, 2, -2};
  std::memcpy(x.data(), values, sizeof(values));
  BlockQ8_0 q0;
  QuantizeRowQ8_0AsCpuBackend(x.data(), &q0, 32);
  BlockQ8_1 q1;
  QuantizeRowQ8_1AsCpuBackend(x.data(), &q1, 32);
  EXPECT_EQ(F16ToF32(q0.d), 1.0f);
  for (int j = 0; j < 5; ++j) {
    EXPECT_EQ(q0.qs[j], want[j]) << j;
    EXPECT_EQ(q1.qs[j], want[j]) << j;
  }
  EXPECT_EQ(F16ToF32(q1.s), 127.0f + 0 + 2 + 2 - 2);
}

// amax 127 makes d = 1, so q is x rounded half away from zero.
TEST(ActivationQuantTest, Q8_0RoundsHalfAwayFromZero) {
  std::vector<float> x(32, 0.0f);
  const float values[] = {127.0f, -127.0f, 63.5f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 0.49f};
  const int want[] = {127, -127, 64, 1, -1, 2, 3, -3, 0};
  std::memcpy(x.data(), values, sizeof(values));
  BlockQ8_0 block;
  QuantizeRowQ8_0(x.data(), &block, 32);
  EXPECT_EQ(F16ToF32(block.d), 1.0f);
  for (int j = 0; j < 9; ++j) EXPECT_EQ(block.qs[j], want[j]) << j;
  for (int j = 9; j < 32; ++j) EXPECT_EQ(block.qs[j], 0);
}

TEST(ActivationQuantTest, Q8_1StoresScaledSum) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j % 5) * 0.25f;  // amax 1
  x[7] = -1.0f;
  BlockQ8_1 block;
  QuantizeRowQ8_1(x.data(), &block, 32);
  int sum = 0;
  for (int j = 0; j < 32; ++j) sum += block.qs[j];
  EXPECT_EQ(block.qs[7], -127);
  EXPECT_EQ(block.qs[4], 127);
  EXPECT_EQ(F16ToF32(block.d), F16ToF32(F32ToF16(1.0f / 127.0f)));
  EXPECT_EQ(block.s, F32ToF16(static_cast<float>(sum) * (1.0f / 127.0f)));
}

// max = 127 makes iscale = -1: q = -x rounded half to even, d = -1.
TEST(ActivationQuantTest, Q8_KUsesSignedMaxAndRoundsHalfToEven) {
  std::vector<float> x(256, 0.0f);
  const float values[] = {127.0f, 0.5f, 1.5f, 2.5f, -63.5f, -126.0f};
  const int want[] = {-127, 0, -2, -2, 64, 126};
  std::memcpy(x.data(), values, sizeof(values));
  x[20] = 3.0f;  // second group of 16
  BlockQ8_K block;
  QuantizeRowQ8_K(x.data(), &block, 256);
  EXPECT_EQ(block.d, -1.0f);
  for (int j = 0; j < 6; ++j) EXPECT_EQ(block.qs[j], want[j]) << j;
  EXPECT_EQ(block.bsums[0], -127 + 0 - 2 - 2 + 64 + 126);
  EXPECT_EQ(block.bsums[1], -3);
  for (int g = 2; g < 16; ++g) EXPECT_EQ(block.bsums[g], 0);
}

TEST(ActivationQuantTest, ZeroBlocksGiveZeroScaleAndQuants) {
  std::vector<float> x(256, 0.0f);
  BlockQ8_K k;
  std::memset(&k, 0x5A, sizeof(k));
  QuantizeRowQ8_K(x.data(), &k, 256);
  EXPECT_EQ(k.d, 0.0f);
  for (int j = 0; j < 256; ++j) ASSERT_EQ(k.qs[j], 0);
  for (int g = 0; g < 16; ++g) ASSERT_EQ(k.bsums[g], 0);
  BlockQ8_0 q;
  QuantizeRowQ8_0(x.data(), &q, 32);
  EXPECT_EQ(q.d, 0);
  for (int j = 0; j < 32; ++j) ASSERT_EQ(q.qs[j], 0);
}

// What a user of the quantized activations relies on: decoding gives back
// each value within half a quantization step.
TEST(ActivationQuantTest, RoundTripWithinHalfStep) {
  const std::int64_t n = 1024;
  std::vector<float> x = NormalRow(n, 3.0f, 7);
  std::vector<float> back(n);
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ8_1, TensorType::kQ8_K}) {
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    const std::int64_t block = Traits(type).block_elements;
    std::vector<std::uint8_t> q(static_cast<std::size_t>(RowBytes(type, n)));
    ASSERT_TRUE(QuantizeActivationRow(type, x.data(), q.data(), n).ok());
    ASSERT_TRUE(DequantizeRow(type, q.data(), back.data(), n).ok());
    for (std::int64_t b = 0; b < n / block; ++b) {
      float amax = 0.0f;
      for (std::int64_t j = 0; j < block; ++j) amax = std::max(amax, std::fabs(x[b * block + j]));
      const float step = amax / 127.0f;
      for (std::int64_t j = 0; j < block; ++j) {
        // 0.5 step from rounding, plus F16 rounding of the scale for Q8_0/Q8_1.
        ASSERT_NEAR(back[b * block + j], x[b * block + j], 0.5f * step + amax * 1e-3f);
      }
    }
  }
}

TEST(ActivationQuantTest, F32AndHalfRows) {
  const float x[4] = {1.0f, -2.5f, 65504.0f, 1e-9f};
  float copy[4];
  ASSERT_TRUE(QuantizeActivationRow(TensorType::kF32, x, copy, 4).ok());
  EXPECT_EQ(0, std::memcmp(copy, x, sizeof(x)));
  Half h[4];
  ASSERT_TRUE(QuantizeActivationRow(TensorType::kF16, x, h, 4).ok());
  EXPECT_EQ(h[0], 0x3C00);
  EXPECT_EQ(h[1], 0xC100);
  EXPECT_EQ(h[2], 0x7BFF);
  EXPECT_EQ(h[3], 0x0000);
  BF16 b[4];
  ASSERT_TRUE(QuantizeActivationRow(TensorType::kBF16, x, b, 4).ok());
  EXPECT_EQ(b[0], 0x3F80);
  EXPECT_EQ(b[1], 0xC020);
}

TEST(ActivationQuantTest, NonFiniteInputDoesNotCrash) {
  std::vector<float> x = NormalRow(256, 1.0f, 3);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[100] = std::numeric_limits<float>::infinity();
  x[200] = -std::numeric_limits<float>::infinity();
  std::vector<std::uint8_t> out(RowBytes(TensorType::kQ8_K, 256));
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ8_1, TensorType::kQ8_K}) {
    EXPECT_TRUE(QuantizeActivationRow(type, x.data(), out.data(), 256).ok());
  }
  BlockQ8_0 blocks[8];
  QuantizeRowQ8_0(x.data(), blocks, 256);
  EXPECT_EQ(blocks[0].qs[3], 0) << "NaN quantizes to 0";
  EXPECT_EQ(blocks[3].d, 0x7C00) << "a block holding inf gets an infinite scale";
  for (int j = 0; j < 32; ++j) EXPECT_EQ(blocks[3].qs[j], 0);
}

TEST(ActivationQuantTest, OddLengthAndUnsupportedTypeAreErrors) {
  std::vector<float> x(300, 1.0f);
  std::vector<std::uint8_t> out(2048, 0xEE);
  Status q8 = QuantizeActivationRow(TensorType::kQ8_0, x.data(), out.data(), 40);
  EXPECT_EQ(q8.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q8.message().find("40"), std::string::npos) << q8.message();
  EXPECT_EQ(QuantizeActivationRow(TensorType::kQ8_K, x.data(), out.data(), 300).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(out[0], 0xEE) << "a rejected call must not write";
  Status q4 = QuantizeActivationRow(TensorType::kQ4_0, x.data(), out.data(), 32);
  EXPECT_EQ(q4.code(), StatusCode::kUnimplemented);
  EXPECT_NE(q4.message().find("q4_0"), std::string::npos) << q4.message();
}

}  // namespace
}  // namespace citadel::kernels
