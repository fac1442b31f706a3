// AVX-VNNI kernels for MatMul (SimdLevel::kAvxVnni): the 256-bit tiles of
// matmul_avx2_tiles.h with the u8 x s8 dot done by the VEX-encoded VPDPBUSD,
// which sums each 4 products straight into int32 (no VPMADDUBSW int16 step,
// no VPMADDWD). For CPUs with AVX-VNNI but no AVX-512 (Alder Lake and later
// client cores, Sierra Forest, Zen 5 client). Built with the AVX-VNNI flags;
// called only after the CPU was seen to have AVX-VNNI (matmul.cc).
//
// The int32 lanes equal the AVX2 policy's exactly and the float code is the
// same, so results are bit-identical to the AVX2 path:
//  - Q4_0: VPDPBUSD accumulates onto the prepared -8 * sum correction.
//  - Q8_0: the prepared activation is stored + 128 (u8), so VPDPBUSD takes it
//    as the unsigned side with the signed weight, starting from
//    -128 * sum(w) (one VPDPBUSD per weight block, shared by the tokens).
//  - Q4_K / Q6_K: VPDPBUSD gives each lane's 4-product sum t (|t| <= 4 * 63 *
//    128 < 2^15, so t is exact in its low int16), then VPDPWSSD multiplies
//    that low int16 by the group scale (the high int16 of the scale is 0, so
//    t's sign-extension half contributes nothing) and accumulates in int32.
//
// Thread-safe: pure functions over borrowed buffers.
#include <immintrin.h>

#include <cstdint>

#include "kernels/matmul_avx2_tiles.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

// The integer-dot policy of matmul_avx2_tiles.h with AVX-VNNI.
struct AvxVnniDot {
  static __m256i DotU8S8(__m256i acc, __m256i u8, __m256i s8) {
    return _mm256_dpbusd_avx_epi32(acc, u8, s8);
  }
  // Each int32 holds the scale in its low int16 and 0 in its high int16.
  static __m256i GroupScale(std::int16_t low_half, std::int16_t high_half) {
    return _mm256_set_m128i(_mm_set1_epi32(static_cast<std::uint16_t>(high_half)),
                            _mm_set1_epi32(static_cast<std::uint16_t>(low_half)));
  }
  static __m256i ScaledDotU8S8(__m256i acc, __m256i u8, __m256i s8, __m256i scale) {
    const __m256i sums = _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u8, s8);
    return _mm256_dpwssd_avx_epi32(acc, sums, scale);
  }
  struct Q8_0Weights {
    __m256i quants;      // w (signed)
    __m256i minus_bias;  // -128 * the sum of each lane's 4 weights
  };
  static Q8_0Weights PrepareQ8_0(__m256i w) {
    const __m256i bias = _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(),
                                                 _mm256_set1_epi8(static_cast<char>(0x80)), w);
    return {w, _mm256_sub_epi32(_mm256_setzero_si256(), bias)};
  }
  static __m256i DotQ8_0(const Q8_0Weights& w, __m256i biased_act) {
    return _mm256_dpbusd_avx_epi32(w.minus_bias, biased_act, w.quants);
  }
};

}  // namespace

const PathKernels* AvxVnniKernels(TensorType type) {
  return IntegerTileKernels<AvxVnniDot>(type);
}

}  // namespace citadel::kernels::internal
