// The 256-bit MatMul tiles of the row-layout integer types (Q4_0, Q8_0, Q4_K,
// Q6_K), shared by the AVX2 path (matmul_avx2.cc) and the AVX-VNNI path
// (matmul_avxvnni.cc). A tile computes up to kMaxTile tokens of one weight
// row; it reads the activation layouts of matmul_kernels.h.
//
// The tiles are templates on an integer-dot policy `Dot`, the only place the
// two paths differ. Dot provides, for 8 int32 lanes where lane j covers bytes
// 4j..4j+3 of a 32-byte vector:
//
//   static __m256i DotU8S8(__m256i acc, __m256i u8, __m256i s8);
//       acc + the sum of each lane's 4 products u8 x s8.
//   static __m256i GroupScale(std::int16_t low_half, std::int16_t high_half);
//       a scale for ScaledDotU8S8: `low_half` for lanes 0-3, `high_half` for
//       lanes 4-7 (the policy picks the vector format).
//   static __m256i ScaledDotU8S8(__m256i acc, __m256i u8, __m256i s8, __m256i scale);
//       acc + scale x (the sum of each lane's 4 products).
//   struct Q8_0Weights; static Q8_0Weights PrepareQ8_0(__m256i signed_quants);
//   static __m256i DotQ8_0(const Q8_0Weights& w, __m256i biased_act);
//       the sum of each lane's 4 products of signed weight x signed
//       activation, the activation stored + 128 (the Q8_0 layout).
//
// Every policy must give the same int32 lanes exactly (all operand ranges
// keep the sums far from overflow), and the float code around them is shared,
// so both paths' results are bit-identical.
//
// Include only from a file compiled with at least the AVX2 flags. Everything
// here has internal linkage on purpose: each includer gets its own copy
// compiled with its own ISA flags (see matmul_kernels.h).
//
// Thread-safe: pure functions over borrowed buffers.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_row_tiles.h"
#include "kernels/matmul_x86.h"

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

constexpr int kMaxTile = 4;  // 16 ymm registers: up to 4 tokens per tile
// ---------------------------------------------------------------- Q4_0 x Q8_0
template <class Dot>
struct Q4_0TileOf {
  template <int T>
  struct Tile {
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
          const __m256 ad =
              _mm256_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + b * 8);
          const __m256i corr =
              _mm256_load_si256(reinterpret_cast<const __m256i*>(row + pairs * 128 + b * 32));
          const __m256i sum = Dot::DotU8S8(corr, wq, aq);
          acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(wd, ad), acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
    }
  };
};

// ---------------------------------------------------------------- Q8_0 x Q8_0
template <class Dot>
struct Q8_0TileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      const std::int64_t nb = cols / kQK;
      const std::int64_t pairs = Pairs(cols);
      __m256 acc[T];
      for (int i = 0; i < T; ++i) acc[i] = _mm256_setzero_ps();
      for (std::int64_t b = 0; b < nb; ++b) {
        const std::uint8_t* blk = wrow + b * sizeof(BlockQ8_0);
        const typename Dot::Q8_0Weights wq =
            Dot::PrepareQ8_0(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2)));
        const __m256 wd = _mm256_set1_ps(LoadHalf(blk));
        for (int i = 0; i < T; ++i) {
          const std::uint8_t* row = act.Row(t0 + i);
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(row + b * 32));
          const __m256 ad =
              _mm256_load_ps(reinterpret_cast<const float*>(row + pairs * 64) + b * 8);
          const __m256i sum = Dot::DotQ8_0(wq, aq);
          acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(wd, ad), acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]);
    }
  };
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

// Integer sums of the scaled 32-element groups go to two accumulators (even
// and odd groups) so that a policy with a slow multiply-accumulate is not
// bound by one dependency chain; integer addition makes the split exact.
template <class Dot>
struct Q4_KTileOf {
  template <int T>
  struct Tile {
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
        __m256i scale[8];
        for (int c = 0; c < 4; ++c) {
          const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * c));
          wq[2 * c] = _mm256_and_si256(x, low4);
          wq[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
        }
        for (int g = 0; g < 8; ++g) scale[g] = Dot::GroupScale(sm[g], sm[g]);
        for (int i = 0; i < T; ++i) {
          const std::uint8_t* row = act.Row(t0 + i);
          const std::uint8_t* q = row + s * 256;
          __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
          for (int g = 0; g < 8; ++g) {
            const __m256i aq =
                _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * kSlot[g]));
            isum[g & 1] = Dot::ScaledDotU8S8(isum[g & 1], wq[g], aq, scale[g]);
          }
          const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
          acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(isum[0], isum[1])),
                                   _mm256_set1_ps(d * da), acc[i]);
          const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 8;
          min_acc[i] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(sums), min_acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - HSum(min_acc[i]);
    }
  };
};

// ---------------------------------------------------------------- Q6_K x Q8_K
// The 6-bit quants of 128 elements: wq[k] holds elements 32k..32k+31.
inline void Q6_KQuants(const std::uint8_t* ql_bytes, const std::uint8_t* qh_bytes, __m256i wq[4]) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i bits45 = _mm256_set1_epi8(0x30);
  const auto* ql = reinterpret_cast<const __m256i*>(ql_bytes);
  const __m256i ql0 = _mm256_loadu_si256(ql);
  const __m256i ql1 = _mm256_loadu_si256(ql + 1);
  const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh_bytes));
  wq[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4),
                          _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45));
  wq[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                          _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45));
  wq[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                          _mm256_and_si256(qh, bits45));
  wq[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45));
}

template <class Dot>
struct Q6_KTileOf {
  template <int T>
  struct Tile {
    static void Run(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                    std::int64_t t0, float* out, std::int64_t out_stride) {
      const std::int64_t sb = cols / kQKK;
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
        Q6_KQuants(b->ql, b->qh, wq);
        Q6_KQuants(b->ql + 64, b->qh + 32, wq + 4);
        for (int k = 0; k < 8; ++k) sc[k] = Dot::GroupScale(b->scales[2 * k], b->scales[2 * k + 1]);
        for (int i = 0; i < T; ++i) {
          const std::uint8_t* row = act.Row(t0 + i);
          const std::uint8_t* q = row + s * 256;
          __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
          for (int k = 0; k < 8; ++k) {
            const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * k));
            isum[k & 1] = Dot::ScaledDotU8S8(isum[k & 1], wq[k], aq, sc[k]);
          }
          const float da = reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb))[s];
          acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(isum[0], isum[1])),
                                   _mm256_set1_ps(d * da), acc[i]);
          const float* sums = reinterpret_cast<const float*>(row + Q8_KOffsetSums(sb)) + s * 16;
          off_acc[i] = _mm256_fmadd_ps(scale_lo, _mm256_load_ps(sums), off_acc[i]);
          off_acc[i] = _mm256_fmadd_ps(scale_hi, _mm256_load_ps(sums + 8), off_acc[i]);
        }
      }
      for (int i = 0; i < T; ++i) out[i * out_stride] = HSum(acc[i]) - 32.0f * HSum(off_acc[i]);
    }
  };
};

// The tables of one policy's integer kernels.
template <class Dot>
const PathKernels kQ4_0TileKernels = {Q4_0RowBytes, PrepareQ4_0,
                                      ComputeRowTiles<Q4_0TileOf<Dot>::template Tile, kMaxTile>};
template <class Dot>
const PathKernels kQ8_0TileKernels = {Q8_0RowBytes, PrepareQ8_0,
                                      ComputeRowTiles<Q8_0TileOf<Dot>::template Tile, kMaxTile>};
template <class Dot>
const PathKernels kQ4_KTileKernels = {Q4_KRowBytes, PrepareQ4_K,
                                      ComputeRowTiles<Q4_KTileOf<Dot>::template Tile, kMaxTile>};
template <class Dot>
const PathKernels kQ6_KTileKernels = {Q6_KRowBytes, PrepareQ6_K,
                                      ComputeRowTiles<Q6_KTileOf<Dot>::template Tile, kMaxTile>};

// The integer kernel of `type` for policy Dot, or nullptr for other types.
template <class Dot>
const PathKernels* IntegerTileKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return &kQ4_0TileKernels<Dot>;
    case TensorType::kQ8_0:
      return &kQ8_0TileKernels<Dot>;
    case TensorType::kQ4_K:
      return &kQ4_KTileKernels<Dot>;
    case TensorType::kQ6_K:
      return &kQ6_KTileKernels<Dot>;
    default:
      return nullptr;
  }
}

}  // namespace
}  // namespace citadel::kernels::internal
