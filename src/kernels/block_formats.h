// Quantized block layouts exactly as GGUF stores them (facts of the format).
//
// Each block packs a fixed number of elements; a row of a weight matrix is a
// sequence of blocks. Layouts are pinned with static_assert so the structs
// can be overlaid on memory-mapped file bytes (all members are byte arrays or
// uint16 halves, so blocks are 2-byte aligned at most).
//
// Pure data; thread-safe.
#pragma once

#include <cstdint>

namespace citadel::kernels {

using Half = std::uint16_t;  // IEEE binary16 bits (ggml_half)

inline constexpr int kQK = 32;    // elements per legacy block
inline constexpr int kQKK = 256;  // elements per K-quant super-block
inline constexpr int kKScaleSize = 12;

// x = d * (q - 8), q in [0, 15]; element j in low nibble of qs[j], j+16 in high.
struct BlockQ4_0 {
  Half d;
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// x = d * q + m, q in [0, 15]; same nibble order as Q4_0.
struct BlockQ4_1 {
  Half d;
  Half m;
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// x = d * (q - 16), q in [0, 31]; bit 4 of element j is bit j of qh (LE u32).
struct BlockQ5_0 {
  Half d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// x = d * q + m, q in [0, 31].
struct BlockQ5_1 {
  Half d;
  Half m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// x = d * q, q in [-127, 127].
struct BlockQ8_0 {
  Half d;
  std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Activation format for Q4_1/Q5_1 dot products: s = d * sum(qs).
struct BlockQ8_1 {
  Half d;
  Half s;
  std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

// 16 sub-blocks of 16: x = d * (scales[i] & 0xF) * q - dmin * (scales[i] >> 4), q in [0, 3].
struct BlockQ2_K {
  std::uint8_t scales[kQKK / 16];
  std::uint8_t qs[kQKK / 4];
  Half d;
  Half dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16: x = d * (scale6 - 32) * (q - 4 * !hbit), q low 2 bits in qs.
struct BlockQ3_K {
  std::uint8_t hmask[kQKK / 8];
  std::uint8_t qs[kQKK / 4];
  std::uint8_t scales[12];
  Half d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, 6-bit sc/m packed in scales.
struct BlockQ4_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As Q4_K with a fifth bit per element in qh.
struct BlockQ5_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qh[kQKK / 8];
  std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16: x = d * scales[i] * (q - 32), q 6 bits (4 in ql, 2 in qh).
struct BlockQ6_K {
  std::uint8_t ql[kQKK / 2];
  std::uint8_t qh[kQKK / 4];
  std::int8_t scales[kQKK / 16];
  Half d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Activation format for K-quant dot products: float scale, int8 quants, and
// sums of each group of 16 quants (used to apply the K-quant mins cheaply).
struct BlockQ8_K {
  float d;
  std::int8_t qs[kQKK];
  std::int16_t bsums[kQKK / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace citadel::kernels
