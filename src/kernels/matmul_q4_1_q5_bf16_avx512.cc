// AVX-512 (F/BW/VL/DQ + VNNI) row-layout kernels for Q4_1, Q5_0, Q5_1 and
// BF16 weights (built with the AVX-512 flags, called only after
// SelectedSimdLevel() allowed it). They read the activation layouts of
// matmul_q4_1_q5_bf16.h, a pair of 32-element blocks per zmm.
//
// Integer dot products use VPDPBUSD (u8 x s8 -> s32, four products per lane,
// no intermediate saturation) with the weight quants as the unsigned side:
//   Q4_1 / Q5_1: q in 0..15 / 0..31, no offset; the min term m * s enters as
//     m * (s / 8) in each of the block's 8 lanes.
//   Q5_0: q in 0..31 stored with offset 16; the Q4_0 layout's per-lane
//     correction -8 * sum(4 quants), doubled, is the accumulator's start.
//   The fifth bits of a pair of Q5 blocks are one 64-bit byte mask.
//   BF16: weights widened to F32 by a 16-bit shift (exact), then FMA. (The
//     AVX-512 level does not promise AVX512_BF16, so no VDPBF16PS.)
// Every block's integer sum is exact; the float scaling then differs from the
// scalar reference only in summation order.
//
// Thread-safe: pure functions over borrowed buffers.
// GCC 12 warns about the deliberately undefined upper lanes inside its own
// AVX-512 intrinsic headers; the warnings say nothing about this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_q4_1_q5_bf16.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kMaxTile = 8;  // 32 zmm registers: up to 8 tokens (2 accumulators each)

// Two halves of a block pair as 16 floats: lanes 0-7 the half at 16-bit word
// kFirst of the pair, lanes 8-15 the one at word kSecond (0 when !full).
template <int kFirst, int kSecond>
inline __m512 PairHalves(const std::uint8_t* blk, bool full) {
  const __mmask32 mask = full ? ((1u << kFirst) | (1u << kSecond)) : (1u << kFirst);
  const __m512i words = _mm512_maskz_loadu_epi16(mask, blk);
  const __m512i idx = _mm512_set_epi16(
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, kSecond, kSecond, kSecond, kSecond, kSecond,
      kSecond, kSecond, kSecond, kFirst, kFirst, kFirst, kFirst, kFirst, kFirst, kFirst, kFirst);
  return _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(idx, words)));
}

// d and m of a block pair (halves 0, 1 of each block; the second block's
// start at word kSecond) as PairHalves<0, kSecond> and PairHalves<1, kSecond + 1>.
template <int kSecond>
inline void PairScalesAndMins(const std::uint8_t* blk, bool full, __m512* d, __m512* m) {
  const __mmask32 mask = full ? (3u | (3u << kSecond)) : 3u;
  const __m512i words = _mm512_maskz_loadu_epi16(mask, blk);
  constexpr short kD1 = kSecond, kM1 = kSecond + 1;
  const __m512i idx =
      _mm512_set_epi16(kM1, kM1, kM1, kM1, kM1, kM1, kM1, kM1, 1, 1, 1, 1, 1, 1, 1, 1, kD1, kD1,
                       kD1, kD1, kD1, kD1, kD1, kD1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i halves = _mm512_permutexvar_epi16(idx, words);
  *d = _mm512_cvtph_ps(_mm512_castsi512_si256(halves));
  *m = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(halves, 1));
}

// The nibbles of a block pair (16 bytes each at `qs0`, `qs1`; qs1 ignored
// when !full) as 64 u8 in element order.
inline __m512i PairNibbles(const std::uint8_t* qs0, const std::uint8_t* qs1, bool full) {
  const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0));
  const __m128i q1 =
      full ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1)) : _mm_setzero_si128();
  const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q0, q0)),
                                       _mm256_set_m128i(q1, q1), 1);
  const __m512i hi = _mm512_srli_epi16(x, 4);
  return _mm512_and_si512(_mm512_mask_blend_epi64(0xCC, x, hi), _mm512_set1_epi8(0x0F));
}

// Adds 16 to byte j of `q` where bit j of the pair's fifth bits is set.
inline __m512i AddFifthBits(__m512i q, const std::uint8_t* qh0, const std::uint8_t* qh1,
                            bool full) {
  std::uint32_t lo;
  std::uint32_t hi = 0;
  std::memcpy(&lo, qh0, 4);
  if (full) std::memcpy(&hi, qh1, 4);
  const __mmask64 mask = (static_cast<std::uint64_t>(hi) << 32) | lo;
  return _mm512_mask_add_epi8(q, mask, q, _mm512_set1_epi8(16));
}

// Unsigned quants of the block pair starting at block 2p of a row.
template <typename Block, bool kFiveBit>
inline __m512i PairQuants(const std::uint8_t* wrow, std::int64_t p, bool full) {
  const Block* b = reinterpret_cast<const Block*>(wrow) + 2 * p;
  const __m512i q = PairNibbles(b[0].qs, full ? b[1].qs : b[0].qs, full);
  if constexpr (kFiveBit) {
    return AddFifthBits(q, b[0].qh, full ? b[1].qh : b[0].qh, full);
  } else {
    return q;
  }
}

// ---------------------------------------------------------------- Q5_0 x Q8_0
template <int T>
struct Q5_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    constexpr int kSecondWord = sizeof(BlockQ5_0) / 2;
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    __m512 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm512_setzero_ps();
    for (std::int64_t p = 0; p < pairs; ++p) {
      const std::uint8_t* blk = wrow + p * 2 * sizeof(BlockQ5_0);
      const bool full = 2 * p + 1 < nb;
      const __m512i wq = PairQuants<BlockQ5_0, true>(wrow, p, full);
      const __m512 wd = PairHalves<0, kSecondWord>(blk, full);
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m512i aq = _mm512_load_si512(row + p * 64);
        const __m512 ad = _mm512_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + p * 16);
        const __m512i corr =
            _mm512_load_si512(reinterpret_cast<const std::int32_t*>(row + pairs * 128) + p * 16);
        const __m512i sum = _mm512_dpbusd_epi32(_mm512_add_epi32(corr, corr), wq, aq);  // q - 16
        acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
  }
};

// ------------------------------------------------------- Q4_1 / Q5_1 x Q8_1
// Block: BlockQ4_1 or BlockQ5_1 (d and m are its first two halves).
template <typename Block, bool kFiveBit>
struct Q8_1TileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      constexpr int kSecondWord = sizeof(Block) / 2;
      const std::int64_t nb = cols / kQK;
      const std::int64_t pairs = Pairs(cols);
      const std::size_t scales_at = Q8_1OffsetScales(cols);
      const std::size_t sums_at = Q8_1OffsetSums(cols);
      __m512 acc[T];
      __m512 min_acc[T];
      for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm512_setzero_ps();
      for (std::int64_t p = 0; p < pairs; ++p) {
        const std::uint8_t* blk = wrow + p * 2 * sizeof(Block);
        const bool full = 2 * p + 1 < nb;
        const __m512i wq = PairQuants<Block, kFiveBit>(wrow, p, full);
        __m512 wd;
        __m512 wm;
        PairScalesAndMins<kSecondWord>(blk, full, &wd, &wm);
        for (int i = 0; i < T; ++i) {
          const std::uint8_t* row = act.Row(t0 + i);
          const __m512i aq = _mm512_load_si512(row + p * 64);
          const __m512 ad =
              _mm512_load_ps(reinterpret_cast<const float*>(row + scales_at) + p * 16);
          const __m512 as = _mm512_load_ps(reinterpret_cast<const float*>(row + sums_at) + p * 16);
          const __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, aq);
          acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(wd, ad), acc[i]);
          min_acc[i] = _mm512_fmadd_ps(wm, as, min_acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) {
        out[i * out_stride] = _mm512_reduce_add_ps(_mm512_add_ps(acc[i], min_acc[i]));
      }
    }
  };
};

template <int T>
using Q4_1Tile = Q8_1TileOf<BlockQ4_1, false>::Tile<T>;
template <int T>
using Q5_1Tile = Q8_1TileOf<BlockQ5_1, true>::Tile<T>;

// ---------------------------------------------------------------- BF16 x BF16
template <int T>
struct BF16Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    __m512 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm512_setzero_ps();
    for (std::int64_t c = 0; c < cols; c += 16) {
      const std::int64_t left = cols - c;
      const __mmask16 mask = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
      const __m256i h = _mm256_maskz_loadu_epi16(mask, wrow + c * 2);
      const __m512 wv = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
      for (int i = 0; i < T; ++i) {
        const float* a = reinterpret_cast<const float*>(act.Row(t0 + i)) + c;
        acc[i] = _mm512_fmadd_ps(wv, _mm512_load_ps(a), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
  }
};

// Only Q5_0's partner (Q8_0) has an AVX-512 quantizer; Q8_1 and BF16 rows use
// the scalar ones (quantize_row nullptr).
const PathKernels kQ4_1 = {Q8_1RowBytes, PrepareQ8_1, ComputeRowTiles<Q4_1Tile, kMaxTile>};
const PathKernels kQ5_0 = {Q4_0RowBytes, PrepareQ4_0, ComputeRowTiles<Q5_0Tile, kMaxTile>, nullptr,
                           QuantizeActivationAvx512};
const PathKernels kQ5_1 = {Q8_1RowBytes, PrepareQ8_1, ComputeRowTiles<Q5_1Tile, kMaxTile>};
const PathKernels kBF16 = {FloatRowBytes, PrepareBF16, ComputeRowTiles<BF16Tile, kMaxTile>};

}  // namespace

const PathKernels* Avx512Q4_1Q5Bf16Kernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_1:
      return &kQ4_1;
    case TensorType::kQ5_0:
      return &kQ5_0;
    case TensorType::kQ5_1:
      return &kQ5_1;
    case TensorType::kBF16:
      return &kBF16;
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
