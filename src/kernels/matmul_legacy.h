// Internal to MatMul: activation layouts and the shared tile loop of the
// row-layout kernels for Q4_1, Q5_0, Q5_1 and BF16 weights
// (matmul_legacy_avx2.cc, matmul_legacy_avx512.cc; see matmul_kernels.h for
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

namespace citadel::kernels::internal {

// Built without ISA flags (matmul_legacy_prepare.cc).
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

// Runs Tile<n>::Run(args...) for 1 <= n <= kMax (n > kMax runs Tile<kMax>).
template <template <int> class Tile, int kMax, typename... Args>
inline void RunTile(int n, Args&&... args) {
  if constexpr (kMax == 1) {
    Tile<1>::Run(args...);
  } else {
    if (n >= kMax) {
      Tile<kMax>::Run(args...);
    } else {
      RunTile<Tile, kMax - 1>(n, args...);
    }
  }
}

// Rows a token tile visits before the next tile starts: the tile's prepared
// activations stay in L1 while a few weight rows pass (each output is still
// computed by one tile call, so the order changes no result).
constexpr std::int64_t kLegacyRowChunk = 8;

// The loop every row-layout path shares: token blocks (a block's prepared
// activations stay in L2), chunks of rows, tiles of up to kMaxTile tokens,
// then the chunk's rows; each tile call reads its weight row once.
// Tile<T>::Run(wrow, cols, act, first_token, out, out_stride) writes
// out[i * out_stride] for its T tokens.
template <template <int> class Tile, int kMaxTile>
void ComputeRowTiles(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                     std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                     std::uint8_t* /*thread_scratch*/) {
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(w.type, w.cols));
  for (std::int64_t block = tok_begin; block < tok_end; block += kTokenBlock) {
    const std::int64_t block_end = block + kTokenBlock < tok_end ? block + kTokenBlock : tok_end;
    for (std::int64_t chunk = row_begin; chunk < row_end; chunk += kLegacyRowChunk) {
      const std::int64_t chunk_end =
          chunk + kLegacyRowChunk < row_end ? chunk + kLegacyRowChunk : row_end;
      for (std::int64_t t = block; t < block_end; t += kMaxTile) {
        const std::int64_t left = block_end - t;
        const int n = left < kMaxTile ? static_cast<int>(left) : kMaxTile;
        for (std::int64_t r = chunk; r < chunk_end; ++r) {
          RunTile<Tile, kMaxTile>(n, w.data + r * row_bytes, w.cols, act, t, out + t * w.rows + r,
                                  w.rows);
        }
      }
    }
  }
}

}  // namespace

}  // namespace citadel::kernels::internal
