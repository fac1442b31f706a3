// SIMD kernels against the scalar reference on integer-valued data, where
// every block scale is a power of two and every activation block quantizes
// losslessly: all float arithmetic is then exact, so any difference in the
// integer partial sums (nibble order, offsets, mins, scale indexing, tails)
// shows up as an inequality. Runs every path this CPU supports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/block_formats.h"
#include "kernels/fp16.h"
#include "kernels/matmul.h"
#include "kernels/matmul_kernels.h"
#include "simd_levels.h"

namespace citadel::kernels {
namespace {

constexpr Half kOne = 0x3C00;   // 1.0
constexpr Half kHalf = 0x3800;  // 0.5

void RandomBytes(std::mt19937& rng, std::uint8_t* p, std::size_t n, std::uint8_t mask = 0xFF) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(rng()) & mask;
}

// Weights with exact scales (1 or 1/2) and small sub-block scales so every
// sum stays below 2^24.
std::vector<std::uint8_t> ExactWeights(TensorType type, std::int64_t rows, std::int64_t cols,
                                       std::mt19937& rng) {
  const std::int64_t nb = cols / Traits(type).block_elements;
  std::vector<std::uint8_t> bytes(RowBytes(type, cols) * rows);
  for (std::int64_t i = 0; i < rows * nb; ++i) {
    const Half d = (rng() & 1) ? kOne : kHalf;
    switch (type) {
      case TensorType::kQ4_0: {
        auto* b = reinterpret_cast<BlockQ4_0*>(bytes.data()) + i;
        b->d = d;
        RandomBytes(rng, b->qs, sizeof(b->qs));
        break;
      }
      case TensorType::kQ8_0: {
        auto* b = reinterpret_cast<BlockQ8_0*>(bytes.data()) + i;
        b->d = d;
        for (std::int8_t& q : b->qs) q = static_cast<std::int8_t>(int(rng() % 255) - 127);
        break;
      }
      case TensorType::kQ4_K: {
        auto* b = reinterpret_cast<BlockQ4_K*>(bytes.data()) + i;
        b->d = d;
        b->dmin = (rng() & 1) ? kOne : kHalf;
        RandomBytes(rng, b->scales, sizeof(b->scales), 0xC3);  // 6-bit values up to 15
        RandomBytes(rng, b->qs, sizeof(b->qs));
        break;
      }
      case TensorType::kQ6_K: {
        auto* b = reinterpret_cast<BlockQ6_K*>(bytes.data()) + i;
        b->d = d;
        RandomBytes(rng, b->ql, sizeof(b->ql));
        RandomBytes(rng, b->qh, sizeof(b->qh));
        for (std::int8_t& s : b->scales) s = static_cast<std::int8_t>(int(rng() % 9) - 4);
        break;
      }
      case TensorType::kF16: {
        reinterpret_cast<Half*>(bytes.data())[i] = F32ToF16(float(int(rng() % 33) - 16));
        break;
      }
      case TensorType::kF32: {
        reinterpret_cast<float*>(bytes.data())[i] = float(int(rng() % 33) - 16);
        break;
      }
      default:
        ADD_FAILURE() << "no generator for " << TensorTypeName(type);
    }
  }
  return bytes;
}

// Integer activations; each 32-element group holds +-127 so Q8_0 and Q8_K
// quantize them with scale exactly 1.
std::vector<float> ExactActivations(std::int64_t tokens, std::int64_t cols, std::mt19937& rng) {
  std::vector<float> act(tokens * cols);
  for (std::int64_t i = 0; i < tokens * cols; ++i) {
    act[i] = (i % 32 == 5) ? ((rng() & 1) ? 127.0f : -127.0f) : float(int(rng() % 255) - 127);
  }
  return act;
}

// Runs once per SIMD path; skipped, saying why, on a path this CPU cannot run.
class SimdPathTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(SimdPathTest, IntegerPartialSumsAreExact) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  std::mt19937 rng(42);
  for (TensorType type : {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                          TensorType::kQ6_K, TensorType::kF16, TensorType::kF32}) {
    const bool k_quant = Traits(type).block_elements == 256;
    for (std::int64_t cols :
         k_quant ? std::vector<std::int64_t>{256, 512} : std::vector<std::int64_t>{32, 96, 512}) {
      for (std::int64_t tokens :
           {3, 11, 19}) {  // AMX path: VNNI for few tokens, tiles (partial, full)
        const std::int64_t rows = 13;
        std::vector<std::uint8_t> weights = ExactWeights(type, rows, cols, rng);
        std::vector<float> act = ExactActivations(tokens, cols, rng);
        const WeightView view{type, weights.data(), rows, cols};
        ThreadPool pool(2);
        MatMulScratch scratch;
        std::vector<float> ref(tokens * rows);
        MatMulAtLevel(SimdLevel::kScalar, view, act.data(), tokens, ref.data(), pool, scratch);
        SCOPED_TRACE(std::string(TensorTypeName(type)) + " " + std::string(SimdLevelName(level)) +
                     " cols=" + std::to_string(cols) + " tokens=" + std::to_string(tokens));
        std::vector<float> got(tokens * rows);
        MatMulAtLevel(level, view, act.data(), tokens, got.data(), pool, scratch);
        for (std::int64_t i = 0; i < tokens * rows; ++i) ASSERT_EQ(got[i], ref[i]) << "i=" << i;
      }
    }
  }
}

CITADEL_INSTANTIATE_FOR_LEVELS(SimdPathTest, SimdLevel::kAvx2, SimdLevel::kAvxVnni,
                               SimdLevel::kAvx512, SimdLevel::kAmx);

// Rows that stress rounding: random magnitudes, exact .5 ties after
// scaling, zeros, a lone extreme, equal +-max (the first one wins in Q8_K).
std::vector<float> QuantizerRows(std::mt19937& rng) {
  std::vector<float> rows;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int r = 0; r < 2000; ++r) {  // enough rows that last-bit differences show up
    const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 20) - 10);
    for (int i = 0; i < 512; ++i) rows.push_back(normal(rng) * scale);
  }
  for (int i = 0; i < 512; ++i)
    rows.push_back((i % 7 == 0) ? 127.0f : float(int(rng() % 255) - 127) + 0.5f);
  for (int i = 0; i < 512; ++i) rows.push_back(i < 256 ? 0.0f : (i == 300 ? -3.0f : 0.25f));
  for (int i = 0; i < 512; ++i)
    rows.push_back((i % 256 == 17) ? -5.0f : ((i % 256 == 40) ? 5.0f : 1.5f));
  return rows;
}

TEST(SimdTest, Avx512QuantizersAreBitExact) {
  CITADEL_SKIP_UNLESS_CPU_RUNS(SimdLevel::kAvx512);
  std::mt19937 rng(5);
  std::vector<float> rows = QuantizerRows(rng);
  rows.push_back(NAN);  // a non-finite row goes to the scalar code
  rows.resize((rows.size() + 511) / 512 * 512, 1.0f);
  for (std::size_t r = 0; r < rows.size() / 512; ++r) {
    const float* x = rows.data() + r * 512;
    std::vector<BlockQ8_0> a(16), b(16);
    QuantizeRowQ8_0(x, a.data(), 512);
    internal::QuantizeRowQ8_0Avx512(x, b.data(), 512);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(BlockQ8_0) * 16), 0) << "Q8_0 row " << r;
    std::vector<BlockQ8_K> c(2), d(2);
    QuantizeRowQ8_K(x, c.data(), 512);
    internal::QuantizeRowQ8_KAvx512(x, d.data(), 512);
    EXPECT_EQ(std::memcmp(c.data(), d.data(), sizeof(BlockQ8_K) * 2), 0) << "Q8_K row " << r;
  }
}

TEST(SimdTest, SelectedLevelNeverExceedsTheCpu) {
  EXPECT_LE(SelectedSimdLevel(), MaxSupportedSimdLevel());
  const CpuFeatures& f = DetectCpuFeatures();
  if (MaxSupportedSimdLevel() >= SimdLevel::kAvx512) {
    EXPECT_TRUE(f.avx512f && f.avx512bw && f.avx512vnni);
  }
  if (f.amx_usable) {
    EXPECT_TRUE(f.amx_tile && f.amx_int8);
  }
  EXPECT_EQ(MaxSupportedSimdLevel() == SimdLevel::kAmx, f.amx_usable);
}

}  // namespace
}  // namespace citadel::kernels
