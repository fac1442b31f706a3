// AVX-512 (F, BW, VL) inner loops of the attention kernel: 16 lanes per
// vector, masked loads for a head_dim tail that is not a multiple of 16
// (compiled with those flags only for this file; chosen at run time).
#include <immintrin.h>

#include "kernels/attention_simd.h"
#include "kernels/block_formats.h"

namespace citadel::kernels::internal {
namespace {

inline __mmask16 TailMask(int remaining) {
  return static_cast<__mmask16>((1u << remaining) - 1u);
}

inline __m512 Load16(const Half* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512 LoadTail(const Half* p, __mmask16 mask) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p));
}

float DotF16Avx512(const float* q, const void* key_row, int n) {
  const Half* key = static_cast<const Half*>(key_row);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Load16(key + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), Load16(key + i + 16), acc1);
  }
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Load16(key + i), acc0);
  }
  if (i < n) {
    const __mmask16 mask = TailMask(n - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, q + i), LoadTail(key + i, mask), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

void AxpyF16Avx512(float weight, const void* value_row, float* out, int n) {
  const Half* value = static_cast<const Half*>(value_row);
  const __m512 w = _mm512_set1_ps(weight);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(out + i, _mm512_fmadd_ps(w, Load16(value + i), _mm512_loadu_ps(out + i)));
  }
  if (i < n) {
    const __mmask16 mask = TailMask(n - i);
    const __m512 sum =
        _mm512_fmadd_ps(w, LoadTail(value + i, mask), _mm512_maskz_loadu_ps(mask, out + i));
    _mm512_mask_storeu_ps(out + i, mask, sum);
  }
}

// 16 int8 quants widened to floats.
inline __m512 Widen16(const std::int8_t* qs) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs))));
}

inline float HalfToFloat(Half h) {
  return _cvtsh_ss(h);
}

// Per block: d * (q . quants), the block's dot product kept in 16 lanes.
float DotQ8_0Avx512(const float* q, const void* key_row, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(key_row);
  __m512 acc = _mm512_setzero_ps();
  for (int b = 0; b < n / kQK; ++b, q += kQK) {
    __m512 block_sum = _mm512_mul_ps(_mm512_loadu_ps(q), Widen16(blocks[b].qs));
    block_sum = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16), Widen16(blocks[b].qs + 16), block_sum);
    acc = _mm512_fmadd_ps(_mm512_set1_ps(HalfToFloat(blocks[b].d)), block_sum, acc);
  }
  return _mm512_reduce_add_ps(acc);
}

// Per block: out += (weight * d) * quants.
void AxpyQ8_0Avx512(float weight, const void* value_row, float* out, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(value_row);
  for (int b = 0; b < n / kQK; ++b, out += kQK) {
    const __m512 scale = _mm512_set1_ps(weight * HalfToFloat(blocks[b].d));
    _mm512_storeu_ps(out, _mm512_fmadd_ps(scale, Widen16(blocks[b].qs), _mm512_loadu_ps(out)));
    _mm512_storeu_ps(out + 16,
                     _mm512_fmadd_ps(scale, Widen16(blocks[b].qs + 16), _mm512_loadu_ps(out + 16)));
  }
}

}  // namespace

AttentionLoops Avx512AttentionLoops(KvCacheType type) {
  if (type == KvCacheType::kQ8_0) return {DotQ8_0Avx512, AxpyQ8_0Avx512};
  return {DotF16Avx512, AxpyF16Avx512};
}

}  // namespace citadel::kernels::internal
