// Internal to the panel kernels (matmul_panels_avx512.cc, matmul_amx.cc):
// decoding the K-quant panel regions of kernels/weight_panels.h into
// vectors whose 16 lanes are the panel's 16 rows. Include only from files
// built with the AVX-512 flags; internal linkage on purpose (see
// matmul_panel.h).
//
// Thread-safe: pure functions.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/block_formats.h"
#include "kernels/weight_panels.h"

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

// Streaming prefetch. Each 64-byte line a kernel loads is prefetched twice:
// far ahead into L2, where the request has the time of a DRAM access to
// complete, and a little ahead into L1, so the load itself hits. Far
// prefetches straight into L1 (the old scheme) hold an L1 fill buffer for the
// whole DRAM access, and the 16 of them cap one core's stream: Q4_0 M=1 read
// 80% of a plain scan's bandwidth with them, 89-92% with this, on 2 threads
// of a Sapphire Rapids-class Xeon (the panel loop alone, interleaved A/B).

// How far ahead a Q4_0 / Q8_0 kernel prefetches its quants into L2.
constexpr int kFarBytes = 3072;

// How far ahead every panel kernel prefetches into L1.
constexpr int kNearBytes = 1024;

// Super-blocks a K-quant kernel prefetches ahead (into L2) of the one it reads.
constexpr std::int64_t kPrefetchSuperBlocks = 2;

inline void PrefetchFar(const void* p) {
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
}

inline void PrefetchNear(const void* p) {
  _mm_prefetch(static_cast<const char*>(p) + kNearBytes, _MM_HINT_T0);
}

// The regions of one panel.
struct PanelRegions {
  const std::uint8_t* r[5];
  std::int64_t stride;        // bytes from this panel to the next
  std::int64_t super_blocks;  // per row
};

inline PanelRegions Regions(const WeightView& w, std::int64_t r0) {
  const std::int64_t stride = static_cast<std::int64_t>(PanelStride(w.type, w.cols));
  const std::uint8_t* panel = w.data + (r0 / kPanelRows) * stride;
  PanelRegions p;
  for (int i = 0; i < 5; ++i) p.r[i] = panel + PanelRegionOffset(w.type, w.cols, i);
  p.stride = stride;
  p.super_blocks = w.cols / kQKK;
  return p;
}

// Where region `field` (`bytes` per super-block) holds super-block s +
// kPrefetchSuperBlocks: in the next panel once this one runs out, so a row of
// few super-blocks still has its next panel's first loads in flight.
// Prefetching past the matrix is harmless (a prefetch never faults).
inline const char* PrefetchTarget(const PanelRegions& p, int field, std::int64_t s,
                                  std::int64_t bytes) {
  std::int64_t ahead = s + kPrefetchSuperBlocks;
  std::int64_t offset = 0;
  if (ahead >= p.super_blocks) {
    ahead -= p.super_blocks;
    offset = p.stride;
  }
  return reinterpret_cast<const char*>(p.r[field] + offset + ahead * bytes);
}

// Prefetches `bytes` (a multiple of 64) of region `field` for super-block
// s + kPrefetchSuperBlocks into L2. The small regions need no near
// prefetch: their lines are few and reused across the super-block.
inline void PrefetchSuperBlock(const PanelRegions& p, int field, std::int64_t s,
                               std::int64_t bytes) {
  const char* target = PrefetchTarget(p, field, s, bytes);
  for (std::int64_t i = 0; i < bytes; i += 64) PrefetchFar(target + i);
}

inline __m512 HalfVector(const std::uint8_t* region, std::int64_t block) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(region) + block));
}

// Q4_K super-block `s`: the 16 rows' 6-bit scales (sc) and mins (mn) of
// groups 0-3 and 4-7, a byte per group in each 32-bit lane (Q4_KScalesMins
// in lanes).
struct Q4_KScaleWords {
  __m512i sc03, sc47, mn03, mn47;
};

inline Q4_KScaleWords LoadQ4_KScales(const PanelRegions& p, std::int64_t s) {
  const std::uint8_t* w = p.r[2] + s * 3 * 64;
  const __m512i u0 = _mm512_load_si512(w), u1 = _mm512_load_si512(w + 64);
  const __m512i u2 = _mm512_load_si512(w + 128);
  const __m512i low6 = _mm512_set1_epi32(0x3f3f3f3f), low4 = _mm512_set1_epi32(0x0f0f0f0f);
  const __m512i top2 = _mm512_set1_epi32(0x03030303);
  Q4_KScaleWords out;
  out.sc03 = _mm512_and_si512(u0, low6);
  out.mn03 = _mm512_and_si512(u1, low6);
  out.sc47 =
      _mm512_or_si512(_mm512_and_si512(u2, low4),
                      _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u0, 6), top2), 4));
  out.mn47 =
      _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), low4),
                      _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u1, 6), top2), 4));
  return out;
}

// Byte `g % 4` of each lane of `words` as floats.
inline __m512 ByteAsFloat(__m512i words, int g) {
  const __m512i v =
      _mm512_and_si512(_mm512_srli_epi32(words, 8 * (g % 4)), _mm512_set1_epi32(0xFF));
  return _mm512_cvtepi32_ps(v);
}

// Q4_K group g's weight scale d * sc and scaled min dmin * mn per row: the
// same float products as the row kernels.
inline __m512 Q4_KGroupScale(const Q4_KScaleWords& sw, __m512 d, int g) {
  return _mm512_mul_ps(d, ByteAsFloat(g < 4 ? sw.sc03 : sw.sc47, g));
}
inline __m512 Q4_KGroupMin(const Q4_KScaleWords& sw, __m512 dmin, int g) {
  return _mm512_mul_ps(dmin, ByteAsFloat(g < 4 ? sw.mn03 : sw.mn47, g));
}

// Q4_K quants of super-block s, words 8j .. 8j + 7: group 2j (low nibbles)
// and 2j + 1 (high nibbles), word m of each = elements 4m .. 4m + 3. With
// kHighInPlace, group 2j + 1's nibbles stay where they are, as 16 x the
// quant: one AND per word instead of a shift and an AND, and the caller
// scales those sums by 1/16, which is exact.
template <bool kHighInPlace = false>
inline void LoadQ4_KPair(const PanelRegions& p, std::int64_t s, int j, __m512i lo[8],
                         __m512i hi[8]) {
  const std::uint8_t* q = p.r[3] + (s * 32 + 8 * j) * 64;
  // Ahead of the loads: the hardware prefetcher alone leaves the first load
  // of each super-block waiting on memory.
  const char* ahead = PrefetchTarget(p, 3, s, 32 * 64) + 8 * j * 64;
  const __m512i low4 = _mm512_set1_epi8(0x0F), high4 = _mm512_set1_epi8(0xF0);
  for (int m = 0; m < 8; ++m) {
    PrefetchFar(ahead + 64 * m);
    PrefetchNear(q + 64 * m);
    const __m512i x = _mm512_load_si512(q + 64 * m);
    lo[m] = _mm512_and_si512(x, low4);
    hi[m] =
        kHighInPlace ? _mm512_and_si512(x, high4) : _mm512_and_si512(_mm512_srli_epi16(x, 4), low4);
  }
}

// Q5_K: adds the fifth bits (16) of groups 2j and 2j + 1 to LoadQ4_KPair's
// nibbles. Word m of qh holds bytes 4m .. 4m + 3; bit g of byte i belongs to
// element 32g + i.
inline void AddQ5_KHighBits(const PanelRegions& p, std::int64_t s, int j, __m512i lo[8],
                            __m512i hi[8]) {
  const std::uint8_t* qh = p.r[4] + s * 8 * 64;
  const __m512i one = _mm512_set1_epi8(1);
  for (int m = 0; m < 8; ++m) {
    const __m512i h = _mm512_load_si512(qh + 64 * m);
    lo[m] = _mm512_or_si512(
        lo[m], _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(h, 2 * j), one), 4));
    hi[m] = _mm512_or_si512(
        hi[m], _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(h, 2 * j + 1), one), 4));
  }
}

// Q6_K chunk c's (16 elements) weight scale d * scale per row.
inline __m512 Q6_KChunkScale(const PanelRegions& p, std::int64_t s, __m512 d, int c) {
  const __m512i words = _mm512_load_si512(p.r[2] + (s * 4 + c / 4) * 64);
  const __m512i v = _mm512_srai_epi32(_mm512_slli_epi32(words, 24 - 8 * (c % 4)), 24);
  return _mm512_mul_ps(d, _mm512_cvtepi32_ps(v));
}

// Q6_K super-block s, half h: the unsigned 6-bit quants (0..63) of the 16
// rows as 32 vectors, out[4 * c' + i] = word i of chunk 8h + c' (elements
// 4i .. 4i + 3 of that chunk).
inline void DecodeQ6_KHalf(const PanelRegions& p, std::int64_t s, int h, __m512i out[32]) {
  const std::uint8_t* ql = p.r[0] + (s * 32 + 16 * h) * 64;
  const std::uint8_t* qh = p.r[1] + (s * 16 + 8 * h) * 64;
  // Ahead of the loads (ql: 2 KB, qh: 1 KB per super-block), as LoadQ4_KPair.
  const char* ql_ahead = PrefetchTarget(p, 0, s, 32 * 64) + 16 * h * 64;
  const char* qh_ahead = PrefetchTarget(p, 1, s, 16 * 64) + 8 * h * 64;
  const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
  for (int m = 0; m < 8; ++m) {
    PrefetchFar(ql_ahead + 64 * m);
    PrefetchFar(ql_ahead + 64 * (8 + m));
    PrefetchFar(qh_ahead + 64 * m);
    PrefetchNear(ql + 64 * m);
    PrefetchNear(ql + 64 * (8 + m));
    PrefetchNear(qh + 64 * m);
    const __m512i qa = _mm512_load_si512(ql + 64 * m);
    const __m512i qb = _mm512_load_si512(ql + 64 * (8 + m));
    const __m512i hb = _mm512_load_si512(qh + 64 * m);
    const __m512i v[4] = {_mm512_or_si512(_mm512_and_si512(qa, low4),
                                          _mm512_and_si512(_mm512_slli_epi16(hb, 4), bits45)),
                          _mm512_or_si512(_mm512_and_si512(qb, low4),
                                          _mm512_and_si512(_mm512_slli_epi16(hb, 2), bits45)),
                          _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(qa, 4), low4),
                                          _mm512_and_si512(hb, bits45)),
                          _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(qb, 4), low4),
                                          _mm512_and_si512(_mm512_srli_epi16(hb, 2), bits45))};
    // v[r] holds elements 32r + 4m ..: chunk 2r + m / 4, word m % 4.
    for (int r = 0; r < 4; ++r) out[4 * (2 * r + m / 4) + m % 4] = v[r];
  }
}

}  // namespace
}  // namespace citadel::kernels::internal
