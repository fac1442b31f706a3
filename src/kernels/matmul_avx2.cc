// AVX2 kernels for MatMul, for CPUs without AVX-512 (built with the AVX2
// flags, called only after SelectedSimdLevel() allowed it). They read the
// same activation layouts as the AVX-512 path (matmul_kernels.h).
//
// Integer dot products use VPMADDUBSW (u8 x s8 -> saturating s16 pairs) then
// VPMADDWD (-> s32). Operand ranges never saturate: Q4_0 / Q4_K nibbles and
// Q6_K 6-bit values are the unsigned side (at most 2 * 63 * 127 per pair);
// Q8_0 moves the sign onto the activation (|w| x sign(a, w), at most
// 2 * 127 * 127). K-quant sub-block scales are applied in the VPMADDWD.
//
// Thread-safe: pure functions over borrowed buffers.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kMaxTile = 4;  // 16 ymm registers: up to 4 tokens per tile

inline float LoadHalf(const void* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

inline float HSum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

inline __m256i SumPairs(__m256i products16) {
  return _mm256_madd_epi16(products16, _mm256_set1_epi16(1));
}

template <template <int> class Tile, typename... Args>
inline void DispatchTile(int n, Args&&... args) {
  switch (n) {
    case 1:
      Tile<1>::Run(args...);
      break;
    case 2:
      Tile<2>::Run(args...);
      break;
    case 3:
      Tile<3>::Run(args...);
      break;
    default:
      Tile<4>::Run(args...);
      break;
  }
}

template <template <int> class Tile>
void ComputeTiles(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                  std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                  std::uint8_t* /*thread_scratch*/) {
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(w.type, w.cols));
  for (std::int64_t block = tok_begin; block < tok_end; block += kTokenBlock) {
    const std::int64_t block_end = std::min(block + kTokenBlock, tok_end);
    for (std::int64_t r = row_begin; r < row_end; ++r) {
      const std::uint8_t* wrow = w.data + r * row_bytes;
      for (std::int64_t t = block; t < block_end; t += kMaxTile) {
        const int n = static_cast<int>(std::min<std::int64_t>(kMaxTile, block_end - t));
        DispatchTile<Tile>(n, wrow, w.cols, act, t, out + t * w.rows + r, w.rows);
      }
    }
  }
}

// ---------------------------------------------------------------- Q4_0 x Q8_0
template <int T>
struct Q4_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* blk = wrow + b * sizeof(BlockQ4_0);
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2));
      const __m256i wq = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
      const __m256 wd = _mm256_set1_ps(LoadHalf(blk));
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(row + b * 32));
        const __m256 ad = _mm256_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + b * 8);
        const __m256i corr =
            _mm256_load_si256(reinterpret_cast<const __m256i*>(row + pairs * 128 + b * 32));
        const __m256i sum = _mm256_add_epi32(SumPairs(_mm256_maddubs_epi16(wq, aq)), corr);
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
  }
};

// ---------------------------------------------------------------- Q8_0 x Q8_0
template <int T>
struct Q8_0Tile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
    __m256 acc[T];
    for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* blk = wrow + b * sizeof(BlockQ8_0);
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      const __m256i wabs = _mm256_sign_epi8(wq, wq);
      const __m256 wd = _mm256_set1_ps(LoadHalf(blk));
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const __m256i aq = _mm256_xor_si256(
            _mm256_load_si256(reinterpret_cast<const __m256i*>(row + b * 32)), bias);
        const __m256 ad = _mm256_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + b * 8);
        const __m256i sum = SumPairs(_mm256_maddubs_epi16(wabs, _mm256_sign_epi8(aq, wq)));
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(wd, ad), acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
  }
};

// ---------------------------------------------------------------- Q4_K x Q8_K
// The 6-bit scales and mins of a Q4_K super-block: bytes 0-7 scales, 8-15 mins.
inline void Q4_KScalesMins(const std::uint8_t* packed, std::uint8_t out[16]) {
  std::uint32_t u[4];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t v[4] = {u[0] & kLow6, (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4),
                              u[1] & kLow6, ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4)};
  std::memcpy(out, v, 16);
}

template <int T>
struct Q4_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    static constexpr int kSlot[8] = {0, 2, 1, 3, 4, 6, 5, 7};  // group -> position in act
    const std::int64_t sb = cols / kQKK;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc[T];
    __m256 min_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = min_acc[i] = _mm256_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ4_K*>(wrow) + s;
      alignas(16) std::uint8_t sm[16];
      Q4_KScalesMins(b->scales, sm);
      const float d = LoadHalf(&b->d);
      const __m256 mins = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                            reinterpret_cast<const __m128i*>(sm + 8)))),
                                        _mm256_set1_ps(LoadHalf(&b->dmin)));
      __m256i wq[8];
      for (int c = 0; c < 4; ++c) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * c));
        wq[2 * c] = _mm256_and_si256(x, low4);
        wq[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
      }
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * 256;
        __m256i isum = _mm256_setzero_si256();
        for (int g = 0; g < 8; ++g) {
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * kSlot[g]));
          const __m256i p = _mm256_maddubs_epi16(wq[g], aq);
          isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_set1_epi16(sm[g])));
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

// ---------------------------------------------------------------- Q6_K x Q8_K
template <int T>
struct Q6_KTile {
  static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, float* out, std::int64_t out_stride) {
    const std::int64_t sb = cols / kQKK;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i bits45 = _mm256_set1_epi8(0x30);
    __m256 acc[T];
    __m256 off_acc[T];
    for (int i = 0; i < T; ++i) acc[i] = off_acc[i] = _mm256_setzero_ps();
    for (std::int64_t s = 0; s < sb; ++s) {
      const auto* b = reinterpret_cast<const BlockQ6_K*>(wrow) + s;
      const float d = LoadHalf(&b->d);
      const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->scales));
      const __m256 dv = _mm256_set1_ps(d);
      const __m256 scale_lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(sc8)), dv);
      const __m256 scale_hi =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(sc8, 8))), dv);
      __m256i wq[8];
      __m256i sc[8];
      for (int h = 0; h < 2; ++h) {
        const auto* ql = reinterpret_cast<const __m256i*>(b->ql + 64 * h);
        const __m256i ql0 = _mm256_loadu_si256(ql);
        const __m256i ql1 = _mm256_loadu_si256(ql + 1);
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qh + 32 * h));
        wq[4 * h] = _mm256_or_si256(_mm256_and_si256(ql0, low4),
                                    _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45));
        wq[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                        _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45));
        wq[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                        _mm256_and_si256(qh, bits45));
        wq[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                        _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45));
      }
      for (int k = 0; k < 8; ++k) {
        sc[k] = _mm256_set_m128i(_mm_set1_epi16(b->scales[2 * k + 1]),
                                 _mm_set1_epi16(b->scales[2 * k]));
      }
      for (int i = 0; i < T; ++i) {
        const std::uint8_t* row = act.Row(t0 + i);
        const std::uint8_t* q = row + s * 256;
        __m256i isum = _mm256_setzero_si256();
        for (int k = 0; k < 8; ++k) {
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * k));
          isum = _mm256_add_epi32(isum, _mm256_madd_epi16(_mm256_maddubs_epi16(wq[k], aq), sc[k]));
        }
        const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * da), acc[i]);
        const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 16;
        off_acc[i] = _mm256_fmadd_ps(scale_lo, _mm256_load_ps(sums), off_acc[i]);
        off_acc[i] = _mm256_fmadd_ps(scale_hi, _mm256_load_ps(sums + 8), off_acc[i]);
      }
    }
    for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - 32.0f * HSum(off_acc[i]);
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

const PathKernels kQ4_0 = {Q4_0RowBytes, PrepareQ4_0, ComputeTiles<Q4_0Tile>};
const PathKernels kQ8_0 = {Q8_0RowBytes, PrepareQ8_0, ComputeTiles<Q8_0Tile>};
const PathKernels kQ4_K = {Q4_KRowBytes, PrepareQ4_K, ComputeTiles<Q4_KTile>};
const PathKernels kQ6_K = {Q6_KRowBytes, PrepareQ6_K, ComputeTiles<Q6_KTile>};
const PathKernels kF32 = {FloatRowBytes, PrepareF32, ComputeTiles<F32Tile>};
const PathKernels kF16 = {FloatRowBytes, PrepareF16, ComputeTiles<F16Tile>};

}  // namespace

const PathKernels* Avx2Kernels(TensorType type) {
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
