// Scaled dot-product attention of one query head over a paged KV store of
// F16 or Q8_0 elements (KvCacheType).
//
// KV layout (one layer), addressed through a sequence's block table:
//
//   keys / values: [num_blocks][block_size][num_kv_heads][head_dim elements]
//
//   one (position, KV head) row is head_dim halves (kF16) or head_dim / 32
//   BlockQ8_0 (kQ8_0; head_dim a multiple of 32), so rows are
//   KvBytes(type, head_dim) bytes apart.
//
//   position p of a sequence lives in block block_table[p / block_size],
//   slot p % block_size.
//
// Grouped-query attention: the caller maps each query head to its KV head
// (head_idx / (num_heads / num_kv_heads)).
//
// The query stays F32 (the reference engine's tiled prefill path does the
// same); keys and values are widened from F16 or dequantized from Q8_0
// (d * q) on the fly; scores, softmax and the weighted sum of values are F32.
//
// Runs on the AVX-512 path when the CPU has it (SimdLevel::kAvx512 or
// higher), else AVX2 (+F16C, FMA), else the scalar reference. Pure function over borrowed buffers;
// thread-safe when each caller passes its own scratch and output.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/block_formats.h"
#include "kernels/cpu_features.h"
#include "kernels/kv_cache_type.h"

namespace citadel::kernels {

// A read-only view of one layer's paged keys and values.
struct PagedKvView {
  const void* keys = nullptr;    // [num_blocks, block_size, num_kv_heads, head_dim] of `type`
  const void* values = nullptr;  // same layout and type as keys
  int block_size = 0;
  int num_kv_heads = 0;
  int head_dim = 0;  // a multiple of 32 for kQ8_0
  KvCacheType type = KvCacheType::kF16;
};

// Per-thread scratch for AttendHead.
struct AttentionScratch {
  std::span<float> scores;  // [>= context_length]
};

// out[head_dim] = softmax(scale * q . K[0..context_length)) . V for KV head
// `kv_head`. `block_table` covers at least context_length positions;
// context_length >= 1. Programmer error otherwise.
void AttendHead(std::span<const float> q, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, int context_length, float scale,
                AttentionScratch scratch, std::span<float> out);

// As AttendHead on an explicit SIMD path (capped at what the CPU supports),
// for tests that compare the paths. Paths differ only in summation order
// (for kQ8_0 the scalar reference sums q . quants per block of 32, then
// scales by d).
void AttendHeadAtLevel(SimdLevel level, std::span<const float> q, const PagedKvView& kv,
                       int kv_head, std::span<const std::int32_t> block_table, int context_length,
                       float scale, AttentionScratch scratch, std::span<float> out);

}  // namespace citadel::kernels
