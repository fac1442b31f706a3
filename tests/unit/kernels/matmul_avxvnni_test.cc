// The AVX-VNNI MatMul path (matmul_avxvnni.cc) against the AVX2 path: the
// integer sums are exact on both and the float code is shared, so every
// output must be bit-identical — on random weight bytes, on the extreme
// quants that would overflow an int16 step, and on shapes with odd block
// counts, partial tiles and more tokens than one token block.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/block_formats.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "kernels/matmul_kernels.h"
#include "util/thread_pool.h"

namespace citadel::kernels {
namespace {

constexpr TensorType kVnniTypes[] = {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                                     TensorType::kQ6_K};

bool CpuRunsAvxVnni() {
  return DetectCpuFeatures().avx_vnni && MaxSupportedSimdLevel() >= SimdLevel::kAvx2;
}

// F16 bits of a positive scale between 2^-9 and 2^-1 (finite, normal).
std::uint16_t RandomScale(std::mt19937& rng) {
  return static_cast<std::uint16_t>(0x1800 + rng() % 0x2000);
}

void PutScale(std::uint8_t* p, std::uint16_t bits) {
  std::memcpy(p, &bits, 2);
}

// Weight rows of random bytes (every quant, sub-block scale and min a valid
// format can hold), with finite block scales. `extreme`: every quant at the
// end of its range (Q4: 15, Q6_K: 63, Q8_0: -128) and Q6_K scales at -128.
std::vector<std::uint8_t> Weights(TensorType type, std::int64_t rows, std::int64_t cols,
                                  bool extreme, std::mt19937& rng) {
  const std::int64_t blocks = rows * cols / Traits(type).block_elements;
  std::vector<std::uint8_t> bytes(RowBytes(type, cols) * rows);
  for (std::uint8_t& b : bytes) b = extreme ? 0xFF : static_cast<std::uint8_t>(rng());
  for (std::int64_t i = 0; i < blocks; ++i) {
    switch (type) {
      case TensorType::kQ4_0:
        PutScale(bytes.data() + i * sizeof(BlockQ4_0), RandomScale(rng));
        break;
      case TensorType::kQ8_0: {
        auto* b = reinterpret_cast<BlockQ8_0*>(bytes.data()) + i;
        PutScale(reinterpret_cast<std::uint8_t*>(&b->d), RandomScale(rng));
        if (extreme) std::memset(b->qs, 0x80, sizeof(b->qs));
        break;
      }
      case TensorType::kQ4_K: {
        auto* b = reinterpret_cast<BlockQ4_K*>(bytes.data()) + i;
        PutScale(reinterpret_cast<std::uint8_t*>(&b->d), RandomScale(rng));
        PutScale(reinterpret_cast<std::uint8_t*>(&b->dmin), RandomScale(rng));
        break;
      }
      case TensorType::kQ6_K: {
        auto* b = reinterpret_cast<BlockQ6_K*>(bytes.data()) + i;
        PutScale(reinterpret_cast<std::uint8_t*>(&b->d), RandomScale(rng));
        if (extreme) std::memset(b->scales, 0x80, sizeof(b->scales));
        break;
      }
      default:
        ADD_FAILURE() << "no weights for " << TensorTypeName(type);
    }
  }
  return bytes;
}

// Normal activations; `extreme`: every element +-3 with the sign flipping
// every 32 elements, so every activation quant is +-127 and each sum of 4
// products is as large as the weights allow.
std::vector<float> Activations(std::int64_t tokens, std::int64_t cols, bool extreme,
                               std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<float> act(tokens * cols);
  for (std::size_t i = 0; i < act.size(); ++i) {
    act[i] = extreme ? (((i / 32) & 1) ? -3.0f : 3.0f) : normal(rng);
  }
  return act;
}

std::vector<float> Run(SimdLevel level, const WeightView& w, const std::vector<float>& act,
                       std::int64_t tokens) {
  ThreadPool pool(2);
  MatMulScratch scratch;
  std::vector<float> out(tokens * w.rows, NAN);
  MatMulAtLevel(level, w, act.data(), tokens, out.data(), pool, scratch);
  return out;
}

void ExpectBitIdentical(TensorType type, std::int64_t rows, std::int64_t cols, bool extreme,
                        std::mt19937& rng) {
  constexpr std::int64_t kMaxTokens = 70;  // beyond one kTokenBlock (64)
  std::vector<std::uint8_t> weights = Weights(type, rows, cols, extreme, rng);
  std::vector<float> act = Activations(kMaxTokens, cols, extreme, rng);
  const WeightView w{type, weights.data(), rows, cols};
  for (std::int64_t tokens : {1, 2, 3, 4, 5, 7, 8, 9, 17, 70}) {
    SCOPED_TRACE(std::string(TensorTypeName(type)) + " rows=" + std::to_string(rows) +
                 " cols=" + std::to_string(cols) + " tokens=" + std::to_string(tokens) +
                 (extreme ? " extreme" : ""));
    std::vector<float> avx2 = Run(SimdLevel::kAvx2, w, act, tokens);
    std::vector<float> vnni = Run(SimdLevel::kAvxVnni, w, act, tokens);
    for (std::int64_t i = 0; i < tokens * rows; ++i) {
      ASSERT_TRUE(std::isfinite(avx2[i])) << "i=" << i;
      // Bit for bit: EXPECT_EQ on floats would also accept -0 == +0.
      ASSERT_EQ(std::memcmp(&vnni[i], &avx2[i], sizeof(float)), 0)
          << "i=" << i << " avx-vnni=" << vnni[i] << " avx2=" << avx2[i];
    }
  }
}

TEST(MatMulAvxVnniTest, HasAKernelForEachIntegerRowType) {
  for (TensorType type : kVnniTypes) {
    EXPECT_NE(internal::AvxVnniKernels(type), nullptr) << TensorTypeName(type);
    EXPECT_NE(internal::AvxVnniKernels(type), internal::Avx2Kernels(type)) << TensorTypeName(type);
  }
  // Float weights stay on the AVX2 tables.
  EXPECT_EQ(internal::AvxVnniKernels(TensorType::kF32), nullptr);
  EXPECT_EQ(internal::AvxVnniKernels(TensorType::kF16), nullptr);
}

TEST(MatMulAvxVnniTest, BitIdenticalToAvx2OnOddShapes) {
  if (!CpuRunsAvxVnni()) GTEST_SKIP() << "this CPU has no AVX-VNNI: the path cannot run here";
  std::mt19937 rng(2024);
  for (TensorType type : kVnniTypes) {
    const bool k_quant = Traits(type).block_elements == 256;
    for (std::int64_t rows : {1, 19, 67}) {
      for (std::int64_t cols : k_quant ? std::vector<std::int64_t>{256, 3 * 256, 11 * 256}
                                       : std::vector<std::int64_t>{32, 7 * 32, 45 * 32}) {
        ExpectBitIdentical(type, rows, cols, /*extreme=*/false, rng);
      }
    }
  }
}

TEST(MatMulAvxVnniTest, BitIdenticalToAvx2AtTheEndsOfTheQuantRanges) {
  if (!CpuRunsAvxVnni()) GTEST_SKIP() << "this CPU has no AVX-VNNI: the path cannot run here";
  std::mt19937 rng(7);
  for (TensorType type : kVnniTypes) {
    const std::int64_t cols = Traits(type).block_elements == 256 ? 3 * 256 : 7 * 32;
    ExpectBitIdentical(type, 19, cols, /*extreme=*/true, rng);
  }
}

}  // namespace
}  // namespace citadel::kernels
