// AVX2 row-layout kernels for Q4_1, Q5_0, Q5_1 and BF16 weights (built with
// the AVX2 flags, called only after SelectedSimdLevel() allowed it). They read
// the activation layouts of matmul_q4_1_q5_bf16.h.
//
// Integer dot products use VPMADDUBSW (u8 x s8 -> saturating s16 pairs) then
// VPMADDWD (-> s32), one 32-element block per ymm. The weight side is always
// the unsigned operand and at most 31 (5-bit quants), so a pair is at most
// 2 * 31 * 128 and never saturates:
//   Q4_1 / Q5_1: q in 0..15 / 0..31, no offset; the min term m * s enters as
//     m * (s / 8) in each of the block's 8 lanes.
//   Q5_0: q in 0..31 stored with offset 16; the Q4_0 layout's per-lane
//     correction -8 * sum(4 quants) is added twice (= -16 * sum).
//   BF16: weights widened to F32 by a 16-bit shift (exact), then FMA.
// Every block's integer sum is exact; the float scaling then differs from the
// scalar reference only in summation order.
//
// Thread-safe: pure functions over borrowed buffers.
#include <immintrin.h>

#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_q4_1_q5_bf16.h"
#include "kernels/matmul_x86.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kMaxTile = 4;  // 16 ymm registers: up to 4 tokens per tile

// s32 lanes: sum of each 4 consecutive products of u8 `w` and s8 `a`.
inline __m256i DotLanes(__m256i w, __m256i a) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1));
}

// The 32 nibbles at `qs` (16 bytes) in element order: low nibbles are
// elements 0-15, high nibbles 16-31.
inline __m256i Nibbles(const std::uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}

// 0x10 in byte j where bit j of the little-endian u32 at `qh` is set, else 0.
inline __m256i FifthBits(const std::uint8_t* qh) {
  std::uint32_t bits;
  std::memcpy(&bits, qh, 4);
  // Byte j takes byte j / 8 of `bits` (shuffles stay within 128-bit halves,
  // which both hold all four bytes).
  const __m256i spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                           0x0101010101010101, 0x0000000000000000);
  const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), spread);
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(x, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// ---------------------------------------------------------------- Q5_0 x Q8_0
template <int T>
struct Q5_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    __m256 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < nb; ++b) {
      const auto* blk = reinterpret_cast<const BlockQ5_0*>(wrow) + b;
      const __m256i wq = _mm256_or_si256(Nibbles(blk->qs), FifthBits(blk->qh));
      const __m256 wd = _mm256_set1_ps(LoadHalf(&blk->d));
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(row + b * 32));
        const __m256 ad = _mm256_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + b * 8);
        const __m256i corr =
            _mm256_load_si256(reinterpret_cast<const __m256i*>(row + pairs * 128 + b * 32));
        const __m256i sum =
            _mm256_add_epi32(DotLanes(wq, aq), _mm256_add_epi32(corr, corr));  // q - 16
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
  }
};

// ------------------------------------------------------- Q4_1 / Q5_1 x Q8_1
// The block's d and m (two halves at `dm`), each broadcast to 8 lanes.
inline void ScaleAndMin(const void* dm, __m256* d, __m256* m) {
  std::uint32_t bits;
  std::memcpy(&bits, dm, 4);
  const __m256 f = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(bits))));
  *d = _mm256_broadcastss_ps(_mm256_castps256_ps128(f));
  *m = _mm256_permutevar8x32_ps(f, _mm256_set1_epi32(1));
}

// Unsigned quants of block `b` of a Q4_1 or Q5_1 row.
inline __m256i QuantsQ4_1(const std::uint8_t* wrow, std::int64_t b) {
  return Nibbles(reinterpret_cast<const BlockQ4_1*>(wrow)[b].qs);
}
inline __m256i QuantsQ5_1(const std::uint8_t* wrow, std::int64_t b) {
  const BlockQ5_1& blk = reinterpret_cast<const BlockQ5_1*>(wrow)[b];
  return _mm256_or_si256(Nibbles(blk.qs), FifthBits(blk.qh));
}

// Block: BlockQ4_1 or BlockQ5_1 (d and m are their first two halves).
template <typename Block, __m256i (*kQuants)(const std::uint8_t*, std::int64_t)>
struct Q8_1TileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      const std::int64_t nb = cols / kQK;
      const std::size_t scales_at = Q8_1OffsetScales(cols);
      const std::size_t sums_at = Q8_1OffsetSums(cols);
      __m256 acc[T];
      __m256 min_acc[T];
      for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm256_setzero_ps();
      for (std::int64_t b = 0; b < nb; ++b) {
        const Block& blk = reinterpret_cast<const Block*>(wrow)[b];
        const __m256i wq = kQuants(wrow, b);
        __m256 wd;
        __m256 wm;
        ScaleAndMin(&blk.d, &wd, &wm);
        for (int i = 0; i < T; ++i) {
          const std::uint8_t* row = act.Row(t0 + i);
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(row + b * 32));
          const __m256 ad = _mm256_load_ps(reinterpret_cast<const float*>(row + scales_at) + b * 8);
          const __m256 as = _mm256_load_ps(reinterpret_cast<const float*>(row + sums_at) + b * 8);
          acc[i] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(DotLanes(wq, aq)), _mm256_mul_ps(wd, ad), acc[i]);
          min_acc[i] = _mm256_fmadd_ps(wm, as, min_acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(_mm256_add_ps(acc[i], min_acc[i]));
    }
  };
};

template <int T>
using Q4_1Tile = Q8_1TileOf<BlockQ4_1, QuantsQ4_1>::Tile<T>;
template <int T>
using Q5_1Tile = Q8_1TileOf<BlockQ5_1, QuantsQ5_1>::Tile<T>;

// ---------------------------------------------------------------- BF16 x BF16
// Weights c .. c + 7 widened to F32 (zeros past `cols`).
inline __m256 LoadBF16x8(const std::uint8_t* wrow, std::int64_t c, std::int64_t cols) {
  const std::uint8_t* p = wrow + c * 2;
  __m128i h;
  if (cols - c >= 8) {
    h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  } else {
    alignas(16) std::uint16_t tail[8] = {};
    std::memcpy(tail, p, (cols - c) * 2);
    h = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
  }
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

template <int T>
struct BF16Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    __m256 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
    for (std::int64_t c = 0; c < cols; c += 8) {
      const __m256 wv = LoadBF16x8(wrow, c, cols);
      for (int i = 0; i < T; ++i) {
        const float* a = reinterpret_cast<const float*>(act.Row(t0 + i)) + c;
        acc[i] = _mm256_fmadd_ps(wv, _mm256_load_ps(a), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
  }
};

const PathKernels kQ4_1 = {Q8_1RowBytes, PrepareQ8_1, ComputeRowTiles<Q4_1Tile, kMaxTile>};
const PathKernels kQ5_0 = {Q4_0RowBytes, PrepareQ4_0, ComputeRowTiles<Q5_0Tile, kMaxTile>};
const PathKernels kQ5_1 = {Q8_1RowBytes, PrepareQ8_1, ComputeRowTiles<Q5_1Tile, kMaxTile>};
const PathKernels kBF16 = {FloatRowBytes, PrepareBF16, ComputeRowTiles<BF16Tile, kMaxTile>};

}  // namespace

const PathKernels* Avx2Q4_1Q5Bf16Kernels(TensorType type) {
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
