// Dequantization of one row of a tensor to F32.
//
// Every type decodes bit-exactly as the reference engine's dequantize_row_*
// (same float operations in the same order, no fused multiply-add), so a
// weight read through Citadel has the value the reference sees. Element order
// within each block is documented in kernels/block_formats.h.
//
// Pure functions; thread-safe. Source and destination must not overlap.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/block_formats.h"
#include "util/status.h"

namespace citadel::kernels {

// OK when a row of `n` elements of `type` is a whole number of blocks and
// n >= 0; InvalidArgument naming the type, n and the block size otherwise.
Status CheckRowLength(TensorType type, std::int64_t n);

// Decodes `n` elements of `type` from `src` (RowBytes(type, n) bytes, any
// alignment) into dst[0..n). Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
// Errors: InvalidArgument when n is not a multiple of the block size (dst is
// untouched); Unimplemented naming the type for any other type.
Status DequantizeRow(TensorType type, const void* src, float* dst, std::int64_t n);

// Typed forms used by DequantizeRow; `n` must be a multiple of the block size
// (kQK for the 32-element formats, kQKK for the K-quants).
void DequantizeRowQ4_0(const BlockQ4_0* src, float* dst, std::int64_t n);
void DequantizeRowQ4_1(const BlockQ4_1* src, float* dst, std::int64_t n);
void DequantizeRowQ5_0(const BlockQ5_0* src, float* dst, std::int64_t n);
void DequantizeRowQ5_1(const BlockQ5_1* src, float* dst, std::int64_t n);
void DequantizeRowQ8_0(const BlockQ8_0* src, float* dst, std::int64_t n);
void DequantizeRowQ8_1(const BlockQ8_1* src, float* dst, std::int64_t n);
void DequantizeRowQ2_K(const BlockQ2_K* src, float* dst, std::int64_t n);
void DequantizeRowQ3_K(const BlockQ3_K* src, float* dst, std::int64_t n);
void DequantizeRowQ4_K(const BlockQ4_K* src, float* dst, std::int64_t n);
void DequantizeRowQ5_K(const BlockQ5_K* src, float* dst, std::int64_t n);
void DequantizeRowQ6_K(const BlockQ6_K* src, float* dst, std::int64_t n);
void DequantizeRowQ8_K(const BlockQ8_K* src, float* dst, std::int64_t n);

}  // namespace citadel::kernels
