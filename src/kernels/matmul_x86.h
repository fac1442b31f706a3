// Internal to the x86 MatMul paths: small helpers their tiles share.
// Include only from files built with the AVX2 flags or higher (F16C for
// _cvtsh_ss); internal linkage on purpose (see matmul_kernels.h).
//
// Thread-safe: pure functions.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

// The F16 value at `p` (any alignment) as a float.
inline float LoadHalf(const void* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// The sum of the 8 lanes of `v`.
inline float HSum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

}  // namespace
}  // namespace citadel::kernels::internal
