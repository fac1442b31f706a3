// The VNNI kernel for K-quant panel weights (Q4_K, Q5_K, Q6_K; see
// matmul_panels_q4_0_q8_0_avx512.cc for the idea). Per 16-row panel and token, the
// exact integer sum of each chunk (Q4_K / Q5_K: a 32-element group of
// unsigned 4 / 5-bit quants; Q6_K: a 16-element group of unsigned 6-bit quants, less 32 x the
// activation sum) in the 16 lanes, then TileAccumulator's float steps in
// chunk order: part += isum * (d * scale) per chunk, acc += part * da per
// super-block, where Q4_K / Q5_K first take their min term from part
// (SubtractMinDot). So the result equals the AMX tiles' bit for bit.
//
// Thread-safe: pure functions over borrowed buffers.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/block_formats.h"
#include "kernels/matmul_kernels.h"
#include "kernels/matmul_panels_decode.h"
#include "kernels/matmul_tile_accumulate.h"

namespace citadel::kernels::internal {
namespace {

constexpr int kTokensPerPass = 4;

// Sum over k < kWords of v[k] (unsigned quants) x word k of `a` (int8 x 4,
// broadcast), plus `init`.
template <int kWords>
inline __m512i WordDots(const __m512i* v, const std::int32_t* a, __m512i init) {
  __m512i s0 = init, s1 = _mm512_setzero_si512();
  for (int k = 0; k < kWords; k += 2) {
    s0 = _mm512_dpbusd_epi32(s0, v[k], _mm512_set1_epi32(a[k]));
    s1 = _mm512_dpbusd_epi32(s1, v[k + 1], _mm512_set1_epi32(a[k + 1]));
  }
  return _mm512_add_epi32(s0, s1);
}

// One token's prepared activation row.
struct TokenRow {
  const std::int32_t* words;      // the quants, 4 per word
  const float* da;                // per super-block
  const std::int32_t* pair_sums;  // the 32-element groups' sums as int16 pairs
  const std::int32_t* bsums;      // per 16-element group
};

TokenRow Token(const PreparedActivations& act, std::int64_t t, std::int64_t sb) {
  const std::uint8_t* row = act.Row(t);
  return {reinterpret_cast<const std::int32_t*>(row),
          reinterpret_cast<const float*>(row + Q8_KOffsetScales(sb)),
          reinterpret_cast<const std::int32_t*>(row + PanelQ8KOffsetPairSums(sb)),
          reinterpret_cast<const std::int32_t*>(row + PanelQ8KOffsetBsums(sb))};
}

// Q4_K, and Q5_K (kFifthBit) whose quants add a high bit to the nibbles.
// Each pass adds into acc[kCount]; the count is a template argument so the
// accumulators stay in registers once inlined.
template <bool kFifthBit, int kCount>
[[gnu::always_inline]] inline void Q4_KPass(const WeightView& w, const PanelRegions& p,
                                            const TokenRow* tok, __m512* acc) {
  const std::int64_t sb = w.cols / kQKK;
  for (std::int64_t s = 0; s < sb; ++s) {
    // The block's head, ahead as the quants are (LoadQ4_KPair): d, dmin and
    // the scales, back to back in 256 bytes (block-major).
    PrefetchSuperBlock(p, 0, s, 256);
    if constexpr (kFifthBit) PrefetchSuperBlock(p, 4, s, 8 * 64);
    const __m512 d = HalfVector(FieldAt(p, 0, s));
    const Q4_KScaleWords sw = LoadQ4_KScales(p, s);
    const Q4_KMins mins = LoadQ4_KMins(p, sw, s);
    __m512 part[kCount];
    for (int j = 0; j < kCount; ++j) part[j] = _mm512_setzero_ps();
    for (int pair = 0; pair < 4; ++pair) {
      // Q4_K keeps its high nibbles in place (16 x the quants; the dot sums
      // stay below 2^24, so they convert exactly) and takes 1/16 into the
      // scale, also exact: the products equal the unscaled ones bit for bit.
      // Q5_K's fifth bit needs them shifted down.
      __m512i lo[8], hi[8];
      LoadQ4_KPair<!kFifthBit>(p, s, pair, lo, hi);
      if constexpr (kFifthBit) AddQ5_KHighBits(p, s, pair, lo, hi);
      const __m512 ws_lo = Q4_KGroupScale(sw, d, 2 * pair);
      const __m512 ws_hi =
          kFifthBit ? Q4_KGroupScale(sw, d, 2 * pair + 1)
                    : _mm512_mul_ps(Q4_KGroupScale(sw, d, 2 * pair + 1), _mm512_set1_ps(1.0f / 16));
      for (int j = 0; j < kCount; ++j) {
        const std::int32_t* a = tok[j].words + s * 64 + pair * 16;
        const __m512i isum_lo = WordDots<8>(lo, a, _mm512_setzero_si512());
        const __m512i isum_hi = WordDots<8>(hi, a + 8, _mm512_setzero_si512());
        part[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum_lo), ws_lo, part[j]);
        part[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum_hi), ws_hi, part[j]);
      }
    }
    for (int j = 0; j < kCount; ++j) {
      const __m512 net = SubtractMinDot(part[j], mins, tok[j].pair_sums + s * 4);
      acc[j] = _mm512_fmadd_ps(net, _mm512_set1_ps(tok[j].da[s]), acc[j]);
    }
  }
}

template <int kCount>
[[gnu::always_inline]] inline void Q6_KPass(const WeightView& w, const PanelRegions& p,
                                            const TokenRow* tok, __m512* acc) {
  const std::int64_t sb = w.cols / kQKK;
  for (std::int64_t s = 0; s < sb; ++s) {
    PrefetchSuperBlock(p, 2, s, 4 * 64);  // the scales, ahead as DecodeQ6_KHalf's quants
    PrefetchSuperBlock(p, 3, s, 32);
    const __m512 d = HalfVector(FieldAt(p, 3, s));
    __m512 part[kCount];
    for (int j = 0; j < kCount; ++j) part[j] = _mm512_setzero_ps();
    for (int h = 0; h < 2; ++h) {
      __m512i v[32];
      DecodeQ6_KHalf(p, s, h, v);
      for (int cc = 0; cc < 8; ++cc) {
        const int c = 8 * h + cc;
        const __m512 ws = Q6_KChunkScale(p, s, d, c);
        for (int j = 0; j < kCount; ++j) {
          const __m512i init = _mm512_set1_epi32(-32 * tok[j].bsums[s * 16 + c]);
          const __m512i isum = WordDots<4>(v + 4 * cc, tok[j].words + s * 64 + c * 4, init);
          part[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), ws, part[j]);
        }
      }
    }
    for (int j = 0; j < kCount; ++j) {
      acc[j] = _mm512_fmadd_ps(part[j], _mm512_set1_ps(tok[j].da[s]), acc[j]);
    }
  }
}

// One panel times tokens [t0, t0 + kCount).
template <int kCount>
void KPanelPass(const WeightView& w, const PreparedActivations& act, const PanelRegions& p,
                std::int64_t r0, int nvalid, std::int64_t t0, float* out) {
  const std::int64_t sb = w.cols / kQKK;
  TokenRow tok[kCount];
  __m512 acc[kCount];
  for (int j = 0; j < kCount; ++j) {
    tok[j] = Token(act, t0 + j, sb);
    acc[j] = _mm512_setzero_ps();
  }
  if (w.type == TensorType::kQ4_K) {
    Q4_KPass<false, kCount>(w, p, tok, acc);
  } else if (w.type == TensorType::kQ5_K) {
    Q4_KPass<true, kCount>(w, p, tok, acc);
  } else {
    Q6_KPass<kCount>(w, p, tok, acc);
  }
  const __mmask16 mask = static_cast<__mmask16>((1u << nvalid) - 1);
  for (int j = 0; j < kCount; ++j) {
    _mm512_mask_storeu_ps(out + (t0 + j) * w.rows + r0, mask, acc[j]);
  }
}

}  // namespace

void VnniKPanelsCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                        std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end,
                        float* out, std::uint8_t*) {
  const PanelRegions first = Regions(w);
  for (std::int64_t tb = tok_begin; tb < tok_end; tb += kTokenBlock) {
    const std::int64_t tb_end = std::min(tok_end, tb + kTokenBlock);
    for (std::int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
      const int nvalid = static_cast<int>(std::min<std::int64_t>(kPanelRows, row_end - r0));
      const PanelRegions p = AtPanel(first, r0);
      for (std::int64_t t0 = tb; t0 < tb_end; t0 += kTokensPerPass) {
        switch (std::min<std::int64_t>(kTokensPerPass, tb_end - t0)) {
          case 1:
            KPanelPass<1>(w, act, p, r0, nvalid, t0, out);
            break;
          case 2:
            KPanelPass<2>(w, act, p, r0, nvalid, t0, out);
            break;
          case 3:
            KPanelPass<3>(w, act, p, r0, nvalid, t0, out);
            break;
          default:
            KPanelPass<kTokensPerPass>(w, act, p, r0, nvalid, t0, out);
        }
      }
    }
  }
}

}  // namespace citadel::kernels::internal
