// Quantization of F32 activation rows into the formats dot products consume:
// Q8_0 (partner of Q4_0, Q5_0, Q8_0 weights), Q8_1 (partner of Q4_1, Q5_1),
// Q8_K (partner of the K-quants), F16 and BF16 (partners of F16 / BF16
// weights), and F32 (a copy).
//
// Each quantizer reproduces the reference engine's reference quantizer
// (ggml quantize_row_q8_0_ref, quantize_row_q8_1_ref, quantize_row_q8_K_ref)
// bit for bit on finite input:
//   Q8_0 / Q8_1: per 32 values, amax = max |x|, d = amax / 127 (stored as F16),
//     q = round-half-away-from-zero(x * (1 / d)) (0 when d == 0);
//     Q8_1 also stores s = F16(sum(q) * d).
//   Q8_K: per 256 values, max = the x with the largest |x| (first one wins),
//     iscale = -127 / max, q = min(127, round-half-to-even(iscale * x)),
//     d = 1 / iscale (F32), bsums[i] = sum of q[16 i .. 16 i + 15];
//     an all-zero block gets d = 0, q = 0, bsums = 0.
// Non-finite input never crashes or invokes undefined behaviour: a NaN
// element quantizes to 0; an infinite element makes its block's scale
// infinite and every quant of that block 0.
//
// On x86 the reference engine's matrix products do not use those reference
// Q8_0 / Q8_1 quantizers but vectorized ones that differ from them now and
// then by one in a quant; the *AsCpuBackend forms below reproduce those
// instead (Q8_K is the same function in both places).
//
// Pure functions; thread-safe. Source and destination must not overlap.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/block_formats.h"
#include "util/status.h"

namespace citadel::kernels {

// Writes RowBytes(type, n) bytes of `type` to `dst` encoding src[0..n).
// Supported: F32, F16, BF16, Q8_0, Q8_1, Q8_K.
// Errors: InvalidArgument when n is not a multiple of the block size (dst
// untouched); Unimplemented naming the type otherwise.
Status QuantizeActivationRow(TensorType type, const float* src, void* dst, std::int64_t n);

// Typed forms; `n` must be a multiple of kQK (Q8_0, Q8_1) or kQKK (Q8_K).
void QuantizeRowQ8_0(const float* src, BlockQ8_0* dst, std::int64_t n);
void QuantizeRowQ8_1(const float* src, BlockQ8_1* dst, std::int64_t n);
void QuantizeRowQ8_K(const float* src, BlockQ8_K* dst, std::int64_t n);

// Q8_0 / Q8_1 exactly as the reference engine's x86 CPU backend quantizes
// activations at run time (bit-exact on finite input): d = amax / 127 as
// above, but q = round-half-to-even(x * (127 / amax)). Non-finite input
// never causes undefined behaviour (its quants are unspecified).
void QuantizeRowQ8_0AsCpuBackend(const float* src, BlockQ8_0* dst, std::int64_t n);
void QuantizeRowQ8_1AsCpuBackend(const float* src, BlockQ8_1* dst, std::int64_t n);

}  // namespace citadel::kernels
