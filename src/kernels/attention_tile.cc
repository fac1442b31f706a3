#include "kernels/attention_tile.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "kernels/dequantize.h"

namespace citadel::kernels {
namespace {

constexpr int kBlock = 16;  // positions widened together

// One KV row widened to F32: the dequantizer of its element type.
void WidenRow(const PagedKvView& kv, const std::uint8_t* row, float* dst) {
  const TensorType type = kv.type == KvCacheType::kF16 ? TensorType::kF16 : TensorType::kQ8_0;
  (void)DequantizeRow(type, row, dst, kv.head_dim);  // cannot fail: head_dim checked at load
}

// Widens positions [p0, p0 + n) (n <= 16) of `kv_head` to F32: keys
// transposed to kt[d * 16 + j], values to v[j * head_dim + d]; positions
// past n are zero.
void WidenKvBlock(const PagedKvView& kv, int kv_head, std::span<const std::int32_t> block_table,
                  int p0, int n, float* kt, float* v);

// The scalar reference: the steps of the header comment, lane by lane.
void AttendTileScalar(const AttentionTile& tile, const PagedKvView& kv, int kv_head,
                      std::span<const std::int32_t> block_table, float scale,
                      std::span<float> scratch) {
  const int hd = kv.head_dim;
  const int rows = tile.tokens * tile.heads;
  const auto [kt, v, m, l] = internal::CarveTileScratch(scratch, hd, rows);
  for (int r = 0; r < rows; ++r) {
    m[r] = -std::numeric_limits<float>::infinity();
    l[r] = 0.0f;
    float* o = tile.out + (r / tile.heads) * tile.stride + (r % tile.heads) * hd;
    std::fill(o, o + hd, 0.0f);
  }
  const int max_context = tile.first_context + tile.tokens - 1;
  for (int p0 = 0; p0 < max_context; p0 += kBlock) {
    WidenKvBlock(kv, kv_head, block_table, p0, std::min(kBlock, max_context - p0), kt, v);
    for (int r = 0; r < rows; ++r) {
      const int valid = std::min(kBlock, tile.first_context + r / tile.heads - p0);
      if (valid <= 0) continue;
      const float* q = tile.q + (r / tile.heads) * tile.stride + (r % tile.heads) * hd;
      float* o = tile.out + (r / tile.heads) * tile.stride + (r % tile.heads) * hd;
      float s[kBlock];
      float block_max = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < valid; ++j) {
        float dot = 0.0f;
        for (int d = 0; d < hd; ++d) dot += q[d] * kt[d * kBlock + j];
        s[j] = dot * scale;
        block_max = std::max(block_max, s[j]);
      }
      const float m_new = std::max(m[r], block_max);
      const float correction = std::exp(m[r] - m_new);
      float sum = 0.0f;
      for (int d = 0; d < hd; ++d) o[d] *= correction;
      for (int j = 0; j < valid; ++j) {
        const float p = std::exp(s[j] - m_new);
        sum += p;
        for (int d = 0; d < hd; ++d) o[d] += p * v[j * hd + d];
      }
      l[r] = l[r] * correction + sum;
      m[r] = m_new;
    }
  }
  for (int r = 0; r < rows; ++r) {
    float* o = tile.out + (r / tile.heads) * tile.stride + (r % tile.heads) * hd;
    const float inv = 1.0f / l[r];
    for (int d = 0; d < hd; ++d) o[d] *= inv;
  }
}

void WidenKvBlock(const PagedKvView& kv, int kv_head, std::span<const std::int32_t> block_table,
                  int p0, int n, float* kt, float* v) {
  const int hd = kv.head_dim;
  float key[512];  // head_dim <= 512 (checked by AttendTileAtLevel)
  for (int j = 0; j < kBlock; ++j) {
    if (j < n) {
      WidenRow(kv, internal::KvRowOf(kv.keys, kv, kv_head, block_table, p0 + j), key);
      WidenRow(kv, internal::KvRowOf(kv.values, kv, kv_head, block_table, p0 + j), v + j * hd);
    } else {
      std::fill(key, key + hd, 0.0f);
      std::fill(v + j * hd, v + (j + 1) * hd, 0.0f);
    }
    for (int d = 0; d < hd; ++d) kt[d * kBlock + j] = key[d];
  }
}

}  // namespace

namespace internal {

TileScratch CarveTileScratch(std::span<float> scratch, int head_dim, int rows) {
  float* kt = scratch.data();
  float* v = kt + kBlock * head_dim;
  float* m = v + kBlock * head_dim;
  return {kt, v, m, m + rows};
}

const std::uint8_t* KvRowOf(const void* base, const PagedKvView& kv, int kv_head,
                            std::span<const std::int32_t> block_table, int position) {
  const std::int64_t block = block_table[position / kv.block_size];
  const std::int64_t row =
      (block * kv.block_size + position % kv.block_size) * kv.num_kv_heads + kv_head;
  return static_cast<const std::uint8_t*>(base) + row * KvBytes(kv.type, kv.head_dim);
}

}  // namespace internal

bool AttendTilePreferred(int head_dim) {
  return SelectedSimdLevel() >= SimdLevel::kAvx512 && head_dim % 16 == 0 && head_dim <= 512;
}

std::size_t AttendTileScratchFloats(const AttentionTile& tile, int head_dim) {
  return static_cast<std::size_t>(2 * kBlock * head_dim + 2 * tile.tokens * tile.heads);
}

void AttendTileAtLevel(SimdLevel level, const AttentionTile& tile, const PagedKvView& kv,
                       int kv_head, std::span<const std::int32_t> block_table, float scale,
                       std::span<float> scratch) {
  assert(tile.tokens >= 1 && tile.heads >= 1 && tile.first_context >= 1);
  assert(kv.head_dim <= 512 && scratch.size() >= AttendTileScratchFloats(tile, kv.head_dim));
  level = std::min(level, MaxSupportedSimdLevel());
  if (level >= SimdLevel::kAvx512 && kv.head_dim % 16 == 0) {
    internal::AttendTileAvx512(tile, kv, kv_head, block_table, scale, scratch);
  } else {
    AttendTileScalar(tile, kv, kv_head, block_table, scale, scratch);
  }
}

void AttendTile(const AttentionTile& tile, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, float scale, std::span<float> scratch) {
  AttendTileAtLevel(SelectedSimdLevel(), tile, kv, kv_head, block_table, scale, scratch);
}

}  // namespace citadel::kernels
