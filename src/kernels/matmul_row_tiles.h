// Internal to the row-layout MatMul paths (matmul_avx2_tiles.h,
// matmul_avx512.cc, matmul_q4_1_q5_bf16_<isa>.cc, matmul_q2k_q3k_q5k_<isa>.cc): the
// loop they share around their per-type tiles. ISA-neutral templates with
// internal linkage (see matmul_kernels.h), instantiated in each ISA file.
//
// Thread-safe: pure functions over borrowed buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {  // NOLINT(build/namespaces)

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
constexpr std::int64_t kRowChunk = 8;

// How far ahead of the row being read the weights are prefetched into L2.
// Without it the row kernels waited on memory: at M = 1 on 2 threads of a
// Sapphire Rapids-class Xeon held to AVX2 (CITADEL_CPU=avx2), Q4_0 read 6.4
// GB/s and Q8_0 10.1, with it 14.7 and 22.5. 1024 and 6144 bytes were no
// better; a second, near prefetch into L1 made it slower.
constexpr std::size_t kRowPrefetchBytes = 3072;

// Prefetches into L2 the bytes kRowPrefetchBytes past row `row` (one
// prefetch per line of `row_bytes`): rows are consecutive, so this runs a
// steady stream ahead of the tiles, row after row. Past the matrix it is
// harmless (a prefetch never faults).
inline void PrefetchRowAhead(const std::uint8_t* row, std::size_t row_bytes) {
  const std::uint8_t* from = row + kRowPrefetchBytes;
  for (std::size_t i = 0; i < row_bytes; i += 64) __builtin_prefetch(from + i, 0, 2);
}

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
    for (std::int64_t chunk = row_begin; chunk < row_end; chunk += kRowChunk) {
      const std::int64_t chunk_end = chunk + kRowChunk < row_end ? chunk + kRowChunk : row_end;
      for (std::int64_t t = block; t < block_end; t += kMaxTile) {
        const std::int64_t left = block_end - t;
        const int n = left < kMaxTile ? static_cast<int>(left) : kMaxTile;
        for (std::int64_t r = chunk; r < chunk_end; ++r) {
          if (t == block) PrefetchRowAhead(w.data + r * row_bytes, row_bytes);
          RunTile<Tile, kMaxTile>(n, w.data + r * row_bytes, w.cols, act, t, out + t * w.rows + r,
                                  w.rows);
        }
      }
    }
  }
}

}  // namespace
}  // namespace citadel::kernels::internal
