// The row-layout SIMD kernels of Q4_1, Q5_0, Q5_1 and BF16 weights
// (matmul_q4_1_q5_bf16_<isa>.cc) at the edges matmul_test.cc's random data rarely
// reaches: quants at their extremes against activations at +-127 (where a
// u8 x s8 pair product would saturate a 16-bit lane if the unsigned side were
// not kept small), and BF16 rows whose length is not a multiple of the vector
// width.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/block_formats.h"
#include "kernels/fp16.h"
#include "kernels/matmul.h"
#include "simd_levels.h"

namespace citadel::kernels {
namespace {

std::vector<float> RunAt(SimdLevel level, const WeightView& w, const std::vector<float>& act,
                         std::int64_t tokens) {
  ThreadPool pool(2);
  MatMulScratch scratch;
  std::vector<float> out(tokens * w.rows, NAN);
  MatMulAtLevel(level, w, act.data(), tokens, out.data(), pool, scratch);
  return out;
}

// Writes one block of `type` (Q4_1, Q5_0 or Q5_1) with d = 1, m = 1 and the
// unsigned quants q[0..31] (element order) to `dst`.
void PackBlock(TensorType type, const int* q, std::uint8_t* dst) {
  std::uint8_t qs[16];
  std::uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<std::uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
  }
  for (int j = 0; j < 32; ++j) qh |= static_cast<std::uint32_t>((q[j] >> 4) & 1) << j;
  const Half one = F32ToF16(1.0f);
  if (type == TensorType::kQ4_1) {
    BlockQ4_1 b{one, one, {}};
    std::memcpy(b.qs, qs, 16);
    std::memcpy(dst, &b, sizeof(b));
  } else if (type == TensorType::kQ5_0) {
    BlockQ5_0 b{one, {}, {}};
    std::memcpy(b.qh, &qh, 4);
    std::memcpy(b.qs, qs, 16);
    std::memcpy(dst, &b, sizeof(b));
  } else {
    BlockQ5_1 b{one, one, {}, {}};
    std::memcpy(b.qh, &qh, 4);
    std::memcpy(b.qs, qs, 16);
    std::memcpy(dst, &b, sizeof(b));
  }
}

// Weight quant pattern `wp` and activation sign pattern `ap` at element j.
int WeightQuant(int wp, int j, int max_q) {
  switch (wp) {
    case 0:
      return max_q;
    case 1:
      return 0;
    default:
      return j % 2 == 0 ? max_q : 0;
  }
}
int ActivationSign(int ap, int j) {
  switch (ap) {
    case 0:
      return 1;
    case 1:
      return -1;
    case 2:
      return j % 2 == 0 ? 1 : -1;
    default:
      return j % 4 < 2 ? -1 : 1;
  }
}

// Each test runs once per path and is skipped, saying why, on a path this CPU
// cannot run.
class MatMulQ4_1Q5Bf16Test : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(MatMulQ4_1Q5Bf16Test, ExtremeQuantsGiveExactSums) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  // Activations of +-127 quantize to d = 1, q = +-127, and the weights have
  // d = m = 1, so every term is an integer and the exact result (below 2^24)
  // is what every path must return, bit for bit.
  constexpr std::int64_t kBlocks = 7, kCols = kBlocks * 32, kRows = 3, kTokens = 5;
  for (TensorType type : {TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1}) {
    const int max_q = type == TensorType::kQ4_1 ? 15 : 31;
    const int offset = type == TensorType::kQ5_0 ? 16 : 0;
    const bool has_min = type != TensorType::kQ5_0;
    const std::int64_t block_bytes = RowBytes(type, 32);
    for (int wp = 0; wp < 3; ++wp) {
      std::vector<std::uint8_t> weights(kRows * kBlocks * block_bytes);
      for (std::int64_t b = 0; b < kRows * kBlocks; ++b) {
        int q[32];
        for (int j = 0; j < 32; ++j) q[j] = WeightQuant(wp, j, max_q);
        PackBlock(type, q, weights.data() + b * block_bytes);
      }
      const WeightView w{type, weights.data(), kRows, kCols};
      std::vector<float> act(kTokens * kCols);
      std::vector<float> expected(kTokens * kRows);
      for (std::int64_t t = 0; t < kTokens; ++t) {
        const int ap = static_cast<int>(t % 4);
        std::int64_t row_sum = 0;
        for (std::int64_t c = 0; c < kCols; ++c) {
          const int j = static_cast<int>(c % 32);
          const int a = 127 * ActivationSign(ap, j);
          act[t * kCols + c] = static_cast<float>(a);
          row_sum += static_cast<std::int64_t>(WeightQuant(wp, j, max_q) - offset) * a;
          if (has_min) row_sum += a;  // m * s with m = 1, s = sum of the block's quants
        }
        for (std::int64_t r = 0; r < kRows; ++r) {
          expected[t * kRows + r] = static_cast<float>(row_sum);
        }
      }
      SCOPED_TRACE(std::string(TensorTypeName(type)) + " " + std::string(SimdLevelName(level)) +
                   " weight pattern " + std::to_string(wp));
      EXPECT_EQ(RunAt(level, w, act, kTokens), expected);
    }
  }
}

TEST_P(MatMulQ4_1Q5Bf16Test, BF16RowsOfAnyLengthMatchScalar) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (std::int64_t cols : {1, 7, 8, 9, 15, 16, 17, 31, 83}) {
    constexpr std::int64_t kRows = 5, kTokens = 9;
    std::vector<BF16> weights(kRows * cols);
    for (BF16& v : weights) v = F32ToBF16(normal(rng));
    std::vector<float> act(kTokens * cols);
    for (float& v : act) v = normal(rng);
    const WeightView w{TensorType::kBF16, reinterpret_cast<const std::uint8_t*>(weights.data()),
                       kRows, cols};
    const std::vector<float> ref = RunAt(SimdLevel::kScalar, w, act, kTokens);
    SCOPED_TRACE("cols=" + std::to_string(cols) + " " + std::string(SimdLevelName(level)));
    const std::vector<float> got = RunAt(level, w, act, kTokens);
    for (std::int64_t t = 0; t < kTokens; ++t) {
      for (std::int64_t r = 0; r < kRows; ++r) {
        double magnitude = 0;
        for (std::int64_t c = 0; c < cols; ++c) {
          magnitude += std::fabs(BF16ToF32(weights[r * cols + c]) * act[t * cols + c]);
        }
        ASSERT_NEAR(got[t * kRows + r], ref[t * kRows + r], 2e-5 * magnitude + 1e-6)
            << "t=" << t << " r=" << r;
      }
    }
  }
}

CITADEL_INSTANTIATE_FOR_LEVELS(MatMulQ4_1Q5Bf16Test, SimdLevel::kScalar, SimdLevel::kAvx2,
                               SimdLevel::kAvx512, SimdLevel::kAmx);

}  // namespace
}  // namespace citadel::kernels
