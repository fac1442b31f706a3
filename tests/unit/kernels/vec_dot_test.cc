#include "kernels/vec_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/dequantize.h"
#include "kernels/fp16.h"
#include "unit/kernels/reference_vectors.h"

namespace citadel::kernels {
namespace {

constexpr TensorType kDotTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0, TensorType::kQ4_1,
    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ2_K, TensorType::kQ3_K,
    TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};

// Offsets of the F16 scale fields in each block type.
std::vector<int> HalfFieldOffsets(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
    case TensorType::kQ5_0:
    case TensorType::kQ8_0:
      return {0};
    case TensorType::kQ4_1:
    case TensorType::kQ5_1:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
      return {0, 2};
    case TensorType::kQ2_K:
      return {80, 82};
    case TensorType::kQ3_K:
      return {108};
    case TensorType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

// A row of `type` with random quants and modest random scales (every bit
// pattern of the quant fields occurs, scales stay finite).
std::vector<std::uint8_t> RandomWeightRow(TensorType type, std::int64_t n, std::mt19937& rng) {
  std::vector<std::uint8_t> row(static_cast<std::size_t>(RowBytes(type, n)));
  std::uniform_real_distribution<float> scale(0.001f, 0.1f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  if (type == TensorType::kF32 || type == TensorType::kF16 || type == TensorType::kBF16) {
    std::vector<float> values(static_cast<std::size_t>(n));
    for (float& v : values) v = normal(rng);
    EXPECT_TRUE(QuantizeActivationRow(type, values.data(), row.data(), n).ok());
    return row;
  }
  for (std::uint8_t& b : row) b = static_cast<std::uint8_t>(rng());
  const std::int64_t block_bytes = Traits(type).block_bytes;
  for (std::size_t b = 0; b < row.size(); b += block_bytes) {
    for (int offset : HalfFieldOffsets(type)) {
      const Half h = F32ToF16(scale(rng));
      std::memcpy(row.data() + b + offset, &h, sizeof(h));
    }
  }
  return row;
}

// Σ dequant(w) * dequant(a) in double, and Σ |w * a| for the tolerance.
void ExactDot(TensorType wt, const std::vector<std::uint8_t>& w, TensorType at,
              const std::vector<std::uint8_t>& a, std::int64_t n, double* dot, double* mag) {
  std::vector<float> wf(n), af(n);
  ASSERT_TRUE(DequantizeRow(wt, w.data(), wf.data(), n).ok());
  ASSERT_TRUE(DequantizeRow(at, a.data(), af.data(), n).ok());
  *dot = 0.0;
  *mag = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    *dot += static_cast<double>(wf[i]) * af[i];
    *mag += std::fabs(static_cast<double>(wf[i]) * af[i]);
  }
}

TEST(VecDotTest, PairsEachWeightTypeWithTheReferenceActivationFormat) {
  EXPECT_EQ(ScalarVecDot(TensorType::kF32).act_type, TensorType::kF32);
  EXPECT_EQ(ScalarVecDot(TensorType::kF16).act_type, TensorType::kF16);
  EXPECT_EQ(ScalarVecDot(TensorType::kBF16).act_type, TensorType::kBF16);
  EXPECT_EQ(ScalarVecDot(TensorType::kQ4_0).act_type, TensorType::kQ8_0);
  EXPECT_EQ(ScalarVecDot(TensorType::kQ4_1).act_type, TensorType::kQ8_1);
  EXPECT_EQ(ScalarVecDot(TensorType::kQ5_0).act_type, TensorType::kQ8_0);
  EXPECT_EQ(ScalarVecDot(TensorType::kQ5_1).act_type, TensorType::kQ8_1);
  EXPECT_EQ(ScalarVecDot(TensorType::kQ8_0).act_type, TensorType::kQ8_0);
  for (TensorType t : {TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K,
                       TensorType::kQ6_K}) {
    EXPECT_EQ(ScalarVecDot(t).act_type, TensorType::kQ8_K) << TensorTypeName(t);
  }
  for (TensorType t : kDotTypes) EXPECT_NE(ScalarVecDot(t).fn, nullptr) << TensorTypeName(t);
  EXPECT_EQ(ScalarVecDot(TensorType::kIQ2_XXS).fn, nullptr);
}

// The dot product of the encoded rows equals the dot product of what they
// decode to, for every type, over several row lengths.
TEST(VecDotTest, EqualsDequantizeThenDot) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (TensorType wt : kDotTypes) {
    const VecDotKind kind = ScalarVecDot(wt);
    const std::int64_t block =
        std::max(Traits(wt).block_elements, Traits(kind.act_type).block_elements);
    for (std::int64_t blocks : {1, 3, 16}) {
      const std::int64_t n = block * blocks;
      SCOPED_TRACE(std::string(TensorTypeName(wt)) + " n=" + std::to_string(n));
      std::vector<std::uint8_t> w = RandomWeightRow(wt, n, rng);
      std::vector<float> x(static_cast<std::size_t>(n));
      for (float& v : x) v = normal(rng);
      std::vector<std::uint8_t> a(static_cast<std::size_t>(RowBytes(kind.act_type, n)));
      ASSERT_TRUE(QuantizeActivationRow(kind.act_type, x.data(), a.data(), n).ok());
      double want = 0.0;
      double magnitude = 0.0;
      ExactDot(wt, w, kind.act_type, a, n, &want, &magnitude);
      const float got = kind.fn(n, w.data(), a.data());
      // Q8_1 folds the min term through s = F16(d * Σq): allow F16 rounding there.
      const double tolerance = 2e-3 * magnitude + 1e-6;
      EXPECT_NEAR(got, want, tolerance);
    }
  }
}

// The reference engine's own dot products (its CPU backend, SIMD paths and
// all) of the same rows agree with ours to float rounding, and it pairs each
// weight type with the activation format we pick.
TEST(VecDotTest, AgreesWithReferenceEngine) {
  std::vector<testing::ReferenceVector> vectors = testing::LoadReferenceVectors();
  ASSERT_FALSE(vectors.empty()) << "tests/data/kernels/reference_vectors.vec missing or malformed";
  int checked = 0;
  for (const testing::ReferenceVector& v : vectors) {
    if (v.kind != testing::kDotVector) continue;
    const TensorType wt = static_cast<TensorType>(v.type_id);
    SCOPED_TRACE(std::string(TensorTypeName(wt)));
    const VecDotKind kind = ScalarVecDot(wt);
    const std::size_t weight_bytes = static_cast<std::size_t>(RowBytes(wt, v.n));
    const std::size_t act_bytes = static_cast<std::size_t>(RowBytes(kind.act_type, v.n));
    ASSERT_EQ(v.in.size(), weight_bytes + act_bytes) << "activation format differs";
    std::vector<std::uint8_t> w(v.in.begin(), v.in.begin() + weight_bytes);
    std::vector<std::uint8_t> a(v.in.begin() + weight_bytes, v.in.end());
    float want;
    std::memcpy(&want, v.out.data(), sizeof(want));
    double exact = 0.0;
    double magnitude = 0.0;
    ExactDot(wt, w, kind.act_type, a, v.n, &exact, &magnitude);
    EXPECT_NEAR(kind.fn(v.n, w.data(), a.data()), want, 1e-4 * magnitude);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(std::size(kDotTypes)));
}

TEST(VecDotTest, IntegerPartialSumsOfHandMadeBlocks) {
  BlockQ8_0 act8{};
  act8.d = 0x3C00;
  for (int j = 0; j < 32; ++j) act8.qs[j] = static_cast<std::int8_t>(j + 1);  // Σ = 528
  BlockQ4_0 q4{};
  std::memset(q4.qs, 0x99, sizeof(q4.qs));  // every q = 9, weight 1
  EXPECT_EQ(BlockDotQ4_0(q4, act8), 528);
  BlockQ8_0 q8{};
  for (int j = 0; j < 32; ++j) q8.qs[j] = static_cast<std::int8_t>(j % 2 == 0 ? -2 : 1);
  EXPECT_EQ(BlockDotQ8_0(q8, act8),
            -2 * (1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19 + 21 + 23 + 25 + 27 + 29 + 31) +
                (2 + 4 + 6 + 8 + 10 + 12 + 14 + 16 + 18 + 20 + 22 + 24 + 26 + 28 + 30 + 32));
  BlockQ5_0 q5{};
  std::memset(q5.qh, 0xFF, sizeof(q5.qh));  // every q = 16 + 0 - 16 = 0 ...
  std::memset(q5.qs, 0x11, sizeof(q5.qs));  // ... + 1
  EXPECT_EQ(BlockDotQ5_0(q5, act8), 528);

  BlockQ8_K act{};
  act.d = 1.0f;
  for (int j = 0; j < 256; ++j) act.qs[j] = 1;
  for (int g = 0; g < 16; ++g) act.bsums[g] = 16;
  BlockQ6_K q6{};  // all quants 0 - 32, scales i + 1
  for (int i = 0; i < 16; ++i) q6.scales[i] = static_cast<std::int8_t>(i + 1);
  const KBlockSums s6 = BlockDotQ6_K(q6, act);
  EXPECT_EQ(s6.scaled, -32 * 16 * (16 * 17 / 2));
  EXPECT_EQ(s6.mins, 0);
  BlockQ2_K q2{};
  std::memset(q2.qs, 0xFF, sizeof(q2.qs));  // all q = 3
  for (int i = 0; i < 16; ++i) q2.scales[i] = static_cast<std::uint8_t>(2 | (5 << 4));
  const KBlockSums s2 = BlockDotQ2_K(q2, act);
  EXPECT_EQ(s2.scaled, 2 * 3 * 256);
  EXPECT_EQ(s2.mins, 5 * 256);
}

TEST(VecDotTest, ExtremeBlocksDoNotOverflow) {
  BlockQ6_K q6{};  // ql = qh = 0: every quant is -32
  for (int i = 0; i < 16; ++i) q6.scales[i] = -128;
  BlockQ8_K act{};
  act.d = 1.0f;
  for (int j = 0; j < 256; ++j) act.qs[j] = -128;
  EXPECT_EQ(BlockDotQ6_K(q6, act).scaled, -128 * 256 * (-32 * -128));
  BlockQ4_K q4{};
  std::memset(q4.qs, 0xFF, sizeof(q4.qs));
  std::memset(q4.scales, 0xFF, sizeof(q4.scales));  // every scale and min = 63
  for (int j = 0; j < 256; ++j) act.qs[j] = 127;
  for (int g = 0; g < 16; ++g) act.bsums[g] = 16 * 127;
  const KBlockSums s4 = BlockDotQ4_K(q4, act);
  EXPECT_EQ(s4.scaled, 63 * 15 * 127 * 256);
  EXPECT_EQ(s4.mins, 63 * 127 * 256);
}

TEST(VecDotTest, FloatRows) {
  const float w[4] = {1.0f, 2.0f, -3.0f, 0.5f};
  const float a[4] = {4.0f, -1.0f, 2.0f, 8.0f};
  EXPECT_EQ(ScalarVecDot(TensorType::kF32).fn(4, w, a), 4.0f - 2.0f - 6.0f + 4.0f);
  Half wh[4], ah[4];
  F32ToF16Row(w, wh, 4);
  F32ToF16Row(a, ah, 4);
  EXPECT_EQ(ScalarVecDot(TensorType::kF16).fn(4, wh, ah), 0.0f);
  BF16 wb[4], ab[4];
  F32ToBF16Row(w, wb, 4);
  F32ToBF16Row(a, ab, 4);
  EXPECT_EQ(ScalarVecDot(TensorType::kBF16).fn(4, wb, ab), 0.0f);
  EXPECT_EQ(ScalarVecDot(TensorType::kF32).fn(0, w, a), 0.0f);
}

TEST(VecDotTest, OddLengthsAndUnsupportedTypesAreRejected) {
  EXPECT_TRUE(CheckVecDotLength(TensorType::kQ4_0, 64).ok());
  EXPECT_TRUE(CheckVecDotLength(TensorType::kF32, 7).ok());
  Status odd = CheckVecDotLength(TensorType::kQ4_K, 4096 + 32);
  EXPECT_EQ(odd.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(odd.message().find("4128"), std::string::npos) << odd.message();
  EXPECT_EQ(CheckVecDotLength(TensorType::kQ8_0, 31).code(), StatusCode::kInvalidArgument);
  Status iq = CheckVecDotLength(TensorType::kIQ4_NL, 32);
  EXPECT_EQ(iq.code(), StatusCode::kUnimplemented);
  EXPECT_NE(iq.message().find("iq4_nl"), std::string::npos) << iq.message();
}

}  // namespace
}  // namespace citadel::kernels
