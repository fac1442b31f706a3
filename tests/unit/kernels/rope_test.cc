#include "kernels/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace citadel::kernels {
namespace {

TEST(RopeTest, PositionZeroIsIdentity) {
  RopeConfig config{.n_dims = 4};
  std::vector<float> cache(4);
  RopeCache(config, 0, cache);
  std::vector<float> head = {1.0f, 2.0f, 3.0f, 4.0f};
  ApplyRope(config, cache, head.data(), 1, 4);
  EXPECT_EQ(head, (std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}));
}

TEST(RopeTest, NormalLayoutRotatesAdjacentPairs) {
  RopeConfig config{.n_dims = 4, .freq_base = 10000.0f};
  std::vector<float> cache(4);
  RopeCache(config, 3, cache);
  std::vector<float> head = {1.0f, 0.0f, 1.0f, 0.0f};
  ApplyRope(config, cache, head.data(), 1, 4);
  // Pair 0 turns by 3 rad, pair 1 by 3 * 10000^(-1/2) rad.
  EXPECT_NEAR(head[0], std::cos(3.0f), 1e-6f);
  EXPECT_NEAR(head[1], std::sin(3.0f), 1e-6f);
  EXPECT_NEAR(head[2], std::cos(0.03f), 1e-6f);
  EXPECT_NEAR(head[3], std::sin(0.03f), 1e-6f);
}

TEST(RopeTest, NeoxLayoutPairsHalves) {
  RopeConfig config{.n_dims = 4, .freq_base = 10000.0f, .neox = true};
  std::vector<float> cache(4);
  RopeCache(config, 3, cache);
  std::vector<float> head = {1.0f, 1.0f, 0.0f, 0.0f};
  ApplyRope(config, cache, head.data(), 1, 4);
  EXPECT_NEAR(head[0], std::cos(3.0f), 1e-6f);
  EXPECT_NEAR(head[2], std::sin(3.0f), 1e-6f);
  EXPECT_NEAR(head[1], std::cos(0.03f), 1e-6f);
  EXPECT_NEAR(head[3], std::sin(0.03f), 1e-6f);
}

TEST(RopeTest, FreqFactorsDivideTheAngleAndTailIsUntouched) {
  const std::vector<float> factors = {2.0f};
  RopeConfig config{.n_dims = 2, .freq_factors = factors};
  std::vector<float> cache(2);
  RopeCache(config, 4, cache);
  std::vector<float> head = {1.0f, 0.0f, 5.0f, 6.0f};
  ApplyRope(config, cache, head.data(), 1, 4);
  EXPECT_NEAR(head[0], std::cos(2.0f), 1e-6f);
  EXPECT_NEAR(head[1], std::sin(2.0f), 1e-6f);
  EXPECT_EQ(head[2], 5.0f);
  EXPECT_EQ(head[3], 6.0f);
}

TEST(RopeTest, PreservesNorm) {
  RopeConfig config{.n_dims = 8, .freq_base = 500000.0f, .neox = true};
  std::vector<float> cache(8);
  RopeCache(config, 1234, cache);
  std::vector<float> head = {0.5f, -1.0f, 2.0f, 0.25f, -3.0f, 1.5f, 0.0f, 4.0f};
  float before = 0, after = 0;
  for (float v : head) before += v * v;
  ApplyRope(config, cache, head.data(), 1, 8);
  for (float v : head) after += v * v;
  EXPECT_NEAR(before, after, 1e-4f);
}

}  // namespace
}  // namespace citadel::kernels
