// The AMX path of MatMul (Sapphire Rapids and later, SimdLevel::kAmx): an
// AMX int8 GEMM from kAmxTokens tokens on, and below that the VNNI kernel of
// matmul_amx_vnni_avx512.cc. Built with the AMX flags.
//
// Per thread, for each panel of 16 weight rows:
//   1. Repack: decode the 16 rows to int8 (Q4_0: q - 8, Q8_0: q, Q4_K: q,
//      Q6_K: q - 32) in the element order of the prepared activations, and
//      interleave them as AMX wants its B operand: for each chunk of K
//      inputs (K = 32, or 16 for Q6_K whose sub-block scales cover 16),
//      K/4 rows of [16 outputs x 4 consecutive inputs]. Alongside: one float
//      scale per (chunk, output) — block scale, times the sub-block scale
//      for the K-quants — and for Q4_K the scaled mins (Q4_K / Q5_K panels:
//      the integer mins of each super-block, Q4_KMins).
//   2. For each tile of 16 tokens (the last one padded with zero rows): per
//      chunk one TDPBSSD (16 tokens x 16 outputs x K, exact int32), stored
//      and folded into 16 float vectors, one per token, lanes = outputs
//      (TileAccumulator). Two tile sets alternate so the TMUL works on the
//      next chunk while the vector units scale the previous one.
// For very few tokens (under kAmxTokens) repacking panels costs more than
// it saves, so the VNNI kernel computes the same exact per-chunk integer
// sums straight from the weights and runs the very same float accumulation
// (matmul_tile_accumulate.h). Both give bit-identical outputs, so a token's result
// never depends on how many tokens share its batch.
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
#include "kernels/matmul_panels_decode.h"
#include "kernels/matmul_tile_accumulate.h"
#include "kernels/weight_panels.h"

namespace citadel::kernels::internal {
namespace {

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

// The repacked panel of 16 weight rows, carved from the thread scratch.
struct Panel {
  std::int8_t* b;     // [chunks][K/4][16][4]
  float* scales;      // [chunks][16]
  float* mins;        // [cols/32][16] (Q4_K rows); Q4_KMins per super-block (panels)
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

// Weights already in the panel layout (kernels/weight_panels.h): their quants
// are in B's order, so repacking is only unpacking nibbles or 6-bit values
// (less their offset; Q8_0: undoing the +128) and widening the scales.
// Activations: PreparePanelQ8 (Q4_0, Q8_0) and PreparePanelQ8K (K-quants).
struct Q8Activations {
  static constexpr int kK = 32;
  static constexpr int kChunksPerActScale = 1;
  static constexpr bool kHasMins = false;
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return reinterpret_cast<const float*>(row + PanelQ8OffsetScales(cols / kQK))[chunk];
  }
};

// Q4_0 and Q8_0: per block, one scale vector and the quant words.
template <class Unpack>
void RepackLegacyPanel(const WeightView& w, const PanelRegions& regions, const Panel& p) {
  for (std::int64_t b = 0; b < w.cols / kQK; ++b) {
    _mm512_store_ps(p.scales + b * kTile, HalfVector(FieldAt(regions, 0, b)));
    Unpack::Quants(FieldAt(regions, 1, b), p.b + b * kQK * kTile);
  }
}

struct Q4_0PanelFormat : Q8Activations {
  static void Quants(const std::uint8_t* q, std::int8_t* b) {
    const __m512i low4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    for (int k = 0; k < 4; ++k) {
      const __m512i x = _mm512_load_si512(q + 64 * k);
      _mm512_store_si512(b + 64 * k, _mm512_sub_epi8(_mm512_and_si512(x, low4), eight));
      _mm512_store_si512(b + 64 * (4 + k),
                         _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(x, 4), low4), eight));
    }
  }
  static void RepackPanel(const WeightView& w, const PanelRegions& regions, const Panel& p) {
    RepackLegacyPanel<Q4_0PanelFormat>(w, regions, p);
  }
};

struct Q8_0PanelFormat : Q8Activations {
  static void Quants(const std::uint8_t* q, std::int8_t* b) {
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int k = 0; k < 8; ++k) {
      _mm512_store_si512(b + 64 * k, _mm512_xor_si512(_mm512_load_si512(q + 64 * k), bias));
    }
  }
  static void RepackPanel(const WeightView& w, const PanelRegions& regions, const Panel& p) {
    RepackLegacyPanel<Q8_0PanelFormat>(w, regions, p);
  }
};

struct Q8KActivations {
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk,
                        int chunks_per_block) {
    return reinterpret_cast<const float*>(row +
                                          Q8_KOffsetScales(cols / kQKK))[chunk / chunks_per_block];
  }
};

template <bool kFifthBit>
struct Q4_KPanelFormatOf {
  static constexpr int kK = 32;
  static constexpr int kChunksPerActScale = 8;
  static constexpr bool kHasMins = false;  // not as floats per group: IntegerMins
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return Q8KActivations::ActScale(row, cols, chunk, kChunksPerActScale);
  }
  // The super-blocks' Q4_KMins, kept in the Panel's mins (8 x 16 floats per
  // super-block, more than a Q4_KMins takes).
  static Q4_KMins* IntegerMins(const Panel& p) { return reinterpret_cast<Q4_KMins*>(p.mins); }
  static_assert(sizeof(Q4_KMins) <= 8 * kTile * sizeof(float));
  static void RepackPanel(const WeightView& w, const PanelRegions& regions, const Panel& p) {
    for (std::int64_t s = 0; s < w.cols / kQKK; ++s) {
      const __m512 d = HalfVector(FieldAt(regions, 0, s));
      const Q4_KScaleWords sw = LoadQ4_KScales(regions, s);
      for (int g = 0; g < 8; ++g) {
        _mm512_store_ps(p.scales + (s * 8 + g) * kTile, Q4_KGroupScale(sw, d, g));
      }
      IntegerMins(p)[s] = LoadQ4_KMins(regions, sw, s);
      for (int pair = 0; pair < 4; ++pair) {
        __m512i lo[8], hi[8];
        LoadQ4_KPair(regions, s, pair, lo, hi);
        if constexpr (kFifthBit) AddQ5_KHighBits(regions, s, pair, lo, hi);
        std::int8_t* b = p.b + (s * 8 + 2 * pair) * kK * kTile;
        for (int m = 0; m < 8; ++m) {
          _mm512_store_si512(b + 64 * m, lo[m]);
          _mm512_store_si512(b + kK * kTile + 64 * m, hi[m]);
        }
      }
    }
  }
};

using Q4_KPanelFormat = Q4_KPanelFormatOf<false>;
using Q5_KPanelFormat = Q4_KPanelFormatOf<true>;

struct Q6_KPanelFormat {
  static constexpr int kK = 16;
  static constexpr int kChunksPerActScale = 16;
  static constexpr bool kHasMins = false;
  static float ActScale(const std::uint8_t* row, std::int64_t cols, std::int64_t chunk) {
    return Q8KActivations::ActScale(row, cols, chunk, kChunksPerActScale);
  }
  static void RepackPanel(const WeightView& w, const PanelRegions& regions, const Panel& p) {
    const __m512i offset = _mm512_set1_epi8(32);
    for (std::int64_t s = 0; s < w.cols / kQKK; ++s) {
      const __m512 d = HalfVector(FieldAt(regions, 3, s));
      for (int c = 0; c < 16; ++c) {
        _mm512_store_ps(p.scales + (s * 16 + c) * kTile, Q6_KChunkScale(regions, s, d, c));
      }
      for (int h = 0; h < 2; ++h) {
        __m512i v[32];
        DecodeQ6_KHalf(regions, s, h, v);
        std::int8_t* b = p.b + (s * 16 + 8 * h) * kK * kTile;
        for (int i = 0; i < 32; ++i) _mm512_store_si512(b + 64 * i, _mm512_sub_epi8(v[i], offset));
      }
    }
  }
};

// Panels need no decode, so VNNI stays ahead of half-empty tiles longer:
// at 8 tokens it took 0.70-0.85x the tiles' time (Q4_0, Q6_K; TinyLlama
// shapes). From a full tile of tokens on, the tiles win.
constexpr std::int64_t kAmxPanelTokens = kTile;

template <class F>
concept PanelFormat = requires(const WeightView& w, const PanelRegions& regions, const Panel& p) {
  F::RepackPanel(w, regions, p);
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
concept HasIntegerMins = requires(const Panel& p) {
  F::IntegerMins(p);
};

// What TileAccumulator takes from a super-block's part before scaling it:
// nothing, or the Q4_K / Q5_K panels' min term of token t0 + m.
template <class F>
auto MinTermOf(const WeightView& w, const PreparedActivations& act, const Panel& p,
               std::int64_t t0) {
  if constexpr (HasIntegerMins<F>) {
    const Q4_KMins* mins = F::IntegerMins(p);
    const std::size_t pair_sums_at = PanelQ8KOffsetPairSums(w.cols / kQKK);
    return [mins, pair_sums_at, &act, t0](int m, std::int64_t s, __m512 part) {
      const auto* pair_sums = reinterpret_cast<const std::int32_t*>(act.Row(t0 + m) + pair_sums_at);
      return SubtractMinDot(part, mins[s], pair_sums + s * 4);
    };
  } else {
    return NoMinTerm{};
  }
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
  const auto min_term = MinTermOf<F>(w, act, p, t0);
  // Software pipeline: while the TMUL works on chunk c + 1 and chunk c's
  // tile is stored, the vector units scale chunk c - 1 (stored one step
  // earlier, so its stores have retired). Chunks are still scaled in order.
  TileDot0<kK>(a, stride, p.b, 0);
  for (std::int64_t c = 0; c < chunks; c += 2) {
    if (c + 1 < chunks) TileDot1<kK>(a, stride, p.b, c + 1);
    _tile_stored(0, c_buf[0], 64);
    if (c > 0) {
      accumulator.Add(c - 1, c_buf[1], p.scales + (c - 1) * kTile, act_scales + (c - 1) * kTile,
                      mvalid, min_term);
    }
    if (c + 1 < chunks) {
      if (c + 2 < chunks) TileDot0<kK>(a, stride, p.b, c + 2);
      _tile_stored(1, c_buf[1], 64);
      accumulator.Add(c, c_buf[0], p.scales + c * kTile, act_scales + c * kTile, mvalid, min_term);
    }
  }
  // The last chunk is still waiting in its buffer.
  const std::int64_t last = chunks - 1;
  accumulator.Add(last, c_buf[last & 1], p.scales + last * kTile, act_scales + last * kTile, mvalid,
                  min_term);
  if constexpr (F::kHasMins) {
    const std::int64_t groups = w.cols / 32;
    for (int m = 0; m < mvalid; ++m) {
      acc[m] = SubtractMins(acc[m], p.mins, F::ActGroupSums(act.Row(t0 + m), w.cols), groups);
    }
  }
  const __mmask16 mask = static_cast<__mmask16>((1u << nvalid) - 1);
  for (int m = 0; m < mvalid; ++m) {
    _mm512_mask_storeu_ps(out + (t0 + m) * w.rows + r0, mask, acc[m]);
  }
}

template <class F>
void AmxCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                std::uint8_t* thread_scratch) {
  if (tok_end - tok_begin < (PanelFormat<F> ? kAmxPanelTokens : kAmxTokens)) {
    if constexpr (PanelFormat<F>) {
      VnniPanelsCompute(w, act, row_begin, row_end, tok_begin, tok_end, out, thread_scratch);
    } else {
      VnniPanelCompute(w, act, row_begin, row_end, tok_begin, tok_end - tok_begin, thread_scratch,
                       out);
    }
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
  // Panel weights: the layout once per call, then panel to panel (AtPanel).
  [[maybe_unused]] const PanelRegions first = PanelFormat<F> ? Regions(w) : PanelRegions{};
  for (std::int64_t r0 = row_begin; r0 < row_end; r0 += kTile) {
    const int nvalid = static_cast<int>(std::min<std::int64_t>(kTile, row_end - r0));
    if constexpr (PanelFormat<F>) {
      F::RepackPanel(w, AtPanel(first, r0), panel);
    } else {
      Repack<F>(w, r0, nvalid, panel);
    }
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
  return std::max(ScratchBytes<F>(w, tokens), VnniPanelScratchBytes(w));
}

const PathKernels kQ4_0 = {Q4_0RowBytes,
                           PrepareQ4_0,
                           AmxCompute<Q4_0Format>,
                           AllScratchBytes<Q4_0Format>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ8_0 = {Q4_0RowBytes,
                           PrepareQ4_0,
                           AmxCompute<Q8_0Format>,
                           AllScratchBytes<Q8_0Format>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ4_K = {Q4_KRowBytes,
                           PrepareQ4_K,
                           AmxCompute<Q4_KFormat>,
                           AllScratchBytes<Q4_KFormat>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};
const PathKernels kQ6_K = {Q6_KRowBytes,
                           PrepareQ6_K,
                           AmxCompute<Q6_KFormat>,
                           AllScratchBytes<Q6_KFormat>,
                           QuantizeActivationAvx512,
                           kTile,
                           kAmxTokens};

template <class F>
constexpr PathKernels PanelTable(std::size_t (*row_bytes)(std::int64_t),
                                 void (*prepare)(const float*, const void*, std::int64_t,
                                                 std::uint8_t*)) {
  return {row_bytes, prepare,        AmxCompute<F>, ScratchBytes<F>, QuantizeActivationAvx512,
          kTile,     kAmxPanelTokens};
}

const PathKernels kQ4_0Panels = PanelTable<Q4_0PanelFormat>(PanelQ8RowBytes, PreparePanelQ4_0);
const PathKernels kQ8_0Panels = PanelTable<Q8_0PanelFormat>(PanelQ8RowBytes, PreparePanelQ8_0);
const PathKernels kQ4_KPanels = PanelTable<Q4_KPanelFormat>(PanelQ8KRowBytes, PreparePanelQ8K);
const PathKernels kQ5_KPanels = PanelTable<Q5_KPanelFormat>(PanelQ8KRowBytes, PreparePanelQ8K);
const PathKernels kQ6_KPanels = PanelTable<Q6_KPanelFormat>(PanelQ8KRowBytes, PreparePanelQ8K);

}  // namespace

const PathKernels* AmxPanelKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return &kQ4_0Panels;
    case TensorType::kQ8_0:
      return &kQ8_0Panels;
    case TensorType::kQ4_K:
      return &kQ4_KPanels;
    case TensorType::kQ5_K:
      return &kQ5_KPanels;
    case TensorType::kQ6_K:
      return &kQ6_KPanels;
    default:
      return nullptr;
  }
}

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
