#include "kernels/rms_norm.h"

#include <cassert>
#include <cmath>
#include <cstddef>

namespace citadel::kernels {

void RmsNorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out) {
  assert(x.size() == weight.size() && x.size() == out.size());
  const std::size_t n = x.size();
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += static_cast<double>(x[i] * x[i]);
  }
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = (x[i] * scale) * weight[i];
  }
}

void RmsNormRows(float* data, int rows, int row_length, std::span<const float> weight, float eps) {
  for (int row_idx = 0; row_idx < rows; ++row_idx) {
    std::span<float> row(data + static_cast<std::ptrdiff_t>(row_idx) * row_length,
                         static_cast<std::size_t>(row_length));
    RmsNorm(row, weight, eps, row);
  }
}

}  // namespace citadel::kernels
