// The Q2_K / Q3_K / Q5_K row-layout SIMD kernels (matmul_q2k_q3k_q5k_<isa>.cc)
// against the scalar path on blocks matmul_test.cc's quantized normal data
// rarely produces: every quant and scale at its maximum or minimum, raw random
// bytes (every bit pattern of scales, high bits and quants), with activations
// at +-127 after Q8_K quantization. A kernel whose VPMADDUBSW pairs could
// saturate, or that mis-decodes a scale or high bit, fails here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/block_formats.h"
#include "kernels/dequantize.h"
#include "kernels/fp16.h"
#include "kernels/matmul.h"
#include "simd_levels.h"

namespace citadel::kernels {
namespace {

constexpr std::int64_t kRows = 7;
constexpr std::int64_t kCols = 3 * 256;
constexpr std::int64_t kTokens = 9;  // a full AVX-512 tile of 8 plus one

enum class Fill { kZeros, kOnes, kRandom };

// Offsets of the f16 scale d and (0 when the type has none) dmin in a block.
struct ScaleOffsets {
  std::size_t block_bytes;
  std::size_t d;
  std::size_t dmin;
};

ScaleOffsets OffsetsOf(TensorType type) {
  switch (type) {
    case TensorType::kQ2_K:
      return {sizeof(BlockQ2_K), offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)};
    case TensorType::kQ3_K:
      return {sizeof(BlockQ3_K), offsetof(BlockQ3_K, d), 0};
    default:
      return {sizeof(BlockQ5_K), offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)};
  }
}

// A weight matrix whose block bytes are all 0x00, all 0xFF or random, with
// finite f16 scales d (and dmin) varying by block.
std::vector<std::uint8_t> FilledWeights(TensorType type, Fill fill, std::uint32_t seed) {
  const ScaleOffsets off = OffsetsOf(type);
  const std::int64_t blocks = kRows * kCols / 256;
  std::vector<std::uint8_t> bytes(blocks * off.block_bytes);
  std::mt19937 rng(seed);
  for (std::uint8_t& b : bytes) {
    b = fill == Fill::kZeros ? 0x00
                             : (fill == Fill::kOnes ? 0xFF : static_cast<std::uint8_t>(rng()));
  }
  for (std::int64_t i = 0; i < blocks; ++i) {
    std::uint8_t* block = bytes.data() + i * off.block_bytes;
    const Half d = F32ToF16(0.01f * static_cast<float>(1 + i % 5));
    const Half dmin = F32ToF16(0.02f * static_cast<float>(1 + i % 3));
    std::memcpy(block + off.d, &d, sizeof(d));
    if (off.dmin != 0) std::memcpy(block + off.dmin, &dmin, sizeof(dmin));
  }
  return bytes;
}

// Activations: all +1 (Q8_K quants all -127 or 127), alternating +-1, or normal.
std::vector<float> Activations(int pattern) {
  std::vector<float> act(kTokens * kCols);
  std::mt19937 rng(static_cast<std::uint32_t>(pattern));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (std::size_t i = 0; i < act.size(); ++i) {
    act[i] = pattern == 0 ? 1.0f : (pattern == 1 ? (i % 2 == 0 ? 1.0f : -1.0f) : normal(rng));
  }
  return act;
}

std::vector<float> RunAt(SimdLevel level, TensorType type, const std::vector<std::uint8_t>& weights,
                         const std::vector<float>& act) {
  ThreadPool pool(2);
  MatMulScratch scratch;
  std::vector<float> out(kTokens * kRows, NAN);
  MatMulAtLevel(level, WeightView{type, weights.data(), kRows, kCols}, act.data(), kTokens,
                out.data(), pool, scratch);
  return out;
}

// Runs once per SIMD path; skipped, saying why, on a path this CPU cannot run.
class MatMulQ2KQ3KQ5KTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(MatMulQ2KQ3KQ5KTest, ExtremeBlocksMatchScalar) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  for (TensorType type : {TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ5_K}) {
    for (Fill fill : {Fill::kZeros, Fill::kOnes, Fill::kRandom}) {
      const std::vector<std::uint8_t> weights = FilledWeights(type, fill, 5);
      std::vector<float> dequantized(kRows * kCols);
      ASSERT_TRUE(DequantizeRow(type, weights.data(), dequantized.data(), kRows * kCols).ok());
      for (int pattern = 0; pattern < 3; ++pattern) {
        const std::vector<float> act = Activations(pattern);
        const std::vector<float> ref = RunAt(SimdLevel::kScalar, type, weights, act);
        SCOPED_TRACE(std::string(TensorTypeName(type)) + " " + std::string(SimdLevelName(level)) +
                     " fill=" + std::to_string(static_cast<int>(fill)) +
                     " act=" + std::to_string(pattern));
        const std::vector<float> got = RunAt(level, type, weights, act);
        for (std::int64_t t = 0; t < kTokens; ++t) {
          for (std::int64_t r = 0; r < kRows; ++r) {
            double magnitude = 0;
            for (std::int64_t k = 0; k < kCols; ++k) {
              magnitude += std::fabs(dequantized[r * kCols + k] * act[t * kCols + k]);
            }
            ASSERT_NEAR(got[t * kRows + r], ref[t * kRows + r], 2e-5 * magnitude + 1e-6)
                << "t=" << t << " r=" << r;
          }
        }
      }
    }
  }
}

CITADEL_INSTANTIATE_FOR_LEVELS(MatMulQ2KQ3KQ5KTest, SimdLevel::kAvx2, SimdLevel::kAvx512);

}  // namespace
}  // namespace citadel::kernels
