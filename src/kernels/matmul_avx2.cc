// AVX2 kernels for MatMul, for CPUs without AVX-512 (built with the AVX2
// flags, called only after SelectedSimdLevel() allowed it). They read the
// same activation layouts as the AVX-512 path (matmul_kernels.h). The integer
// tiles live in matmul_avx2_tiles.h, shared with the AVX-VNNI path; this file
// gives them the AVX2 integer dot (Avx2Dot) and adds the F32 / F16 tiles.
//
// Integer dot products use VPMADDUBSW (u8 x s8 -> saturating s16 pairs) then
// VPMADDWD (-> s32). Operand ranges never saturate: Q4_0 / Q4_K nibbles and
// Q6_K 6-bit values are the unsigned side (at most 2 * 63 * 128 per pair);
// Q8_0 moves the sign onto the activation (|w| x sign(a, w), at most
// 2 * 128 * 127). K-quant sub-block scales are applied in the VPMADDWD.
//
// Thread-safe: pure functions over borrowed buffers.
#include <immintrin.h>

#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_avx2_tiles.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

// The integer-dot policy of matmul_avx2_tiles.h on plain AVX2.
struct Avx2Dot {
  static __m256i SumPairs(__m256i products16) {
    return _mm256_madd_epi16(products16, _mm256_set1_epi16(1));
  }
  static __m256i DotU8S8(__m256i acc, __m256i u8, __m256i s8) {
    return _mm256_add_epi32(SumPairs(_mm256_maddubs_epi16(u8, s8)), acc);
  }
  // Each int16 of the half carries the scale (VPMADDWD multiplies pairs).
  static __m256i GroupScale(std::int16_t low_half, std::int16_t high_half) {
    return _mm256_set_m128i(_mm_set1_epi16(high_half), _mm_set1_epi16(low_half));
  }
  static __m256i ScaledDotU8S8(__m256i acc, __m256i u8, __m256i s8, __m256i scale) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8), scale));
  }
  struct Q8_0Weights {
    __m256i magnitude;  // |w| (unsigned)
    __m256i sign;       // w, whose sign moves onto the activation
  };
  static Q8_0Weights PrepareQ8_0(__m256i w) { return {_mm256_sign_epi8(w, w), w}; }
  static __m256i DotQ8_0(const Q8_0Weights& w, __m256i biased_act) {
    const __m256i a = _mm256_xor_si256(biased_act, _mm256_set1_epi8(static_cast<char>(0x80)));
    return SumPairs(_mm256_maddubs_epi16(w.magnitude, _mm256_sign_epi8(a, w.sign)));
  }
};

// ---------------------------------------------------------------- F32 / F16
template <bool kHalf>
inline __m256 LoadWeights8(const std::uint8_t* wrow, std::int64_t i, std::int64_t cols) {
  const std::int64_t left = cols - i;
  if constexpr (kHalf) {
    const std::uint8_t* p = wrow + i * 2;
    if (left >= 8) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    alignas(16) std::uint16_t tail[8] = {};
    std::memcpy(tail, p, left * 2);
    return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(tail)));
  } else {
    const float* p = reinterpret_cast<const float*>(wrow) + i;
    if (left >= 8) return _mm256_loadu_ps(p);
    alignas(32) float tail[8] = {};
    std::memcpy(tail, p, left * 4);
    return _mm256_load_ps(tail);
  }
}

template <bool kHalf>
struct FloatTileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      __m256 acc[T];
      for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
      for (std::int64_t c = 0; c < cols; c += 8) {
        const __m256 wv = LoadWeights8<kHalf>(wrow, c, cols);
        for (int i = 0; i < T; ++i) {
          const float* a = reinterpret_cast<const float*>(act.Row(t0 + i)) + c;
          acc[i] = _mm256_fmadd_ps(wv, _mm256_load_ps(a), acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
    }
  };
};

template <int T>
using F32Tile = FloatTileOf<false>::Tile<T>;
template <int T>
using F16Tile = FloatTileOf<true>::Tile<T>;

const PathKernels kF32 = {FloatRowBytes, PrepareF32, ComputeRowTiles<F32Tile, kMaxTile>};
const PathKernels kF16 = {FloatRowBytes, PrepareF16, ComputeRowTiles<F16Tile, kMaxTile>};

}  // namespace

const PathKernels* Avx2Kernels(TensorType type) {
  switch (type) {
    case TensorType::kF32:
      return &kF32;
    case TensorType::kF16:
      return &kF16;
    default:
      return IntegerTileKernels<Avx2Dot>(type);
  }
}

}  // namespace citadel::kernels::internal
