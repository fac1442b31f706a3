// RMSNorm: out = x / sqrt(mean(x^2) + eps) * weight, one row at a time.
//
// Matches the reference engine's arithmetic: the sum of squares accumulates
// in double, the scale is applied before the weight.
//
// Pure functions over caller-owned buffers; thread-safe.
#pragma once

#include <span>

namespace citadel::kernels {

// out[i] = x[i] * (1 / sqrt(mean(x^2) + eps)) * weight[i]. All spans have the
// same length (programmer error otherwise). `out` may alias `x`.
void RmsNorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out);

// Normalises `rows` consecutive rows of `row_length` values in place, each
// with the same weight [row_length] (per-head q/k norms).
void RmsNormRows(float* data, int rows, int row_length, std::span<const float> weight, float eps);

}  // namespace citadel::kernels
