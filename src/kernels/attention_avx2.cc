// AVX2 + F16C + FMA inner loops of the attention kernel (compiled with those
// flags only for this file; chosen at run time).
#include <immintrin.h>

#include "kernels/attention_simd.h"
#include "kernels/block_formats.h"
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

float DotF16Avx2(const float* q, const void* key_row, int n) {
  const Half* key = static_cast<const Half*>(key_row);
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

void AxpyF16Avx2(float weight, const void* value_row, float* out, int n) {
  const Half* value = static_cast<const Half*>(value_row);
  const __m256 w = _mm256_set1_ps(weight);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_fmadd_ps(w, Load8(value + i), _mm256_loadu_ps(out + i)));
  }
  for (; i < n; ++i) out[i] += weight * F16ToF32(value[i]);
}

// The 32 int8 quants of a block as four vectors of 8 floats.
struct Quants32 {
  __m256 v[4];
};

inline Quants32 WidenQuants(const std::int8_t* qs) {
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + 16));
  return {{_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)),
           _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(lo, lo))),
           _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)),
           _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(hi, hi)))}};
}

inline float HalfToFloat(Half h) {
  return _cvtsh_ss(h);
}

// Per block: d * (q . quants), the block's dot product kept in 8 lanes.
float DotQ8_0Avx2(const float* q, const void* key_row, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(key_row);
  __m256 acc = _mm256_setzero_ps();
  for (int b = 0; b < n / kQK; ++b, q += kQK) {
    const Quants32 k = WidenQuants(blocks[b].qs);
    __m256 block_sum = _mm256_mul_ps(_mm256_loadu_ps(q), k.v[0]);
    block_sum = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8), k.v[1], block_sum);
    block_sum = _mm256_fmadd_ps(_mm256_loadu_ps(q + 16), k.v[2], block_sum);
    block_sum = _mm256_fmadd_ps(_mm256_loadu_ps(q + 24), k.v[3], block_sum);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(HalfToFloat(blocks[b].d)), block_sum, acc);
  }
  return HorizontalSum(acc);
}

// Per block: out += (weight * d) * quants.
void AxpyQ8_0Avx2(float weight, const void* value_row, float* out, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(value_row);
  for (int b = 0; b < n / kQK; ++b, out += kQK) {
    const __m256 scale = _mm256_set1_ps(weight * HalfToFloat(blocks[b].d));
    const Quants32 v = WidenQuants(blocks[b].qs);
    for (int j = 0; j < 4; ++j) {
      float* o = out + 8 * j;
      _mm256_storeu_ps(o, _mm256_fmadd_ps(scale, v.v[j], _mm256_loadu_ps(o)));
    }
  }
}

}  // namespace

AttentionLoops Avx2AttentionLoops(KvCacheType type) {
  if (type == KvCacheType::kQ8_0) return {DotQ8_0Avx2, AxpyQ8_0Avx2};
  return {DotF16Avx2, AxpyF16Avx2};
}

}  // namespace citadel::kernels::internal
