// Internal to MatMul (kernels/matmul.h): the per-path kernel tables.
//
// A call runs in two phases. First every activation row is quantized to the
// weight type's partner format (the reference quantizers of kernels/activation_quant.h, so the
// integers equal the reference engine's) and then *prepared*: rearranged into the layout the chosen
// path's inner loop reads (e.g. quants padded to 64 bytes, per-block scales broadcast into
// vector-width patterns, offset corrections precomputed). Then the path computes a rectangle of
// outputs, rows by tokens, reading weights in place.
//
// Thread-safe: tables are immutable; functions write only their outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/block_formats.h"
#include "kernels/matmul.h"

namespace citadel::kernels::internal {

// The prepared activations of one call: `tokens` rows of `row_bytes` each
// (64-byte aligned), in the layout of the path that prepared them.
struct PreparedActivations {
  const std::uint8_t* data = nullptr;
  std::size_t row_bytes = 0;
  std::int64_t tokens = 0;
  std::int64_t cols = 0;

  const std::uint8_t* Row(std::int64_t token) const { return data + token * row_bytes; }
};

struct PathKernels {
  // Bytes of one prepared row for `cols` inputs; a multiple of 64.
  std::size_t (*prepared_row_bytes)(std::int64_t cols);
  // Writes the prepared row for one token: `act` is the F32 row and
  // `partner` the same row already quantized to the partner format
  // (nullptr when the partner is F32 or F16, which read `act` directly).
  void (*prepare_row)(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
  // out[t * w.rows + r] for r in [row_begin, row_end), t in [tok_begin, tok_end).
  // `thread_scratch` holds thread_scratch_bytes(w, tokens) bytes (64-byte aligned)
  // private to the calling thread.
  void (*compute)(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                  std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                  std::uint8_t* thread_scratch);
  // Per-thread scratch `compute` needs; nullptr means none.
  std::size_t (*thread_scratch_bytes)(const WeightView& w, std::int64_t tokens) = nullptr;
  // Quantizes one activation row to the partner format (nullptr: the scalar
  // quantizers of kernels/activation_quant.h). Must give the same bytes.
  void (*quantize_row)(TensorType act_type, const float* src, void* dst, std::int64_t n) = nullptr;
  // Calls with at least `pad_from_tokens` tokens get their prepared rows
  // padded with zero rows up to a multiple of `token_multiple`.
  std::int64_t token_multiple = 1;
  std::int64_t pad_from_tokens = 0;
};

// ---- Activation layouts shared by the AVX2 and AVX-512 paths ----------------
// (matmul_prepare.cc, built without ISA flags.) Every region starts on a
// 64-byte boundary of the row.
//
// Q4_0 (partner Q8_0), P = block pairs (an odd block count gets a zero block):
//   [P * 64 int8 quants][P * 16 float: each block's scale in its 8 lanes]
//   [P * 16 int32: -8 * sum of each 4 consecutive quants]
// Q8_0: [P * 64 u8: quant + 128][P * 16 float: block scale per lane]
// Q4_K (partner Q8_K), S = super-blocks:
//   [S * 256 int8 quants, each super-block's 32-element groups stored in the
//    order 0 2 1 3 4 6 5 7 — how Q4_K's nibbles line up in a 64-byte load]
//   [S floats: activation scale][S * 8 floats: scale * sum of each 32-group]
// Q6_K: [S * 256 int8 quants in element order][S floats: activation scale]
//   [S * 16 floats: scale * bsum of each 16-element group]
//   [S * 64 int32: -32 * sum of each 4 consecutive quants]
// F32 / F16: the activation as floats (for F16 weights rounded through F16 as
//   the reference converts it), zero padded to a multiple of 16.
std::size_t Q4_0RowBytes(std::int64_t cols);
std::size_t Q8_0RowBytes(std::int64_t cols);
std::size_t Q4_KRowBytes(std::int64_t cols);
std::size_t Q6_KRowBytes(std::int64_t cols);
std::size_t FloatRowBytes(std::int64_t cols);
void PrepareQ4_0(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareQ8_0(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareQ4_K(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareQ6_K(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareF32(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareF16(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);

// Panel weights (kernels/weight_panels.h; Q4_0, Q8_0), partner Q8_0, B = blocks:
//   [B * 32 int8 quants in element order][B floats: block scale]
//   [B int32: -offset x the sum of the block's quants, offset = what the
//    panel adds to each stored weight quant (Q4_0: 8, Q8_0: 128)]
std::size_t PanelQ8RowBytes(std::int64_t cols);
void PreparePanelQ4_0(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PreparePanelQ8_0(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
// Panel weights (Q4_K, Q5_K, Q6_K), partner Q8_K, S = super-blocks:
//   [S * 256 int8 quants in element order][S floats: activation scale]
//   [S * 4 int32: the sums of the 32-element groups g as int16 pairs
//    {g0, g2} {g1, g3} {g4, g6} {g5, g7}, the order Q4_KMins (VPDPWSSD) wants]
//   [S * 16 int32: sum of each 16-element group]
std::size_t PanelQ8KRowBytes(std::int64_t cols);
void PreparePanelQ8K(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);

// AVX-512 quantizers (matmul_quantize_avx512.cc), bit-exact with
// QuantizeRowQ8_0 and QuantizeRowQ8_K; and the dispatcher the AVX-512 and
// AMX tables use as quantize_row.
void QuantizeRowQ8_0Avx512(const float* src, BlockQ8_0* dst, std::int64_t n);
void QuantizeRowQ8_KAvx512(const float* src, BlockQ8_K* dst, std::int64_t n);
void QuantizeActivationAvx512(TensorType act_type, const float* src, void* dst, std::int64_t n);

// Offsets within those layouts. Internal linkage on purpose: the SIMD files
// are compiled with ISA flags, and an inline function with external linkage
// could be emitted with those instructions and then shared with code that
// runs on any CPU.
namespace {  // NOLINT(build/namespaces)
constexpr std::size_t RoundUp64(std::size_t n) {
  return (n + 63) / 64 * 64;
}
constexpr std::int64_t Pairs(std::int64_t cols) {
  return (cols / 32 + 1) / 2;
}
constexpr std::size_t Q8_KOffsetScales(std::int64_t sb) {
  return RoundUp64(sb * 256);
}
constexpr std::size_t Q8_KOffsetSums(std::int64_t sb) {
  return Q8_KOffsetScales(sb) + RoundUp64(sb * 4);
}
constexpr std::size_t Q6_KOffsetCorrections(std::int64_t sb) {
  return Q8_KOffsetSums(sb) + RoundUp64(sb * 16 * 4);
}
constexpr std::size_t PanelQ8OffsetScales(std::int64_t blocks) {
  return RoundUp64(blocks * 32);
}
constexpr std::size_t PanelQ8OffsetSums(std::int64_t blocks) {
  return PanelQ8OffsetScales(blocks) + RoundUp64(blocks * 4);
}
constexpr std::size_t PanelQ8KOffsetPairSums(std::int64_t sb) {
  return Q8_KOffsetScales(sb) + RoundUp64(sb * 4);
}
constexpr std::size_t PanelQ8KOffsetBsums(std::int64_t sb) {
  return PanelQ8KOffsetPairSums(sb) + RoundUp64(sb * 4 * 4);
}
}  // namespace

// The kernels of one path for weights of `type`, or nullptr when that path
// has no kernel for the type (MatMul then falls back to a lower path).
const PathKernels* ScalarKernels(TensorType type);
const PathKernels* Avx2Kernels(TensorType type);
// AVX-VNNI (256-bit VPDPBUSD): Q4_0, Q8_0, Q4_K, Q6_K, bit-identical to
// Avx2Kernels; call only when CpuFeatures::avx_vnni (matmul_avxvnni.cc).
const PathKernels* AvxVnniKernels(TensorType type);
const PathKernels* Avx512Kernels(TensorType type);
// The AMX path (call only when the CPU has AMX and Linux granted it): AMX
// tiles from a few tokens on (kAmxTokens), AVX-512 VNNI below, both producing
// bit-identical results (matmul_amx.cc); nullptr when the type has none.
const PathKernels* AmxKernels(TensorType type);
// Row-layout kernels for the types the tables above lack, one file per family
// and ISA: Q4_1, Q5_0, Q5_1 and BF16 (matmul_q4_1_q5_bf16_<isa>.cc); Q2_K, Q3_K and
// Q5_K (matmul_q2k_q3k_q5k_<isa>.cc). nullptr when the file has none for `type`.
const PathKernels* Avx2Q4_1Q5Bf16Kernels(TensorType type);
const PathKernels* Avx512Q4_1Q5Bf16Kernels(TensorType type);
const PathKernels* Avx2Q2KQ3KQ5KKernels(TensorType type);
const PathKernels* Avx512Q2KQ3KQ5KKernels(TensorType type);

// The same for weights in the panel layout (kernels/weight_panels.h). The
// scalar table covers every type with a panel layout; AVX-512 (VNNI, any
// token count) and AMX (tiles from kAmxTokens on, VNNI below, bit-identical)
// return nullptr for types they lack.
const PathKernels* ScalarPanelKernels(TensorType type);
const PathKernels* Avx512PanelKernels(TensorType type);
const PathKernels* AmxPanelKernels(TensorType type);

// The VNNI panel kernel (matmul_panels_q4_0_q8_0_avx512.cc): out for rows [row_begin,
// row_end) (whole panels from row_begin) and tokens [tok_begin, tok_end). Its
// float accumulation is TileAccumulator's (matmul_tile_accumulate.h), chunk by chunk.
void VnniPanelsCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                       std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end,
                       float* out, std::uint8_t* thread_scratch);

// The same for Q4_K, Q5_K and Q6_K panels (matmul_panels_q4k_q5k_q6k_avx512.cc); it
// needs no thread scratch.
void VnniKPanelsCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                        std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end,
                        float* out, std::uint8_t* thread_scratch);

// Tokens per block in the prefill loop: a block's prepared activations stay
// in L2 while every row of the thread's share streams past them.
inline constexpr std::int64_t kTokenBlock = 64;

}  // namespace citadel::kernels::internal
