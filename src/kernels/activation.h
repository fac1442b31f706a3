// Feed-forward activations.
//
// Pure functions over caller-owned buffers; thread-safe.
#pragma once

#include <span>

namespace citadel::kernels {

// out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + exp(-x)). `out` may
// alias either input. All spans have the same length.
void SiluMul(std::span<const float> gate, std::span<const float> up, std::span<float> out);

// out[i] = gelu(gate[i]) * up[i] with the tanh approximation.
void GeluMul(std::span<const float> gate, std::span<const float> up, std::span<float> out);

// x[i] = gelu(x[i]) (tanh approximation), in place.
void Gelu(std::span<float> x);

}  // namespace citadel::kernels
