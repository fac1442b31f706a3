// AVX-512 (F/BW/VL/DQ + VNNI) row-layout kernels for Q2_K, Q3_K and Q5_K
// weights x Q8_K activations (kernels/matmul_kernels.h; activation layouts in
// kernels/matmul_q2k_q3k_q5k.h). Built with the AVX-512 flags and called only
// after SelectedSimdLevel() said the CPU runs them.
//
// Per 64 quants and token: VPMADDUBSW (weight quant, the small unsigned
// operand, x int8 activation -> s16 pairs) then VNNI's VPDPWSSD, which
// multiplies the pairs by the sub-block scale words and accumulates in s32 in
// one step (cheaper than VPDPBUSD followed by a per-lane scale multiply). No
// pair saturates: Q5_K quants are at most 31 (2 * 31 * 128 < 32767), Q3_K's
// biased quants (q + 4) at most 7, Q2_K's at most 3. So every super-block's
// sum of scale x quant x activation is exact; the mins (Q2_K, Q5_K) and Q3_K's
// "- 4" offset are applied in float through the activation's group sums, as
// the Q4_K / Q6_K kernels do. Results differ from the scalar path only in
// float summation order.
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
#include "kernels/matmul_q2k_q3k_q5k.h"
#include "kernels/matmul_row_tiles.h"
#include "kernels/matmul_x86.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kMaxTile = 8;  // 32 zmm registers: up to 8 tokens per tile

// 16-bit words `lo` in the low 256 bits, `hi` in the high 256 bits.
inline __m512i HalvesEpi16(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(lo)),
                            _mm256_set1_epi16(static_cast<short>(hi)), 1);
}

// Bytes `lo` in the low 256 bits, `hi` in the high 256 bits.
inline __m512i HalvesEpi8(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(lo)),
                            _mm256_set1_epi8(static_cast<char>(hi)), 1);
}

// 32 bytes at p in both halves.
inline __m512i Broadcast32(const std::uint8_t* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// `w` plus `add` in each byte whose bit `select` (per byte) is set in `bits`.
inline __m512i AddWhereBit(__m512i w, __m512i bits, __m512i select, __m512i add) {
  return _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(bits, select), w, add);
}

// Scale words of the 16-element sub-blocks 4v .. 4v + 3 (word i of vector v
// pairs elements 2i, 2i + 1 of its 64): `scales` holds 16 words in its low half.
inline void SixteenGroupPatterns(__m512i scales, __m512i pat[4]) {
  // Word i -> sub-block i / 8.
  const __m512i idx0 = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1,
                                        1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  for (int v = 0; v < 4; ++v) {
    pat[v] = _mm512_permutexvar_epi16(_mm512_add_epi16(idx0, _mm512_set1_epi16(4 * v)), scales);
  }
}

// Per token: the exact integer sum of the super-block (4 vectors of 64 quants
// in the activation's order, times their scale words) times d * da into acc,
// and `group` (one float per 16-element group) times the activation's 16
// group sums (Q6_K layout) into off_acc.
template <int T>
inline void SixteenGroupPass(const __m512i w[4], const __m512i pat[4], float d, __m512 group,
                             const PreparedActivations& act, std::int64_t t0, std::int64_t sb,
                             std::int64_t s, __m512* acc, __m512* off_acc) {
  for (int i = 0; i < T; ++i) {
    const std::uint8_t* row = act.Row(t0 + i);
    const std::uint8_t* q = row + s * kQKK;
    __m512i isum = _mm512_setzero_si512();
    for (int v = 0; v < 4; ++v) {
      const __m512i pairs = _mm512_maddubs_epi16(w[v], _mm512_load_si512(q + 64 * v));
      isum = _mm512_dpwssd_epi32(isum, pairs, pat[v]);
    }
    const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * da), acc[i]);
    const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 16;
    off_acc[i] = _mm512_fmadd_ps(group, _mm512_load_ps(sums), off_acc[i]);
  }
}

// ---------------------------------------------------------------- Q5_K x Q8_K
// Q4_K's nibbles plus a fifth bit: quant of group g = nibble | bit g of qh << 4.
// A 64-byte load of qs holds groups (0, 2) / (4, 6) in its low nibbles and
// (1, 3) / (5, 7) in its high ones, the order of the Q4_K activation layout.
template <int T>
struct Q5_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    static constexpr int kGroupLo[4] = {0, 1, 4, 5};  // group in the low half of vector v
    const std::int64_t sb = cols / kQKK;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i sixteen = _mm512_set1_epi8(16);
    __m512 acc[T];
    __m256 min_acc[T];
    for (int i = 0; i < T; ++i) {
      acc[i] = _mm512_setzero_ps();
      min_acc[i] = _mm256_setzero_ps();
    }
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ5_K*>(wrow) + s;
      PrefetchAhead(b);
      const __m128i sm8 = KQuantScalesMins(b->scales);
      const __m512i scales = _mm512_zextsi128_si512(_mm_cvtepu8_epi16(sm8));
      const __m256 mins =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sm8, 8))),
                        _mm256_set1_ps(LoadHalf(&b->dmin)));
      const __m512i c0 = _mm512_loadu_si512(b->qs);
      const __m512i c1 = _mm512_loadu_si512(b->qs + 64);
      const __m512i qh = Broadcast32(b->qh);
      __m512i w[4] = {_mm512_and_si512(c0, low4), _mm512_and_si512(_mm512_srli_epi16(c0, 4), low4),
                      _mm512_and_si512(c1, low4), _mm512_and_si512(_mm512_srli_epi16(c1, 4), low4)};
      __m512i pat[4];
      for (int v = 0; v < 4; ++v) {
        const int g = kGroupLo[v];
        w[v] = AddWhereBit(w[v], qh, HalvesEpi8(1 << g, 1 << (g + 2)), sixteen);
        pat[v] = _mm512_permutexvar_epi16(HalvesEpi16(g, g + 2), scales);
      }
      const float d = LoadHalf(&b->d);
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * kQKK;
        __m512i isum = _mm512_setzero_si512();
        for (int v = 0; v < 4; ++v) {
          const __m512i pairs = _mm512_maddubs_epi16(w[v], _mm512_load_si512(q + 64 * v));
          isum = _mm512_dpwssd_epi32(isum, pairs, pat[v]);
        }
        const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
        acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * da), acc[i]);
        const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 8;
        min_acc[i] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(sums), min_acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) {
      out[i * out_stride] = _mm512_reduce_add_ps(acc[i]) - HSum(min_acc[i]);
    }
  }
};

// ---------------------------------------------------------------- Q3_K x Q8_K
// Biased quant u = low 2 bits | hmask bit << 2 (0..7) = q + 4; the "- 4"
// comes back as -4 x (d * scale) x (da * group sum). Vector v holds elements
// 64v .. 64v + 63: 2-bit parts 2 * (v % 2) and + 1 of qs half v / 2, hmask
// bits 2v and 2v + 1.
template <int T>
struct Q3_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low2 = _mm512_set1_epi8(3);
    const __m512i four = _mm512_set1_epi8(4);
    const __m512i shift[2] = {HalvesEpi16(0, 2), HalvesEpi16(4, 6)};
    __m512 acc[T];
    __m512 off_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = off_acc[i] = _mm512_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ3_K*>(wrow) + s;
      PrefetchAhead(b);
      const __m128i sc8 = _mm_sub_epi8(Q3_KRawScales(b->scales), _mm_set1_epi8(32));
      const float d = LoadHalf(&b->d);
      const __m512 group =
          _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(sc8)), _mm512_set1_ps(d));
      __m512i pat[4];
      SixteenGroupPatterns(_mm512_zextsi256_si512(_mm256_cvtepi8_epi16(sc8)), pat);
      const __m512i hm = Broadcast32(b->hmask);
      __m512i w[4];
      for (int v = 0; v < 4; ++v) {
        const __m512i x = Broadcast32(b->qs + 32 * (v / 2));
        const __m512i low = _mm512_and_si512(_mm512_srlv_epi16(x, shift[v % 2]), low2);
        w[v] = AddWhereBit(low, hm, HalvesEpi8(1 << (2 * v), 1 << (2 * v + 1)), four);
      }
      SixteenGroupPass<T>(w, pat, d, group, act, t0, sb, s, acc, off_acc);
    }
    for (int i = 0; i < T; ++i) {
      out[i * out_stride] = _mm512_reduce_add_ps(acc[i]) - 4.0f * _mm512_reduce_add_ps(off_acc[i]);
    }
  }
};

// ---------------------------------------------------------------- Q2_K x Q8_K
// Quants 0..3 laid out as Q3_K's low bits; scale low nibble of scales[sub],
// min high nibble.
template <int T>
struct Q2_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low2 = _mm512_set1_epi8(3);
    const __m128i low4 = _mm_set1_epi8(0x0F);
    const __m512i shift[2] = {HalvesEpi16(0, 2), HalvesEpi16(4, 6)};
    __m512 acc[T];
    __m512 min_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm512_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ2_K*>(wrow) + s;
      PrefetchAhead(b);
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->scales));
      const __m128i sc8 = _mm_and_si128(packed, low4);
      const __m128i m8 = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
      const __m512 mins = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(m8)),
                                        _mm512_set1_ps(LoadHalf(&b->dmin)));
      __m512i pat[4];
      SixteenGroupPatterns(_mm512_zextsi256_si512(_mm256_cvtepu8_epi16(sc8)), pat);
      __m512i w[4];
      for (int v = 0; v < 4; ++v) {
        const __m512i x = Broadcast32(b->qs + 32 * (v / 2));
        w[v] = _mm512_and_si512(_mm512_srlv_epi16(x, shift[v % 2]), low2);
      }
      SixteenGroupPass<T>(w, pat, LoadHalf(&b->d), mins, act, t0, sb, s, acc, min_acc);
    }
    for (int i = 0; i < T; ++i) {
      out[i * out_stride] = _mm512_reduce_add_ps(acc[i]) - _mm512_reduce_add_ps(min_acc[i]);
    }
  }
};

const PathKernels kQ2_K = {Q6_KRowBytes, PrepareQ6_K, ComputeRowTiles<Q2_KTile, kMaxTile>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ3_K = {Q6_KRowBytes, PrepareQ6_K, ComputeRowTiles<Q3_KTile, kMaxTile>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ5_K = {Q4_KRowBytes, PrepareQ4_K, ComputeRowTiles<Q5_KTile, kMaxTile>, nullptr,
                           QuantizeActivationAvx512};

}  // namespace

const PathKernels* Avx512Q2KQ3KQ5KKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ2_K:
      return &kQ2_K;
    case TensorType::kQ3_K:
      return &kQ3_K;
    case TensorType::kQ5_K:
      return &kQ5_K;
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
