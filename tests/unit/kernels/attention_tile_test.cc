// AttendTile: the same attention as AttendHead for every row of a tile, on
// every path, with F16 and Q8_0 keys and values; and a row's result does not
// depend on which other rows share its tile (batching invariance).
#include "kernels/attention_tile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/fp16.h"
#include "simd_levels.h"

namespace citadel::kernels {
namespace {

// 5 blocks of 8 positions (38 used), 2 KV heads, block table out of order.
struct Cache {
  static constexpr int kBlockSize = 8, kKvHeads = 2, kBlocks = 5;
  KvCacheType type;
  int head_dim;
  std::vector<std::uint8_t> keys, values;
  std::vector<std::int32_t> table = {3, 0, 4, 1, 2};

  Cache(KvCacheType t, int hd) : type(t), head_dim(hd) {
    const std::size_t rows = kBlocks * kBlockSize * kKvHeads;
    keys.resize(rows * KvBytes(type, hd));
    values.resize(keys.size());
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> row(hd);
    for (std::size_t r = 0; r < rows; ++r) {
      for (int pass = 0; pass < 2; ++pass) {
        for (float& x : row) x = normal(rng);
        std::uint8_t* dst = (pass == 0 ? keys : values).data() + r * KvBytes(type, hd);
        if (type == KvCacheType::kF16) {
          for (int d = 0; d < hd; ++d) reinterpret_cast<Half*>(dst)[d] = F32ToF16(row[d]);
        } else {
          EXPECT_TRUE(QuantizeActivationRow(TensorType::kQ8_0, row.data(), dst, hd).ok());
        }
      }
    }
  }
  PagedKvView View() const {
    return {keys.data(), values.data(), kBlockSize, kKvHeads, head_dim, type};
  }
};

std::vector<float> RandomQ(int tokens, int heads, int hd, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  std::vector<float> q(static_cast<std::size_t>(tokens) * heads * hd);
  for (float& x : q) x = normal(rng);
  return q;
}

std::vector<float> RunTile(SimdLevel level, const Cache& c, const std::vector<float>& q, int tokens,
                           int heads, int first_context) {
  std::vector<float> out(q.size(), NAN);
  const AttentionTile tile{q.data(), out.data(), static_cast<std::int64_t>(heads) * c.head_dim,
                           tokens,   heads,      first_context};
  std::vector<float> scratch(AttendTileScratchFloats(tile, c.head_dim));
  AttendTileAtLevel(level, tile, c.View(), 1, c.table, 0.2f, scratch);
  return out;
}

// Each test runs once per path; skipped, saying why, on a path this CPU
// cannot run.
class AttentionTilePathTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(AttentionTilePathTest, EveryRowMatchesAttendHead) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  for (KvCacheType type : {KvCacheType::kF16, KvCacheType::kQ8_0}) {
    for (int hd : {32, 64}) {
      const Cache c(type, hd);
      const int tokens = 5, heads = 3;
      const std::vector<float> q = RandomQ(tokens, heads, hd, 3);
      for (int first_context : {1, 15, 16, 17, 34}) {
        SCOPED_TRACE(std::string(KvCacheTypeName(type)) + " hd=" + std::to_string(hd) +
                     " context=" + std::to_string(first_context) + " " +
                     std::string(SimdLevelName(level)));
        const std::vector<float> got = RunTile(level, c, q, tokens, heads, first_context);
        std::vector<float> scores(64), expected(hd);
        for (int t = 0; t < tokens; ++t) {
          for (int h = 0; h < heads; ++h) {
            const float* qr = q.data() + (t * heads + h) * hd;
            AttendHeadAtLevel(SimdLevel::kScalar, std::span<const float>(qr, hd), c.View(), 1,
                              c.table, first_context + t, 0.2f, {scores}, expected);
            for (int d = 0; d < hd; ++d) {
              ASSERT_NEAR(got[(t * heads + h) * hd + d], expected[d], 2e-5f)
                  << "t=" << t << " h=" << h << " d=" << d;
            }
          }
        }
      }
    }
  }
}

TEST_P(AttentionTilePathTest, ARowsResultDoesNotDependOnItsTileMates) {
  const SimdLevel level = GetParam();
  CITADEL_SKIP_UNLESS_CPU_RUNS(level);
  const Cache c(KvCacheType::kF16, 64);
  const int heads = 4;
  const std::vector<float> q = RandomQ(6, heads, 64, 5);
  SCOPED_TRACE(std::string(SimdLevelName(level)));
  // Token 3 of a 6-token tile starting at context 20 sees 23 positions;
  // alone, as a 1-token tile at context 23, it must give the same bits.
  const std::vector<float> batched = RunTile(level, c, q, 6, heads, 20);
  const std::vector<float> alone_q(q.begin() + 3 * heads * 64, q.begin() + 4 * heads * 64);
  const std::vector<float> alone = RunTile(level, c, alone_q, 1, heads, 23);
  for (int i = 0; i < heads * 64; ++i) ASSERT_EQ(alone[i], batched[3 * heads * 64 + i]) << i;
}

TEST(AttentionTileTest, PreferredOnlyWhereThereIsASimdPath) {
  EXPECT_FALSE(AttendTilePreferred(8));  // not a multiple of 16
  EXPECT_EQ(AttendTilePreferred(64), SelectedSimdLevel() >= SimdLevel::kAvx512);
}

CITADEL_INSTANTIATE_FOR_LEVELS(AttentionTilePathTest, SimdLevel::kScalar, SimdLevel::kAvx512);

}  // namespace
}  // namespace citadel::kernels
