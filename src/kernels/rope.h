// Rotary position embedding (RoPE), normal (adjacent pairs, llama) and NeoX
// (pairs split by half the rotated dimensions, qwen2/qwen3) layouts, with
// optional per-frequency factors (the llama3 scaling ships them as the
// `rope_freqs.weight` tensor).
//
// theta_i = position * base^(-2i/n_dims) computed exactly as the reference
// engine does (iterated float products), then divided by the factor and
// multiplied by freq_scale.
//
// Pure functions over caller-owned buffers; thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace citadel::kernels {

struct RopeConfig {
  int n_dims = 0;  // rotated dimensions per head (even, <= head_dim)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // 1 / linear scaling factor
  bool neox = false;                    // pairs (i, i + n_dims/2) instead of (2i, 2i+1)
  std::span<const float> freq_factors;  // empty or [n_dims / 2]
};

// Fills cos_sin [n_dims] with (cos, sin) pairs of each frequency at `position`.
void RopeCache(const RopeConfig& config, std::int64_t position, std::span<float> cos_sin);

// Rotates `heads` consecutive heads of `head_dim` values in place using a
// cache from RopeCache for the token's position. Dimensions past n_dims are
// left as they are.
void ApplyRope(const RopeConfig& config, std::span<const float> cos_sin, float* data, int heads,
               int head_dim);

}  // namespace citadel::kernels
