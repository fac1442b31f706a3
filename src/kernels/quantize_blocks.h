// Per-type row quantizers behind QuantizeRow (internal to kernels/).
//
// Each takes `n` floats (a multiple of the block size, finite, magnitudes at
// most kMaxQuantizableMagnitude — QuantizeRow validates) and writes n / block
// blocks. Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "kernels/block_formats.h"

namespace citadel::kernels::quant {

// Round to nearest, one scale per block (quantize_legacy.cc). Q8_0 is the
// activation quantizer's (kernels/activation_quant.h), the same algorithm.
void QuantizeRowQ4_0(const float* x, BlockQ4_0* y, std::int64_t n);
void QuantizeRowQ4_1(const float* x, BlockQ4_1* y, std::int64_t n);
void QuantizeRowQ5_0(const float* x, BlockQ5_0* y, std::int64_t n);
void QuantizeRowQ5_1(const float* x, BlockQ5_1* y, std::int64_t n);

// Scale searches per sub-block, scales quantized per super-block (quantize_k.cc).
void QuantizeRowQ2_K(const float* x, BlockQ2_K* y, std::int64_t n);
void QuantizeRowQ3_K(const float* x, BlockQ3_K* y, std::int64_t n);
void QuantizeRowQ4_K(const float* x, BlockQ4_K* y, std::int64_t n);
void QuantizeRowQ5_K(const float* x, BlockQ5_K* y, std::int64_t n);
void QuantizeRowQ6_K(const float* x, BlockQ6_K* y, std::int64_t n);

}  // namespace citadel::kernels::quant
