// Internal to the Q2_K / Q3_K / Q5_K row-layout MatMul kernels
// (matmul_q2k_q3k_q5k_avx2.cc, matmul_q2k_q3k_q5k_avx512.cc): the unpacking of packed
// sub-block scales and the weight prefetch both ISA files share.
//
// The kernels reuse activation layouts of kernels/matmul_kernels.h:
//   Q5_K reads the Q4_K layout (PrepareQ4_K): its nibbles are Q4_K's, and the
//     fifth bits line up with the same 32-element groups.
//   Q2_K and Q3_K read the Q6_K layout (PrepareQ6_K): quants in element order,
//     the activation scale, and da * bsum per 16-element group (the Q2_K mins
//     and the Q3_K "- 4" offset are applied through those sums); the Q6_K
//     corrections region is not read.
//
// Include only from files built with AVX2 or more. Internal linkage on purpose
// (see matmul_kernels.h): these inline helpers are compiled with ISA flags.
//
// Thread-safe: pure functions.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

// The 6-bit scales and mins of a Q4_K / Q5_K super-block from its 12 packed
// bytes: bytes 0-7 the scales of the 32-element groups, bytes 8-15 the mins.
inline __m128i KQuantScalesMins(const std::uint8_t* packed) {
  std::uint32_t u[3];
  std::memcpy(u, packed, 12);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const std::uint32_t scales_hi = (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4);
  const std::uint32_t mins_hi = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4);
  return _mm_set_epi32(static_cast<int>(mins_hi), static_cast<int>(u[1] & kLow6),
                       static_cast<int>(scales_hi), static_cast<int>(u[0] & kLow6));
}

// The 16 unsigned 6-bit sub-block scales of a Q3_K block (the weight's scale
// is this minus 32): scale s keeps its low 4 bits in the low (s < 8) or high
// nibble of byte s % 8 and its top 2 bits in bits 2 * (s / 4) of byte 8 + s % 4.
inline __m128i Q3_KRawScales(const std::uint8_t* packed) {
  std::uint64_t nibbles;
  std::uint32_t top;
  std::memcpy(&nibbles, packed, 8);
  std::memcpy(&top, packed + 8, 4);
  const __m128i x = _mm_cvtsi64_si128(static_cast<long long>(nibbles));
  const __m128i low4 = _mm_set1_epi8(0x0F);
  const __m128i low =
      _mm_unpacklo_epi64(_mm_and_si128(x, low4), _mm_and_si128(_mm_srli_epi16(x, 4), low4));
  // Dword j (scales 4j .. 4j + 3): each byte of `top` shifted down by 2j.
  const __m128i high =
      _mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(top)), _mm_set_epi32(6, 4, 2, 0));
  return _mm_or_si128(low, _mm_slli_epi16(_mm_and_si128(high, _mm_set1_epi8(3)), 4));
}

// Weight rows stream in order, so the bytes this far past the current block
// are the ones a few blocks (or rows) later: prefetching them hides the DRAM
// latency the hardware prefetcher alone leaves exposed.
constexpr std::size_t kPrefetchBytes = 4096;

// Prefetches the cache lines kPrefetchBytes past `block` (a hint: never faults).
template <typename Block>
inline void PrefetchAhead(const Block* block) {
  const char* p = reinterpret_cast<const char*>(block) + kPrefetchBytes;
  for (std::size_t off = 0; off < sizeof(Block); off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
}

}  // namespace
}  // namespace citadel::kernels::internal
