#include "kernels/rms_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace citadel::kernels {
namespace {

TEST(RmsNormTest, NormalisesToUnitRootMeanSquareThenScales) {
  const std::vector<float> x = {1.0f, -2.0f, 3.0f, -4.0f};
  const std::vector<float> weight = {1.0f, 2.0f, 0.5f, 1.0f};
  std::vector<float> out(4);
  RmsNorm(x, weight, 0.0f, out);
  const float rms = std::sqrt((1.0f + 4.0f + 9.0f + 16.0f) / 4.0f);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[i], x[i] / rms * weight[i], 1e-6f);
}

TEST(RmsNormTest, EpsilonKeepsZeroInputFinite) {
  const std::vector<float> x(8, 0.0f), weight(8, 1.0f);
  std::vector<float> out(8, 7.0f);
  RmsNorm(x, weight, 1e-5f, out);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(RmsNormTest, RowsAreIndependentAndInPlace) {
  std::vector<float> data = {1.0f, 1.0f, 10.0f, 10.0f};
  const std::vector<float> weight = {1.0f, 1.0f};
  RmsNormRows(data.data(), 2, 2, weight, 0.0f);
  for (float v : data) EXPECT_NEAR(v, 1.0f, 1e-6f);
}

}  // namespace
}  // namespace citadel::kernels
