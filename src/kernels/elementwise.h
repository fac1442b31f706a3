// Elementwise vector operations used between the big matrix products.
//
// Pure functions over caller-owned buffers; thread-safe.
#pragma once

#include <span>

namespace citadel::kernels {

// acc[i] += x[i] (the residual connection). Same lengths.
void AddInPlace(std::span<float> acc, std::span<const float> x);

// acc[i] *= x[i]. Same lengths.
void MulInPlace(std::span<float> acc, std::span<const float> x);

// x[i] *= scale.
void ScaleInPlace(std::span<float> x, float scale);

}  // namespace citadel::kernels
