// Internal to the panel kernels (matmul_panels_q4_0_q8_0_avx512.cc, matmul_amx.cc):
// decoding the K-quant panel fields of kernels/weight_panels.h into
// vectors whose 16 lanes are the panel's 16 rows. Include only from files
// built with the AVX-512 flags; internal linkage on purpose (see
// matmul_tile_accumulate.h).
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
// prefetches straight into L1 hold an L1 fill buffer for the
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

// The fields of one panel: field f of block b is at r[f] + b * step[f].
struct PanelRegions {
  const std::uint8_t* r[5];
  std::int64_t step[5];
  std::int64_t stride;  // bytes from this panel to the next
};

// The fields of the panel holding row r0 of `first`'s matrix.
inline PanelRegions AtPanel(const PanelRegions& first, std::int64_t r0) {
  PanelRegions p = first;
  for (const std::uint8_t*& r : p.r) r += (r0 / kPanelRows) * first.stride;
  return p;
}

// The fields of the first panel. The layout queries behind it are calls into
// weight_panels.cc, so kernels make them once per call and step from panel to
// panel with AtPanel: made for every panel, they took 6-8% of Q4_K's M=1
// time.
inline PanelRegions Regions(const WeightView& w) {
  PanelRegions p;
  for (int i = 0; i < 5; ++i) {
    p.r[i] = w.data + PanelRegionOffset(w.type, w.cols, i);
    p.step[i] = static_cast<std::int64_t>(PanelFieldStep(w.type, i));
  }
  p.stride = static_cast<std::int64_t>(PanelStride(w.type, w.cols));
  return p;
}

// Field `field` of block `b`.
inline const std::uint8_t* FieldAt(const PanelRegions& p, int field, std::int64_t b) {
  return p.r[field] + b * p.step[field];
}

// Where field `field` of super-block s + kPrefetchSuperBlocks is. K-quant
// panels are block-major, so one panel's blocks run on into the next's: past
// the last super-block this is the next panel, whose first loads are then in
// flight even for rows of few super-blocks. Prefetching past the matrix is
// harmless (a prefetch never faults).
inline const char* PrefetchTarget(const PanelRegions& p, int field, std::int64_t s) {
  return reinterpret_cast<const char*>(FieldAt(p, field, s + kPrefetchSuperBlocks));
}

// Prefetches `bytes` (a multiple of 64) of field `field` of super-block
// s + kPrefetchSuperBlocks into L2. The small fields need no near
// prefetch: their lines are few and reused across the super-block.
inline void PrefetchSuperBlock(const PanelRegions& p, int field, std::int64_t s,
                               std::int64_t bytes) {
  const char* target = PrefetchTarget(p, field, s);
  for (std::int64_t i = 0; i < bytes; i += 64) PrefetchFar(target + i);
}

// A half field (16 fp16, one per row) as floats.
inline __m512 HalfVector(const std::uint8_t* at) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(at)));
}

// Q4_K super-block `s`: the 16 rows' 6-bit scales (sc) and mins (mn) of
// groups 0-3 and 4-7, a byte per group in each 32-bit lane (Q4_KScalesMins
// in lanes).
struct Q4_KScaleWords {
  __m512i sc03, sc47, mn03, mn47;
};

inline Q4_KScaleWords LoadQ4_KScales(const PanelRegions& p, std::int64_t s) {
  const std::uint8_t* w = FieldAt(p, 2, s);
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

// Q4_K group g's weight scale d * sc per row: the same float product as the
// row kernels.
inline __m512 Q4_KGroupScale(const Q4_KScaleWords& sw, __m512 d, int g) {
  return _mm512_mul_ps(d, ByteAsFloat(g < 4 ? sw.sc03 : sw.sc47, g));
}

// A Q4_K / Q5_K super-block's mins per row: dmin, and the eight 6-bit mins as
// int16 pairs {m0, m2} {m1, m3} {m4, m6} {m5, m7}, the order of the
// activation's pair sums (PreparePanelQ8K).
struct Q4_KMins {
  __m512 dmin;
  __m512i pairs[4];
};

inline Q4_KMins LoadQ4_KMins(const PanelRegions& p, const Q4_KScaleWords& sw, std::int64_t s) {
  const __m512i even = _mm512_set1_epi32(0x00FF00FF);
  return {HalfVector(FieldAt(p, 1, s)),
          {_mm512_and_si512(sw.mn03, even), _mm512_and_si512(_mm512_srli_epi32(sw.mn03, 8), even),
           _mm512_and_si512(sw.mn47, even), _mm512_and_si512(_mm512_srli_epi32(sw.mn47, 8), even)}};
}

// part - dmin x (sum over groups g of min_g x the token's group sum g): a
// super-block's min term, its dot product exact in integers as llama.cpp
// computes it (at most 8 x 63 x 4096, so the int32 converts exactly), then
// one rounding. `pair_sums`: the token's four pair words of this super-block.
// The tiles and the VNNI kernel both end every super-block with it, so their
// results stay equal bit for bit.
inline __m512 SubtractMinDot(__m512 part, const Q4_KMins& mins, const std::int32_t* pair_sums) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i a = _mm512_dpwssd_epi32(zero, mins.pairs[0], _mm512_set1_epi32(pair_sums[0]));
  __m512i b = _mm512_dpwssd_epi32(zero, mins.pairs[1], _mm512_set1_epi32(pair_sums[1]));
  a = _mm512_dpwssd_epi32(a, mins.pairs[2], _mm512_set1_epi32(pair_sums[2]));
  b = _mm512_dpwssd_epi32(b, mins.pairs[3], _mm512_set1_epi32(pair_sums[3]));
  return _mm512_fnmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a, b)), mins.dmin, part);
}

// Q4_K quants of super-block s, words 8j .. 8j + 7: group 2j (low nibbles)
// and 2j + 1 (high nibbles), word m of each = elements 4m .. 4m + 3. With
// kHighInPlace, group 2j + 1's nibbles stay where they are, as 16 x the
// quant: one AND per word instead of a shift and an AND, and the caller
// scales those sums by 1/16, which is exact.
template <bool kHighInPlace = false>
inline void LoadQ4_KPair(const PanelRegions& p, std::int64_t s, int j, __m512i lo[8],
                         __m512i hi[8]) {
  const std::uint8_t* q = FieldAt(p, 3, s) + 8 * j * 64;
  // Ahead of the loads: the hardware prefetcher alone leaves the first load
  // of each super-block waiting on memory.
  const char* ahead = PrefetchTarget(p, 3, s) + 8 * j * 64;
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
  const std::uint8_t* qh = FieldAt(p, 4, s);
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
  const __m512i words = _mm512_load_si512(FieldAt(p, 2, s) + (c / 4) * 64);
  const __m512i v = _mm512_srai_epi32(_mm512_slli_epi32(words, 24 - 8 * (c % 4)), 24);
  return _mm512_mul_ps(d, _mm512_cvtepi32_ps(v));
}

// Q6_K super-block s, half h: the unsigned 6-bit quants (0..63) of the 16
// rows as 32 vectors, out[4 * c' + i] = word i of chunk 8h + c' (elements
// 4i .. 4i + 3 of that chunk).
inline void DecodeQ6_KHalf(const PanelRegions& p, std::int64_t s, int h, __m512i out[32]) {
  const std::uint8_t* ql = FieldAt(p, 0, s) + 16 * h * 64;
  const std::uint8_t* qh = FieldAt(p, 1, s) + 8 * h * 64;
  // Ahead of the loads (ql: 2 KB, qh: 1 KB per super-block), as LoadQ4_KPair.
  const char* ql_ahead = PrefetchTarget(p, 0, s) + 16 * h * 64;
  const char* qh_ahead = PrefetchTarget(p, 1, s) + 8 * h * 64;
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
