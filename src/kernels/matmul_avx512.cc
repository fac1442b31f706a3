// AVX-512 (F/BW/VL/DQ + VNNI) kernels for MatMul. Built with the AVX-512
// flags (see src/kernels/CMakeLists.txt) and only ever called after
// SelectedSimdLevel() said the CPU runs them.
//
// Integer dot products use VPDPBUSD (u8 x s8 -> s32, four products per lane),
// which needs one unsigned operand:
//   Q4_0: weight nibbles 0..15 are the unsigned side; the "- 8" offset is a
//         per-activation correction (-8 * sum of each 4 quants) preloaded into
//         the accumulator, so each lane holds exactly sum((q - 8) * a).
//   Q8_0: the activation is stored + 128 as u8; the weight-side correction
//         -128 * sum(w) is computed once per weight block pair and row.
//   Q4_K: nibbles unsigned; mins applied through the sub-block sums of the
//         activation (as the reference does with Q8_K's bsums).
//   Q6_K: 6-bit values 0..63 unsigned; the "- 32" offset applied through the
//         Q8_K bsums times the sub-block scales.
// Every block's integer sum is exact; the float scaling then differs from the
// scalar reference only in summation order.
//
// Thread-safe: pure functions over borrowed buffers.
// GCC 12 warns about the deliberately undefined upper lanes inside its own
// AVX-512 intrinsic headers; the warnings say nothing about this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_row_tiles.h"
#include "kernels/matmul_x86.h"

namespace citadel::kernels::internal {
namespace {

// ---------------------------------------------------------------- Q4_0 x Q8_0
// Nibbles of a block pair as 64 u8 in element order (tail: second block zero).
inline __m512i Q4_0Quants(const std::uint8_t* blk, bool full) {
  const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2));
  const __m128i q1 =
      full ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2 + sizeof(BlockQ4_0)))
           : _mm_setzero_si128();
  const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q0, q0)),
                                       _mm256_set_m128i(q1, q1), 1);
  const __m512i hi = _mm512_srli_epi16(x, 4);
  return _mm512_and_si512(_mm512_mask_blend_epi64(0xCC, x, hi), _mm512_set1_epi8(0x0F));
}

// Block scales of a pair as 16 floats: lanes 0-7 first block, 8-15 second.
// `second_word` is the 16-bit word index of the second block's scale.
template <int kSecondWord>
inline __m512 PairScales(const std::uint8_t* blk, bool full) {
  const __mmask32 mask = full ? ((1u << 0) | (1u << kSecondWord)) : 1u;
  const __m512i words = _mm512_maskz_loadu_epi16(mask, blk);
  const __m512i idx = _mm512_set_epi16(
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, kSecondWord, kSecondWord, kSecondWord,
      kSecondWord, kSecondWord, kSecondWord, kSecondWord, kSecondWord, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i pattern = _mm512_permutexvar_epi16(idx, words);
  return _mm512_cvtph_ps(_mm512_castsi512_si256(pattern));
}

template <int T>
struct Q4_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    __m512 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm512_setzero_ps();
    for (std::int64_t p = 0; p < pairs; ++p) {
      const std::uint8_t* blk = wrow + p * 2 * sizeof(BlockQ4_0);
      const bool full = 2 * p + 1 < nb;
      const __m512i wq = Q4_0Quants(blk, full);
      const __m512 wd = PairScales<9>(blk, full);
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m512i aq = _mm512_load_si512(row + p * 64);
        const __m512 ad = _mm512_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + p * 16);
        const __m512i corr =
            _mm512_load_si512(reinterpret_cast<const std::int32_t*>(row + pairs * 128) + p * 16);
        const __m512i sum = _mm512_dpbusd_epi32(corr, wq, aq);
        acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
  }
};

// ---------------------------------------------------------------- Q8_0 x Q8_0
template <int T>
struct Q8_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    __m512 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm512_setzero_ps();
    for (std::int64_t p = 0; p < pairs; ++p) {
      const std::uint8_t* blk = wrow + p * 2 * sizeof(BlockQ8_0);
      const bool full = 2 * p + 1 < nb;
      const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      const __m256i q1 =
          full ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2 + sizeof(BlockQ8_0)))
               : _mm256_setzero_si256();
      const __m512i wq = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
      const __m512 wd = PairScales<17>(blk, full);
      // -128 * sum(w) per lane cancels the +128 stored in the activation.
      const __m512i corr = _mm512_sub_epi32(_mm512_setzero_si512(),
                                            _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, wq));
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m512i aq = _mm512_load_si512(row + p * 64);
        const __m512 ad = _mm512_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + p * 16);
        const __m512i sum = _mm512_dpbusd_epi32(corr, aq, wq);
        acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
  }
};

// ---------------------------------------------------------------- Q4_K x Q8_K
// The 6-bit scales and mins of a Q4_K super-block: bytes 0-7 scales, 8-15 mins.
inline __m128i Q4_KScalesMins(const std::uint8_t* packed) {
  std::uint32_t u[4];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t mins_lo = u[1] & kLow6;
  const std::uint32_t scales_hi = (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4);
  const std::uint32_t mins_hi = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4);
  return _mm_set_epi32(static_cast<int>(mins_hi), static_cast<int>(mins_lo),
                       static_cast<int>(scales_hi), static_cast<int>(u[0] & kLow6));
}

template <int T>
struct Q4_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i idx0 = _mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i four = _mm512_set1_epi32(4);
    __m512 acc[T];
    __m256 min_acc[T];
    for (int i = 0; i < T; ++i) {
      acc[i] = _mm512_setzero_ps();
      min_acc[i] = _mm256_setzero_ps();
    }
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ4_K*>(wrow) + s;
      const __m512 sm = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(Q4_KScalesMins(b->scales)));
      const __m512 scales = _mm512_mul_ps(sm, _mm512_set1_ps(LoadHalf(&b->d)));
      const __m256 mins =
          _mm256_mul_ps(_mm512_extractf32x8_ps(sm, 1), _mm256_set1_ps(LoadHalf(&b->dmin)));
      const __m512 p0 = _mm512_permutexvar_ps(idx0, scales);
      const __m512 p1 = _mm512_permutexvar_ps(_mm512_add_epi32(idx0, one), scales);
      const __m512 p2 = _mm512_permutexvar_ps(_mm512_add_epi32(idx0, four), scales);
      const __m512 p3 = _mm512_permutexvar_ps(_mm512_add_epi32(idx0, _mm512_set1_epi32(5)), scales);
      const __m512i c0 = _mm512_loadu_si512(b->qs);
      const __m512i c1 = _mm512_loadu_si512(b->qs + 64);
      const __m512i w0 = _mm512_and_si512(c0, low4);
      const __m512i w1 = _mm512_and_si512(_mm512_srli_epi16(c0, 4), low4);
      const __m512i w2 = _mm512_and_si512(c1, low4);
      const __m512i w3 = _mm512_and_si512(_mm512_srli_epi16(c1, 4), low4);
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * 256;
        const __m512i z = _mm512_setzero_si512();
        __m512 t =
            _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w0, _mm512_load_si512(q))), p0);
        t = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w1, _mm512_load_si512(q + 64))), p1, t);
        t = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w2, _mm512_load_si512(q + 128))), p2, t);
        t = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w3, _mm512_load_si512(q + 192))), p3, t);
        const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
        acc[i] = _mm512_fmadd_ps(t, _mm512_set1_ps(da), acc[i]);
        const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 8;
        min_acc[i] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(sums), min_acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) {
      const __m256 m = min_acc[i];
      __m128 m4 = _mm_add_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
      m4 = _mm_hadd_ps(m4, m4);
      m4 = _mm_hadd_ps(m4, m4);
      out[i * out_stride] = _mm512_reduce_add_ps(acc[i]) - _mm_cvtss_f32(m4);
    }
  }
};

// ---------------------------------------------------------------- Q6_K x Q8_K
template <int T>
struct Q6_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    // Per 16-bit word: shift for the low 32 bytes, then for the high 32 bytes.
    const __m512i shl_a = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i shr_b = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
    // Lane l of pattern k holds the scale of 16-element group 4k + l / 4.
    const __m512i idx0 = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    const __m512i four = _mm512_set1_epi32(4);
    __m512 acc[T];
    __m512 off_acc[T];
    for (int i = 0; i < T; ++i) {
      acc[i] = _mm512_setzero_ps();
      off_acc[i] = _mm512_setzero_ps();
    }
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ6_K*>(wrow) + s;
      const __m512 scales = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(
                                              reinterpret_cast<const __m128i*>(b->scales)))),
                                          _mm512_set1_ps(LoadHalf(&b->d)));
      __m512i w[4];
      __m512 pat[4];
      __m512i idx = idx0;
      for (int h = 0; h < 2; ++h) {
        const __m512i ql = _mm512_loadu_si512(b->ql + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qh + 32 * h)));
        const __m512i ha = _mm512_and_si512(_mm512_sllv_epi16(qh, shl_a), bits45);
        const __m512i hb = _mm512_and_si512(_mm512_srlv_epi16(qh, shr_b), bits45);
        w[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, low4), ha);
        w[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4), hb);
        pat[2 * h] = _mm512_permutexvar_ps(idx, scales);
        idx = _mm512_add_epi32(idx, four);
        pat[2 * h + 1] = _mm512_permutexvar_ps(idx, scales);
        idx = _mm512_add_epi32(idx, four);
      }
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * 256;
        const __m512i z = _mm512_setzero_si512();
        __m512 t = _mm512_mul_ps(
            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w[0], _mm512_load_si512(q))), pat[0]);
        for (int k = 1; k < 4; ++k) {
          t = _mm512_fmadd_ps(
              _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, w[k], _mm512_load_si512(q + 64 * k))),
              pat[k], t);
        }
        const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
        acc[i] = _mm512_fmadd_ps(t, _mm512_set1_ps(da), acc[i]);
        const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 16;
        off_acc[i] = _mm512_fmadd_ps(scales, _mm512_load_ps(sums), off_acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) {
      out[i * out_stride] = _mm512_reduce_add_ps(acc[i]) - 32.0f * _mm512_reduce_add_ps(off_acc[i]);
    }
  }
};

// ---------------------------------------------------------------- F32 / F16
template <bool kHalf>
inline __m512 LoadWeights16(const std::uint8_t* wrow, std::int64_t i, __mmask16 mask) {
  if constexpr (kHalf) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, wrow + i * 2));
  } else {
    return _mm512_maskz_loadu_ps(mask, wrow + i * 4);
  }
}

template <bool kHalf>
struct FloatTileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      __m512 acc[T];
      for (int i = 0; i < T; ++i) acc[i] = _mm512_setzero_ps();
      for (std::int64_t c = 0; c < cols; c += 16) {
        const std::int64_t left = cols - c;
        const __mmask16 mask = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
        const __m512 wv = LoadWeights16<kHalf>(wrow, c, mask);
        for (int i = 0; i < T; ++i) {
          const float* a = reinterpret_cast<const float*>(act.Row(t0 + i)) + c;
          acc[i] = _mm512_fmadd_ps(wv, _mm512_load_ps(a), acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
    }
  };
};

template <int T>
using F32Tile = FloatTileOf<false>::Tile<T>;
template <int T>
using F16Tile = FloatTileOf<true>::Tile<T>;

const PathKernels kQ4_0 = {Q4_0RowBytes, PrepareQ4_0, ComputeRowTiles<Q4_0Tile, 8>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ8_0 = {Q8_0RowBytes, PrepareQ8_0, ComputeRowTiles<Q8_0Tile, 8>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ4_K = {Q4_KRowBytes, PrepareQ4_K, ComputeRowTiles<Q4_KTile, 8>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ6_K = {Q6_KRowBytes, PrepareQ6_K, ComputeRowTiles<Q6_KTile, 8>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kF32 = {FloatRowBytes, PrepareF32, ComputeRowTiles<F32Tile, 8>, nullptr,
                          QuantizeActivationAvx512};
const PathKernels kF16 = {FloatRowBytes, PrepareF16, ComputeRowTiles<F16Tile, 8>, nullptr,
                          QuantizeActivationAvx512};

}  // namespace

const PathKernels* Avx512Kernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return &kQ4_0;
    case TensorType::kQ8_0:
      return &kQ8_0;
    case TensorType::kQ4_K:
      return &kQ4_K;
    case TensorType::kQ6_K:
      return &kQ6_K;
    case TensorType::kF32:
      return &kF32;
    case TensorType::kF16:
      return &kF16;
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
