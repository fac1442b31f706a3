#include "kernels/elementwise.h"

#include <cassert>
#include <cstddef>

namespace citadel::kernels {

void AddInPlace(std::span<float> acc, std::span<const float> x) {
  assert(acc.size() == x.size());
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += x[i];
}

void MulInPlace(std::span<float> acc, std::span<const float> x) {
  assert(acc.size() == x.size());
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] *= x[i];
}

void ScaleInPlace(std::span<float> x, float scale) {
  for (float& v : x) v *= scale;
}

}  // namespace citadel::kernels
