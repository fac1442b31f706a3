// The VNNI kernel of the AMX path: for fewer than kAmxTokens tokens it
// computes the same exact per-chunk integer sums as the AMX tiles, straight
// from the weights with AVX-512 VNNI (no repack), and folds them with the
// same float accumulation (matmul_tile_accumulate.h), so results are bit-identical to
// the tile kernel's. Built with the AVX-512 flags; called only on the AMX
// path.
//
// Thread-safe: pure functions over borrowed buffers and the caller's scratch.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_tile_accumulate.h"

namespace citadel::kernels::internal {
namespace {

// Per 16-row panel: each row's exact chunk sums for every token (one VNNI
// pass over the row, a reduction tree per 16 chunks), stored row-major; then
// per token, 16 x 16 transposes give lanes = rows and the float
// accumulation of the tile kernel (TileAccumulator) runs on them.

// z[i] = x[2i] + x[2i+1] and z[8 + i] = y[2i] + y[2i+1], i < 8.
inline __m512i PairSum(__m512i x, __m512i y) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  return _mm512_add_epi32(_mm512_permutex2var_epi32(x, even, y),
                          _mm512_permutex2var_epi32(x, odd, y));
}

// Eight vectors of two chunks x eight lanes -> one vector of 16 chunk sums.
inline __m512i Reduce8(const __m512i v[8]) {
  return PairSum(PairSum(PairSum(v[0], v[1]), PairSum(v[2], v[3])),
                 PairSum(PairSum(v[4], v[5]), PairSum(v[6], v[7])));
}

// Four vectors of four chunks x four lanes -> one vector of 16 chunk sums.
inline __m512i Reduce4(const __m512i v[4]) {
  return PairSum(PairSum(v[0], v[1]), PairSum(v[2], v[3]));
}

// Buffers of the VNNI path, carved from the thread scratch after the panel.
// Each row writes its own contiguous lines (no scatters); VnniFinish then
// transposes 16 x 16 blocks to get lanes = rows.
struct RowSums {
  std::int32_t* isum;  // [tokens][16 rows][padded chunks]
  float* scales;       // [16 rows][padded chunks]
  float* mins;         // [16 rows][padded groups] (Q4_K)
  float* scales_t;     // [padded chunks][16 rows]
  float* mins_t;       // [padded groups][16 rows]
  std::int64_t chunks;
  std::int64_t padded_chunks;  // multiple of 16
  std::int64_t padded_groups;  // cols / 32 rounded up to 16
};

// In-place transpose of a 16 x 16 matrix of 32-bit values, one row per register.
inline void Transpose16x16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 16; i += 8) {
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_i32x4(r[i + j], r[i + j + 4], 0x88);
      t[i + j + 4] = _mm512_shuffle_i32x4(r[i + j], r[i + j + 4], 0xdd);
    }
  }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_i32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_i32x4(t[j], t[j + 8], 0xdd);
  }
}

// Loads the 16 x 16 block at column c0 of a [16][stride] matrix, transposed.
inline void LoadTransposed(const void* base, std::int64_t stride, std::int64_t c0, __m512i r[16]) {
  const auto* p = static_cast<const std::int32_t*>(base);
  for (int n = 0; n < 16; ++n) r[n] = _mm512_loadu_si512(p + n * stride + c0);
  Transpose16x16(r);
}

// [16][stride] -> [stride][16] for the first `count` columns (rounded up to 16).
inline void TransposeLines(const float* src, std::int64_t stride, std::int64_t count, float* dst) {
  __m512i r[16];
  for (std::int64_t c0 = 0; c0 < count; c0 += 16) {
    LoadTransposed(src, stride, c0, r);
    for (int j = 0; j < 16; ++j) _mm512_store_si512(dst + (c0 + j) * kTile, r[j]);
  }
}

// Stores the 16 chunk sums `v` (chunks c0..; lanes past the last chunk are
// padding) of row n, token t.
inline void StoreSums(const RowSums& rs, std::int64_t t, std::int64_t c0, int n, __m512i v) {
  _mm512_storeu_si512(rs.isum + (t * kTile + n) * rs.padded_chunks + c0, v);
}

struct Q4_0Sums {
  static void Row(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, std::int64_t tokens, int n, const RowSums& rs) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const auto* blocks = reinterpret_cast<const BlockQ4_0*>(wrow);
    for (std::int64_t b = 0; b < nb; ++b)
      rs.scales[n * rs.padded_chunks + b] = LoadHalf(&blocks[b].d);
    for (std::int64_t p0 = 0; p0 < pairs; p0 += 8) {
      const int valid = static_cast<int>(std::min<std::int64_t>(8, pairs - p0));
      __m512i wq[8];
      for (int k = 0; k < valid; ++k) {
        const std::int64_t b = 2 * (p0 + k);
        const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[b].qs));
        const __m128i q1 = b + 1 < nb
                               ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[b + 1].qs))
                               : _mm_setzero_si128();
        const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q0, q0)),
                                             _mm256_set_m128i(q1, q1), 1);
        wq[k] = _mm512_and_si512(_mm512_mask_blend_epi64(0xCC, x, _mm512_srli_epi16(x, 4)), low4);
      }
      for (std::int64_t t = 0; t < tokens; ++t) {
        const std::uint8_t* row = act.Row(t0 + t);
        const auto* corr = reinterpret_cast<const std::int32_t*>(row + pairs * 128);
        __m512i v[8];
        for (int k = 0; k < 8; ++k) {
          v[k] = k < valid ? _mm512_dpbusd_epi32(_mm512_load_si512(corr + (p0 + k) * 16), wq[k],
                                                 _mm512_load_si512(row + (p0 + k) * 64))
                           : _mm512_setzero_si512();
        }
        StoreSums(rs, t, 2 * p0, n, Reduce8(v));
      }
    }
  }
};

struct Q8_0Sums {
  static void Row(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, std::int64_t tokens, int n, const RowSums& rs) {
    const std::int64_t nb = cols / kQK;
    const std::int64_t pairs = Pairs(cols);
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    const auto* blocks = reinterpret_cast<const BlockQ8_0*>(wrow);
    for (std::int64_t b = 0; b < nb; ++b)
      rs.scales[n * rs.padded_chunks + b] = LoadHalf(&blocks[b].d);
    for (std::int64_t p0 = 0; p0 < pairs; p0 += 8) {
      const int valid = static_cast<int>(std::min<std::int64_t>(8, pairs - p0));
      __m512i wq[8];
      __m512i wcorr[8];
      for (int k = 0; k < valid; ++k) {
        const std::int64_t b = 2 * (p0 + k);
        const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blocks[b].qs));
        const __m256i q1 =
            b + 1 < nb ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blocks[b + 1].qs))
                       : _mm256_setzero_si256();
        wq[k] = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
        // -128 * sum(w) per lane cancels the +128 that makes the activation unsigned.
        wcorr[k] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                    _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, wq[k]));
      }
      for (std::int64_t t = 0; t < tokens; ++t) {
        const std::uint8_t* row = act.Row(t0 + t);
        __m512i v[8];
        for (int k = 0; k < 8; ++k) {
          v[k] = k < valid
                     ? _mm512_dpbusd_epi32(
                           wcorr[k], _mm512_xor_si512(_mm512_load_si512(row + (p0 + k) * 64), bias),
                           wq[k])
                     : _mm512_setzero_si512();
        }
        StoreSums(rs, t, 2 * p0, n, Reduce8(v));
      }
    }
  }
};

struct Q4_KSums {
  static void Row(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, std::int64_t tokens, int n, const RowSums& rs) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const auto* blocks = reinterpret_cast<const BlockQ4_K*>(wrow);
    // Lanes 0-7: d * scale of each slot's group; 8-15: dmin * min per group
    // (the same float products as Q4_KFormat::Decode), scattered to column n.
    const __m512i order = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 5, 6, 4, 3, 1, 2, 0);
    for (std::int64_t s = 0; s < sb; ++s) {
      alignas(16) std::uint8_t sm[16];
      Q4_KScalesMins(blocks[s].scales, sm);
      const __m512 raw = _mm512_cvtepi32_ps(
          _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sm))));
      const __m512 factors = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(LoadHalf(&blocks[s].d)),
                                                  _mm512_set1_ps(LoadHalf(&blocks[s].dmin)));
      const __m512 v = _mm512_mul_ps(_mm512_permutexvar_ps(order, raw), factors);
      _mm256_storeu_ps(rs.scales + n * rs.padded_chunks + s * 8, _mm512_castps512_ps256(v));
      _mm256_storeu_ps(rs.mins + n * rs.padded_groups + s * 8, _mm512_extractf32x8_ps(v, 1));
    }
    for (std::int64_t s0 = 0; s0 < sb; s0 += 2) {
      const int valid = s0 + 1 < sb ? 8 : 4;
      __m512i wq[8];
      for (int k = 0; k < valid; ++k) {
        const __m512i c = _mm512_loadu_si512(blocks[s0 + k / 4].qs + 64 * ((k % 4) / 2));
        wq[k] =
            (k & 1) ? _mm512_and_si512(_mm512_srli_epi16(c, 4), low4) : _mm512_and_si512(c, low4);
      }
      for (std::int64_t t = 0; t < tokens; ++t) {
        const std::uint8_t* q = act.Row(t0 + t) + s0 * 256;
        __m512i v[8];
        for (int k = 0; k < 8; ++k) {
          v[k] = k < valid ? _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[k],
                                                 _mm512_load_si512(q + 64 * k))
                           : _mm512_setzero_si512();
        }
        StoreSums(rs, t, s0 * 8, n, Reduce8(v));
      }
    }
  }
};

struct Q6_KSums {
  static void Row(const std::uint8_t* wrow, std::int64_t cols, const PreparedActivations& act,
                  std::int64_t t0, std::int64_t tokens, int n, const RowSums& rs) {
    const std::int64_t sb = cols / kQKK;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    const __m512i shl_a = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i shr_b = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
    const auto* blocks = reinterpret_cast<const BlockQ6_K*>(wrow);
    for (std::int64_t s = 0; s < sb; ++s) {
      const BlockQ6_K& b = blocks[s];
      const float d = LoadHalf(&b.d);
      const __m512 v = _mm512_mul_ps(
          _mm512_set1_ps(d), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)))));
      _mm512_storeu_ps(rs.scales + n * rs.padded_chunks + s * 16, v);
      __m512i wq[4];
      for (int h = 0; h < 2; ++h) {
        const __m512i ql = _mm512_loadu_si512(b.ql + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h)));
        wq[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                    _mm512_and_si512(_mm512_sllv_epi16(qh, shl_a), bits45));
        wq[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                        _mm512_and_si512(_mm512_srlv_epi16(qh, shr_b), bits45));
      }
      for (std::int64_t t = 0; t < tokens; ++t) {
        const std::uint8_t* row = act.Row(t0 + t);
        const auto* corr =
            reinterpret_cast<const std::int32_t*>(row + Q6_KOffsetCorrections(sb)) + s * 64;
        __m512i v[4];
        for (int k = 0; k < 4; ++k) {
          v[k] = _mm512_dpbusd_epi32(_mm512_load_si512(corr + 16 * k), wq[k],
                                     _mm512_load_si512(row + s * 256 + 64 * k));
        }
        StoreSums(rs, t, s * 16, n, Reduce4(v));
      }
    }
  }
};

template <class F>
std::size_t VnniScratchBytes(const WeightView& w) {
  const std::int64_t chunks = (w.cols / F::kK + 15) / 16 * 16;
  const std::int64_t groups = (w.cols / 32 + 15) / 16 * 16;
  return RoundUp64((kAmxTokens - 1) * kTile * chunks * 4) + 2 * RoundUp64(kTile * chunks * 4) +
         2 * RoundUp64(kTile * groups * 4);
}

template <class F>
RowSums CarveRowSums(const WeightView& w, std::uint8_t* scratch) {
  RowSums rs;
  rs.chunks = w.cols / F::kK;
  rs.padded_chunks = (rs.chunks + 15) / 16 * 16;
  rs.padded_groups = (w.cols / 32 + 15) / 16 * 16;
  rs.isum = reinterpret_cast<std::int32_t*>(scratch);
  scratch += RoundUp64((kAmxTokens - 1) * kTile * rs.padded_chunks * 4);
  rs.scales = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(kTile * rs.padded_chunks * 4);
  rs.scales_t = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(kTile * rs.padded_chunks * 4);
  rs.mins = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(kTile * rs.padded_groups * 4);
  rs.mins_t = reinterpret_cast<float*>(scratch);
  return rs;
}

// The float accumulation of PanelTile for `tokens` tokens from isum.
template <class F>
void VnniFinish(const WeightView& w, const PreparedActivations& act, const RowSums& rs,
                std::int64_t r0, int nvalid, std::int64_t t0, std::int64_t tokens, float* out) {
  const __mmask16 mask = static_cast<__mmask16>((1u << nvalid) - 1);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::uint8_t* row = act.Row(t0 + t);
    const std::int32_t* isum = rs.isum + t * kTile * rs.padded_chunks;
    __m512 acc = _mm512_setzero_ps();
    __m512 part = _mm512_setzero_ps();
    __m512i block[16];
    for (std::int64_t c = 0; c < rs.chunks; ++c) {
      if (c % 16 == 0) LoadTransposed(isum, rs.padded_chunks, c, block);
      const __m512 v = _mm512_cvtepi32_ps(block[c % 16]);
      const __m512 ws = _mm512_load_ps(rs.scales_t + c * kTile);
      if constexpr (F::kChunksPerActScale == 1) {
        acc = AccumulateChunk(v, ws, F::ActScale(row, w.cols, c), acc);
      } else {  // as TileAccumulator::Add
        part = _mm512_fmadd_ps(v, ws, part);
        if ((c + 1) % F::kChunksPerActScale == 0) {
          acc = _mm512_fmadd_ps(part, _mm512_set1_ps(F::ActScale(row, w.cols, c)), acc);
          part = _mm512_setzero_ps();
        }
      }
    }
    if constexpr (F::kHasMins) {
      acc = SubtractMins(acc, rs.mins_t, F::ActGroupSums(row, w.cols), w.cols / 32);
    }
    _mm512_mask_storeu_ps(out + (t0 + t) * w.rows + r0, mask, acc);
  }
}

template <class F, class Sums>
void VnniCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                 std::int64_t row_end, std::int64_t t0, std::int64_t tokens,
                 std::uint8_t* thread_scratch, float* out) {
  const RowSums rs = CarveRowSums<F>(w, thread_scratch);
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(w.type, w.cols));
  for (std::int64_t r0 = row_begin; r0 < row_end; r0 += kTile) {
    const int nvalid = static_cast<int>(std::min<std::int64_t>(kTile, row_end - r0));
    if (nvalid < kTile) {  // unused lanes: keep them finite and deterministic
      std::memset(rs.isum, 0, tokens * kTile * rs.padded_chunks * 4);
      std::memset(rs.scales, 0, kTile * rs.padded_chunks * 4);
      if constexpr (F::kHasMins) std::memset(rs.mins, 0, kTile * rs.padded_groups * 4);
    }
    for (int n = 0; n < nvalid; ++n) {
      Sums::Row(w.data + (r0 + n) * row_bytes, w.cols, act, t0, tokens, n, rs);
    }
    TransposeLines(rs.scales, rs.padded_chunks, rs.chunks, rs.scales_t);
    if constexpr (F::kHasMins) TransposeLines(rs.mins, rs.padded_groups, w.cols / 32, rs.mins_t);
    VnniFinish<F>(w, act, rs, r0, nvalid, t0, tokens, out);
  }
}

}  // namespace

void VnniPanelCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                      std::int64_t row_end, std::int64_t t0, std::int64_t tokens,
                      std::uint8_t* thread_scratch, float* out) {
  switch (w.type) {
    case TensorType::kQ4_0:
      return VnniCompute<Q4_0Format, Q4_0Sums>(w, act, row_begin, row_end, t0, tokens,
                                               thread_scratch, out);
    case TensorType::kQ8_0:
      return VnniCompute<Q8_0Format, Q8_0Sums>(w, act, row_begin, row_end, t0, tokens,
                                               thread_scratch, out);
    case TensorType::kQ4_K:
      return VnniCompute<Q4_KFormat, Q4_KSums>(w, act, row_begin, row_end, t0, tokens,
                                               thread_scratch, out);
    case TensorType::kQ6_K:
      return VnniCompute<Q6_KFormat, Q6_KSums>(w, act, row_begin, row_end, t0, tokens,
                                               thread_scratch, out);
    default:
      return;  // AmxKernels() offers no other type
  }
}

std::size_t VnniPanelScratchBytes(const WeightView& w) {
  switch (w.type) {
    case TensorType::kQ4_0:
      return VnniScratchBytes<Q4_0Format>(w);
    case TensorType::kQ8_0:
      return VnniScratchBytes<Q8_0Format>(w);
    case TensorType::kQ4_K:
      return VnniScratchBytes<Q4_KFormat>(w);
    case TensorType::kQ6_K:
      return VnniScratchBytes<Q6_KFormat>(w);
    default:
      return 0;
  }
}

}  // namespace citadel::kernels::internal
