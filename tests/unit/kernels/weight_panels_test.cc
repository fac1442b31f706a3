// The panel layout: packing keeps every byte of every row, the scalar panel
// path equals the scalar row path bit for bit, and what has no panel layout
// is refused. (MatMul on panels at every SIMD level: matmul_test.cc.)
#include "kernels/weight_panels.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/quantize.h"

namespace citadel::kernels {
namespace {

std::vector<std::uint8_t> RandomRows(TensorType type, std::int64_t rows, std::int64_t cols,
                                     std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(rows * cols);
  for (float& v : values) v = normal(rng);
  std::vector<std::uint8_t> bytes(RowBytes(type, cols) * rows);
  EXPECT_TRUE(QuantizeTensor(type, values.data(), bytes.data(), rows, cols, nullptr).ok());
  return bytes;
}

TEST(WeightPanelsTest, PackingKeepsEveryRowByteForByte) {
  for (TensorType type : {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                          TensorType::kQ5_K, TensorType::kQ6_K}) {
    for (std::int64_t rows : {1, 16, 37}) {
      SCOPED_TRACE(std::string(TensorTypeName(type)) + " rows=" + std::to_string(rows));
      const std::int64_t cols = 5 * Traits(type).block_elements;
      std::vector<std::uint8_t> bytes = RandomRows(type, rows, cols, 3);
      Result<PackedWeight> packed = PackedWeight::Pack({type, bytes.data(), rows, cols});
      ASSERT_TRUE(packed.ok()) << packed.status().ToString();
      const WeightView& view = packed->view();
      EXPECT_EQ(view.layout, WeightLayout::kPanels);
      EXPECT_EQ(view.rows, rows);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(view.data) % 64, 0u);
      const std::size_t row_bytes = RowBytes(type, cols);
      std::vector<std::uint8_t> row(row_bytes);
      for (std::int64_t r = 0; r < rows; ++r) {
        UnpackPanelRow(view, r, row.data());
        ASSERT_EQ(0, std::memcmp(row.data(), bytes.data() + r * row_bytes, row_bytes)) << r;
      }
    }
  }
}

TEST(WeightPanelsTest, PanelsCostAtMostOnePaddedPanel) {
  // Streaming panels must not read more than the rows themselves (plus the
  // zero rows of the last panel and cache-line padding).
  for (TensorType type : {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                          TensorType::kQ5_K, TensorType::kQ6_K}) {
    const std::int64_t rows = 2048, cols = 2048;
    const auto row_bytes = static_cast<std::size_t>(RowBytes(type, cols) * rows);
    if (type == TensorType::kQ6_K) {
      // A super-block of 16 rows (3360 bytes) is padded to whole cache lines.
      EXPECT_EQ(PanelBytes(type, rows, cols), row_bytes + (rows / 16) * (cols / 256) * 32);
    } else {
      EXPECT_EQ(PanelBytes(type, rows, cols), row_bytes) << TensorTypeName(type);
    }
    EXPECT_EQ(PanelBytes(type, 17, cols), 2 * PanelStride(type, cols));
  }
}

TEST(WeightPanelsTest, TypesWithoutPanelsAreRefused) {
  std::vector<std::uint8_t> bytes = RandomRows(TensorType::kQ3_K, 16, 256, 5);
  Result<PackedWeight> packed = PackedWeight::Pack({TensorType::kQ3_K, bytes.data(), 16, 256});
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(packed.status().message().find("panel"), std::string::npos);
  const WeightView claimed{TensorType::kQ3_K, bytes.data(), 16, 256, WeightLayout::kPanels};
  EXPECT_FALSE(ValidateWeight(claimed).ok());
  EXPECT_FALSE(PanelLayoutSupports(TensorType::kF16));
}

TEST(WeightPanelsTest, ScalarPanelPathEqualsScalarRowPath) {
  for (TensorType type : {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                          TensorType::kQ5_K, TensorType::kQ6_K}) {
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    const std::int64_t rows = 21, cols = 3 * Traits(type).block_elements, tokens = 3;
    std::vector<std::uint8_t> bytes = RandomRows(type, rows, cols, 7);
    const WeightView row_view{type, bytes.data(), rows, cols};
    Result<PackedWeight> packed = PackedWeight::Pack(row_view);
    ASSERT_TRUE(packed.ok());
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> act(tokens * cols);
    for (float& v : act) v = normal(rng);
    ThreadPool pool(2);
    MatMulScratch scratch;
    std::vector<float> from_rows(tokens * rows), from_panels(tokens * rows);
    MatMulAtLevel(SimdLevel::kScalar, row_view, act.data(), tokens, from_rows.data(), pool,
                  scratch);
    MatMulAtLevel(SimdLevel::kScalar, packed->view(), act.data(), tokens, from_panels.data(), pool,
                  scratch);
    EXPECT_EQ(from_rows, from_panels);
  }
}

}  // namespace
}  // namespace citadel::kernels
