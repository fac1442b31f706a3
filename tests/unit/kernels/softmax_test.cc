#include "kernels/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace citadel::kernels {
namespace {

TEST(SoftmaxTest, SumsToOneAndKeepsOrder) {
  std::vector<float> x = {1.0f, 3.0f, 2.0f};
  EXPECT_EQ(Softmax(x), 3.0f);
  const float z = std::exp(1.0f) + std::exp(3.0f) + std::exp(2.0f);
  EXPECT_NEAR(x[0], std::exp(1.0f) / z, 1e-6f);
  EXPECT_NEAR(x[1], std::exp(3.0f) / z, 1e-6f);
  EXPECT_NEAR(x[2], std::exp(2.0f) / z, 1e-6f);
}

TEST(SoftmaxTest, LargeValuesDoNotOverflow) {
  std::vector<float> x = {1000.0f, 1000.0f};
  Softmax(x);
  EXPECT_FLOAT_EQ(x[0], 0.5f);
  EXPECT_FLOAT_EQ(x[1], 0.5f);
}

TEST(SoftmaxTest, MinusInfinityGetsZeroWeight) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf, 0.0f};
  Softmax(x);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[1], 1.0f);
}

TEST(SoftmaxTest, LogSumExpIsStable) {
  const std::vector<float> x = {1000.0f, 1000.0f};
  EXPECT_NEAR(LogSumExp(x), 1000.0f + std::log(2.0f), 1e-3f);
}

}  // namespace
}  // namespace citadel::kernels
