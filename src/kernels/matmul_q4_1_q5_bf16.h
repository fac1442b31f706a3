// Internal to MatMul: activation layouts and the shared tile loop of the
// row-layout kernels for Q4_1, Q5_0, Q5_1 and BF16 weights
// (matmul_q4_1_q5_bf16_avx2.cc, matmul_q4_1_q5_bf16_avx512.cc; see matmul_kernels.h for
// how a path prepares activations and computes).
//
// Layouts (every region starts on a 64-byte boundary of the row):
// Q5_0 (partner Q8_0): the Q4_0 layout of matmul_kernels.h; its per-lane
//   correction -8 * sum(4 quants), added twice, cancels Q5_0's offset 16.
// Q4_1 / Q5_1 (partner Q8_1), P = block pairs (an odd block count gets a zero
//   block):
//   [P * 64 int8 quants][P * 16 float: each block's d in its 8 lanes]
//   [P * 16 float: each block's s / 8 in its 8 lanes]
//   A block's min term m * s is then the sum over its 8 lanes of m * (s / 8)
//   (exact scaling by a power of two; only the summation order changes).
// BF16 (partner BF16): the activation rounded to BF16 as floats (exact), zero
//   padded to a multiple of 16 (FloatRowBytes).
//
// Thread-safe: pure functions; each call writes only its `dst` row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/matmul_kernels.h"
#include "kernels/matmul_row_tiles.h"

namespace citadel::kernels::internal {

// Built without ISA flags (matmul_q4_1_q5_bf16_prepare.cc).
std::size_t Q8_1RowBytes(std::int64_t cols);
void PrepareQ8_1(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
void PrepareBF16(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);

// Internal linkage on purpose (see matmul_kernels.h): the ISA files include
// this header.
namespace {  // NOLINT(build/namespaces)

// Byte offsets of the Q8_1 layout's regions for `cols` inputs.
constexpr std::size_t Q8_1OffsetScales(std::int64_t cols) {
  return static_cast<std::size_t>(Pairs(cols)) * 64;
}
constexpr std::size_t Q8_1OffsetSums(std::int64_t cols) {
  return static_cast<std::size_t>(Pairs(cols)) * 128;
}

}  // namespace

}  // namespace citadel::kernels::internal
