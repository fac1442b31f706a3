#include "kernels/softmax.h"

#include <cmath>
#include <limits>

namespace citadel::kernels {

float Softmax(std::span<float> x) {
  float max_value = -std::numeric_limits<float>::infinity();
  for (float v : x) max_value = v > max_value ? v : max_value;
  if (x.empty() || max_value == -std::numeric_limits<float>::infinity()) return max_value;
  double sum = 0.0;
  for (float& v : x) {
    v = std::exp(v - max_value);
    sum += v;
  }
  const float inv_sum = static_cast<float>(1.0 / sum);
  for (float& v : x) v *= inv_sum;
  return max_value;
}

float LogSumExp(std::span<const float> x) {
  float max_value = -std::numeric_limits<float>::infinity();
  for (float v : x) max_value = v > max_value ? v : max_value;
  if (max_value == -std::numeric_limits<float>::infinity()) return max_value;
  double sum = 0.0;
  for (float v : x) sum += std::exp(static_cast<double>(v - max_value));
  return max_value + static_cast<float>(std::log(sum));
}

}  // namespace citadel::kernels
