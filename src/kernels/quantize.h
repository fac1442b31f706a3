// Quantization of F32 data into every weight type Citadel writes: what
// `citadel quantize` and `citadel synth` use to produce GGUF tensors.
//
// Algorithms (the reference quantizer's, without an importance matrix):
//   - F32 is copied; F16 and BF16 round to nearest even (kernels/fp16.h).
//   - Q4_0, Q5_0, Q8_0: one scale per block of 32, from the value of largest
//     magnitude; every value rounded to the nearest level.
//   - Q4_1, Q5_1: scale and min per block of 32 from the block's range.
//   - Q2_K, Q4_K, Q5_K: per sub-block a search over candidate scales with a
//     least-squares refit of scale and min; the sub-block scales and mins
//     are then quantized to 4 (Q2_K) or 6 bits against one F16 super-scale.
//   - Q3_K, Q6_K: per sub-block of 16 a signed scale search (x²-weighted),
//     sub-block scales quantized to 6 (Q3_K) or 8 bits (Q6_K).
// Output is deterministic and byte-identical to the reference quantizer's
// (ggml_quantize_chunk without an importance matrix): the searches keep its
// float operations in the same order, which a test pins with golden hashes.
//
// Thread-safe: pure functions; concurrent calls must write disjoint `dst`.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"
#include "util/status.h"

namespace citadel {
class ThreadPool;
}  // namespace citadel

namespace citadel::kernels {

// The largest magnitude QuantizeRow accepts for types that store F16
// values or F16 block scales (everything but F32 and BF16).
inline constexpr float kMaxQuantizableMagnitude = 65504.0f;

// Whether QuantizeRow can produce `type`: F32, F16, BF16, Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
bool CanQuantizeTo(TensorType type);

// Quantizes the `n` floats at `src` into `dst` as `type`, writing exactly
// RowBytes(type, n) bytes (block structs of kernels/block_formats.h).
//
// Fails with InvalidArgument, leaving `dst` untouched, when `type` is not one
// CanQuantizeTo accepts, when n is negative or not a multiple of the type's
// block size (32, or 256 for the K-quants), or when `src` holds a NaN or an
// infinity (any type but F32) or a magnitude above kMaxQuantizableMagnitude
// (any type but F32 and BF16), which the F16 fields could not hold.
// Borrows both buffers for the call; they must not overlap.
Status QuantizeRow(TensorType type, const float* src, void* dst, std::int64_t n);

// Quantizes a row-major [rows, cols] matrix: row r of `src` (cols floats)
// becomes bytes [r * RowBytes(type, cols), (r + 1) * RowBytes(type, cols))
// of `dst`. Rows are split over `pool` when given (nullptr: the calling
// thread does all of them). The output does not depend on the pool size.
//
// Fails as QuantizeRow (and for negative rows), the message prefixed with
// "row R" for the lowest failing row; on failure `dst` may hold
// some quantized rows. Must not be called from inside a task of `pool`.
Status QuantizeTensor(TensorType type, const float* src, void* dst, std::int64_t rows,
                      std::int64_t cols, ThreadPool* pool);

}  // namespace citadel::kernels
