// AMX int8 GEMM for prefill (Sapphire Rapids and later), used by MatMul for
// 16 or more tokens when AmxEnabled(). Built with the AMX flags.
//
// Per thread, for each panel of 16 weight rows:
//   1. Repack: decode the 16 rows to int8 (Q4_0: q - 8, Q8_0: q, Q4_K: q,
//      Q6_K: q - 32) in the element order of the prepared activations, and
//      interleave them as AMX wants its B operand: for each chunk of K
//      inputs (K = 32, or 16 for Q6_K whose sub-block scales cover 16),
//      K/4 rows of [16 outputs x 4 consecutive inputs]. Alongside: one float
//      scale per (chunk, output) — block scale, times the sub-block scale
//      for the K-quants — and for Q4_K the scaled mins.
//   2. For each tile of 16 tokens (the last one padded with zero rows): per
//      chunk one TDPBSSD (16 tokens x 16 outputs x K, exact int32), stored
//      and folded into 16 float vectors, one per token, lanes = outputs
//      (TileAccumulator). Two tile sets alternate so the TMUL works on the
//      next chunk while the vector units scale the previous one.
// For very few tokens (under kAmxTokens) repacking panels costs more than
// it saves, so the same path computes the same exact per-chunk integer sums
// with AVX-512 VNNI straight from the weights (no repack), lanes = the 16
// rows of a panel, and runs the very same float accumulation. Both ways give
// bit-identical outputs, so a token's result never depends on how many
// tokens share its batch.
// Integer sums are exact; only the float accumulation order differs from
// the scalar reference.
//
// Thread-safe: each call configures and releases the calling thread's tiles
// and writes only its own rows of `out` and its `thread_scratch`.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kTile = 16;  // tokens per A tile, outputs per B tile
// Fewest tokens worth the tiles: below this, repacking a panel costs more
// than streaming it with VNNI once per token.
constexpr std::int64_t kAmxTokens = 6;

struct alignas(64) TileConfig {
  std::uint8_t palette_id = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

// Tiles 0, 1: C (16 tokens x 16 int32); 2, 3: A (16 tokens x K int8);
// 4, 5: B (K/4 rows x 16 outputs x 4 int8).
void ConfigureTiles(int k) {
  TileConfig cfg;
  for (int c : {0, 1}) {
    cfg.rows[c] = kTile;
    cfg.colsb[c] = 64;
  }
  for (int a : {2, 3}) {
    cfg.rows[a] = kTile;
    cfg.colsb[a] = static_cast<std::uint16_t>(k);
  }
  for (int b : {4, 5}) {
    cfg.rows[b] = static_cast<std::uint8_t>(k / 4);
    cfg.colsb[b] = 64;
  }
  // Not _tile_loadconfig: GCC 12's version tells the compiler it reads only
  // 8 bytes, so the stores to rows / colsb above get dropped as dead.
  __asm__ volatile("ldtilecfg %0" : : "m"(cfg));
}

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

// The repacked panel of 16 weight rows, carved from the thread scratch.
struct Panel {
  std::int8_t* b;     // [chunks][K/4][16][4]
  float* scales;      // [chunks][16]
  float* mins;        // [cols/32][16] (Q4_K)
  std::int8_t* vals;  // [16][cols] the decoded rows
  float* row_scales;  // [chunks]
  float* row_mins;    // [cols/32]
  float* act_scales;  // [token tiles][chunks][16 tokens]
};

inline std::int64_t TokenTiles(std::int64_t tokens) {
  return (tokens + kTile - 1) / kTile;
}

template <class F>
std::size_t ScratchBytes(const WeightView& w, std::int64_t tokens) {
  const std::int64_t chunks = w.cols / F::kK;
  return RoundUp64(w.cols * kTile) + RoundUp64(chunks * kTile * 4) +
         RoundUp64(w.cols / 32 * kTile * 4) + RoundUp64(w.cols * kTile) + RoundUp64(chunks * 4) +
         RoundUp64(w.cols / 32 * 4) + RoundUp64(TokenTiles(tokens) * chunks * kTile * 4);
}

template <class F>
Panel CarvePanel(const WeightView& w, std::uint8_t* scratch) {
  const std::int64_t chunks = w.cols / F::kK;
  Panel p;
  p.b = reinterpret_cast<std::int8_t*>(scratch);
  scratch += RoundUp64(w.cols * kTile);
  p.scales = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(chunks * kTile * 4);
  p.mins = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(w.cols / 32 * kTile * 4);
  p.vals = reinterpret_cast<std::int8_t*>(scratch);
  scratch += RoundUp64(w.cols * kTile);
  p.row_scales = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(chunks * 4);
  p.row_mins = reinterpret_cast<float*>(scratch);
  scratch += RoundUp64(w.cols / 32 * 4);
  p.act_scales = reinterpret_cast<float*>(scratch);
  return p;
}

template <class F>
void Repack(const WeightView& w, std::int64_t r0, int nvalid, const Panel& p) {
  constexpr int kK = F::kK;
  const std::int64_t chunks = w.cols / kK;
  const std::int64_t groups = w.cols / 32;
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(w.type, w.cols));
  for (int n = 0; n < kTile; ++n) {
    std::int8_t* vals = p.vals + n * w.cols;
    if (n < nvalid) {
      F::Decode(w.data + (r0 + n) * row_bytes, w.cols, vals, p.row_scales, p.row_mins);
    } else {
      std::memset(vals, 0, w.cols);
      std::fill(p.row_scales, p.row_scales + chunks, 0.0f);
      std::fill(p.row_mins, p.row_mins + groups, 0.0f);
    }
    for (std::int64_t c = 0; c < chunks; ++c) p.scales[c * kTile + n] = p.row_scales[c];
    if constexpr (F::kHasMins) {
      for (std::int64_t g = 0; g < groups; ++g) p.mins[g * kTile + n] = p.row_mins[g];
    }
  }
  // B rows: dword kk of every row n, gathered across the 16 decoded rows.
  const __m512i row_offsets =
      _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm512_set1_epi32(static_cast<int>(w.cols)));
  for (std::int64_t c = 0; c < chunks; ++c) {
    std::int8_t* dst = p.b + c * kK * kTile;
    for (int kk = 0; kk < kK / 4; ++kk) {
      const __m512i dwords = _mm512_i32gather_epi32(row_offsets, p.vals + c * kK + kk * 4, 1);
      _mm512_store_si512(dst + kk * 64, dwords);
    }
  }
}

// The float accumulation shared by the tile and the VNNI kernels, chunk by
// chunk in order, lanes = the 16 rows of a panel:
//   one activation scale per chunk (Q4_0, Q8_0):  acc += isum * (ws * da)
//   one per super-block of G chunks (K-quants):   part += isum * ws over the
//     super-block's chunks (part starting at 0), then acc += part * da.
// Both kernels must use exactly these operations so their results match bit
// for bit.
inline __m512 AccumulateChunk(__m512 isum_f, __m512 ws, float da, __m512 acc) {
  return _mm512_fmadd_ps(isum_f, _mm512_mul_ps(ws, _mm512_set1_ps(da)), acc);
}

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
  // scales, `act_scales` its 16 activation scales.
  // Tokens from `mvalid` on are padding and skipped.
  void Add(std::int64_t c, const std::int32_t* buf, const float* ws_ptr, const float* act_scales,
           int mvalid) {
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
          acc[m] = _mm512_fmadd_ps(part[m], _mm512_set1_ps(act_scales[m]), acc[m]);
          part[m] = _mm512_setzero_ps();
        }
      }
    }
  }
};

// C = A (tokens, chunk c) x B (panel, chunk c) into tile set 0 (C 0, A 2,
// B 4) or set 1 (C 1, A 3, B 5). The tile intrinsics take literal numbers.
template <int kK>
inline void TileDot0(const std::uint8_t* a, std::size_t stride, const std::int8_t* b,
                     std::int64_t c) {
  _tile_zero(0);
  _tile_loadd(2, a + c * kK, stride);
  _tile_loadd(4, b + c * kK * kTile, 64);
  _tile_dpbssd(0, 2, 4);
}

template <int kK>
inline void TileDot1(const std::uint8_t* a, std::size_t stride, const std::int8_t* b,
                     std::int64_t c) {
  _tile_zero(1);
  _tile_loadd(3, a + c * kK, stride);
  _tile_loadd(5, b + c * kK * kTile, 64);
  _tile_dpbssd(1, 3, 5);
}

template <class F>
void PanelTile(const WeightView& w, const PreparedActivations& act, const Panel& p, std::int64_t r0,
               int nvalid, std::int64_t t0, int mvalid, float* out) {
  constexpr int kK = F::kK;
  const std::int64_t chunks = w.cols / kK;
  const std::uint8_t* a = act.Row(t0);
  const std::size_t stride = act.row_bytes;
  const float* act_scales = p.act_scales + (t0 / kTile) * chunks * kTile;
  alignas(64) std::int32_t c_buf[2][kTile * kTile];
  TileAccumulator<F> accumulator;
  __m512* acc = accumulator.acc;
  // Software pipeline: while the TMUL works on chunk c + 1 and chunk c's
  // tile is stored, the vector units scale chunk c - 1 (stored one step
  // earlier, so its stores have retired). Chunks are still scaled in order.
  TileDot0<kK>(a, stride, p.b, 0);
  for (std::int64_t c = 0; c < chunks; c += 2) {
    if (c + 1 < chunks) TileDot1<kK>(a, stride, p.b, c + 1);
    _tile_stored(0, c_buf[0], 64);
    if (c > 0) {
      accumulator.Add(c - 1, c_buf[1], p.scales + (c - 1) * kTile, act_scales + (c - 1) * kTile,
                      mvalid);
    }
    if (c + 1 < chunks) {
      if (c + 2 < chunks) TileDot0<kK>(a, stride, p.b, c + 2);
      _tile_stored(1, c_buf[1], 64);
      accumulator.Add(c, c_buf[0], p.scales + c * kTile, act_scales + c * kTile, mvalid);
    }
  }
  // The last chunk is still waiting in its buffer.
  const std::int64_t last = chunks - 1;
  accumulator.Add(last, c_buf[last & 1], p.scales + last * kTile, act_scales + last * kTile,
                  mvalid);
  if constexpr (F::kHasMins) {
    const std::int64_t groups = w.cols / 32;
    for (int m = 0; m < mvalid; ++m) {
      const float* sums = F::ActGroupSums(act.Row(t0 + m), w.cols);
      for (std::int64_t g = 0; g < groups; ++g) {
        acc[m] =
            _mm512_fnmadd_ps(_mm512_load_ps(p.mins + g * kTile), _mm512_set1_ps(sums[g]), acc[m]);
      }
    }
  }
  const __mmask16 mask = static_cast<__mmask16>((1u << nvalid) - 1);
  for (int m = 0; m < mvalid; ++m) {
    _mm512_mask_storeu_ps(out + (t0 + m) * w.rows + r0, mask, acc[m]);
  }
}

// ------------------------------------------------ VNNI (fewer than kAmxTokens)
// Per 16-row panel and token: isum[token][chunk][row], then the same float
// accumulation as PanelTile (TileAccumulator), lanes = rows.

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
      const float* sums = F::ActGroupSums(row, w.cols);
      for (std::int64_t g = 0; g < w.cols / 32; ++g) {
        acc = _mm512_fnmadd_ps(_mm512_load_ps(rs.mins_t + g * kTile), _mm512_set1_ps(sums[g]), acc);
      }
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

template <class F, class Sums>
void AmxCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                std::uint8_t* thread_scratch) {
  if (tok_end - tok_begin < kAmxTokens) {
    VnniCompute<F, Sums>(w, act, row_begin, row_end, tok_begin, tok_end - tok_begin, thread_scratch,
                         out);
    return;
  }
  ConfigureTiles(F::kK);
  const Panel panel = CarvePanel<F>(w, thread_scratch);
  // Activation scales per token tile, transposed to [chunk][token] once per
  // call rather than gathered again for every panel.
  const std::int64_t chunks = w.cols / F::kK;
  for (std::int64_t t0 = tok_begin; t0 < tok_end; t0 += kTile) {
    float* tile_scales = panel.act_scales + (t0 / kTile) * chunks * kTile;
    for (int m = 0; m < kTile; ++m) {
      const std::uint8_t* row = act.Row(t0 + m);
      for (std::int64_t c = 0; c < chunks; ++c) {
        tile_scales[c * kTile + m] = F::ActScale(row, w.cols, c);
      }
    }
  }
  for (std::int64_t r0 = row_begin; r0 < row_end; r0 += kTile) {
    const int nvalid = static_cast<int>(std::min<std::int64_t>(kTile, row_end - r0));
    Repack<F>(w, r0, nvalid, panel);
    for (std::int64_t t0 = tok_begin; t0 < tok_end; t0 += kTile) {
      const int mvalid = static_cast<int>(std::min<std::int64_t>(kTile, tok_end - t0));
      PanelTile<F>(w, act, panel, r0, nvalid, t0, mvalid, out);
    }
  }
  _tile_release();
}

template <class F>
std::size_t AllScratchBytes(const WeightView& w, std::int64_t tokens) {
  // One call uses either the tiles (panel) or VNNI (row sums), never both.
  return std::max(ScratchBytes<F>(w, tokens), VnniScratchBytes<F>(w));
}

const PathKernels kQ4_0 = {Q4_0RowBytes,
                           PrepareQ4_0,
                           AmxCompute<Q4_0Format, Q4_0Sums>,
                           AllScratchBytes<Q4_0Format>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ8_0 = {Q4_0RowBytes,
                           PrepareQ4_0,
                           AmxCompute<Q8_0Format, Q8_0Sums>,
                           AllScratchBytes<Q8_0Format>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ4_K = {Q4_KRowBytes,
                           PrepareQ4_K,
                           AmxCompute<Q4_KFormat, Q4_KSums>,
                           AllScratchBytes<Q4_KFormat>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ6_K = {Q6_KRowBytes,
                           PrepareQ6_K,
                           AmxCompute<Q6_KFormat, Q6_KSums>,
                           AllScratchBytes<Q6_KFormat>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};

}  // namespace

const PathKernels* AmxKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return &kQ4_0;
    case TensorType::kQ8_0:
      return &kQ8_0;
    case TensorType::kQ4_K:
      return &kQ4_K;
    case TensorType::kQ6_K:
      return &kQ6_K;
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
