// AVX-512 activation quantizers for the AVX-512 and AMX MatMul paths,
// bit-exact with QuantizeRowQ8_0 / QuantizeRowQ8_K (kernels/activation_quant.h) on finite
// input (same float operations per element; rows holding a NaN or an
// infinity are handed to the scalar functions, so they agree there too).
//
// Thread-safe: pure functions.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "kernels/activation_quant.h"
#include "kernels/fp16.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kNonFinite = 0x01 | 0x08 | 0x10 | 0x80;  // QNaN, +Inf, -Inf, SNaN

bool AllFinite(const float* x, std::int64_t n) {
  __mmask16 bad = 0;
  for (std::int64_t i = 0; i < n; i += 16) {
    bad |= _mm512_fpclass_ps_mask(_mm512_loadu_ps(x + i), kNonFinite);
  }
  return bad == 0;
}

inline __m512 Abs(__m512 v) {
  return _mm512_abs_ps(v);
}

// q = round-half-away-from-zero(v) (std::round), as int8 (|v| <= 127 here):
// truncate, then step away from zero when the dropped part is >= 1/2 (the
// subtraction is exact).
inline __m128i RoundHalfAwayToInt8(__m512 v) {
  const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __mmask16 up =
      _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(v, t)), _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  const __m512 step =
      _mm512_or_ps(_mm512_set1_ps(1.0f), _mm512_and_ps(v, _mm512_set1_ps(-0.0f)));  // +-1
  return _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mask_add_ps(t, up, t, step)));
}

}  // namespace

void QuantizeRowQ8_0Avx512(const float* src, BlockQ8_0* dst, std::int64_t n) {
  if (!AllFinite(src, n)) {
    QuantizeRowQ8_0(src, dst, n);
    return;
  }
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const __m512 x0 = _mm512_loadu_ps(src);
    const __m512 x1 = _mm512_loadu_ps(src + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(Abs(x0), Abs(x1)));
    const float d = amax / 127.0f;
    const __m512 inverse = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[b].qs),
                     RoundHalfAwayToInt8(_mm512_mul_ps(x0, inverse)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[b].qs + 16),
                     RoundHalfAwayToInt8(_mm512_mul_ps(x1, inverse)));
    dst[b].d = F32ToF16(d);
  }
}

void QuantizeRowQ8_KAvx512(const float* src, BlockQ8_K* dst, std::int64_t n) {
  if (!AllFinite(src, n)) {
    QuantizeRowQ8_K(src, dst, n);
    return;
  }
  for (std::int64_t b = 0; b < n / kQKK; ++b, src += kQKK) {
    BlockQ8_K& block = dst[b];
    __m512 vmax = _mm512_setzero_ps();
    for (int k = 0; k < 16; ++k) vmax = _mm512_max_ps(vmax, Abs(_mm512_loadu_ps(src + 16 * k)));
    const float amax = _mm512_reduce_max_ps(vmax);
    if (amax == 0.0f) {
      block.d = 0.0f;
      std::memset(block.qs, 0, sizeof(block.qs));
      std::memset(block.bsums, 0, sizeof(block.bsums));
      continue;
    }
    // The first element of largest magnitude, with its sign.
    float max = 0.0f;
    for (int k = 0; k < 16; ++k) {
      const __mmask16 hit =
          _mm512_cmp_ps_mask(Abs(_mm512_loadu_ps(src + 16 * k)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
      if (hit != 0) {
        max = src[16 * k + __builtin_ctz(hit)];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m512 s = _mm512_set1_ps(iscale);
    const __m512i top = _mm512_set1_epi32(127);
    for (int k = 0; k < 16; ++k) {
      const __m512 r = _mm512_roundscale_ps(_mm512_mul_ps(s, _mm512_loadu_ps(src + 16 * k)),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(r), top);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(block.qs + 16 * k), _mm512_cvtepi32_epi8(q));
      block.bsums[k] = static_cast<std::int16_t>(_mm512_reduce_add_epi32(q));
    }
    block.d = 1.0f / iscale;
  }
}

void QuantizeActivationAvx512(TensorType act_type, const float* src, void* dst, std::int64_t n) {
  switch (act_type) {
    case TensorType::kQ8_0:
      QuantizeRowQ8_0Avx512(src, static_cast<BlockQ8_0*>(dst), n);
      return;
    case TensorType::kQ8_K:
      QuantizeRowQ8_KAvx512(src, static_cast<BlockQ8_K*>(dst), n);
      return;
    default:
      (void)QuantizeActivationRow(act_type, src, dst, n);  // length checked by ValidateWeight
  }
}

}  // namespace citadel::kernels::internal
