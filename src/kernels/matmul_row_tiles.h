// Internal to the row-layout MatMul paths (matmul_avx2_tiles.h,
// matmul_avx512.cc, matmul_legacy_<isa>.cc, matmul_kquants_<isa>.cc): the
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
          RunTile<Tile, kMaxTile>(n, w.data + r * row_bytes, w.cols, act, t, out + t * w.rows + r,
                                  w.rows);
        }
      }
    }
  }
}

}  // namespace
}  // namespace citadel::kernels::internal
