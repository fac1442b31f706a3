#include "kernels/activation.h"

#include <cassert>
#include <cmath>
#include <cstddef>

namespace citadel::kernels {
namespace {

inline float SiluScalar(float x) {
  return x / (1.0f + std::exp(-x));
}

inline float GeluScalar(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoef * x * x)));
}

}  // namespace

void SiluMul(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  assert(gate.size() == up.size() && gate.size() == out.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = SiluScalar(gate[i]) * up[i];
}

void GeluMul(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  assert(gate.size() == up.size() && gate.size() == out.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = GeluScalar(gate[i]) * up[i];
}

void Gelu(std::span<float> x) {
  for (float& v : x) v = GeluScalar(v);
}

}  // namespace citadel::kernels
