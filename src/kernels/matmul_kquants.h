// Internal to the Q2_K / Q3_K / Q5_K row-layout MatMul kernels
// (matmul_kquants_avx2.cc, matmul_kquants_avx512.cc): the scalar unpacking
// of packed sub-block scales both ISA files share.
//
// The kernels reuse activation layouts of kernels/matmul_kernels.h:
//   Q5_K reads the Q4_K layout (PrepareQ4_K): its nibbles are Q4_K's, and the
//     fifth bits line up with the same 32-element groups.
//   Q2_K and Q3_K read the Q6_K layout (PrepareQ6_K): quants in element order,
//     the activation scale, and da * bsum per 16-element group (the Q2_K mins
//     and the Q3_K "- 4" offset are applied through those sums); the Q6_K
//     corrections region is not read.
//
// Internal linkage on purpose (see matmul_kernels.h): these inline helpers are
// compiled into files built with ISA flags.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <cstring>

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

// The 6-bit scales and mins of a Q4_K / Q5_K super-block from its 12 packed
// bytes: out[0..7] the scales of the 32-element groups, out[8..15] the mins.
inline void KQuantScalesMins(const std::uint8_t* packed, std::uint8_t out[16]) {
  std::uint32_t u[3];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t v[4] = {u[0] & kLow6, (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4),
                              u[1] & kLow6, ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4)};
  std::memcpy(out, v, 16);
}

// The 16 unsigned 6-bit sub-block scales of a Q3_K block (the weight's scale
// is this minus 32): scale s keeps its low 4 bits in the low (s < 8) or high
// nibble of byte s % 8 and its top 2 bits in bits 2 * (s / 4) of byte 8 + s % 4.
inline void Q3_KRawScales(const std::uint8_t* packed, std::uint8_t out[16]) {
  std::uint32_t u[3];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t v[4] = {(u[0] & kLow4) | ((u[2] & kTop2) << 4),
                              (u[1] & kLow4) | (((u[2] >> 2) & kTop2) << 4),
                              ((u[0] >> 4) & kLow4) | (((u[2] >> 4) & kTop2) << 4),
                              ((u[1] >> 4) & kLow4) | (((u[2] >> 6) & kTop2) << 4)};
  std::memcpy(out, v, 16);
}

}  // namespace
}  // namespace citadel::kernels::internal
