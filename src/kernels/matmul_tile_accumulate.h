// Internal to the AMX path of MatMul (matmul_amx.cc, matmul_amx_vnni_avx512.cc):
// how each weight type decodes into 16-row panels, and the float
// accumulation both kernels of the path share so their outputs are
// bit-identical. Include only from files built with the AVX-512 flags.
//
// Everything here has internal linkage (an unnamed namespace) on purpose:
// these inline functions are compiled with ISA flags, and an external copy
// could be picked by the linker for code that runs on any CPU.
//
// Thread-safe: pure functions.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

constexpr int kTile = 16;  // tokens per A tile, outputs per B tile
// Fewest tokens worth the tiles: below this, repacking a panel costs more
// than streaming it with VNNI once per token.
constexpr std::int64_t kAmxTokens = 6;

inline float LoadHalf(const void* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Q4_K 6-bit scales (out[0..7]) and mins (out[8..15]).
inline void Q4_KScalesMins(const std::uint8_t* packed, std::uint8_t out[16]) {
  std::uint32_t u[3];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t v[4] = {u[0] & kLow6, (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4),
                              u[1] & kLow6, ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4)};
  std::memcpy(out, v, 16);
}

// One weight type's decoding. `vals` gets `cols` int8 in the prepared
// activation's element order, `scales` one float per chunk, `mins` (Q4_K
// only) one float per 32-element group.
struct Q4_0Format {
  static constexpr int kK = 32;
  static constexpr int kChunksPerActScale = 1;
  static constexpr bool kHasMins = false;
  static void Decode(const std::uint8_t* wrow, std::int64_t cols, std::int8_t* vals, float* scales,
                     float*) {
    const auto* blocks = reinterpret_cast<const BlockQ4_0*>(wrow);
    for (std::int64_t b = 0; b < cols / kQK; ++b) {
      scales[b] = LoadHalf(&blocks[b].d);
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[b].qs));
      const __m128i low4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(vals + b * 32),
                       _mm_sub_epi8(_mm_and_si128(q, low4), eight));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(vals + b * 32 + 16),
                       _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), low4), eight));
    }
  }
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return reinterpret_cast<const float*>(row + Pairs(cols) * 64)[chunk * 8];
  }
};

struct Q8_0Format {
  static constexpr int kK = 32;
  static constexpr int kChunksPerActScale = 1;
  static constexpr bool kHasMins = false;
  static void Decode(const std::uint8_t* wrow, std::int64_t cols, std::int8_t* vals, float* scales,
                     float*) {
    const auto* blocks = reinterpret_cast<const BlockQ8_0*>(wrow);
    for (std::int64_t b = 0; b < cols / kQK; ++b) {
      scales[b] = LoadHalf(&blocks[b].d);
      std::memcpy(vals + b * 32, blocks[b].qs, 32);
    }
  }
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return Q4_0Format::ActScale(row, cols, chunk);
  }
};

struct Q4_KFormat {
  static constexpr int kK = 32;
  static constexpr int kChunksPerActScale = 8;  // one activation scale per super-block
  static constexpr bool kHasMins = true;
  static void Decode(const std::uint8_t* wrow, std::int64_t cols, std::int8_t* vals, float* scales,
                     float* mins) {
    static constexpr int kGroupOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};  // slot -> group
    const auto* blocks = reinterpret_cast<const BlockQ4_K*>(wrow);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (std::int64_t s = 0; s < cols / kQKK; ++s) {
      const BlockQ4_K& b = blocks[s];
      std::uint8_t sm[16];
      Q4_KScalesMins(b.scales, sm);
      const float d = LoadHalf(&b.d), dmin = LoadHalf(&b.dmin);
      for (int slot = 0; slot < 8; ++slot) {
        const int g = kGroupOrder[slot];
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * (g / 2)));
        const __m256i v =
            (g & 1) ? _mm256_and_si256(_mm256_srli_epi16(q, 4), low4) : _mm256_and_si256(q, low4);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(vals + s * 256 + slot * 32), v);
        scales[s * 8 + slot] = d * sm[g];
        mins[s * 8 + g] = dmin * sm[8 + g];
      }
    }
  }
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return reinterpret_cast<const float*>(row + Q8_KOffsetScales(cols / kQKK))[chunk / 8];
  }
  // Scale times sum of the activation's 32-element group (natural order).
  static const float* ActGroupSums(const std::uint8_t* row, std::int64_t cols) {
    return reinterpret_cast<const float*>(row + Q8_KOffsetSums(cols / kQKK));
  }
};

struct Q6_KFormat {
  static constexpr int kK = 16;
  static constexpr int kChunksPerActScale = 16;
  static constexpr bool kHasMins = false;
  static void Decode(const std::uint8_t* wrow, std::int64_t cols, std::int8_t* vals, float* scales,
                     float*) {
    const auto* blocks = reinterpret_cast<const BlockQ6_K*>(wrow);
    const __m256i low4 = _mm256_set1_epi8(0x0F), bits45 = _mm256_set1_epi8(0x30);
    const __m256i offset = _mm256_set1_epi8(32);
    for (std::int64_t s = 0; s < cols / kQKK; ++s) {
      const BlockQ6_K& b = blocks[s];
      const float d = LoadHalf(&b.d);
      for (int g = 0; g < 16; ++g) scales[s * 16 + g] = d * b.scales[g];
      for (int h = 0; h < 2; ++h) {
        const auto* ql = reinterpret_cast<const __m256i*>(b.ql + 64 * h);
        const __m256i ql0 = _mm256_loadu_si256(ql), ql1 = _mm256_loadu_si256(ql + 1);
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
        const __m256i v[4] = {_mm256_or_si256(_mm256_and_si256(ql0, low4),
                                              _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
                              _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                              _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
                              _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                              _mm256_and_si256(qh, bits45)),
                              _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                              _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45))};
        for (int k = 0; k < 4; ++k) {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(vals + s * 256 + h * 128 + k * 32),
                              _mm256_sub_epi8(v[k], offset));
        }
      }
    }
  }
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return reinterpret_cast<const float*>(row + Q8_KOffsetScales(cols / kQKK))[chunk / 16];
  }
};

// The float accumulation shared by the tile and the VNNI kernels, chunk by
// chunk in order, lanes = the 16 rows of a panel:
//   one activation scale per chunk (Q4_0, Q8_0):  acc += isum * (ws * da)
//   one per super-block of G chunks (K-quants):   part += isum * ws over the
//     super-block's chunks (part starting at 0), then acc += part * da, where
//     Q4_K / Q5_K panels first take their min term from part.
// Both kernels must use exactly these operations so their results match bit
// for bit.
inline __m512 AccumulateChunk(__m512 isum_f, __m512 ws, float da, __m512 acc) {
  return _mm512_fmadd_ps(isum_f, _mm512_mul_ps(ws, _mm512_set1_ps(da)), acc);
}

// A super-block's part as it is (every format but the Q4_K / Q5_K panels).
struct NoMinTerm {
  __m512 operator()(int /*token*/, std::int64_t /*super_block*/, __m512 part) const { return part; }
};

// The tile kernel's accumulators for 16 tokens.
template <class F>
struct TileAccumulator {
  static constexpr int kG = F::kChunksPerActScale;
  __m512 acc[kTile];
  __m512 part[kG == 1 ? 1 : kTile];

  TileAccumulator() {
    for (int m = 0; m < kTile; ++m) acc[m] = _mm512_setzero_ps();
    for (__m512& v : part) v = _mm512_setzero_ps();
  }

  // Adds chunk c: `buf` is its 16 x 16 int32 tile, `ws_ptr` its 16 weight
  // scales, `act_scales` its 16 activation scales. At a super-block's end,
  // min_term(token, super-block, part) gives what is scaled into acc.
  // Tokens from `mvalid` on are padding and skipped.
  template <class MinTerm = NoMinTerm>
  void Add(std::int64_t c, const std::int32_t* buf, const float* ws_ptr, const float* act_scales,
           int mvalid, const MinTerm& min_term = {}) {
    const __m512 ws = _mm512_load_ps(ws_ptr);
    if constexpr (kG == 1) {
      for (int m = 0; m < kTile; ++m) {
        if (m >= mvalid) break;
        acc[m] = AccumulateChunk(_mm512_cvtepi32_ps(_mm512_load_si512(buf + m * 16)), ws,
                                 act_scales[m], acc[m]);
      }
    } else {
      for (int m = 0; m < kTile; ++m) {
        if (m >= mvalid) break;
        part[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(buf + m * 16)), ws, part[m]);
      }
      if ((c + 1) % kG == 0) {
        for (int m = 0; m < kTile; ++m) {
          if (m >= mvalid) break;
          acc[m] =
              _mm512_fmadd_ps(min_term(m, c / kG, part[m]), _mm512_set1_ps(act_scales[m]), acc[m]);
          part[m] = _mm512_setzero_ps();
        }
      }
    }
  }
};

// acc - sum over groups g of mins[16 g ..] (16 rows) x sums[g] (a token's scaled
// group sum): the Q4_K / Q5_K minimum term of one token, in four partial
// sums. One chain of dependent FNMADDs, a panel's cols / 32 of them, was a
// fifth of Q4_K's M=1 time. Every AVX-512 / AMX kernel shares it, so their
// results stay equal bit for bit. groups: a multiple of 8.
inline __m512 SubtractMins(__m512 acc, const float* mins, const float* sums, std::int64_t groups) {
  __m512 part[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                    _mm512_setzero_ps()};
  for (std::int64_t g = 0; g < groups; g += 4) {
    for (int k = 0; k < 4; ++k) {
      part[k] = _mm512_fmadd_ps(_mm512_load_ps(mins + (g + k) * 16), _mm512_set1_ps(sums[g + k]),
                                part[k]);
    }
  }
  return _mm512_sub_ps(
      acc, _mm512_add_ps(_mm512_add_ps(part[0], part[1]), _mm512_add_ps(part[2], part[3])));
}

}  // namespace

// The VNNI kernel of the AMX path for fewer than kAmxTokens tokens
// (matmul_amx_vnni_avx512.cc): computes out for rows [row_begin, row_end) (a
// multiple of 16 from row_begin) and tokens [t0, t0 + tokens).
void VnniPanelCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                      std::int64_t row_end, std::int64_t t0, std::int64_t tokens,
                      std::uint8_t* thread_scratch, float* out);

// Thread scratch VnniPanelCompute needs for `w`.
std::size_t VnniPanelScratchBytes(const WeightView& w);

}  // namespace citadel::kernels::internal
