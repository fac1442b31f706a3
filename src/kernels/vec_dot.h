// Scalar reference dot products between one weight row and one activation
// row, one per weight type, each paired with the activation format the
// reference engine pairs it with:
//
//   weight   activation   per block (b) of the row
//   Q4_0     Q8_0         sum += (dw * da) * Σ (qw - 8) * qa
//   Q4_1     Q8_1         sum += (dw * da) * Σ qw * qa + mw * sa
//   Q5_0     Q8_0         sum += (dw * da) * Σ (qw - 16) * qa
//   Q5_1     Q8_1         sum += (dw * da) * Σ qw * qa + mw * sa
//   Q8_0     Q8_0         sum += (dw * da) * Σ qw * qa
//   Q2_K     Q8_K         sum += (da * dw) * Σ_i sc_i Σ qw qa - (da * dminw) * Σ_i m_i bsum_i
//   Q3_K     Q8_K         sum += (dw * da) * Σ_i sc_i Σ qw qa          (qw signed)
//   Q4_K     Q8_K         sum += (dw * da) * Σ_i sc_i Σ qw qa - (dminw * da) * Σ_i m_i bsum_i
//   Q5_K     Q8_K         as Q4_K with 5-bit qw
//   Q6_K     Q8_K         sum += (dw * da) * Σ_i sc_i Σ (qw - 32) qa
//   F32      F32          sum += w * a
//   F16      F16          sum += F32(w) * F32(a)
//   BF16     BF16         sum += F32(w) * F32(a)
//
// The Σ over quants are exact int32 sums ("integer partial sums"), computed
// per block by the Block* functions below; SIMD versions must reproduce them
// exactly and may differ from these functions only in the float order of the
// final scaling and accumulation. Sub-block sums for the K-quants: i runs over
// 16 sub-blocks of 16 (Q2_K, Q3_K, Q6_K) or 8 of 32 (Q4_K, Q5_K; bsum_i is
// then the sum of the two 16-element bsums it covers).
//
// Contract of every VecDotFn: `n` is a multiple of the weight type's block
// size (callers check with CheckVecDotLength); `weight_row` holds
// RowBytes(weight, n) bytes and `act_row` RowBytes(act_type, n) bytes, both
// aligned to 2 bytes (4 for F32 and Q8_K). Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/block_formats.h"
#include "util/status.h"

namespace citadel::kernels {

using VecDotFn = float (*)(std::int64_t n, const void* weight_row, const void* act_row);

struct VecDotKind {
  TensorType act_type;  // the format MatMul must convert activations to
  VecDotFn fn;          // nullptr when the weight type has no dot product
};

// The scalar dot product for rows of `weight_type`: F32, F16, BF16, Q4_0,
// Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. For any other type
// returns {kF32, nullptr}.
VecDotKind ScalarVecDot(TensorType weight_type);

// OK when `weight_type` has a dot product and a row of `n` elements is whole
// blocks of it; InvalidArgument (odd length) or Unimplemented (type) otherwise.
Status CheckVecDotLength(TensorType weight_type, std::int64_t n);

// Integer partial sums of one block pair (see the table above).
std::int32_t BlockDotQ4_0(const BlockQ4_0& w, const BlockQ8_0& a);
std::int32_t BlockDotQ4_1(const BlockQ4_1& w, const BlockQ8_1& a);
std::int32_t BlockDotQ5_0(const BlockQ5_0& w, const BlockQ8_0& a);
std::int32_t BlockDotQ5_1(const BlockQ5_1& w, const BlockQ8_1& a);
std::int32_t BlockDotQ8_0(const BlockQ8_0& w, const BlockQ8_0& a);

// For K-quant super-blocks: `scaled` = Σ_i sc_i Σ qw qa, `mins` = Σ_i m_i bsum_i
// (0 for the types without mins, Q3_K and Q6_K).
struct KBlockSums {
  std::int32_t scaled;
  std::int32_t mins;
};
KBlockSums BlockDotQ2_K(const BlockQ2_K& w, const BlockQ8_K& a);
KBlockSums BlockDotQ3_K(const BlockQ3_K& w, const BlockQ8_K& a);
KBlockSums BlockDotQ4_K(const BlockQ4_K& w, const BlockQ8_K& a);
KBlockSums BlockDotQ5_K(const BlockQ5_K& w, const BlockQ8_K& a);
KBlockSums BlockDotQ6_K(const BlockQ6_K& w, const BlockQ8_K& a);

}  // namespace citadel::kernels
