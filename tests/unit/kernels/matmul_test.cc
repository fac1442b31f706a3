// MatMul on realistic data: every SIMD path this CPU runs against the scalar
// reference path, the scalar path against the reference dot products, odd shapes,
// thread counts, validation and scratch reuse.
#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"
#include "kernels/vec_dot.h"
#include "kernels/weight_panels.h"
#include "simd_levels.h"

namespace citadel::kernels {
namespace {

struct Matrix {
  TensorType type;
  std::int64_t rows;
  std::int64_t cols;
  std::vector<std::uint8_t> bytes;
  std::vector<float> dequantized;  // [rows, cols]

  std::shared_ptr<PackedWeight> panels;  // set when the type has a panel layout

  WeightView View(WeightLayout layout = WeightLayout::kRows) const {
    return layout == WeightLayout::kPanels ? panels->view()
                                           : WeightView{type, bytes.data(), rows, cols};
  }
};

// The layouts MatMul accepts for the matrix's type.
std::vector<WeightLayout> Layouts(const Matrix& m) {
  if (m.panels == nullptr) return {WeightLayout::kRows};
  return {WeightLayout::kRows, WeightLayout::kPanels};
}

std::string LayoutName(WeightLayout layout) {
  return layout == WeightLayout::kPanels ? "panels" : "rows";
}

Matrix RandomMatrix(TensorType type, std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(rows * cols);
  for (float& v : values) v = normal(rng);
  Matrix m{type, rows, cols, std::vector<std::uint8_t>(RowBytes(type, cols) * rows),
           std::vector<float>(rows * cols)};
  EXPECT_TRUE(QuantizeTensor(type, values.data(), m.bytes.data(), rows, cols, nullptr).ok());
  for (std::int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(DequantizeRow(type, m.bytes.data() + r * RowBytes(type, cols),
                              m.dequantized.data() + r * cols, cols)
                    .ok());
  }
  if (PanelLayoutSupports(type)) {
    Result<PackedWeight> packed = PackedWeight::Pack(m.View());
    EXPECT_TRUE(packed.ok()) << packed.status().ToString();
    if (packed.ok()) m.panels = std::make_shared<PackedWeight>(std::move(*packed));
  }
  return m;
}

std::vector<float> RandomActivations(std::int64_t tokens, std::int64_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> act(tokens * cols);
  for (float& v : act) v = normal(rng);
  return act;
}

std::vector<float> RunMatMul(SimdLevel level, const Matrix& m, const std::vector<float>& act,
                             std::int64_t tokens, int threads,
                             WeightLayout layout = WeightLayout::kRows) {
  ThreadPool pool(threads);
  MatMulScratch scratch;
  std::vector<float> out(tokens * m.rows, NAN);
  MatMulAtLevel(level, m.View(layout), act.data(), tokens, out.data(), pool, scratch);
  return out;
}

// Tolerance of a dot product whose terms differ only in float summation
// order: relative to the sum of the terms' magnitudes.
float Tolerance(const Matrix& m, const std::vector<float>& act, std::int64_t t, std::int64_t r) {
  double magnitude = 0;
  for (std::int64_t k = 0; k < m.cols; ++k) {
    magnitude += std::fabs(m.dequantized[r * m.cols + k] * act[t * m.cols + k]);
  }
  return static_cast<float>(2e-5 * magnitude + 1e-6);
}

// Every weight type MatMul accepts; a path without a kernel for a type falls
// back to a lower one, so each type is checked on every path it has.
constexpr TensorType kFastTypes[] = {
    TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0,
    TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K,
    TensorType::kBF16, TensorType::kF16,  TensorType::kF32};

std::int64_t OddCols(TensorType type) {
  // An odd number of blocks exercises the paths' tail handling.
  return Traits(type).block_elements == 256 ? 3 * 256 : (type == TensorType::kF32 ? 83 : 7 * 32);
}

TEST(MatMulTest, ScalarPathEqualsReferenceDotProducts) {
  for (TensorType type :
       {TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
        TensorType::kQ8_0, TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
        TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kF16, TensorType::kF32}) {
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    const std::int64_t cols = 512, rows = 5, tokens = 3;
    Matrix m = RandomMatrix(type, rows, cols, 1);
    std::vector<float> act = RandomActivations(tokens, cols, 2);
    std::vector<float> out = RunMatMul(SimdLevel::kScalar, m, act, tokens, 2);
    VecDotKind dot = ScalarVecDot(type);
    std::vector<std::uint8_t> quantized(RowBytes(dot.act_type, cols));
    for (std::int64_t t = 0; t < tokens; ++t) {
      QuantizeActivationForMatMul(dot.act_type, act.data() + t * cols, quantized.data(), cols);
      for (std::int64_t r = 0; r < rows; ++r) {
        float expected = dot.fn(cols, m.bytes.data() + r * RowBytes(type, cols), quantized.data());
        EXPECT_EQ(out[t * rows + r], expected) << "t=" << t << " r=" << r;
      }
    }
  }
}

TEST(MatMulTest, ScalarPathApproximatesFloatProduct) {
  // Guards the plumbing (indexing of rows and tokens) independently of vec_dot.
  Matrix m = RandomMatrix(TensorType::kQ8_0, 9, 256, 3);
  std::vector<float> act = RandomActivations(4, 256, 4);
  std::vector<float> out = RunMatMul(SimdLevel::kScalar, m, act, 4, 3);
  for (std::int64_t t = 0; t < 4; ++t) {
    for (std::int64_t r = 0; r < 9; ++r) {
      double exact = 0;
      for (std::int64_t k = 0; k < 256; ++k) exact += m.dequantized[r * 256 + k] * act[t * 256 + k];
      EXPECT_NEAR(out[t * 9 + r], exact, 0.02 * Tolerance(m, act, t, r) / 2e-5);
    }
  }
}

// Each test below runs once per path (kernels tests/simd_levels.h) and is
// skipped, saying why, on a path this CPU cannot run.
class MatMulPathTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(MatMulPathTest, MatchesScalarOnOddShapes) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  constexpr std::int64_t kMaxTokens = 40;  // above 16: the AMX tiles with a partial tile
  for (TensorType type : kFastTypes) {
    for (std::int64_t rows : {1, 19, 67}) {
      const std::int64_t cols = OddCols(type);
      Matrix m = RandomMatrix(type, rows, cols, static_cast<std::uint32_t>(rows * 31));
      std::vector<float> act = RandomActivations(kMaxTokens, cols, 7);
      // A token's result does not depend on the batch (tested below), so the
      // reference for the first t tokens is a prefix of this one.
      std::vector<float> ref = RunMatMul(SimdLevel::kScalar, m, act, kMaxTokens, 1);
      std::vector<float> tolerance(kMaxTokens * rows);
      for (std::int64_t t = 0; t < kMaxTokens; ++t) {
        for (std::int64_t r = 0; r < rows; ++r) tolerance[t * rows + r] = Tolerance(m, act, t, r);
      }
      for (WeightLayout layout : Layouts(m)) {
        // The scalar path on rows is the reference itself.
        if (level == SimdLevel::kScalar && layout == WeightLayout::kRows) continue;
        for (std::int64_t tokens : {1, 2, 3, 4, 5, 7, 8, 9, 17, 40}) {
          SCOPED_TRACE(std::string(TensorTypeName(type)) + " " + LayoutName(layout) +
                       " rows=" + std::to_string(rows) + " tokens=" + std::to_string(tokens));
          std::vector<float> got = RunMatMul(level, m, act, tokens, 3, layout);
          for (std::int64_t t = 0; t < tokens; ++t) {
            for (std::int64_t r = 0; r < rows; ++r) {
              ASSERT_NEAR(got[t * rows + r], ref[t * rows + r], tolerance[t * rows + r])
                  << "t=" << t << " r=" << r;
            }
          }
        }
      }
    }
  }
}

TEST(MatMulTest, ResultDoesNotDependOnThreadCount) {
  for (TensorType type : kFastTypes) {
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    Matrix m = RandomMatrix(type, 53, 512, 11);
    std::vector<float> act = RandomActivations(9, 512, 12);
    for (WeightLayout layout : Layouts(m)) {
      std::vector<float> one = RunMatMul(SelectedSimdLevel(), m, act, 9, 1, layout);
      for (int threads : {2, 3, 4})
        EXPECT_EQ(RunMatMul(SelectedSimdLevel(), m, act, 9, threads, layout), one);
    }
  }
}

TEST_P(MatMulPathTest, TokenResultDoesNotDependOnBatch) {
  // A token's outputs are bit-identical alone or batched with any number of
  // other tokens (greedy output must not change with batching; the AMX path
  // switches from VNNI to partial and then full tiles).
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  for (TensorType type : kFastTypes) {
    Matrix m = RandomMatrix(type, 37, 512, 13);
    std::vector<float> act = RandomActivations(40, 512, 14);
    std::vector<float> alone(act.begin() + 5 * 512, act.begin() + 6 * 512);
    for (WeightLayout layout : Layouts(m)) {
      SCOPED_TRACE(std::string(TensorTypeName(type)) + " " + LayoutName(layout));
      std::vector<float> single = RunMatMul(level, m, alone, 1, 2, layout);
      for (std::int64_t tokens : {6, 8, 9, 15, 16, 17, 40}) {
        std::vector<float> batched = RunMatMul(level, m, act, tokens, 2, layout);
        for (std::int64_t r = 0; r < 37; ++r) {
          ASSERT_EQ(single[r], batched[5 * 37 + r]) << "tokens=" << tokens << " r=" << r;
        }
      }
    }
  }
}

// q/k/v and gate/up are fused this way in the model: each output must be
// exactly what its own MatMul gives, whether the targets share a prepared
// layout (Q4_K and Q6_K panels) or not (Q4_0, Q8_0, F16), on every path,
// and whatever the thread count.
TEST_P(MatMulPathTest, SharedActivationsGiveEachTargetsOwnResult) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  constexpr std::int64_t kCols = 512, kMaxTokens = 40;
  const std::vector<std::vector<std::pair<TensorType, std::int64_t>>> groups = {
      {{TensorType::kQ4_K, 67}, {TensorType::kQ6_K, 16}, {TensorType::kQ4_K, 33}},
      {{TensorType::kQ4_0, 19},
       {TensorType::kQ8_0, 48},
       {TensorType::kF16, 5},
       {TensorType::kQ4_0, 1}}};
  std::vector<float> act = RandomActivations(kMaxTokens, kCols, 11);
  for (const auto& group : groups) {
    std::vector<Matrix> matrices;
    for (const auto& [type, rows] : group) {
      matrices.push_back(RandomMatrix(type, rows, kCols, static_cast<std::uint32_t>(rows)));
    }
    for (int threads : {1, 3}) {
      for (std::int64_t tokens : {1, 5, 17, 40}) {
        SCOPED_TRACE(std::string(SimdLevelName(level)) + " threads=" + std::to_string(threads) +
                     " tokens=" + std::to_string(tokens));
        ThreadPool pool(threads);
        MatMulScratch scratch;
        std::vector<std::vector<float>> shared(matrices.size());
        std::vector<MatMulTarget> targets;
        for (std::size_t i = 0; i < matrices.size(); ++i) {
          const bool panels = matrices[i].panels != nullptr && i % 2 == 0;
          shared[i].assign(tokens * matrices[i].rows, NAN);
          targets.push_back({matrices[i].View(panels ? WeightLayout::kPanels : WeightLayout::kRows),
                             shared[i].data()});
        }
        MatMulSharedAtLevel(level, targets, act.data(), tokens, pool, scratch);
        for (std::size_t i = 0; i < matrices.size(); ++i) {
          std::vector<float> alone(tokens * matrices[i].rows, NAN);
          MatMulAtLevel(level, targets[i].weight, act.data(), tokens, alone.data(), pool, scratch);
          EXPECT_EQ(shared[i], alone) << "target " << i;
        }
      }
    }
  }
}

CITADEL_INSTANTIATE_FOR_LEVELS(MatMulPathTest, SimdLevel::kScalar, SimdLevel::kAvx2,
                               SimdLevel::kAvxVnni, SimdLevel::kAvx512, SimdLevel::kAmx);

TEST(MatMulTest, SteadyStateReusesScratch) {
  Matrix m = RandomMatrix(TensorType::kQ4_0, 32, 256, 5);
  std::vector<float> act = RandomActivations(8, 256, 6);
  std::vector<float> out(8 * 32);
  ThreadPool pool(2);
  MatMulScratch scratch;
  MatMul(m.View(), act.data(), 8, out.data(), pool, scratch);
  const std::size_t capacity = scratch.capacity_bytes();
  const std::uint8_t* buffer = scratch.Get(1);
  EXPECT_GT(capacity, 0u);
  for (std::int64_t tokens : {8, 1, 5}) {
    MatMul(m.View(), act.data(), tokens, out.data(), pool, scratch);
    EXPECT_EQ(scratch.capacity_bytes(), capacity);
    EXPECT_EQ(scratch.Get(1), buffer);
  }
}

TEST(MatMulTest, ValidateWeightRejectsBadViews) {
  std::vector<std::uint8_t> data(4096);
  EXPECT_TRUE(ValidateWeight({TensorType::kQ4_0, data.data(), 4, 64}).ok());
  EXPECT_FALSE(ValidateWeight({TensorType::kQ4_0, data.data(), 4, 48}).ok());
  EXPECT_FALSE(ValidateWeight({TensorType::kQ4_K, data.data(), 4, 128}).ok());
  EXPECT_FALSE(ValidateWeight({TensorType::kQ4_0, data.data(), 0, 64}).ok());
  EXPECT_FALSE(ValidateWeight({TensorType::kQ4_0, nullptr, 4, 64}).ok());
  EXPECT_FALSE(ValidateWeight({TensorType::kI32, data.data(), 4, 64}).ok());
  EXPECT_FALSE(ValidateWeight({static_cast<TensorType>(77), data.data(), 4, 64}).ok());
  Status status = ValidateWeight({TensorType::kQ6_K, data.data(), 2, 100});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("q6_K"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace citadel::kernels
