#include "kernels/fp16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace citadel::kernels {
namespace {

std::uint32_t Bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}

TEST(Fp16Test, HalfToFloatKnownValues) {
  EXPECT_EQ(Bits(F16ToF32(0x0000)), 0u);
  EXPECT_EQ(Bits(F16ToF32(0x8000)), 0x80000000u);  // -0 keeps its sign
  EXPECT_EQ(F16ToF32(0x3C00), 1.0f);
  EXPECT_EQ(F16ToF32(0xC000), -2.0f);
  EXPECT_EQ(F16ToF32(0x3555), 0x1.554p-2f);
  EXPECT_EQ(F16ToF32(0x7BFF), 65504.0f);
  EXPECT_EQ(F16ToF32(0x0400), 0x1.0p-14f);     // smallest normal
  EXPECT_EQ(F16ToF32(0x0001), 0x1.0p-24f);     // smallest subnormal
  EXPECT_EQ(F16ToF32(0x83FF), -0x1.ff8p-15f);  // largest subnormal, negative
  EXPECT_EQ(F16ToF32(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(F16ToF32(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(Bits(F16ToF32(0x7E00)), 0x7FC00000u);
  EXPECT_EQ(Bits(F16ToF32(0x7C01)), 0x7FC02000u) << "signalling NaN comes back quiet";
}

TEST(Fp16Test, FloatToHalfRoundsToNearestEven) {
  EXPECT_EQ(F32ToF16(1.0f), 0x3C00);
  EXPECT_EQ(F32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(F32ToF16(1.0f + 0x1.0p-11f), 0x3C00) << "tie goes to the even mantissa";
  EXPECT_EQ(F32ToF16(1.0f + 0x1.8p-10f), 0x3C02) << "tie goes to the even mantissa";
  EXPECT_EQ(F32ToF16(1.0f + 0x1.1p-11f), 0x3C01) << "just above a tie rounds up";
  EXPECT_EQ(F32ToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(F32ToF16(65519.99f), 0x7BFF);
  EXPECT_EQ(F32ToF16(65520.0f), 0x7C00) << "65520 is the tie with infinity";
  EXPECT_EQ(F32ToF16(-1e10f), 0xFC00);
  EXPECT_EQ(F32ToF16(std::numeric_limits<float>::infinity()), 0x7C00);
}

TEST(Fp16Test, FloatToHalfSubnormals) {
  EXPECT_EQ(F32ToF16(0x1.0p-14f), 0x0400);
  EXPECT_EQ(F32ToF16(0x1.0p-24f), 0x0001);
  EXPECT_EQ(F32ToF16(0x1.0p-25f), 0x0000) << "half the smallest subnormal ties to 0";
  EXPECT_EQ(F32ToF16(0x1.000002p-25f), 0x0001);
  EXPECT_EQ(F32ToF16(0x1.8p-24f), 0x0002) << "1.5 units ties to 2";
  EXPECT_EQ(F32ToF16(0x1.4p-23f), 0x0002) << "2.5 units ties to 2";
  EXPECT_EQ(F32ToF16(-0x1.ffcp-15f), 0x8400) << "rounds up into the normal range";
  EXPECT_EQ(F32ToF16(1e-30f), 0x0000);
  EXPECT_EQ(F32ToF16(std::numeric_limits<float>::denorm_min()), 0x0000);
}

TEST(Fp16Test, FloatToHalfNaNIsCanonicalQuietNaN) {
  EXPECT_EQ(F32ToF16(std::numeric_limits<float>::quiet_NaN()), 0x7E00);
  EXPECT_EQ(F32ToF16(-std::numeric_limits<float>::quiet_NaN()), 0xFE00);
  EXPECT_EQ(F32ToF16(std::bit_cast<float>(0x7F800001u)), 0x7E00);
}

TEST(Fp16Test, EveryHalfRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const Half half = static_cast<Half>(h);
    const float f = F16ToF32(half);
    if (std::isnan(f)) {
      EXPECT_EQ((h & 0x7C00), 0x7C00u);
      EXPECT_EQ(F32ToF16(f) & 0x7FFF, 0x7E00);
      continue;
    }
    ASSERT_EQ(F32ToF16(f), half) << std::hex << h;
  }
}

// Independent of the bit tricks: the chosen half is never farther from x
// than its neighbours, and on a tie its mantissa is even.
TEST(Fp16Test, RandomFloatsRoundToANearestHalf) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint32_t> bits(0, 0x477FEFFFu);  // |x| < 65520
  for (int i = 0; i < 200000; ++i) {
    const float x = std::bit_cast<float>(bits(rng));
    const Half h = F32ToF16(x);
    const double error = std::fabs(static_cast<double>(F16ToF32(h)) - x);
    for (int step : {-1, 1}) {
      const int neighbour = static_cast<int>(h) + step;
      if (neighbour < 0 || neighbour > 0x7BFF) continue;
      const double other =
          std::fabs(static_cast<double>(F16ToF32(static_cast<Half>(neighbour))) - x);
      ASSERT_LE(error, other) << std::hexfloat << x;
      if (error == other) {
        ASSERT_EQ(h & 1, 0) << std::hexfloat << x;
      }
    }
  }
}

TEST(Fp16Test, BFloat16Conversions) {
  EXPECT_EQ(BF16ToF32(0x3F80), 1.0f);
  EXPECT_EQ(BF16ToF32(0xC0A0), -5.0f);
  EXPECT_EQ(F32ToBF16(1.0f), 0x3F80);
  EXPECT_EQ(F32ToBF16(1.0f + 0x1.0p-8f), 0x3F80) << "tie goes to even";
  EXPECT_EQ(F32ToBF16(1.0f + 0x1.8p-7f), 0x3F82) << "tie goes to even";
  EXPECT_EQ(F32ToBF16(1.0f + 0x1.2p-8f), 0x3F81);
  EXPECT_EQ(F32ToBF16(std::numeric_limits<float>::max()), 0x7F80) << "overflows to inf";
  EXPECT_EQ(F32ToBF16(std::bit_cast<float>(0x7F800001u)), 0x7FC0) << "NaN forced quiet";
  EXPECT_EQ(F32ToBF16(std::bit_cast<float>(0xFFC12345u)), 0xFFC1);
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const float f = BF16ToF32(static_cast<BF16>(b));
    if (!std::isnan(f)) {
      ASSERT_EQ(F32ToBF16(f), b);
    }
  }
}

TEST(Fp16Test, RowConversions) {
  const float src[5] = {0.5f, -3.0f, 1e6f, 0x1.0p-20f, 0.0f};
  Half h[5];
  float back[5];
  F32ToF16Row(src, h, 5);
  F16ToF32Row(h, back, 5);
  EXPECT_EQ(back[0], 0.5f);
  EXPECT_EQ(back[1], -3.0f);
  EXPECT_EQ(back[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(back[3], 0x1.0p-20f);
  BF16 b[5];
  F32ToBF16Row(src, b, 5);
  BF16ToF32Row(b, back, 5);
  EXPECT_EQ(back[1], -3.0f);
  EXPECT_EQ(back[2], 999424.0f);  // 1e6 rounded to 8 significant bits
}

}  // namespace
}  // namespace citadel::kernels
