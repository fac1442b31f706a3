// The VNNI kernel for panel weights (kernels/weight_panels.h), used by the
// AVX-512 path for every token count and by the AMX path below kAmxTokens.
//
// A panel holds 16 rows; one 64-byte load gives 4 consecutive quants of each
// of them, so with a token's activation word (4 int8) broadcast to all
// lanes, one VPDPBUSD adds 4 products to each row's sum: lanes = rows, no
// horizontal reduction. Per block and token: 8 VPDPBUSD give the 16 rows'
// exact block sums of (stored quant) x (activation); the stored quants are
// offset (Q4_0: nibble = q + 8, Q8_0: byte = q + 128) so they are unsigned,
// and offset x (sum of the activation block), precomputed with the
// activations, takes it back out. Then
// TileAccumulator's float step (matmul_tile_accumulate.h) with the block scales of the
// 16 rows, so the result equals the AMX tiles' bit for bit.
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
#include "kernels/weight_panels.h"

namespace citadel::kernels::internal {
namespace {

// Tokens that share one decode of a block's weights.
constexpr int kTokensPerPass = 4;

// The 8 vectors of one block, vector k pairing with activation word k.
struct Q4_0Panel {
  static constexpr int kQuantBytes = 16;
  static void Load(const std::uint8_t* q, __m512i v[8]) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (int k = 0; k < 4; ++k) {
      PrefetchFar(q + 64 * k + kFarBytes);
      PrefetchNear(q + 64 * k);
      const __m512i x = _mm512_load_si512(q + 64 * k);
      v[k] = _mm512_and_si512(x, low4);                            // elements 4k ..
      v[4 + k] = _mm512_and_si512(_mm512_srli_epi16(x, 4), low4);  // elements 16 + 4k ..
    }
  }
};

struct Q8_0Panel {
  static constexpr int kQuantBytes = 32;
  static void Load(const std::uint8_t* q, __m512i v[8]) {
    for (int k = 0; k < 8; ++k) {
      PrefetchFar(q + 64 * k + kFarBytes);
      PrefetchNear(q + 64 * k);
      v[k] = _mm512_load_si512(q + 64 * k);
    }
  }
};

// Exact block sums of the 16 rows for one token's block `a` (8 words);
// `correction` (-offset x the sum of `a`, from the prepared row) takes the
// weights' offset back out.
inline __m512i BlockSums(const __m512i v[8], const std::int32_t* a,
                         const std::int32_t* correction) {
  __m512i s0 = _mm512_set1_epi32(*correction);
  __m512i s1 = _mm512_setzero_si512();
  for (int k = 0; k < 8; k += 2) {
    s0 = _mm512_dpbusd_epi32(s0, v[k], _mm512_set1_epi32(a[k]));
    s1 = _mm512_dpbusd_epi32(s1, v[k + 1], _mm512_set1_epi32(a[k + 1]));
  }
  return _mm512_add_epi32(s0, s1);
}

// One panel (rows r0 .., `nvalid` real) times tokens [t0, t0 + kCount). The
// count is a template argument so the accumulators stay in registers.
template <class P, int kCount>
void PanelPass(const WeightView& w, const PanelRegions& panel, const PreparedActivations& act,
               std::int64_t r0, int nvalid, std::int64_t t0, float* out) {
  const std::int64_t nb = w.cols / kQK;
  const auto* scales = reinterpret_cast<const __m256i*>(panel.r[0]);
  const std::uint8_t* quants = panel.r[1];
  const std::int32_t* a_words[kCount];
  const float* a_scales[kCount];
  const std::int32_t* a_corrections[kCount];
  __m512 acc[kCount];
  for (int j = 0; j < kCount; ++j) {
    const std::uint8_t* row = act.Row(t0 + j);
    a_words[j] = reinterpret_cast<const std::int32_t*>(row);
    a_scales[j] = reinterpret_cast<const float*>(row + PanelQ8OffsetScales(nb));
    a_corrections[j] = reinterpret_cast<const std::int32_t*>(row + PanelQ8OffsetSums(nb));
    acc[j] = _mm512_setzero_ps();
  }
  for (std::int64_t b = 0; b < nb; ++b) {
    // The scales' stream, 16 blocks (512 bytes) ahead: as far in time as
    // the quants' for Q4_0, farther for Q8_0.
    PrefetchFar(scales + b + 16);
    const __m512 ws = _mm512_cvtph_ps(_mm256_load_si256(scales + b));
    __m512i v[8];
    P::Load(quants + b * P::kQuantBytes * kPanelRows, v);
    for (int j = 0; j < kCount; ++j) {
      const __m512i isum = BlockSums(v, a_words[j] + b * 8, a_corrections[j] + b);
      acc[j] = AccumulateChunk(_mm512_cvtepi32_ps(isum), ws, a_scales[j][b], acc[j]);
    }
  }
  const __mmask16 mask = static_cast<__mmask16>((1u << nvalid) - 1);
  for (int j = 0; j < kCount; ++j) {
    _mm512_mask_storeu_ps(out + (t0 + j) * w.rows + r0, mask, acc[j]);
  }
}

template <class P>
void PanelPassOf(int count, const WeightView& w, const PanelRegions& panel,
                 const PreparedActivations& act, std::int64_t r0, int nvalid, std::int64_t t0,
                 float* out) {
  switch (count) {
    case 1:
      return PanelPass<P, 1>(w, panel, act, r0, nvalid, t0, out);
    case 2:
      return PanelPass<P, 2>(w, panel, act, r0, nvalid, t0, out);
    case 3:
      return PanelPass<P, 3>(w, panel, act, r0, nvalid, t0, out);
    default:
      return PanelPass<P, kTokensPerPass>(w, panel, act, r0, nvalid, t0, out);
  }
}

template <class P>
void Compute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
             std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out) {
  const PanelRegions first = Regions(w);
  // Token blocks keep their activations in L2 while the panels stream past;
  // each panel then stays in L1 for the passes over the block's tokens.
  for (std::int64_t tb = tok_begin; tb < tok_end; tb += kTokenBlock) {
    const std::int64_t tb_end = std::min(tok_end, tb + kTokenBlock);
    for (std::int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
      const int nvalid = static_cast<int>(std::min<std::int64_t>(kPanelRows, row_end - r0));
      const PanelRegions panel = AtPanel(first, r0);
      for (std::int64_t t0 = tb; t0 < tb_end; t0 += kTokensPerPass) {
        const int count = static_cast<int>(std::min<std::int64_t>(kTokensPerPass, tb_end - t0));
        PanelPassOf<P>(count, w, panel, act, r0, nvalid, t0, out);
      }
    }
  }
}

const PathKernels kQ4_0Panels = {PanelQ8RowBytes, PreparePanelQ4_0, VnniPanelsCompute, nullptr,
                                 QuantizeActivationAvx512};
const PathKernels kQ8_0Panels = {PanelQ8RowBytes, PreparePanelQ8_0, VnniPanelsCompute, nullptr,
                                 QuantizeActivationAvx512};
const PathKernels kKPanels = {PanelQ8KRowBytes, PreparePanelQ8K, VnniKPanelsCompute, nullptr,
                              QuantizeActivationAvx512};

}  // namespace

void VnniPanelsCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                       std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end,
                       float* out, std::uint8_t* thread_scratch) {
  if (w.type == TensorType::kQ4_0) {
    Compute<Q4_0Panel>(w, act, row_begin, row_end, tok_begin, tok_end, out);
  } else if (w.type == TensorType::kQ8_0) {
    Compute<Q8_0Panel>(w, act, row_begin, row_end, tok_begin, tok_end, out);
  } else {
    VnniKPanelsCompute(w, act, row_begin, row_end, tok_begin, tok_end, out, thread_scratch);
  }
}

const PathKernels* Avx512PanelKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return &kQ4_0Panels;
    case TensorType::kQ8_0:
      return &kQ8_0Panels;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return &kKPanels;
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
