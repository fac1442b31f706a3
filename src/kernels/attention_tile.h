// Attention for a tile of query rows that share one KV head of one sequence:
// the GQA group's heads for one or more consecutive tokens. Keys and values
// are widened to F32 once per block of 16 positions for the whole tile
// (not once per query row), and each row runs an online softmax over the
// blocks in position order (running max, running sum, rescaled output):
//
//   for each block of 16 positions:  s = scale * q . K_block (masked past the
//     row's context), m' = max(m, max s), p = exp(s - m'),
//     l = l * exp(m - m') + sum p,  o = o * exp(m - m') + p . V_block
//   out = o / l
//
// Every row takes the same steps whatever else shares its tile, so a
// token's attention is bit-identical whether it is decoded alone, batched,
// or prefilled in any chunking (the engine's greedy output relies on it).
// Results equal AttendHead's (kernels/attention.h) up to float rounding.
//
// Paths: AVX-512 when selected and head_dim is a multiple of 16, else the
// scalar reference (same steps; AttendTileAtLevel picks explicitly).
//
// Thread-safe: pure function over borrowed buffers and the caller's scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/attention.h"
#include "kernels/cpu_features.h"

namespace citadel::kernels {

struct AttentionTile {
  const float* q = nullptr;  // token t, group head h: q[t * stride + h * head_dim]
  float* out = nullptr;      // same layout as q; must not overlap it
  std::int64_t stride = 0;   // floats between consecutive tokens
  int tokens = 0;            // consecutive positions of one sequence, >= 1
  int heads = 0;             // query heads sharing the KV head, >= 1
  int first_context = 0;     // token t sees positions [0, first_context + t); >= 1
};

// Floats of scratch AttendTile needs.
std::size_t AttendTileScratchFloats(const AttentionTile& tile, int head_dim);

// Whether AttendTile beats AttendHead on this machine for `head_dim` (it has
// an AVX-512 path for it); the scalar tile path is only a reference.
bool AttendTilePreferred(int head_dim);

// Computes tile.out for every (token, head) of the tile. `block_table` covers
// first_context + tokens - 1 positions; scratch holds
// AttendTileScratchFloats floats. Programmer errors otherwise.
void AttendTile(const AttentionTile& tile, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, float scale, std::span<float> scratch);

// As AttendTile on an explicit path (capped at what the CPU supports).
void AttendTileAtLevel(SimdLevel level, const AttentionTile& tile, const PagedKvView& kv,
                       int kv_head, std::span<const std::int32_t> block_table, float scale,
                       std::span<float> scratch);

namespace internal {
// The scratch of one call: keys [head_dim][16], values [16][head_dim], and
// each row's running max and sum.
struct TileScratch {
  float* kt;
  float* v;
  float* m;
  float* l;
};
TileScratch CarveTileScratch(std::span<float> scratch, int head_dim, int rows);
// The KV row (keys or values `base`) of `position` for `kv_head`.
const std::uint8_t* KvRowOf(const void* base, const PagedKvView& kv, int kv_head,
                            std::span<const std::int32_t> block_table, int position);
// The AVX-512 body (attention_tile_avx512.cc); head_dim % 16 == 0.
void AttendTileAvx512(const AttentionTile& tile, const PagedKvView& kv, int kv_head,
                      std::span<const std::int32_t> block_table, float scale,
                      std::span<float> scratch);
}  // namespace internal

}  // namespace citadel::kernels
