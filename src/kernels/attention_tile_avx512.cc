// AVX-512 body of AttendTile (kernels/attention_tile.h): per block of 16
// positions the keys are widened and transposed once (lanes = positions),
// then every row of the tile gets its 16 scores from head_dim FMAs, an
// online-softmax update in one vector, and head_dim / 16 FMAs per position
// for the values.
//
// Thread-safe: pure function over borrowed buffers and the caller's scratch.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernels/attention_tile.h"
#include "kernels/block_formats.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kBlock = 16;

// exp(x) for x <= 0 (and -inf): range reduction to r in [-ln2/2, ln2/2],
// a degree-6 Taylor polynomial, and 2^n by VSCALEFPS. Relative error about
// 2e-7; the same bits for the same input, whichever row it serves.
inline __m512 Exp(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145752f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860677e-6f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

inline void Transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 16; i += 8) {
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0x88);
      t[i + j + 4] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0xdd);
    }
  }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
  }
}

// 16 elements from dim d0 of a kv row, widened.
inline __m512 Widen16(const PagedKvView& kv, const std::uint8_t* row, int d0) {
  if (kv.type == KvCacheType::kF16) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * d0)));
  }
  const auto& block = reinterpret_cast<const BlockQ8_0*>(row)[d0 / kQK];
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block.qs + d0 % kQK));
  return _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(block.d)),
                       _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)));
}

void WidenBlock(const PagedKvView& kv, int kv_head, std::span<const std::int32_t> block_table,
                int p0, int n, float* kt, float* v) {
  const int hd = kv.head_dim;
  const std::uint8_t* keys[kBlock];
  for (int j = 0; j < kBlock; ++j) {
    keys[j] = j < n ? KvRowOf(kv.keys, kv, kv_head, block_table, p0 + j) : nullptr;
    const std::uint8_t* value =
        j < n ? KvRowOf(kv.values, kv, kv_head, block_table, p0 + j) : nullptr;
    for (int d0 = 0; d0 < hd; d0 += 16) {
      _mm512_storeu_ps(v + j * hd + d0, value ? Widen16(kv, value, d0) : _mm512_setzero_ps());
    }
  }
  for (int d0 = 0; d0 < hd; d0 += 16) {
    __m512 r[16];
    for (int j = 0; j < kBlock; ++j)
      r[j] = keys[j] ? Widen16(kv, keys[j], d0) : _mm512_setzero_ps();
    Transpose16x16(r);
    for (int d = 0; d < 16; ++d) _mm512_storeu_ps(kt + (d0 + d) * kBlock, r[d]);
  }
}

}  // namespace

void AttendTileAvx512(const AttentionTile& tile, const PagedKvView& kv, int kv_head,
                      std::span<const std::int32_t> block_table, float scale,
                      std::span<float> scratch) {
  const int hd = kv.head_dim;
  const int rows = tile.tokens * tile.heads;
  const auto [kt, v, m, l] = CarveTileScratch(scratch, hd, rows);
  auto row_ptr = [&](auto* base, int r) {
    return base + (r / tile.heads) * tile.stride + (r % tile.heads) * hd;
  };
  for (int r = 0; r < rows; ++r) {
    m[r] = -std::numeric_limits<float>::infinity();
    l[r] = 0.0f;
    float* o = row_ptr(tile.out, r);
    for (int d0 = 0; d0 < hd; d0 += 16) _mm512_storeu_ps(o + d0, _mm512_setzero_ps());
  }
  const int max_context = tile.first_context + tile.tokens - 1;
  for (int p0 = 0; p0 < max_context; p0 += kBlock) {
    WidenBlock(kv, kv_head, block_table, p0, std::min(kBlock, max_context - p0), kt, v);
    for (int r = 0; r < rows; ++r) {
      const int valid = std::min(kBlock, tile.first_context + r / tile.heads - p0);
      if (valid <= 0) continue;
      const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1);
      const float* q = row_ptr(tile.q, r);
      float* o = row_ptr(tile.out, r);
      __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
      for (int d = 0; d < hd; d += 2) {
        s0 = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(kt + d * kBlock), s0);
        s1 = _mm512_fmadd_ps(_mm512_set1_ps(q[d + 1]), _mm512_loadu_ps(kt + (d + 1) * kBlock), s1);
      }
      const __m512 s = _mm512_mul_ps(_mm512_add_ps(s0, s1), _mm512_set1_ps(scale));
      const float m_new = std::max(m[r], _mm512_mask_reduce_max_ps(mask, s));
      const __m512 p = _mm512_maskz_mov_ps(mask, Exp(_mm512_sub_ps(s, _mm512_set1_ps(m_new))));
      const __m512 correction = Exp(_mm512_set1_ps(m[r] - m_new));
      l[r] = l[r] * _mm512_cvtss_f32(correction) + _mm512_reduce_add_ps(p);
      m[r] = m_new;
      alignas(64) float pj[kBlock];
      _mm512_store_ps(pj, p);
      for (int d0 = 0; d0 < hd; d0 += 16) {
        __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(o + d0), correction);
        for (int j = 0; j < valid; ++j) {
          acc = _mm512_fmadd_ps(_mm512_set1_ps(pj[j]), _mm512_loadu_ps(v + j * hd + d0), acc);
        }
        _mm512_storeu_ps(o + d0, acc);
      }
    }
  }
  for (int r = 0; r < rows; ++r) {
    float* o = row_ptr(tile.out, r);
    const __m512 inv = _mm512_set1_ps(1.0f / l[r]);
    for (int d0 = 0; d0 < hd; d0 += 16)
      _mm512_storeu_ps(o + d0, _mm512_mul_ps(_mm512_loadu_ps(o + d0), inv));
  }
}

}  // namespace citadel::kernels::internal
