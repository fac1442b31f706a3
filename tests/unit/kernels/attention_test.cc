#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/fp16.h"

namespace citadel::kernels {
namespace {

// Two blocks of 2 positions, 2 KV heads of dim 2; the sequence's block table
// is {1, 0} (positions 0-1 in block 1, 2-3 in block 0).
struct PagedFixture {
  static constexpr int kBlockSize = 2, kKvHeads = 2, kHeadDim = 2, kBlocks = 2;
  std::vector<Half> keys = std::vector<Half>(kBlocks * kBlockSize * kKvHeads * kHeadDim);
  std::vector<Half> values = keys;
  std::vector<std::int32_t> table = {1, 0};

  void Set(int position, int kv_head, std::vector<float> key, std::vector<float> value) {
    const int block = table[position / kBlockSize];
    const int offset =
        ((block * kBlockSize + position % kBlockSize) * kKvHeads + kv_head) * kHeadDim;
    for (int d = 0; d < kHeadDim; ++d) {
      keys[offset + d] = F32ToF16(key[d]);
      values[offset + d] = F32ToF16(value[d]);
    }
  }
  PagedKvView View() const { return {keys.data(), values.data(), kBlockSize, kKvHeads, kHeadDim}; }
};

TEST(AttentionTest, MatchesDenseSoftmaxOverPagedPositions) {
  PagedFixture f;
  const std::vector<std::vector<float>> k = {{1, 0}, {0, 1}, {1, 1}};
  const std::vector<std::vector<float>> v = {{1, 2}, {3, 4}, {5, 6}};
  for (int p = 0; p < 3; ++p) {
    f.Set(p, 1, k[p], v[p]);
    f.Set(p, 0, {9, 9}, {-9, -9});  // the other head must not leak in
  }
  const std::vector<float> q = {0.5f, 2.0f};
  std::vector<float> scores(8), out(2);
  AttendHead(q, f.View(), 1, f.table, 3, 0.5f, AttentionScratch{scores}, out);
  std::vector<float> w(3);
  float z = 0;
  for (int p = 0; p < 3; ++p) z += (w[p] = std::exp(0.5f * (q[0] * k[p][0] + q[1] * k[p][1])));
  for (int d = 0; d < 2; ++d) {
    float expected = 0;
    for (int p = 0; p < 3; ++p) expected += w[p] / z * v[p][d];
    EXPECT_NEAR(out[d], expected, 1e-5f);
  }
}

TEST(AttentionTest, SinglePositionReturnsItsValue) {
  PagedFixture f;
  f.Set(0, 0, {3, -1}, {0.25f, -7});
  std::vector<float> scores(4), out(2);
  AttendHead(std::vector<float>{1, 1}, f.View(), 0, f.table, 1, 1.0f, AttentionScratch{scores},
             out);
  EXPECT_FLOAT_EQ(out[0], 0.25f);
  EXPECT_FLOAT_EQ(out[1], -7.0f);
}

TEST(AttentionTest, SimdPathsMatchTheScalarReference) {
  // 3 blocks of 4 positions, 2 KV heads of dim 40 (not a multiple of 16).
  constexpr int kBlockSize = 4, kKvHeads = 2, kHeadDim = 40, kBlocks = 3;
  std::vector<Half> keys(kBlocks * kBlockSize * kKvHeads * kHeadDim), values(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i] = F32ToF16(std::sin(0.37f * static_cast<float>(i)));
    values[i] = F32ToF16(std::cos(0.11f * static_cast<float>(i)));
  }
  const PagedKvView view{keys.data(), values.data(), kBlockSize, kKvHeads, kHeadDim};
  const std::vector<std::int32_t> table = {2, 0, 1};
  std::vector<float> q(kHeadDim);
  for (int d = 0; d < kHeadDim; ++d) q[d] = 0.05f * static_cast<float>(d % 7) - 0.1f;
  std::vector<float> scores(16), expected(kHeadDim), got(kHeadDim);
  for (int context = 1; context <= 11; ++context) {
    AttendHeadAtLevel(SimdLevel::kScalar, q, view, 1, table, context, 0.3f, {scores}, expected);
    for (SimdLevel level : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
      AttendHeadAtLevel(level, q, view, 1, table, context, 0.3f, {scores}, got);
      for (int d = 0; d < kHeadDim; ++d) ASSERT_NEAR(got[d], expected[d], 1e-5f) << context;
    }
  }
}

}  // namespace
}  // namespace citadel::kernels
