// KV memory: the storage of keys and values for every layer, cut into
// fixed-size blocks that sequences address through block tables (the block
// ids are handed out by the engine's KV bookkeeping; this class only holds
// the bytes).
//
// Layout, per layer, for keys and for values alike:
//
//   [num_blocks][block_size][num_kv_heads][head_dim elements of shape.type]
//
// so a block holds `block_size` consecutive positions of one sequence and
// the row of one (position, KV head) is head_dim contiguous halves (kF16) or
// head_dim / 32 BlockQ8_0 (kQ8_0: 34 bytes per 32 elements instead of 64).
//
// Thread-compatible: the forward pass writes the rows of the batch's tokens,
// then reads; callers never run two forward passes on one KvMemory at once.
// StoreRows calls for distinct (layer, block, slot) may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "kernels/attention.h"
#include "kernels/block_formats.h"
#include "kernels/kv_cache_type.h"
#include "util/page_buffer.h"
#include "util/status.h"

namespace citadel::model {

// The element type of keys and values and its helpers live with the kernels
// that read and write it; they are re-exported here so that the layers above
// model/ (engine, runtime) name them without including kernels/.
using KvCacheType = kernels::KvCacheType;
using kernels::CheckKvCacheType;
using kernels::KvCacheTypeName;
using kernels::ParseKvCacheType;

struct KvShape {
  int num_layers = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int block_size = 16;  // positions per block
  int num_blocks = 0;
  KvCacheType type = KvCacheType::kF16;  // element type of keys and values
};

class KvMemory {
 public:
  // Allocates (and zeroes) the storage. InvalidArgument for non-positive
  // sizes or a type the head_dim cannot hold (kQ8_0 needs head_dim a
  // multiple of 32: "--kv-cache-type q8_0 needs head_dim a multiple of 32
  // ..."); ResourceExhausted when the allocation fails.
  static Result<KvMemory> Create(const KvShape& shape);

  KvMemory(KvMemory&&) noexcept = default;
  KvMemory& operator=(KvMemory&&) noexcept = default;

  const KvShape& shape() const { return shape_; }
  // Bytes held for keys and values of all layers.
  std::int64_t size_bytes() const;
  // Bytes per position (all layers, keys and values) in shape.type:
  // 2 * layers * kv_heads * head_dim * (2 for kF16, 34 / 32 for kQ8_0).
  static std::int64_t BytesPerPosition(const KvShape& shape);

  // Stores the [num_kv_heads * head_dim] F32 key and value rows of one
  // position (block `block_id`, slot position % block_size, `layer_idx`),
  // rounded to F16 or quantized to Q8_0 (QuantizeRowQ8_0) per shape.type.
  void StoreRows(int layer_idx, std::int32_t block_id, int slot, const float* key,
                 const float* value);
  // The stored rows widened back to F32 ([num_kv_heads * head_dim] each).
  void LoadRows(int layer_idx, std::int32_t block_id, int slot, float* key, float* value) const;

  // Read view of one layer for the attention kernel.
  kernels::PagedKvView LayerView(int layer_idx) const;

 private:
  KvMemory() = default;
  std::byte* data() const { return reinterpret_cast<std::byte*>(buffer_.data()); }
  std::int64_t RowBytes() const;  // one position's [num_kv_heads * head_dim] elements
  std::int64_t LayerBytes() const;
  // Byte offset of a key (value = false) or value row in data().
  std::int64_t RowOffset(int layer_idx, bool value, std::int32_t block_id, int slot) const;

  KvShape shape_;
  // [layers][2 (k, v)][blocks]...; huge pages where the OS allows (attention
  // streams it), zero-filled by the OS page by page as it is first touched.
  PageBuffer buffer_;
};

}  // namespace citadel::model
