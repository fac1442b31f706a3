// Conversions between F32 and the two 16-bit float formats GGUF stores:
// IEEE binary16 ("F16", ggml_half) and bfloat16 ("BF16").
//
// Every function is bit-exact with the reference engine's portable
// conversions (ggml's GGML_FP32_TO_FP16 / GGML_FP16_TO_FP32 and the BF16
// pair):
//   - F16 -> F32 and BF16 -> F32 are exact (every value is representable);
//     signalling NaNs come back quiet with their payload kept.
//   - F32 -> F16 rounds to nearest, ties to even, including into the F16
//     subnormal range; values that round past 65504 become +-inf; every NaN
//     becomes the quiet NaN 0x7E00 with the input's sign.
//   - F32 -> BF16 rounds to nearest, ties to even (overflow to +-inf); a NaN
//     keeps its top 16 bits and is forced quiet (bit 0x40 set).
//
// Pure functions on values; thread-safe. The scalar forms are inline because
// every quantized block converts its scales with them.
#pragma once

#include <bit>
#include <cstdint>

#include "kernels/block_formats.h"

namespace citadel::kernels {

using BF16 = std::uint16_t;  // bfloat16 bits: the top half of an F32

// binary16 bits -> float (exact).
inline float F16ToF32(Half h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  const std::uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0x1F) {  // inf, or NaN made quiet
    const std::uint32_t quiet = mantissa != 0 ? 0x00400000u : 0u;
    return std::bit_cast<float>(sign | 0x7F800000u | quiet | (mantissa << 13));
  }
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in F32
    const float magnitude = static_cast<float>(mantissa) * 0x1.0p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(magnitude));
  }
  // Normal: rebias the exponent from 15 to 127.
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// float -> binary16 bits, round to nearest even (see the file comment).
inline Half F32ToF16(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) return static_cast<Half>(sign | 0x7E00u);   // NaN
  if (magnitude >= 0x477FF000u) return static_cast<Half>(sign | 0x7C00u);  // >= 65520: inf
  // `value` holds the result with `shift` extra low bits; round them away.
  std::uint32_t value;
  std::uint32_t shift;
  if (magnitude >= 0x38800000u) {  // >= 2^-14: normal F16
    value = magnitude - (112u << 23);
    shift = 13;
  } else {  // F16 subnormal or zero: units of 2^-24
    const std::uint32_t exponent = magnitude >> 23;
    if (exponent < 102) return static_cast<Half>(sign);  // below 2^-25: rounds to zero
    value = (magnitude & 0x7FFFFFu) | 0x800000u;
    shift = 126 - exponent;  // 14..24
  }
  std::uint32_t result = value >> shift;
  const std::uint32_t remainder = value & ((1u << shift) - 1);
  const std::uint32_t half = 1u << (shift - 1);
  if (remainder > half || (remainder == half && (result & 1u))) ++result;
  return static_cast<Half>(sign | result);
}

// bfloat16 bits -> float (exact).
inline float BF16ToF32(BF16 b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

// float -> bfloat16 bits, round to nearest even; NaN stays NaN (quiet).
inline BF16 F32ToBF16(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<BF16>((bits >> 16) | 0x40u);
  const std::uint32_t round_bias = 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<BF16>((bits + round_bias) >> 16);
}

// Row conversions: dst[i] = convert(src[i]) for i < n. Buffers must not overlap.
void F16ToF32Row(const Half* src, float* dst, std::int64_t n);
void F32ToF16Row(const float* src, Half* dst, std::int64_t n);
void BF16ToF32Row(const BF16* src, float* dst, std::int64_t n);
void F32ToBF16Row(const float* src, BF16* dst, std::int64_t n);

}  // namespace citadel::kernels
