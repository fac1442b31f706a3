// AVX2 row-layout kernels for Q2_K, Q3_K and Q5_K weights x Q8_K activations
// (kernels/matmul_kernels.h; activation layouts in kernels/matmul_q2k_q3k_q5k.h).
// Built with the AVX2 flags and called only after SelectedSimdLevel() allowed
// it.
//
// Integer dot products use VPMADDUBSW (u8 x s8 -> s16 pairs) with the weight
// quant as the small unsigned operand, then VPMADDWD by the sub-block scale
// (-> s32). No pair saturates: Q5_K quants are at most 31 (2 * 31 * 128 <
// 32767), Q3_K's biased quants (q + 4) at most 7, Q2_K's at most 3. So every
// super-block's sum of scale x quant x activation is exact; the mins (Q2_K,
// Q5_K) and Q3_K's "- 4" offset are applied in float through the activation's
// group sums, as the Q4_K / Q6_K kernels do. Results differ from the scalar
// path only in float summation order.
//
// Thread-safe: pure functions over borrowed buffers.
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

constexpr int kMaxTile = 4;  // 16 ymm registers: up to 4 tokens per tile

// Bit `bit` of each byte of `bits` moved to bit `to` (every other bit zero).
// The 16-bit shifts never carry a bit across bytes into position `to`.
inline __m256i MoveBit(__m256i bits, int bit, int to) {
  const __m256i shifted =
      bit <= to ? _mm256_slli_epi16(bits, to - bit) : _mm256_srli_epi16(bits, bit - to);
  return _mm256_and_si256(shifted, _mm256_set1_epi8(static_cast<char>(1 << to)));
}

// Words 2j (in the low 128-bit lane) and 2j + 1 (high lane) of `words`,
// each repeated over its lane: the scale words of 16-element sub-blocks 2j and
// 2j + 1 for the 32 quants of one vector.
inline __m256i SubBlockPair(__m256i words, int j) {
  const __m256i pick = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3,
                                        2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  return _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(words, _mm256_set1_epi32(j)), pick);
}

// Word g of `words` in every word.
inline __m256i BroadcastWord(__m256i words, int g) {
  const __m256i pick = g % 2 == 0 ? _mm256_set1_epi16(0x0100) : _mm256_set1_epi16(0x0302);
  return _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(words, _mm256_set1_epi32(g / 2)), pick);
}

// Per token: the exact integer sum of the super-block (8 vectors of 32
// quants, each times its scale words) times d * da into acc, and the 16 group
// sums of the Q6_K layout times one float per group (group_lo: groups 0-7,
// group_hi: 8-15) into off_acc.
template <int T>
inline void SixteenGroupPass(const __m256i wq[8], const __m256i sc[8], float d, __m256 group_lo,
                             __m256 group_hi, const PreparedActivations& act, std::int64_t t0,
                             std::int64_t sb, std::int64_t s, __m256* acc, __m256* off_acc) {
  for (int i = 0; i < T; ++i) {
    const std::uint8_t* row = act.Row(t0 + i);
    const std::uint8_t* q = row + s * kQKK;
    __m256i isum = _mm256_setzero_si256();
    for (int k = 0; k < 8; ++k) {
      const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * k));
      isum = _mm256_add_epi32(isum, _mm256_madd_epi16(_mm256_maddubs_epi16(wq[k], aq), sc[k]));
    }
    const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * da), acc[i]);
    const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 16;
    off_acc[i] = _mm256_fmadd_ps(group_lo, _mm256_load_ps(sums), off_acc[i]);
    off_acc[i] = _mm256_fmadd_ps(group_hi, _mm256_load_ps(sums + 8), off_acc[i]);
  }
}

// ---------------------------------------------------------------- Q5_K x Q8_K
// Q4_K's nibbles plus a fifth bit: quant of group g = nibble | bit g of qh << 4.
template <int T>
struct Q5_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    static constexpr int kSlot[8] = {0, 2, 1, 3, 4, 6, 5, 7};  // group -> position in act
    const std::int64_t sb = cols / kQKK;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc[T];
    __m256 min_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm256_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ5_K*>(wrow) + s;
      PrefetchAhead(b);
      const __m128i sm8 = KQuantScalesMins(b->scales);
      const __m256i sm16 = _mm256_cvtepu8_epi16(sm8);  // words 0-7 scales, 8-15 mins
      const float d = LoadHalf(&b->d);
      const __m256 mins =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sm8, 8))),
                        _mm256_set1_ps(LoadHalf(&b->dmin)));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qh));
      __m256i wq[8];
      __m256i sc[8];
      for (int g = 0; g < 8; ++g) sc[g] = BroadcastWord(sm16, g);
      for (int c = 0; c < 4; ++c) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * c));
        wq[2 * c] = _mm256_or_si256(_mm256_and_si256(x, low4), MoveBit(qh, 2 * c, 4));
        wq[2 * c + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(x, 4), low4),
                                        MoveBit(qh, 2 * c + 1, 4));
      }
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * kQKK;
        __m256i isum = _mm256_setzero_si256();
        for (int g = 0; g < 8; ++g) {
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * kSlot[g]));
          const __m256i p = _mm256_maddubs_epi16(wq[g], aq);
          isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, sc[g]));
        }
        const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * da), acc[i]);
        const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 8;
        min_acc[i] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(sums), min_acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - HSum(min_acc[i]);
  }
};

// ---------------------------------------------------------------- Q3_K x Q8_K
// Biased quant u = low 2 bits | hmask bit << 2 (0..7) = q + 4; the "- 4"
// comes back as -4 x (d * scale) x (da * group sum).
template <int T>
struct Q3_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m256i low2 = _mm256_set1_epi8(3);
    __m256 acc[T];
    __m256 off_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = off_acc[i] = _mm256_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ3_K*>(wrow) + s;
      PrefetchAhead(b);
      const __m128i sc8 = _mm_sub_epi8(Q3_KRawScales(b->scales), _mm_set1_epi8(32));
      const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
      const float d = LoadHalf(&b->d);
      const __m256 dv = _mm256_set1_ps(d);
      const __m256 scale_lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(sc8)), dv);
      const __m256 scale_hi =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(sc8, 8))), dv);
      const __m256i hm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->hmask));
      __m256i wq[8];
      __m256i sc[8];
      for (int h = 0; h < 2; ++h) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * h));
        for (int p = 0; p < 4; ++p) {
          const int k = 4 * h + p;  // elements 32k .. 32k + 31
          wq[k] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(x, 2 * p), low2),
                                  MoveBit(hm, k, 2));
        }
      }
      for (int k = 0; k < 8; ++k) sc[k] = SubBlockPair(sc16, k);
      SixteenGroupPass<T>(wq, sc, d, scale_lo, scale_hi, act, t0, sb, s, acc, off_acc);
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - 4.0f * HSum(off_acc[i]);
  }
};

// ---------------------------------------------------------------- Q2_K x Q8_K
// Quants 0..3; scale low nibble of scales[sub], min high nibble.
template <int T>
struct Q2_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m256i low2 = _mm256_set1_epi8(3);
    __m256 acc[T];
    __m256 min_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm256_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ2_K*>(wrow) + s;
      PrefetchAhead(b);
      const float d = LoadHalf(&b->d);
      const __m256 dmin = _mm256_set1_ps(LoadHalf(&b->dmin));
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->scales));
      const __m128i low4 = _mm_set1_epi8(0x0F);
      const __m256i sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(packed, low4));
      const __m128i m8 = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
      const __m256 mins_lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(m8)), dmin);
      const __m256 mins_hi =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(m8, 8))), dmin);
      __m256i wq[8];
      __m256i sc[8];
      for (int h = 0; h < 2; ++h) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * h));
        for (int p = 0; p < 4; ++p) {
          wq[4 * h + p] = _mm256_and_si256(_mm256_srli_epi16(x, 2 * p), low2);
        }
      }
      for (int k = 0; k < 8; ++k) sc[k] = SubBlockPair(sc16, k);
      SixteenGroupPass<T>(wq, sc, d, mins_lo, mins_hi, act, t0, sb, s, acc, min_acc);
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - HSum(min_acc[i]);
  }
};

const PathKernels kQ2_K = {Q6_KRowBytes, PrepareQ6_K, ComputeRowTiles<Q2_KTile, kMaxTile>};
const PathKernels kQ3_K = {Q6_KRowBytes, PrepareQ6_K, ComputeRowTiles<Q3_KTile, kMaxTile>};
const PathKernels kQ5_K = {Q4_KRowBytes, PrepareQ4_K, ComputeRowTiles<Q5_KTile, kMaxTile>};

}  // namespace

const PathKernels* Avx2Q2KQ3KQ5KKernels(TensorType type) {
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
