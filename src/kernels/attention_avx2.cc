// AVX2 + F16C + FMA inner loops of the attention kernel (compiled with those
// flags only for this file; chosen at run time).
#include <immintrin.h>

#include "kernels/attention_simd.h"
#include "kernels/fp16.h"

namespace citadel::kernels::internal {
namespace {

float HorizontalSum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

inline __m256 Load8(const Half* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float DotAvx2(const float* q, const Half* key, int n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Load8(key + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), Load8(key + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Load8(key + i), acc0);
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += q[i] * F16ToF32(key[i]);
  return sum;
}

void AxpyAvx2(float weight, const Half* value, float* out, int n) {
  const __m256 w = _mm256_set1_ps(weight);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_fmadd_ps(w, Load8(value + i), _mm256_loadu_ps(out + i)));
  }
  for (; i < n; ++i) out[i] += weight * F16ToF32(value[i]);
}

}  // namespace

AttentionLoops Avx2AttentionLoops() {
  return {DotAvx2, AxpyAvx2};
}

}  // namespace citadel::kernels::internal
