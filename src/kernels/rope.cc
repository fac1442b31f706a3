#include "kernels/rope.h"

#include <cassert>
#include <cmath>

namespace citadel::kernels {

void RopeCache(const RopeConfig& config, std::int64_t position, std::span<float> cos_sin) {
  assert(static_cast<int>(cos_sin.size()) >= config.n_dims);
  const float theta_scale = std::pow(config.freq_base, -2.0f / static_cast<float>(config.n_dims));
  float theta = static_cast<float>(position);
  for (int i0 = 0; i0 < config.n_dims; i0 += 2) {
    const float factor = config.freq_factors.empty() ? 1.0f : config.freq_factors[i0 / 2];
    const float angle = config.freq_scale * (theta / factor);
    cos_sin[i0] = std::cos(angle);
    cos_sin[i0 + 1] = std::sin(angle);
    theta *= theta_scale;
  }
}

void ApplyRope(const RopeConfig& config, std::span<const float> cos_sin, float* data, int heads,
               int head_dim) {
  const int n_dims = config.n_dims;
  // Normal: pair (i0, i0 + 1). NeoX: pair (i0/2, i0/2 + n_dims/2).
  const int pair_offset = config.neox ? n_dims / 2 : 1;
  for (int head_idx = 0; head_idx < heads; ++head_idx) {
    float* head = data + static_cast<std::ptrdiff_t>(head_idx) * head_dim;
    for (int i0 = 0; i0 < n_dims; i0 += 2) {
      const int first = config.neox ? i0 / 2 : i0;
      const float cos_theta = cos_sin[i0];
      const float sin_theta = cos_sin[i0 + 1];
      const float x0 = head[first];
      const float x1 = head[first + pair_offset];
      head[first] = x0 * cos_theta - x1 * sin_theta;
      head[first + pair_offset] = x0 * sin_theta + x1 * cos_theta;
    }
  }
}

}  // namespace citadel::kernels
